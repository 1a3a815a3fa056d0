"""A newcomer on a phone finds 营业执照 by typing `yyzz` and reads a complete guide."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_find_business_licence_by_pinyin_initials_and_read_its_guide(phone, hall_url, tmp_path):
    phone.goto(hall_url + "/")
    phone.get_by_label("搜索办事事项").fill("yyzz")
    phone.get_by_role("button", name="搜索").click()
    phone.wait_for_url("**/items?q=yyzz")
    result = phone.locator("a.cell", has_text="营业执照").first
    name = result.locator(".cell-title").inner_text()
    result.click()

    assert phone.locator("h2.item-name").inner_text() == name
    for heading in ("办理条件", "申请材料", "办理流程", "办理结果", "设定依据", "咨询电话"):
        assert phone.get_by_role("heading", name=heading).count() == 1
    # Nothing scrolls sideways on a 375 px phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot(path=str(tmp_path / "guide.png"), full_page=True)


def test_elder_mode_enlarges_text_and_is_remembered(phone, hall_url):
    phone.goto(hall_url + "/items")
    normal = phone.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    phone.get_by_role("link", name="长辈模式（大字）").click()
    phone.goto(hall_url + "/")
    enlarged = phone.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert normal >= 16 and enlarged >= 20
    assert phone.get_by_role("link", name="退出长辈模式").count() == 1


def test_filters_work_without_javascript(browser, hall_url):
    context = browser.new_context(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    page = context.new_page()
    page.goto(hall_url + "/items")
    page.locator("summary", has_text="筛选").click()
    page.get_by_label("零跑动").check()
    page.get_by_role("button", name="查看结果").click()
    assert "zero_visits=y" in page.url
    assert (
        page.locator("a.cell .badge", has_text="零跑动").count() == page.locator("a.cell").count()
    )
    assert page.locator("html").evaluate("e => e.scrollWidth") <= 320
    context.close()
