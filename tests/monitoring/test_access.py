"""Who sees which figures: the office every unit, a unit's staff their own, read only."""

from __future__ import annotations

import pytest

from mobile_hall.audit.models import AuditEvent
from mobile_hall.common.errors import NotAuthorized
from mobile_hall.extensions import db
from mobile_hall.monitoring import services
from mobile_hall.monitoring.constants import Figure, UnitKind
from mobile_hall.monitoring.periods import quarter
from mobile_hall.monitoring.targets import (
    Threshold,
    plan_targets,
    save_targets,
    targets_for,
    targets_for_office,
)
from tests.support.monitoring import person as account
from tests.support.workbench import csrf_token

PERIOD = quarter("2026Q3")


def test_a_units_staff_see_only_their_own_unit_on_the_dashboard(client, sign_in):
    html = sign_in("clerk").get("/monitoring?quarter=2026Q3").get_data(as_text=True)
    assert "市场监管局" in html
    assert "马坝镇" not in html and "民政局" not in html
    assert "考核目标" not in html  # the office's link


def test_a_units_staff_cannot_open_another_units_drill_down(client, sign_in):
    staff = sign_in("clerk")
    assert staff.get("/monitoring/units/QJ-SCJGJ").status_code == 200
    assert staff.get("/monitoring/units/QJ-MB").status_code == 403
    assert staff.get("/monitoring/units/QJ-MB/items/QJ-MZ-0003").status_code == 403


def test_the_service_refuses_another_units_figures(app_context):
    clerk = account("clerk")
    with pytest.raises(NotAuthorized):
        services.unit_detail(clerk, "QJ-MB", PERIOD)
    assert services.unit_detail(clerk, "QJ-SCJGJ", PERIOD).row.unit.code == "QJ-SCJGJ"


def test_only_the_office_edits_targets_or_sees_the_summary(client, sign_in):
    staff = sign_in("clerk")
    assert staff.get("/monitoring/targets").status_code == 403
    assert staff.get("/monitoring/summary").status_code == 403
    assert staff.get("/monitoring/summary/2026Q3.xlsx").status_code == 403


def test_someone_without_a_staff_role_is_refused(client, sign_in):
    assert sign_in("citizen").get("/monitoring").status_code == 403


def test_an_unknown_unit_is_not_found(client, sign_in):
    assert sign_in("office").get("/monitoring/units/NOPE").status_code == 404


def test_the_office_changes_a_target_and_the_change_is_audited(client, sign_in):
    office = sign_in("office")
    page = office.get("/monitoring/targets?year=2026").get_data(as_text=True)
    assert 'value="60"' in page  # the plan's default for departments
    form = {"csrf_token": csrf_token(office)}
    for kind, row in plan_targets().items():
        for figure, threshold in row.items():
            name = f"{kind}__{figure}"
            form[f"{name}-percent"] = str(threshold.percent) if threshold else ""
            form[f"{name}-comparison"] = "gt" if threshold and threshold.strict else "ge"
    form["department__online_apply_rate-percent"] = "70"
    response = office.post("/monitoring/targets?year=2026", data=form)
    assert response.status_code == 303
    with client.application.app_context():
        assert targets_for(2026)[UnitKind.DEPARTMENT][Figure.ONLINE_APPLY] == Threshold(70)
        assert targets_for(2027)[UnitKind.DEPARTMENT][Figure.ONLINE_APPLY] == Threshold(60)
        event = db.session.scalar(
            db.select(AuditEvent).where(AuditEvent.action == "monitoring.target")
        )
        assert event.target == "2026/department/online_apply_rate"
        assert event.details == {"before": [60, False], "after": [70, False]}


def test_the_target_service_refuses_a_units_staff(app_context):
    with pytest.raises(NotAuthorized):
        save_targets(account("clerk"), 2026, {(UnitKind.TOWN, Figure.MOBILE): Threshold(5)})
    with pytest.raises(NotAuthorized):
        targets_for_office(account("clerk"), 2026)
    assert save_targets(account("office"), 2026, {(UnitKind.TOWN, Figure.MOBILE): Threshold(5)})
