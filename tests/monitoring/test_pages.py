"""The assessment pages: who sees which units, and what the office can do."""

from __future__ import annotations

import pytest

from mobile_hall.applications.constants import Channel
from mobile_hall.extensions import db
from mobile_hall.organisations.constants import UnitLevel
from tests.support import monitoring as build


@pytest.fixture
def office(client, sign_in):
    return sign_in("office")


def test_the_office_sees_every_unit_on_the_dashboard(office):
    response = office.get("/monitoring?quarter=2026Q4")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "区直单位" in html and "镇（街）" in html
    assert "市场监管局" in html and "马坝镇" in html


def test_the_office_opens_a_units_drill_down_and_its_applications(office):
    html = office.get("/monitoring/units/QJ-SCJGJ?quarter=2026Q4").get_data(as_text=True)
    assert "事项" in html
    response = office.get("/monitoring/units/QJ-SCJGJ/items/QJ-SCJG-0001?quarter=2026Q4")
    assert response.status_code == 200


def test_the_office_edits_targets(office):
    assert office.get("/monitoring/targets").status_code == 200


def test_summary_and_self_checks_render(office):
    assert office.get("/monitoring/summary?quarter=2026Q3").status_code == 200
    assert office.get("/monitoring/self-checks?quarter=2026Q3").status_code == 200
    assert office.get("/monitoring/self-checks/2026Q3/QJ-MB").status_code == 200
    assert office.get("/monitoring/notices").status_code == 200


def test_a_date_range_is_shown_and_a_reversed_one_is_refused_next_to_the_field(office):
    ranged = office.get("/monitoring?first=2026-07-01&last=2026-08-15").get_data(as_text=True)
    assert "2026-07-01 至 2026-08-15" in ranged
    reversed_range = office.get("/monitoring?first=2026-08-15&last=2026-07-01")
    html = reversed_range.get_data(as_text=True)
    assert "结束日期不能早于开始日期" in html and 'aria-invalid="true"' in html
    bad = office.get("/monitoring?quarter=2026Q5").get_data(as_text=True)
    assert "请按“2026Q4”的格式填写" in bad


def test_the_drill_down_lists_an_items_applications_with_links_to_the_casefile(office, app):
    with app.app_context():
        department = build.unit("T-DEPT", UnitLevel.DEPARTMENT)
        item = build.item("T-A1", [department])
        made = build.application(item, department, Channel.WEB, "2024-05-02", "2024-05-09", "post")
        made_id = made.id
        db.session.commit()  # rolled back with the test's outer transaction
    html = office.get("/monitoring/units/T-DEPT?quarter=2024Q2").get_data(as_text=True)
    assert "测试事项T-A1" in html and "网上1件" in html
    listing = office.get("/monitoring/units/T-DEPT/items/T-A1?quarter=2024Q2")
    assert f"/workbench/applications/{made_id}" in listing.get_data(as_text=True)
    assert office.get("/monitoring/units/T-DEPT/items/QJ-NONE?quarter=2024Q2").status_code == 404
