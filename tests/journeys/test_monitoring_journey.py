"""The office's assessment on a phone: the dashboard, a department below target, the summary
sheet, a rectification notice sent, and the department's contact reading it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mobile_hall.extensions import db
from mobile_hall.monitoring.models import Notice
from tests.support.phone import person

pytestmark = pytest.mark.browser


@pytest.fixture
def notices_cleanup(app, journey_cleanup):
    """The journey sends notices through the live hall: remove them afterwards."""
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.max(Notice.id))) or 0
    yield
    with app.app_context():
        db.session.execute(sa.delete(Notice).where(Notice.id > before))
        db.session.commit()


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_office_sends_a_rectification_notice_the_department_reads(
    browser, hall_url, notices_cleanup
):
    office = person(browser, hall_url, "office")
    office.goto(f"{hall_url}/workbench")
    office.get_by_role("link", name="三率一数考核").click()
    office.wait_for_url(f"{hall_url}/monitoring")
    assert "区直单位" in office.content() and _fits(office)
    assert office.locator("svg[role=img]").count() >= 2  # the trend, drawn on the server

    office.get_by_role("link", name="市场监管局").first.click()
    office.wait_for_url(f"{hall_url}/monitoring/units/QJ-SCJGJ**")
    assert "未达标" in office.content() and _fits(office)
    assert "承诺到现场" in office.content()

    office.goto(f"{hall_url}/monitoring")
    office.get_by_role("link", name="考核汇总").click()
    office.wait_for_url(f"{hall_url}/monitoring/summary")
    with office.expect_download() as download:
        office.get_by_role("link", name="下载汇总表（Excel）").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    office.get_by_role("group", name="市场监管局处理意见").get_by_label("整改通知").check()
    office.get_by_role("button", name="确认并发送通知").click()
    office.get_by_role("status").wait_for()  # the summary again, with what was sent
    assert "已发送" in office.content() and _fits(office)

    contact = person(browser, hall_url, "dept-contact")
    contact.goto(f"{hall_url}/workbench")
    contact.get_by_role("link", name="考核通知").click()
    contact.wait_for_url(f"{hall_url}/monitoring/notices")
    page = contact.content()
    assert "整改通知" in page and "整改期限" in page and "市场监管局" in page
    assert "马坝镇" not in page
