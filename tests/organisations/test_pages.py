"""Department, town, village and registration-point pages."""

from __future__ import annotations

import re

import sqlalchemy as sa

from mobile_hall.catalog.models import ItemVersion, ServiceItem, item_version_unit
from mobile_hall.extensions import db
from mobile_hall.organisations.models import ServiceLocation, Unit


def _codes_of_units(unit_ids: list[int]) -> set[str]:
    return set(
        db.session.scalars(
            sa.select(ServiceItem.code)
            .join(ItemVersion, ServiceItem.current_version_id == ItemVersion.id)
            .join(item_version_unit, item_version_unit.c.item_version_id == ItemVersion.id)
            .where(item_version_unit.c.unit_id.in_(unit_ids))
        )
    )


def test_index_lists_departments_and_towns(client):
    html = client.get("/units").get_data(as_text=True)
    assert "区市场监督管理局" in html and "马坝镇" in html and "罗坑镇" in html


def test_department_page_shows_contact_points_and_its_items(client, app):
    with app.app_context():
        unit = db.session.scalars(sa.select(Unit).where(Unit.code == "QJ-SCJGJ")).one()
        expected = _codes_of_units([unit.id])
        phone, location_names = unit.phone, [loc.name for loc in unit.locations]
    html = client.get("/units/QJ-SCJGJ").get_data(as_text=True)
    assert phone in html
    assert all(name in html for name in location_names)
    assert set(re.findall(r'href="/items/([A-Z0-9-]+)"', html)) == expected
    assert f"可办事项（{len(expected)}项）" in html


def test_town_page_includes_its_villages_and_their_items(client, app):
    with app.app_context():
        town = db.session.scalars(sa.select(Unit).where(Unit.code == "QJ-MB")).one()
        expected = _codes_of_units([town.id, *(v.id for v in town.children)])
        villages = [(v.code, v.name) for v in town.children]
    html = client.get("/units/QJ-MB").get_data(as_text=True)
    for code, name in villages:
        assert f'href="/units/{code}"' in html and name in html
    assert set(re.findall(r'href="/items/([A-Z0-9-]+)"', html)) == expected


def test_village_page_links_back_to_its_town(client):
    html = client.get("/units/QJ-MB-01").get_data(as_text=True)
    assert 'href="/units/QJ-MB"' in html


def test_unknown_unit_is_a_chinese_404(client):
    response = client.get("/units/QJ-NOPE")
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)


def test_registration_points_list_every_point_with_address_hours_and_phone(client, app):
    with app.app_context():
        points = db.session.scalars(
            sa.select(ServiceLocation).where(ServiceLocation.is_registration_point.is_(True))
        ).all()
        expected = [(p.name, p.address, p.hours, p.phone) for p in points]
    html = client.get("/registration-points").get_data(as_text=True)
    for fields in expected:
        assert all(value in html for value in fields)


def test_every_unit_page_renders_for_the_demo_data(client, app):
    with app.app_context():
        units = db.session.execute(sa.select(Unit.code, Unit.name)).all()
    assert len(units) > 40
    for code, name in units:
        response = client.get(f"/units/{code}")
        assert response.status_code == 200 and name in response.get_data(as_text=True), code
