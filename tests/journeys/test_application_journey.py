"""The whole matter on phones, in headless Chromium: a citizen applies, clerks handle it.

citizen signs in, finds the item, fills it, uploads a photo, submits; clerk accepts and asks for a
supplement; citizen supplies it; reviewer approves; clerk completes; citizen sees it completed and
rates it. Everything runs over real HTTP (the hall and the identity provider on loopback).
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from mobile_hall.applications.models import Application
from mobile_hall.extensions import db
from tests.support.phone import open_in_workbench, person, upload

pytestmark = pytest.mark.browser

ITEM = "QJ-SCJG-0002"  # 个体工商户营业执照办理（设立登记）, handled by 区市场监管局


def test_a_matter_from_the_phone_to_completion_and_rating(browser, hall_url, app, journey_cleanup):
    citizen = person(browser, hall_url, "citizen")
    # Find the item by pinyin initials and open its guide.
    citizen.goto(f"{hall_url}/items?q=gtgsh")
    citizen.locator("a.cell", has_text="个体工商户").first.click()
    citizen.get_by_role("link", name="在线申办").click()
    citizen.get_by_label("区市场监督管理局").check()
    citizen.get_by_role("button", name="开始填写").click()

    # One group of questions per page.
    citizen.get_by_label("个体户名称").fill("曲江晓明便利店")
    citizen.get_by_label("个人经营").check()
    citizen.get_by_label("经营场所").fill("韶关市曲江区马坝镇府前东路18号首层")
    citizen.get_by_label("经营范围").fill("预包装食品、日用百货零售")
    citizen.get_by_role("button", name="下一步").click()
    citizen.get_by_label("经营者姓名").fill("张晓明")
    citizen.get_by_label("经营者公民身份号码").fill("440205198506121231")
    citizen.get_by_label("经营者手机号码").fill("13800000001")
    citizen.get_by_role("button", name="下一步").click()

    # A photo for each material, then check the answers and submit.
    for index in range(3):
        upload(citizen, f"#file-{index}")
    citizen.get_by_role("button", name="上传并下一步：核对信息").click()
    citizen.wait_for_load_state()  # the page the click leads to, loaded
    assert "440***********1231" in citizen.content()  # masked on the check page
    citizen.get_by_label(re.compile("本人承诺")).check()
    citizen.get_by_role("button", name="提交申请").click()
    citizen.wait_for_load_state()  # the page the click leads to, loaded
    receipt = citizen.content()
    number = re.search(r"QJ\d{8} ?\d{6} ?[0-9A-Z]", receipt).group(0).replace(" ", "")
    application_url = citizen.url.split("?")[0]
    case_url = application_url.replace("/applications/", "/workbench/applications/")
    assert "办件编号" in receipt

    clerk = person(browser, hall_url, "clerk")
    open_in_workbench(clerk, hall_url, number, "new", case_url)
    clerk.locator("#action-accept").get_by_role("button", name="受理").click()
    supplement = clerk.locator("#action-supplement_request")
    supplement.get_by_role("checkbox", name="经营场所使用证明").check()
    supplement.get_by_role("textbox", name="经营场所使用证明：补正原因").fill(
        "租赁合同缺少出租方签字，请重新上传"
    )
    supplement.get_by_role("button", name="一次性告知补正").click()
    clerk.wait_for_load_state()  # the page the click leads to, loaded
    assert "补正" in clerk.content()

    citizen.goto(application_url)
    assert "租赁合同缺少出租方签字" in citizen.content()
    upload(citizen, "#supplement ~ form #file-2", "lease.png")
    citizen.locator("#supplement ~ form").first.get_by_role(
        "button", name="上传", exact=True
    ).click()
    citizen.get_by_role("button", name="提交补正材料").click()

    reviewer = person(browser, hall_url, "reviewer")
    open_in_workbench(reviewer, hall_url, number, "review", case_url)
    reviewer.locator("#action-review textarea").fill("材料齐全，经营场所符合要求")
    reviewer.locator("#action-review").get_by_role("button").click()
    reviewer.locator("#action-decide").get_by_label("准予许可").check()
    reviewer.locator("#action-decide").get_by_role("button", name="作出决定").click()

    clerk.goto(case_url)
    complete = clerk.locator("#action-complete")
    complete.get_by_label("电子送达").check()
    complete.get_by_role("button").click()

    citizen.goto(application_url)
    assert "已办结" in citizen.content()
    citizen.get_by_label(re.compile("非常满意")).check()
    citizen.get_by_role("button", name="提交评价").click()
    citizen.wait_for_load_state()  # the page the click leads to, loaded
    assert "5分" in citizen.content()

    with app.app_context():
        application = db.session.scalars(
            sa.select(Application).where(Application.number == number)
        ).one()
        stages = [record.stage.value for record in application.records]
    assert stages == [
        "submit",
        "accept",
        "supplement_request",
        "supplement_submit",
        "review",
        "decide",
        "complete",
        "deliver",
        "evaluate",
    ]
