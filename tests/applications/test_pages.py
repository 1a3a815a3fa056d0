"""Each page of the applicant, through the test client over the real templates and database."""

from __future__ import annotations

import gzip
import re

import pytest
import sqlalchemy as sa

from mobile_hall.applications import services as applicant
from mobile_hall.applications.constants import ApplicationStatus, Decision
from mobile_hall.applications.models import Application, ApplicationMaterial, Message
from mobile_hall.extensions import db
from mobile_hall.organisations.models import Unit
from mobile_hall.workbench import services as workbench
from mobile_hall.workdays import add_working_days
from tests.support.applications import (
    account,
    csrf_token,
    current_versions,
    load,
    multipart,
    pick_item,
    start_draft,
    submitted,
    today,
    valid_answers,
)
from tests.support.browser import token_of
from tests.support.samples import PDF, PNG


def _applications_of(username: str) -> list[Application]:
    return list(
        db.session.scalars(
            sa.select(Application).where(Application.account_id == account(username).id)
        )
    )


def _field_block(html: str, name: str) -> str:
    """The markup of one form field, from its label to the end of its wrapper."""
    start = html.rindex('class="field"', 0, html.index(f'name="{name}"'))
    return html[start : html.index("</div>", html.index(f'name="{name}"'))]


@pytest.mark.parametrize("path", ["/applications", "/messages", "/apply/QJ-SCJG-0002"])
def test_the_applicants_pages_ask_a_visitor_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 303 and response.headers["Location"].startswith("/auth/login")


def test_the_start_page_creates_nothing_until_its_button_is_pressed_and_resumes_after(app, sign_in):
    code = pick_item(app, units=1, audience="enterprise")
    client = sign_in("enterprise")
    with app.app_context():
        before = len(_applications_of("enterprise"))
    html = client.get(f"/apply/{code}").get_data(as_text=True)
    assert 'method="post"' in html and "开始填写" in html and 'type="radio"' not in html
    with app.app_context():
        assert len(_applications_of("enterprise")) == before
    first = client.post(f"/apply/{code}", data={"csrf_token": csrf_token(html)})
    again = client.post(f"/apply/{code}", data={"csrf_token": csrf_token(html)})
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert re.fullmatch(r"/applications/\d+/form/1", first.headers["Location"])
    with app.app_context():
        assert len(_applications_of("enterprise")) == before + 1
    assert "继续填写" in client.get(f"/apply/{code}").get_data(as_text=True)


def test_where_several_units_implement_an_item_one_must_be_chosen(app, sign_in):
    code = pick_item(app, units=2, audience="both")
    client = sign_in("citizen")
    token = token_of(client)
    unchosen = client.post(f"/apply/{code}", data={"csrf_token": token})
    assert unchosen.status_code == 400
    assert "请选择办理单位" in unchosen.get_data(as_text=True)
    chosen = client.post(f"/apply/{code}", data={"csrf_token": token, "unit": "QJ-XZFWZX"})
    application_id = int(chosen.headers["Location"].split("/")[2])
    with app.app_context():
        assert db.session.get(Application, application_id).unit.code == "QJ-XZFWZX"


def test_an_item_not_applied_for_online_sends_the_person_back_to_its_guide(app, sign_in):
    with app.app_context():
        code = next(v.item.code for v in current_versions() if "apply" not in v.online_stages)
    client = sign_in("citizen")
    response = client.get(f"/apply/{code}")
    assert response.status_code == 303 and response.headers["Location"] == f"/items/{code}"
    assert "暂不能网上申请" in client.get(f"/items/{code}").get_data(as_text=True)
    assert client.get("/apply/QJ-NONE-0000").status_code == 404


