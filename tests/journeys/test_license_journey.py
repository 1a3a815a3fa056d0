"""The license library's journey on phones: the demo enterprise applies for a food business
permit using the business licence in its wallet instead of an upload; the clerks approve; the
new permit appears in the wallet with a QR code, and another phone verifies it as valid."""

from __future__ import annotations

import re

import pytest

from tests.support.phone import PHONE, open_in_workbench, person, upload

pytestmark = pytest.mark.browser

FOOD_PERMIT = "QJ-SCJG-0005"


def test_a_wallet_license_replaces_paper_and_the_new_license_verifies(
    browser, hall_url, journey_cleanup
):
    company = person(browser, hall_url, "enterprise")
    company.goto(f"{hall_url}/items/{FOOD_PERMIT}")
    assert "您的证照库已有“营业执照”" in company.content()
    company.get_by_role("link", name="在线申办").click()
    company.get_by_role("button", name="开始填写").click()

    company.get_by_label("企业名称").fill("韶关市曲江区马坝镇曲香食品有限公司")
    company.get_by_label("统一社会信用代码").fill("91440205MA4W3K7B95")
    company.get_by_role("button", name="下一步").click()
    company.get_by_label("经办人姓名").fill("刘建华")
    company.get_by_label("经办人手机号码").fill("13800000004")
    company.get_by_role("button", name="下一步").click()
    company.get_by_label("经营场所", exact=True).fill("韶关市曲江区马坝镇工业园区兴业路8号")
    company.get_by_label("主体业态").select_option("食品销售经营者")
    company.get_by_label("散装食品销售").check()
    company.get_by_label("经营场所面积（平方米）").fill("120")
    company.get_by_role("button", name="下一步").click()

    # The business licence comes from the wallet; the other three are scans.
    company.get_by_label(re.compile(r"^营业执照，有效期")).check()
    for position in (0, 2, 3):
        upload(company, f"#file-{position}", "scan.png")
    company.get_by_role("button", name="上传并下一步：核对信息").click()
    company.get_by_label(re.compile("本人承诺")).check()
    company.get_by_role("button", name="提交申请").click()
    company.wait_for_load_state()  # the page the click leads to, loaded
    number = re.search(r"QJ\d{8} ?\d{6} ?[0-9A-Z]", company.content()).group(0).replace(" ", "")
    case_url = company.url.split("?")[0].replace("/applications/", "/workbench/applications/")

    clerk = person(browser, hall_url, "clerk")
    open_in_workbench(clerk, hall_url, number, "new", case_url)
    assert "申请人授权调用" in clerk.content()  # the licence's verified data, not a scan
    clerk.locator("#action-accept").get_by_role("button", name="受理").click()
    reviewer = person(browser, hall_url, "reviewer")
    open_in_workbench(reviewer, hall_url, number, "review", case_url)
    reviewer.locator("#action-review textarea").fill("现场核查符合食品经营条件")
    reviewer.locator("#action-review").get_by_role("button").click()
    reviewer.locator("#action-decide").get_by_label("准予许可").check()
    reviewer.locator("#action-decide").get_by_role("button", name="作出决定").click()
    clerk.goto(case_url)
    clerk.locator("#action-complete").get_by_label("电子送达").check()
    clerk.locator("#action-complete").get_by_role("button").click()

    company.goto(f"{hall_url}/licenses")
    company.locator("a", has_text="食品经营许可证").first.click()
    company.locator("svg").first.wait_for()  # the licence's page, loaded
    assert company.locator("svg").count() >= 1  # the QR code, drawn inline
    verify_link = company.get_by_role("link", name="打开核验页面").get_attribute("href")

    # Another phone, nobody signed in, opens what the QR code carries.
    stranger = browser.new_context(viewport=PHONE, is_mobile=True, locale="zh-CN").new_page()
    target = verify_link if verify_link.startswith("http") else hall_url + verify_link
    stranger.goto(target)
    page = stranger.content()
    assert "有效" in page and "食品经营许可证" in page and "伪造" not in page
