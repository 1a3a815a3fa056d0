"""The office keeps a registration point current on a phone; a citizen sees it at once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mobile_hall.extensions import db
from mobile_hall.organisations.models import ServiceLocation, Unit
from mobile_hall.registry.models import ReferenceChange
from tests.support.phone import person

pytestmark = pytest.mark.browser

POINT = "曲江区社会保险服务大厅"
NEW_HOURS = "周一至周六 8:00-12:00，14:30-18:00（法定节假日除外）"


@pytest.fixture
def point_restored(app, journey_cleanup):
    """The journey changes a point through the live hall: put it back afterwards."""
    with app.app_context():
        location = db.session.scalars(
            sa.select(ServiceLocation).where(ServiceLocation.name == POINT)
        ).one()
        hours, location_id = location.hours, location.id
        last_change = db.session.scalar(sa.select(sa.func.max(ReferenceChange.id))) or 0
        db.session.remove()
    yield
    with app.app_context():
        db.session.get(ServiceLocation, location_id).hours = hours
        db.session.execute(sa.delete(ReferenceChange).where(ReferenceChange.id > last_change))
        db.session.commit()


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_office_changes_a_registration_points_hours_and_the_public_sees_them(
    browser, hall_url, point_restored, app
):
    office = person(browser, hall_url, "office")
    office.goto(f"{hall_url}/monitoring")
    office.get_by_role("link", name="参考数据管理").click()
    office.wait_for_url(f"{hall_url}/staff/registry")
    office.get_by_role("link", name="单位和服务网点").click()
    office.get_by_role("link", name=POINT).click()
    assert _fits(office)
    office.get_by_label("办理时间").fill(NEW_HOURS)
    office.get_by_role("button", name="保存").click()
    office.get_by_role("status").wait_for()
    assert "已保存" in office.content() and _fits(office)

    citizen = person(browser, hall_url, "citizen")
    citizen.goto(f"{hall_url}/registration-points")
    assert NEW_HOURS in citizen.content()
    with app.app_context():
        code = db.session.scalar(
            sa.select(Unit.code).join(ServiceLocation).where(ServiceLocation.name == POINT)
        )
        db.session.remove()
    office.goto(f"{hall_url}/staff/registry/units/{code}")
    office.get_by_role("link", name=POINT).click()
    assert "修改记录（1）" in office.content() and "钟国平" in office.content()
