"""Each figure of metrics.md against a small district computed by hand (period 2024Q2)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mobile_hall.applications.constants import ApplicationStatus, Channel
from mobile_hall.applications.models import Application
from mobile_hall.catalog.constants import Audience
from mobile_hall.catalog.models import ItemVersion, ServiceItem
from mobile_hall.extensions import db
from mobile_hall.monitoring.constants import Figure
from mobile_hall.monitoring.metrics import (
    Catalog,
    Ratio,
    assessed_units,
    count_period,
    figures_of,
)
from mobile_hall.monitoring.periods import quarter
from mobile_hall.monitoring.services import assessment, trend
from mobile_hall.organisations.constants import UnitLevel
from tests.support import monitoring as build

PERIOD = quarter("2024Q2")


@pytest.fixture
def district(app_context):
    """A department with four items and five applications; a town whose village has an item."""
    department = build.unit("T-DEPT", UnitLevel.DEPARTMENT)
    empty = build.unit("T-EMPTY", UnitLevel.DEPARTMENT)
    town = build.unit("T-TOWN", UnitLevel.TOWN, population=1000, enterprise_count=0)
    village = build.unit("T-TOWN-01", UnitLevel.VILLAGE, parent=town)
    build.unit("T-BARE", UnitLevel.DEPARTMENT)
    bare_town = build.unit("T-BARE-TOWN", UnitLevel.TOWN, population=10, enterprise_count=1)
    build.unit("T-BARE-TOWN-01", UnitLevel.VILLAGE, parent=bare_town)
    a1 = build.item("T-A1", [department], visits=0, mobile=True)
    a2 = build.item(
        "T-A2", [department], audience=Audience.ENTERPRISE, visits=1, stages=["apply", "accept"]
    )
    a3 = build.item("T-A3", [department], visits=2, stages=[])
    p1 = build.item("T-P1", [department], approval=False, visits=0, mobile=True)
    build.item("T-E1", [empty], approval=False, visits=1, stages=[])
    b1 = build.item("T-B1", [village], visits=0, mobile=True)
    build.application(a1, department, Channel.MOBILE, "2024-04-10", "2024-04-20", "electronic")
    build.application(a1, department, Channel.COUNTER, "2024-04-11", "2024-04-21", "pickup", 1)
    build.application(a2, department, Channel.WEB, "2024-05-02", "2024-05-10", "post", 2)
    build.application(p1, department, Channel.WEB, "2024-05-03")
    build.application(a3, department, Channel.COUNTER, "2024-03-30", "2024-04-02", "pickup", 1)
    build.application(b1, village, Channel.MOBILE, "2024-06-01", "2024-06-03", "electronic")
    # Outside the period on both ends: counted nowhere.
    build.application(a1, department, Channel.COUNTER, "2024-07-01", "2024-07-02", "pickup", 3)
    return {ref.code: ref for ref in assessed_units(PERIOD.last.year)}


def figures(refs, code):
    district = next(ref for ref in refs.values() if ref.unit_ids is None)
    return figures_of(refs[code], Catalog.load(), count_period(PERIOD), district)


def test_declared_item_figures_come_from_the_catalog(district):
    values = figures(district, "T-DEPT")
    assert values[Figure.FULL_ONLINE].declared == Ratio(1, 3)  # A1 of A1, A2, A3
    assert values[Figure.MAX_ONE_VISIT].declared == Ratio(3, 3)  # A1, A2, P1 apply online
    assert values[Figure.ZERO_VISIT].declared == Ratio(2, 3)  # A1, P1
    assert values[Figure.MOBILE].declared == Ratio(1, 2)  # approval for persons: A1, A3


def test_observed_item_figures_count_items_completed_in_the_period(district):
    values = figures(district, "T-DEPT")
    assert values[Figure.FULL_ONLINE].observed == Ratio(1, 3)  # A1 ran online once
    assert values[Figure.MAX_ONE_VISIT].observed == Ratio(1, 2)  # A2 recorded 2 visits
    assert values[Figure.ZERO_VISIT].observed == Ratio(0, 2)  # A1 recorded a visit
    assert values[Figure.MOBILE].observed == Ratio(1, 2)  # A1 came from the mobile site


def test_application_figures_count_submitted_and_completed_in_the_period(district):
    values = figures(district, "T-DEPT")
    assert values[Figure.ONLINE_APPLY].declared == Ratio(3, 4)
    assert values[Figure.ONLINE_COMPLETE].declared == Ratio(1, 4)


def test_a_town_counts_its_villages_items_and_applications(district):
    values = figures(district, "T-TOWN")
    assert values[Figure.FULL_ONLINE].declared == Ratio(1, 1)
    assert values[Figure.ZERO_VISIT].observed == Ratio(1, 1)
    assert values[Figure.ONLINE_APPLY].declared == Ratio(1, 1)
    assert values[Figure.ONLINE_COMPLETE].declared == Ratio(1, 1)


def test_a_zero_denominator_has_no_value_and_is_neither_met_nor_missed(district):
    values = figures(district, "T-EMPTY")
    assert values[Figure.FULL_ONLINE].declared.value is None
    assert values[Figure.ONLINE_APPLY].declared.value is None
    assert figures(district, "T-TOWN")[Figure.ENTERPRISE_PAGE].declared.value is None
    row = assessment(PERIOD).row("T-EMPTY")
    assert row.cells[Figure.ONLINE_APPLY].met is None
    assert Figure.ONLINE_APPLY not in row.missed


def test_the_page_ratio_of_a_town_divides_by_its_population(district):
    assert figures(district, "T-TOWN")[Figure.CITIZEN_PAGE].declared == Ratio(0, 1000)


def test_departments_show_the_districts_page_ratio(district):
    department = figures(district, "T-DEPT")[Figure.CITIZEN_PAGE].declared
    whole = figures(district, next(c for c, r in district.items() if r.unit_ids is None))
    assert department == whole[Figure.CITIZEN_PAGE].declared


def test_the_district_counts_every_catalog_item_once(district):
    approval = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ServiceItem)
        .join(ItemVersion, ItemVersion.id == ServiceItem.current_version_id)
        .where(ItemVersion.is_approval)
    )
    code = next(c for c, r in district.items() if r.unit_ids is None)
    assert figures(district, code)[Figure.FULL_ONLINE].declared.denominator == approval


def test_units_without_items_and_villages_are_not_assessed(district):
    assert "T-TOWN-01" not in district
    assert "T-DEPT" in district and "T-TOWN" in district
    # metrics.md, counting rules: units that implement no item are not ranked, towns included.
    assert "T-BARE" not in district and "T-BARE-TOWN" not in district


def test_the_monthly_trend_counts_each_month_apart(district):
    counts = count_period(PERIOD, district["T-DEPT"].unit_ids)
    points = trend(district["T-DEPT"], counts, Catalog.load())
    assert [month.first.month for month, _ in points] == [4, 5, 6]
    assert [p[Figure.ONLINE_APPLY] for _, p in points] == [Ratio(1, 2), Ratio(2, 2), Ratio(0, 0)]
    assert [p[Figure.ONLINE_COMPLETE] for _, p in points] == [
        Ratio(1, 3),
        Ratio(0, 1),
        Ratio(0, 0),
    ]
    # Observed item figures per month: April completed A1 twice (one visit) and A3.
    assert [p[Figure.ZERO_VISIT] for _, p in points] == [Ratio(0, 1), Ratio(0, 1), Ratio(0, 0)]


def test_synth_adds_finished_applications_spread_over_the_units(runner, app):
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Application))
    result = runner.invoke(args=["monitoring", "synth", "--applications", "40", "--seed", "3"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = db.session.scalars(sa.select(Application).where(Application.number.like("S%"))).all()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == before + 40
    assert {row.status for row in rows} <= {ApplicationStatus.COMPLETED, ApplicationStatus.REJECTED}
    assert len({row.unit_id for row in rows}) > 1
