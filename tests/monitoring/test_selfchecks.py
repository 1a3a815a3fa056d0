"""Quarterly self-checks, the proposed measures and the notices the office sends."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine

from mobile_hall.clock import CHINA_STANDARD_TIME
from mobile_hall.common.errors import NotAuthorized
from mobile_hall.monitoring import selfchecks
from mobile_hall.monitoring.assessment import propose
from mobile_hall.monitoring.constants import Figure, Measure
from mobile_hall.monitoring.periods import quarter, self_check_due
from tests.support.monitoring import person as account
from tests.support.workbench import csrf_token

Q3_2025 = quarter("2025Q3")


def local(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=CHINA_STANDARD_TIME)


def test_all_met_proposes_praise():
    assert propose([]) is Measure.PRAISE


def test_one_missed_proposes_criticism():
    assert propose([Figure.ZERO_VISIT]) is Measure.CRITICISM


def test_three_missed_propose_a_rectification_notice():
    missed = [Figure.ZERO_VISIT, Figure.MOBILE, Figure.ONLINE_APPLY]
    assert propose(missed) is Measure.RECTIFICATION


def test_the_same_figure_missed_two_quarters_running_proposes_rectification():
    assert propose([Figure.MOBILE], [Figure.MOBILE]) is Measure.RECTIFICATION
    assert propose([Figure.MOBILE], [Figure.ZERO_VISIT]) is Measure.CRITICISM


def test_the_deadline_counts_legal_working_days_past_the_national_day_holiday():
    # 2025Q3 ends on Tuesday 30 September; 1-8 October are off, Saturday 11 October is worked.
    assert self_check_due(Q3_2025) == date(2025, 10, 13)


@pytest.mark.parametrize(("day", "late"), [("2025-10-13", False), ("2025-10-14", True)])
def test_a_self_check_handed_in_after_the_deadline_is_late(app_context, day, late):
    with time_machine.travel(local(day), tick=False):
        selfchecks.hand_in(account("clerk"), "QJ-SCJGJ", Q3_2025, "已完成网上办理推广。")
    sheet = selfchecks.open_sheet(account("office"), "QJ-SCJGJ", Q3_2025)
    assert sheet.submitted_on == date.fromisoformat(day)
    assert sheet.is_late(date(2025, 12, 1)) is late


def test_a_missing_self_check_is_late_only_after_the_deadline(app_context):
    sheet = selfchecks.open_sheet(account("office"), "QJ-MB", Q3_2025)
    assert not sheet.is_late(date(2025, 10, 13))
    assert sheet.is_late(date(2025, 10, 14))


def test_a_self_check_cannot_be_handed_in_before_the_quarter_ends(app_context):
    with (
        time_machine.travel(local("2025-09-30"), tick=False),
        pytest.raises(selfchecks.QuarterNotOver),
    ):
        selfchecks.hand_in(account("clerk"), "QJ-SCJGJ", Q3_2025, "进展")


def test_a_units_staff_cannot_hand_in_another_units_sheet(app_context):
    with pytest.raises(NotAuthorized):
        selfchecks.hand_in(account("clerk"), "QJ-MB", Q3_2025, "进展")
    with pytest.raises(NotAuthorized):
        selfchecks.hand_in(account("office"), "QJ-MB", Q3_2025, "进展")


def test_a_units_staff_hand_in_on_the_page(client, sign_in):
    staff = sign_in("town-clerk")
    path = "/monitoring/self-checks/2025Q3/QJ-MB"
    assert "报送自检表" in staff.get(path).get_data(as_text=True)
    empty = staff.post(path, data={"csrf_token": csrf_token(staff), "progress": ""})
    assert empty.status_code == 400 and "请填写工作进展情况" in empty.get_data(as_text=True)
    handed = staff.post(path, data={"csrf_token": csrf_token(staff), "progress": "村级站点全覆盖"})
    assert handed.status_code == 303
    assert "村级站点全覆盖" in staff.get(path).get_data(as_text=True)
    foreign = {"csrf_token": csrf_token(staff), "progress": "代报"}
    assert staff.post("/monitoring/self-checks/2025Q3/QJ-SCJGJ", data=foreign).status_code == 403


def test_the_office_sends_notices_and_the_unit_sees_its_own(client, sign_in, app):
    office = sign_in("office")
    page = office.get("/monitoring/summary?quarter=2025Q3").get_data(as_text=True)
    assert "建议：" in page
    form = {"csrf_token": csrf_token(office), "QJ-SCJGJ-measure": "rectification"}
    with app.app_context():
        for proposal in selfchecks.summary(account("office"), Q3_2025):
            form.setdefault(f"{proposal.row.unit.code}-measure", proposal.proposed.value)
    assert office.post("/monitoring/summary/2025Q3", data=form).status_code == 303
    listed = office.get("/monitoring/notices").get_data(as_text=True)
    assert "整改通知" in listed and "马坝镇" in listed

    other = app.test_client()
    staff = sign_in("clerk", on=other).get("/monitoring/notices").get_data(as_text=True)
    assert "整改通知" in staff and "整改期限" in staff
    assert "马坝镇" not in staff
    again = office.post("/monitoring/summary/2025Q3", data=form)
    assert again.status_code == 303  # nothing left to send: no unit gets a second notice
    with app.app_context():
        notices = selfchecks.notices_for(account("office"))
        assert len([n for n in notices if n.quarter == "2025Q3"]) == len(
            selfchecks.summary(account("office"), Q3_2025)
        )


def test_a_rectification_notice_lists_the_missed_figures_and_a_due_date(app_context):
    office = account("office")
    proposals = selfchecks.summary(office, Q3_2025)
    target = next(p for p in proposals if p.row.missed)
    with time_machine.travel(local("2025-10-20"), tick=False):
        (notice,) = selfchecks.send_notices(
            office, Q3_2025, {target.row.unit.code: Measure.RECTIFICATION}
        )
    assert notice.missed == [figure.value for figure in target.row.missed]
    assert notice.due_on == date(2025, 11, 17)  # 20 working days after 20 October
    assert notice.proposed is target.proposed
    with pytest.raises(selfchecks.AlreadySent):
        selfchecks.send_notices(office, Q3_2025, {target.row.unit.code: Measure.PRAISE})
