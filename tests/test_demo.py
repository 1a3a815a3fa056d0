"""The demo data: loading it again changes nothing, and it is the mix the district needs."""

from __future__ import annotations

import sqlalchemy as sa

from mobile_hall.catalog.models import ItemVersion, ServiceItem
from mobile_hall.clock import now
from mobile_hall.demo.services import load_demo
from mobile_hall.extensions import db
from mobile_hall.monitoring.metrics import assessed_units
from mobile_hall.organisations.constants import UnitLevel
from mobile_hall.organisations.models import ServiceLocation, Unit
from mobile_hall.organisations.services import figures_for


def _snapshot() -> dict[str, object]:
    return {
        table.name: db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
        for table in db.metadata.sorted_tables
        if table.name not in ("audit_event", "audit_chain_head")
    }


def test_loading_the_demo_twice_changes_nothing(app_context):
    before = _snapshot()
    report = load_demo()
    assert not report.created and not report.updated
    assert _snapshot() == before


def test_the_district_has_its_departments_and_nine_towns_with_villages(app_context):
    towns = db.session.scalars(sa.select(Unit).where(Unit.level == UnitLevel.TOWN)).all()
    assert {t.short_name for t in towns} >= {
        "马坝镇",
        "大塘镇",
        "枫湾镇",
        "小坑镇",
        "沙溪镇",
        "乌石镇",
        "樟市镇",
        "白土镇",
        "罗坑镇",
    }
    figures = figures_for(now().year)
    for town in towns:
        assert figures[town.id].population and figures[town.id].enterprise_count is not None
        assert len(town.children) >= 2
    departments = db.session.scalars(
        sa.select(Unit.code).where(Unit.level == UnitLevel.DEPARTMENT)
    ).all()
    assert {"QJ-SCJGJ", "QJ-WTB", "QJ-XZFWZX", "QJ-GAFJ"} <= set(departments)
    points = db.session.scalar(
        sa.select(sa.func.count()).where(ServiceLocation.is_registration_point.is_(True))
    )
    assert points >= 9


def test_the_catalog_is_a_realistic_mix(app_context):
    versions = db.session.scalars(
        sa.select(ItemVersion).join(ServiceItem, ServiceItem.current_version_id == ItemVersion.id)
    ).all()
    assert 55 <= len(versions) <= 70
    assert {v.required_visits for v in versions} == {0, 1, 2}
    assert any("apply" not in v.online_stages for v in versions)  # counter-only
    assert {v.audience for v in versions} >= {"person", "enterprise"}
    assert sum(v.result_type == "license" for v in versions) >= 6
    assert any(v.is_full_online and v.is_approval for v in versions)
    assert any(v.mobile_enabled for v in versions)


def test_the_registry_names_the_plans_own_bodies(app_context):
    units = {unit.code: unit for unit in db.session.scalars(sa.select(Unit))}
    assert units["QJ-JXJ"].name == "韶关市曲江区经济和信息化局"
    assert units["QJ-BB"].name == "韶关市曲江区机构编制委员会办公室"
    assert units["QJ-XZFWZX"].name == "韶关市曲江区行政服务中心"
    # 区网厅办 sits inside 区信息中心 (the technical lead), keeping its code.
    assert units["QJ-WTB"].parent is units["QJ-XXZX"]
    assert units["QJ-XXZX"].parent is units["QJ"]


def test_units_that_implement_no_item_are_not_ranked(app_context):
    ranked = {ref.code for ref in assessed_units(now().year)}
    assert {"QJ-JXJ", "QJ-BB", "QJ-XXZX", "QJ-WTB"}.isdisjoint(ranked)
    assert {"QJ-SCJGJ", "QJ-XZFWZX", "QJ-MB"} <= ranked
