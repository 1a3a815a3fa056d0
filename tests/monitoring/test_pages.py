"""The assessment pages: who sees which units, and what the office can do."""

from __future__ import annotations

import pytest


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
