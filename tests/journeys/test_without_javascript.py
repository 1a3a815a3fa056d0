"""The applicant's tasks with JavaScript disabled (mobile access profile, rule 2).

A citizen's phone with script switched off signs in through the development identity provider,
finds the item by pinyin initials, applies (every form page, an upload per material), checks the
answers, changes one through its 修改 link, declares and submits, reads the receipt and finds the
application in 我的办件; switches the elderly mode on and off; and a stranger's phone, also
without script, looks the application up by number and the phone's last four digits.
"""

from __future__ import annotations

import re

import pytest

from mobile_hall.applications.models import Application
from mobile_hall.applications.numbering import display_application_number
from mobile_hall.extensions import db
from tests.support.phone import PHONE, person, upload

pytestmark = pytest.mark.browser

ITEM = "QJ-SCJG-0002"  # 个体工商户营业执照办理（设立登记）, handled by 区市场监管局
NUMBER = re.compile(r"QJ\d{8} ?\d{6} ?[0-9A-Z]")
FIRST_PLACE = "韶关市曲江区马坝镇府前东路18号首层"
CHANGED_PLACE = "韶关市曲江区马坝镇人民路26号"


def _no_script(page) -> None:
    """The page works as served: it neither carries nor needs script."""
    assert page.locator("script").count() == 0, page.url
    assert page.locator("[onclick], [onsubmit], [onchange]").count() == 0, page.url