def test_a_form_page_shows_each_error_next_to_its_field_and_keeps_what_was_typed(app, sign_in):
    code = pick_item(app, units=2, audience="both", groups=2)
    client = sign_in("citizen")
    application_id = start_draft(app, "citizen", code)
    with app.app_context():
        fields = next(v for v in current_versions() if v.item.code == code).form_fields
    groups = list(dict.fromkeys(f.get("group", "基本信息") for f in fields))
    phone = next(f for f in fields if f["type"] == "phone")
    page = groups.index(phone.get("group", "基本信息")) + 1
    on_page = [f for f in fields if f.get("group", "基本信息") == groups[page - 1]]
    typed = {f["name"]: v for f in on_page for v in [valid_answers(app, code)[f["name"]]]}
    typed[phone["name"]] = "12345"
    path = f"/applications/{application_id}/form/{page}"
    token = token_of(client, path)
    response = client.post(path, data={"csrf_token": token, **typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    block = _field_block(html, phone["name"])
    assert "请填写正确的手机或座机号码" in block and 'value="12345"' in block
    assert 'aria-invalid="true"' in block
    other = next(f for f in on_page if f["type"] in ("text", "person_name", "address"))
    assert f'value="{typed[other["name"]]}"' in html
    assert load(app, application_id).answers == {}


def test_saved_answers_fill_their_page_again_dates_and_identity_numbers_included(app, sign_in):
    with app.app_context():
        version = next(
            v
            for v in current_versions()
            if "apply" in v.online_stages
            and v.min_real_name_level <= 3
            and {"date", "id_number"} <= {f["type"] for f in v.form_fields}
        )
        code, unit, fields = version.item.code, version.units[0].code, version.form_fields
    client = sign_in("citizen")
    application_id = start_draft(app, "citizen", code, unit)
    answers = valid_answers(app, code)
    with app.app_context():
        person = account("citizen")
        applicant.save_answers(
            person, applicant.get_own_application(person, application_id), answers
        )
        stored = db.session.get(Application, application_id).answers
    groups = list(dict.fromkeys(f.get("group", "基本信息") for f in fields))
    for kind, shown in (("date", "2025-03-01"), ("id_number", "440205198506121231")):
        spec = next(f for f in fields if f["type"] == kind)
        page = groups.index(spec.get("group", "基本信息")) + 1
        html = client.get(f"/applications/{application_id}/form/{page}").get_data(as_text=True)
        assert f'value="{shown}"' in _field_block(html, spec["name"])
    identity = next(f["name"] for f in fields if f["type"] == "id_number")
    assert "440205198506121231" not in str(stored[identity])  # encrypted at rest
    check = client.get(f"/applications/{application_id}/check").get_data(as_text=True)
    assert "440***********1231" in check and "440205198506121231" not in check


def test_a_change_link_from_the_check_page_returns_to_the_check_page(app, sign_in):
    code = pick_item(app, units=2, audience="both", groups=2)
    client = sign_in("citizen")
    application_id = start_draft(app, "citizen", code)
    check = client.get(f"/applications/{application_id}/check").get_data(as_text=True)
    change = f"/applications/{application_id}/form/2?return=check"
    assert f'href="{change}"' in check
    html = client.get(change).get_data(as_text=True)
    assert "保存并返回核对" in html
    answers = valid_answers(app, code)
    response = client.post(change, data={"csrf_token": csrf_token(html), **answers})
    assert response.headers["Location"] == f"/applications/{application_id}/check"


def test_an_item_without_form_fields_starts_with_its_materials(app, sign_in):
    code = pick_item(app, units=1, audience="enterprise")
    with app.app_context():
        # Only inside this test's rolled-back transaction: published versions never change.
        next(v for v in current_versions() if v.item.code == code).form_fields = []
        db.session.commit()
    client = sign_in("enterprise")
    started = client.post(f"/apply/{code}", data={"csrf_token": token_of(client)})
    application_id = int(started.headers["Location"].split("/")[2])
    assert started.headers["Location"] == f"/applications/{application_id}/materials"
    form = client.get(f"/applications/{application_id}/form/1")
    assert form.headers["Location"] == f"/applications/{application_id}/materials"


def test_an_attached_file_is_served_inline_with_the_type_read_from_its_bytes(app, sign_in):
    code = pick_item(app, units=2, audience="both")
    client = sign_in("citizen")
    application_id = start_draft(app, "citizen", code)
    path = f"/applications/{application_id}/materials"
    client.post(
        path, **multipart({"csrf_token": token_of(client, path), "file-0": (PDF, "photo.jpg")})
    )
    with app.app_context():
        material_id = db.session.scalars(
            sa.select(ApplicationMaterial.id).where(
                ApplicationMaterial.application_id == application_id
            )
        ).one()
    response = client.get(
        f"/applications/{application_id}/files/{material_id}",
        headers={"Accept-Encoding": "br, gzip"},
    )
    assert response.status_code == 200 and response.data == PDF
    assert "Content-Encoding" not in response.headers  # an upload is sent as it was kept
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


def test_a_file_can_be_taken_back_from_a_draft_but_not_once_submitted(app, sign_in):
    code = pick_item(app, units=2, audience="both")
    client = sign_in("citizen")
    application_id = start_draft(app, "citizen", code)
    path = f"/applications/{application_id}/materials"
    token = token_of(client, path)
    client.post(path, **multipart({"csrf_token": token, "file-0": (PNG, "a.png")}))
    page = client.get(path).get_data(as_text=True)
    remove = re.search(r'action="(/applications/\d+/materials/\d+/remove)"', page)[1]
    assert client.post(remove, data={"csrf_token": token}).status_code == 303
    assert "a.png" not in client.get(path).get_data(as_text=True)

    done = submitted(app, "citizen", code)  # the same draft, now submitted
    with app.app_context():
        kept = db.session.scalars(
            sa.select(ApplicationMaterial.id).where(
                ApplicationMaterial.application_id == done,
                ApplicationMaterial.replaced_at.is_(None),
            )
        ).first()
    refused = client.post(
        f"/applications/{done}/materials/{kept}/remove", data={"csrf_token": token}
    )
    assert refused.headers["Location"] == f"/applications/{done}"
    assert "已随申请提交的材料不能删除" in client.get(f"/applications/{done}").get_data(
        as_text=True
    )


def test_my_applications_list_drafts_then_those_in_progress_then_finished(app, sign_in):
    client = sign_in("citizen")
    html = client.get("/applications").get_data(as_text=True)
    drafts, running, finished = (html.index(t) for t in ("草稿（继续填写）", "办理中", "已完成"))
    assert drafts < running < finished
    with app.app_context():
        mine = _applications_of("citizen")
        accepted = next(a for a in mine if a.status is ApplicationStatus.ACCEPTED)
        completed = next(a for a in mine if a.status is ApplicationStatus.COMPLETED)
        draft = next(a for a in mine if a.status is ApplicationStatus.DRAFT)
        due = accepted.due_on
    assert running < html.index(f"/applications/{accepted.id}") < finished
    assert html.index(f"/applications/{completed.id}") > finished
    assert html.index(f"/applications/{draft.id}/") < running
    assert f"承诺 {due:%Y-%m-%d} 前办结" in html


def test_opening_a_message_marks_it_read_and_another_persons_is_not_found(app, sign_in):
    client = sign_in("citizen")
    listing = client.get("/messages").get_data(as_text=True)
    unread = listing.count("未读")
    assert unread > 0
    message_path = re.search(r'href="(/messages/\d+)"', listing)[1]
    opened = client.get(message_path).get_data(as_text=True)
    assert "查看办件" in opened
    assert client.get("/messages").get_data(as_text=True).count("未读") == unread - 1
    with app.app_context():
        theirs = db.session.scalars(
            sa.select(Message.id).where(Message.account_id != account("citizen").id)
        ).first()
    refused = client.get(f"/messages/{theirs}")
    assert refused.status_code == 404 and "页面不存在" in refused.get_data(as_text=True)


def test_a_pending_supplement_stops_the_clock_says_why_and_is_answered_on_the_page(app, sign_in):
    client = sign_in("citizen")
    with app.app_context():
        pending = next(
            a
            for a in _applications_of("citizen")
            if a.status is ApplicationStatus.SUPPLEMENT_PENDING
        )
        application_id = pending.id
        item = applicant.pending_supplement(pending).requested_items[0]
    html = client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert "暂停计时" in html and item["reason"] in html
    assert "受理" in html and "要求补正材料" in html
    assert f'name="file-{item["position"]}"' in html
    token = csrf_token(html)

    early = client.post(f"/applications/{application_id}/supplement", data={"csrf_token": token})
    assert early.status_code == 400 and "请先上传要求补正的全部材料" in early.get_data(as_text=True)
    uploaded = client.post(
        f"/applications/{application_id}/materials",
        **multipart(
            {"csrf_token": token, "next": "detail", f"file-{item['position']}": (PNG, "new.png")}
        ),
    )
    assert uploaded.headers["Location"] == f"/applications/{application_id}"
    answered = client.post(f"/applications/{application_id}/supplement", data={"csrf_token": token})
    assert answered.status_code == 303
    html = client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert "提交补正材料" in html and "暂停计时" not in html and "承诺办结日期" in html
    assert load(app, application_id).status is ApplicationStatus.ACCEPTED


def test_a_tolerant_acceptance_is_committed_to_and_completed_on_the_phone(app, sign_in):
    code = pick_item(app, tolerant=True, units=1)
    client = sign_in("enterprise")
    sign_in("clerk", app.test_client())
    application_id = submitted(app, "enterprise", code)
    with app.app_context():
        application = db.session.get(Application, application_id)
        position, name = (lambda m: (m.position, m.name))(application.version.materials[-1])
        deadline = add_working_days(today(), application.version.promised_time_limit_days)
        workbench.accept(
            account("clerk"), application, missing_positions=[position], deadline=deadline
        )
    html = client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert f"{deadline:%Y年%m月%d日}" in html and name in html
    token = csrf_token(html)
    unsigned = client.post(f"/applications/{application_id}/commitment", data={"csrf_token": token})
    assert unsigned.status_code == 400 and "请勾选承诺后再提交" in unsigned.get_data(as_text=True)
    signed = client.post(
        f"/applications/{application_id}/commitment", data={"csrf_token": token, "agree": "y"}
    )
    assert signed.status_code == 303
    materials = client.get(f"/applications/{application_id}/materials").get_data(as_text=True)
    assert materials.count('type="file"') == 1 and f"file-{position}" in materials
    client.post(
        f"/applications/{application_id}/materials",
        **multipart({"csrf_token": token, "next": "detail", f"file-{position}": (PDF, "late.pdf")}),
    )
    assert "容缺材料已全部补交" in client.get(f"/applications/{application_id}").get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(Application, application_id).tolerance.fulfilled_at is not None


def test_a_completed_application_is_rated_once_and_shows_the_units_reply(app, sign_in):
    code = pick_item(app, units=2, audience="both")
    client = sign_in("citizen")
    for staff in ("clerk", "reviewer"):
        sign_in(staff, app.test_client())
    application_id = submitted(app, "citizen", code)
    with app.app_context():
        application = db.session.get(Application, application_id)
        clerk, reviewer = account("clerk"), account("reviewer")
        workbench.accept(clerk, application)
        workbench.review(reviewer, application, "材料齐全")
        workbench.decide(reviewer, application, Decision.APPROVED)
        workbench.complete(clerk, application, application.version.result_delivery[0])
    path = f"/applications/{application_id}/rating"
    token = token_of(client, f"/applications/{application_id}")
    blank = client.post(path, data={"csrf_token": token})
    assert blank.status_code == 400 and "请选择评分" in blank.get_data(as_text=True)
    rated = client.post(path, data={"csrf_token": token, "score": "2", "comment": "等太久"})
    assert rated.status_code == 303
    html = client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert "2分 不满意" in html and "等太久" in html and "办理单位将跟进处理" in html
    with app.app_context():
        application = db.session.get(Application, application_id)
        workbench.reply_to_rating(account("clerk"), application, "已安排专人跟进", True)
    html = client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert "已安排专人跟进" in html and "问题已整改" in html
    again = client.post(path, data={"csrf_token": token, "score": "5"})
    assert again.status_code == 303
    assert "只能评价一次" in client.get(again.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Application, application_id).rating.score == 2


def test_a_refused_application_is_started_again_with_what_still_holds(app, sign_in):
    code = pick_item(app, units=2, audience="both")
    client = sign_in("citizen")
    sign_in("clerk", app.test_client())
    application_id = submitted(app, "citizen", code)
    with app.app_context():
        application = db.session.get(Application, application_id)
        workbench.reject(account("clerk"), application, "场所证明不清晰", {"materials": [0]})
    html = client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert "不予受理理由：场所证明不清晰" in html and "重新申请" in html
    response = client.post(
        f"/applications/{application_id}/reapply", data={"csrf_token": csrf_token(html)}
    )
    fresh_id = int(response.headers["Location"].split("/")[2])
    assert response.headers["Location"] == f"/applications/{fresh_id}/check"
    with app.app_context():
        old, fresh = (db.session.get(Application, i) for i in (application_id, fresh_id))
        assert fresh.status is ApplicationStatus.DRAFT and fresh.answers == old.answers
        assert 0 not in applicant.current_materials(fresh)
        assert set(applicant.current_materials(fresh)) == set(applicant.current_materials(old)) - {
            0
        }


def _refused(app, username: str, code: str, reason: str) -> int:
    """A submitted application of `username`, refused by the clerk naming no material."""
    application_id = submitted(app, username, code)
    with app.app_context():
        application = db.session.get(Application, application_id)
        workbench.reject(account("clerk"), application, reason, {"materials": []})
    return application_id


def _reapplied_from(application_id: int) -> list[Application]:
    return list(
        db.session.scalars(
            sa.select(Application).where(Application.reapplied_from_id == application_id)
        )
    )


def test_reapplying_twice_gives_one_draft_with_each_material_once(app, sign_in):
    code = pick_item(app, units=2, audience="both")
    client = sign_in("citizen")
    sign_in("clerk", app.test_client())
    application_id = _refused(app, "citizen", code, "场所证明不清晰")
    token = token_of(client, f"/applications/{application_id}")

    first, again = (
        client.post(f"/applications/{application_id}/reapply", data={"csrf_token": token})
        for _ in range(2)
    )

    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert "仍然有效的内容已带入" in client.get(again.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        (fresh,) = _reapplied_from(application_id)
        old = db.session.get(Application, application_id)
        carried = [m.position for m in fresh.materials]
        assert sorted(carried) == sorted(applicant.current_materials(old))  # each once
        assert fresh.answers == old.answers


def test_reapplying_opens_the_persons_own_draft_of_the_item_as_it_is(app, sign_in):
    code = pick_item(app, units=2, audience="both")
    client = sign_in("citizen")
    sign_in("clerk", app.test_client())
    application_id = _refused(app, "citizen", code, "场所证明不清晰")
    own = start_draft(app, "citizen", code)
    token = token_of(client, f"/applications/{application_id}")

    response = client.post(f"/applications/{application_id}/reapply", data={"csrf_token": token})

    assert response.headers["Location"] == f"/applications/{own}/check"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "您已有该事项尚未提交的草稿" in html
    with app.app_context():
        assert _reapplied_from(application_id) == []
        draft = db.session.get(Application, own)
        assert (draft.answers, draft.materials, draft.reapplied_from_id) == ({}, [], None)


def test_every_applicants_page_is_small_chinese_mobile_html(app, sign_in):
    code = pick_item(app, units=2, audience="both", groups=2)
    client = sign_in("enterprise")
    draft = start_draft(app, "enterprise", code)
    done = submitted(app, "enterprise", pick_item(app, units=1, audience="enterprise"))
    paths = [
        f"/apply/{code}",
        f"/applications/{draft}/form/1",
        f"/applications/{draft}/materials",
        f"/applications/{draft}/check",
        f"/applications/{done}?submitted=1",
        "/applications",
        "/messages",
        "/progress",
    ]
    for path in paths:
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert '<html lang="zh-CN">' in html and 'class="topbar-back"' in html, path
        assert "<script" not in html and "http://" not in html and "https://" not in html, path
        assert len(gzip.compress(response.data)) <= 30 * 1024, path


def test_a_unit_renamed_shows_at_once_on_the_pages_of_applying(app, make_app, sign_in):
    # A node that re-reads the shared change tokens rarely: its own change still shows at once.
    client = sign_in("citizen", make_app(CHANGE_TOKEN_RECHECK_SECONDS=3600).test_client())
    draft = start_draft(app, "citizen", pick_item(app, units=2, audience="both", groups=2))
    assert "改名测试" not in client.get(f"/applications/{draft}/check").data.decode()
    with app.app_context():
        unit = db.session.scalars(sa.select(Unit).where(Unit.code == "QJ-SCJGJ")).one()
        unit.name = "韶关市曲江区市场监督管理局（改名测试）"
        db.session.commit()
    assert "市场监督管理局（改名测试）" in client.get(f"/applications/{draft}/check").data.decode()
