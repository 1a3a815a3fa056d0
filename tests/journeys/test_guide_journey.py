"""On a phone: the market-regulation editor changes a time limit and adds a material, the 区编办
reviewer approves, and a citizen reads the new guide."""

from __future__ import annotations

import pytest

from tests.support.accessibility import accessibility_problems
from tests.support.phone import person

pytestmark = pytest.mark.browser


def test_an_edited_guide_is_reviewed_and_published_to_citizens(browser, hall_url, restored_item):
    editor = person(browser, hall_url, "catalog-editor")
    editor.goto(f"{hall_url}/staff/guides")
    editor.locator(f"form[action='/staff/guides/items/{restored_item}/draft'] button").click()
    editor.wait_for_url(f"{hall_url}/staff/guides/drafts/*")
    problems = accessibility_problems(editor, "editor", elderly=False)
    editor.get_by_label("承诺时限（工作日，0为即办）").fill("0")
    editor.get_by_role("button", name="添加材料").click()
    editor.get_by_role("button", name="添加材料").wait_for()
    last = editor.locator("input[id^='materials-'][id$='-name']").last
    last.fill("经营场所照片")
    editor.get_by_role("button", name="保存草稿").click()
    editor.get_by_role("status").wait_for()
    assert "草稿已保存" in editor.content()
    assert editor.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    editor.get_by_role("button", name="提交审核").click()
    editor.wait_for_url(f"{hall_url}/staff/guides")

    reviewer = person(browser, hall_url, "bb-reviewer")
    reviewer.goto(f"{hall_url}/staff/guides")
    reviewer.locator("a[href$='/review']").first.click()
    reviewer.wait_for_url(f"{hall_url}/staff/guides/drafts/*/review")
    page = reviewer.content()
    problems += accessibility_problems(reviewer, "review", elderly=False)
    assert not problems, "\n".join(problems)
    assert "经营场所照片" in page and "承诺时限（工作日）" in page
    reviewer.get_by_role("button", name="审核通过并发布").click()
    reviewer.wait_for_url(f"{hall_url}/staff/guides")

    citizen = person(browser, hall_url, "citizen")
    citizen.goto(f"{hall_url}/items/{restored_item}")
    guide = citizen.content()
    assert "经营场所照片" in guide
    assert citizen.locator(".glance div", has_text="承诺时限").inner_text().endswith("即办")