def test_apply_check_change_submit_and_look_up_without_javascript(
    browser, hall_url, app, journey_cleanup
):
    citizen = person(browser, hall_url, "citizen", java_script_enabled=False)
    assert citizen.url.rstrip("/") == hall_url  # back from the provider, signed in
    assert citizen.get_by_role("link", name="我的办件", exact=True).count() == 1
    # Script really is off in this context: an inline handler never runs.
    citizen.set_content('<p id="probe">off</p><img src="x" onerror="probe.textContent=\'on\'">')
    assert citizen.locator("#probe").inner_text() == "off"

    # Find the item by pinyin initials from the home page's search box.
    citizen.goto(f"{hall_url}/")
    _no_script(citizen)
    citizen.get_by_label("搜索办事事项").fill("gtgsh")
    citizen.get_by_role("button", name="搜索").click()
    citizen.wait_for_url("**/items?q=gtgsh")
    citizen.locator("a.cell", has_text="个体工商户").first.click()
    assert f"/items/{ITEM}" in citizen.url
    _no_script(citizen)
    citizen.get_by_role("link", name="在线申办").click()
    _no_script(citizen)
    citizen.get_by_label("区市场监督管理局").check()
    citizen.get_by_role("button", name="开始填写").click()

    # Every form page; a required answer left empty first shows its error and keeps the rest.
    _no_script(citizen)
    citizen.get_by_label("个体户名称").fill("曲江晓明便利店")
    citizen.get_by_label("个人经营").check()
    citizen.get_by_label("经营范围").fill("预包装食品、日用百货零售")
    citizen.get_by_role("button", name="下一步").click()
    citizen.wait_for_load_state()  # the page the click leads to, loaded
    assert citizen.locator(".field-error").count() >= 1
    assert citizen.get_by_label("个体户名称").input_value() == "曲江晓明便利店"
    citizen.get_by_label("经营场所").fill(FIRST_PLACE)
    citizen.get_by_role("button", name="下一步").click()
    _no_script(citizen)
    citizen.get_by_label("经营者姓名").fill("张晓明")
    citizen.get_by_label("经营者公民身份号码").fill("440205198506121231")
    citizen.get_by_label("经营者手机号码").fill("13800000001")
    citizen.get_by_role("button", name="下一步").click()

    # One photo per material, all sent by the one upload form.
    assert "/materials" in citizen.url
    _no_script(citizen)
    inputs = citizen.locator("input[type=file]")
    assert inputs.count() == 3
    for index in range(inputs.count()):
        upload(citizen, f"#file-{index}", f"material-{index}.png")
    citizen.get_by_role("button", name="上传并下一步：核对信息").click()

    # Check the answers, then change one through its 修改 link and come back to the check page.
    assert "/check" in citizen.url
    _no_script(citizen)
    check = citizen.content()
    assert FIRST_PLACE in check and "440***********1231" in check
    assert check.count("未上传") == 0
    citizen.get_by_role("link", name=re.compile(r"^修改\s*经营场所$")).click()
    assert "return=check" in citizen.url
    _no_script(citizen)
    assert citizen.get_by_label("经营场所").input_value() == FIRST_PLACE
    citizen.get_by_label("经营场所").fill(CHANGED_PLACE)
    citizen.get_by_role("button", name="保存并返回核对").click()
    assert "/check" in citizen.url
    check = citizen.content()
    assert CHANGED_PLACE in check and FIRST_PLACE not in check

    # Submitting without the declaration is refused next to the box; then declare and submit.
    citizen.get_by_role("button", name="提交申请").click()
    citizen.wait_for_load_state()  # the page the click leads to, loaded
    assert citizen.locator(".field-error", has_text="请阅读并勾选申请人承诺").count() == 1
    citizen.get_by_label(re.compile("本人承诺")).check()
    citizen.get_by_role("button", name="提交申请").click()

    # The receipt with its number.
    _no_script(citizen)
    receipt = citizen.locator("section.receipt")
    assert receipt.get_by_role("heading", name="申请已提交").count() == 1
    shown = receipt.locator("p.number").inner_text().strip()
    assert NUMBER.fullmatch(shown)
    number = shown.replace(" ", "")
    application_id = int(re.search(r"/applications/(\d+)", citizen.url).group(1))

    with app.app_context():
        application = db.session.get(Application, application_id)
        assert application.number == number
        assert display_application_number(application.number) == shown
        assert application.item.code == ITEM
        assert application.status.value == "submitted"
        assert application.applicant_name == application.account.name == "张晓明"
        assert application.answers["business_place"] == CHANGED_PLACE
        assert len([m for m in application.materials if m.source == "upload"]) == 3
        records = [(r.stage.value, r.application_no) for r in application.records]
        assert records == [("submit", number)]

    # 我的办件, reached by links only: the top bar's back link, then the application itself.
    citizen.locator("a.topbar-back").click()
    assert citizen.url.endswith("/applications")
    _no_script(citizen)
    entry = citizen.locator("a.cell", has_text=shown)
    assert entry.count() == 1
    assert "已提交" in entry.inner_text()
    entry.click()
    assert citizen.url.endswith(f"/applications/{application_id}")
    assert shown in citizen.content()

    # The elderly mode, on and off by its link, each time back on the same page.
    here = citizen.url
    citizen.get_by_role("link", name="长辈模式（大字）").click()
    assert citizen.url == here
    assert citizen.locator("body.elder").count() == 1
    citizen.goto(f"{hall_url}/applications")  # remembered on the next page
    assert citizen.locator("body.elder").count() == 1
    citizen.get_by_role("link", name="退出长辈模式").click()
    assert citizen.url.endswith("/applications")
    assert citizen.locator("body.elder").count() == 0
    assert citizen.get_by_role("link", name="长辈模式（大字）").count() == 1
    citizen.context.close()

    # A stranger's phone, no script, nobody signed in: the progress lookup from the home page.
    stranger_context = browser.new_context(
        viewport=PHONE, has_touch=True, is_mobile=True, locale="zh-CN", java_script_enabled=False
    )
    stranger = stranger_context.new_page()
    stranger.goto(f"{hall_url}/")
    stranger.locator("a.cell", has_text="办件进度查询").click()
    _no_script(stranger)
    stranger.get_by_label("办件编号").fill(number.lower())
    stranger.get_by_label(re.compile("手机号码后四位")).fill("9999")
    stranger.get_by_role("button", name="查询").click()
    stranger.locator("p.field-error").wait_for()  # the answer page, not the one it replaces
    assert "未找到该办件" in stranger.content()
    assert stranger.get_by_label("办件编号").input_value() == number.lower()  # kept as typed
    stranger.get_by_label(re.compile("手机号码后四位")).fill("0001")
    stranger.get_by_role("button", name="查询").click()
    stranger.locator("h2.item-name").wait_for()
    found = stranger.content()
    assert shown in found and "已提交，待受理" in found and "未找到该办件" not in found
    assert "张晓明" not in found and CHANGED_PLACE not in found
    stranger_context.close()
