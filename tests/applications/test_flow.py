"""Applying through the pages, as a person on a phone does: start, fill, upload, check, submit."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa

from mobile_hall.applications import services as applicant
from mobile_hall.applications.answers import editable
from mobile_hall.applications.constants import ApplicationStatus, Stage
from mobile_hall.applications.models import (
    Application,
    ApplicationMaterial,
    DailyCounter,
    ProcessRecord,
)
from mobile_hall.applications.numbering import display_application_number
from mobile_hall.extensions import db
from mobile_hall.workbench import services as workbench
from tests.support.applications import (
    JPEG_HEADER,
    PROGRAM,
    account,
    attach_required,
    csrf_token,
    current_versions,
    fill_in,
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


def _material_block(html: str, position: int) -> str:
    """The list entry of one material on the materials page."""
    start = html.index(f'id="material-{position}"')
    end = html.find('<li class="cell" id="material-', start + 1)
    return html[start : end if end != -1 else len(html)]


def _required_positions(app, code: str) -> list[int]:
    with app.app_context():
        version = next(v for v in current_versions() if v.item.code == code)
        return [m.position for m in version.materials if m.required]


def test_a_person_applies_from_the_guide_to_the_receipt(app, sign_in):
    code = pick_item(app, units=2, audience="both", groups=2)
    client = sign_in("citizen")
    guide = client.get(f"/items/{code}").get_data(as_text=True)
    assert f'href="/apply/{code}"' in guide

    start = client.get(f"/apply/{code}").get_data(as_text=True)
    assert 'type="radio"' in start and "开始填写" in start
    chosen = client.post(
        f"/apply/{code}", data={"csrf_token": csrf_token(start), "unit": "QJ-SCJGJ"}
    )
    assert chosen.status_code == 303
    application_id = int(re.search(r"/applications/(\d+)/form/1$", chosen.headers["Location"])[1])

    fill_in(client, application_id, valid_answers(app, code))
    page = client.get(f"/applications/{application_id}/materials").get_data(as_text=True)
    first, *others = _required_positions(app, code)
    files = {f"file-{first}": (io.BytesIO(PNG), "照片.png")}
    files |= {f"file-{p}": (io.BytesIO(PDF), "scan.pdf") for p in others}
    uploaded = client.post(
        f"/applications/{application_id}/materials",
        data={"csrf_token": csrf_token(page), "next": "check", **files},
    )
    assert uploaded.headers["Location"] == f"/applications/{application_id}/check"

    check = client.get(uploaded.headers["Location"]).get_data(as_text=True)
    assert "照片.png" in check and "scan.pdf" in check and "本人承诺" in check
    receipt = client.post(
        f"/applications/{application_id}/submit",
        data={"csrf_token": csrf_token(check), "declaration": "y"},
    )
    assert receipt.status_code == 303
    assert receipt.headers["Location"] == f"/applications/{application_id}?submitted=1"

    html = client.get(receipt.headers["Location"]).get_data(as_text=True)
    number = load(app, application_id).number
    assert display_application_number(number) in html
    assert "承诺办结时限：受理之日起" in html and "个工作日" in html
    assert "如今日受理，将于" in html
    assert "接下来" in html and "无需到现场" in html
    assert "已提交，待受理" in html and "提交申请" in html


def test_each_refused_upload_is_explained_next_to_its_material_and_nothing_else_is_lost(
    app, sign_in
):
    code = pick_item(app, units=2, audience="both", groups=2)
    client = sign_in("citizen")
    application_id = start_draft(app, "citizen", code)
    answers = valid_answers(app, code)
    fill_in(client, application_id, answers)
    good, bad = _required_positions(app, code)[:2]
    refusals = {
        "只能上传 JPG、PNG 照片或 PDF 文件": (PROGRAM, "photo.jpg"),
        "文件过大：每个文件不能超过10MB": (JPEG_HEADER + bytes(11 * 1024 * 1024), "big.jpg"),
        "文件是空的": (b"", "empty.jpg"),
    }
    for message, (content, name) in refusals.items():
        token = token_of(client, f"/applications/{application_id}/materials")
        response = client.post(
            f"/applications/{application_id}/materials",
            **multipart(
                {
                    "csrf_token": token,
                    "next": "check",
                    f"file-{good}": (PNG, f"good-{name}.png"),
                    f"file-{bad}": (content, name),
                }
            ),
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert message in _material_block(html, bad)
        assert message not in _material_block(html, good)
        assert f"good-{name}.png" in _material_block(html, good)  # kept from the same post
    with app.app_context():
        kept = db.session.scalars(
            sa.select(ApplicationMaterial).where(
                ApplicationMaterial.application_id == application_id
            )
        ).all()
        assert sorted(m.position for m in kept) == [good] * 3
        stored = db.session.get(Application, application_id)
        assert editable(stored.version.form_fields, stored.answers) == answers


def _applications_of(username: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Application)
        .where(Application.account_id == account(username).id)
    )


def test_a_double_submit_gives_one_application_one_number_one_record(app, sign_in):
    code = pick_item(app, units=2, audience="both")
    client = sign_in("citizen")
    application_id = start_draft(app, "citizen", code)
    fill_in(client, application_id, valid_answers(app, code))
    attach_required(app, "citizen", application_id)
    token = token_of(client, f"/applications/{application_id}/check")
    with app.app_context():
        before = _applications_of("citizen")
    answers = [
        client.post(
            f"/applications/{application_id}/submit",
            data={"csrf_token": token, "declaration": "y"},
        )
        for _tap in range(2)
    ]
    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    with app.app_context():
        assert _applications_of("citizen") == before
        application = db.session.get(Application, application_id)
        assert application.status is ApplicationStatus.SUBMITTED and application.number
        stages = [record.stage for record in application.records]
        assert stages == [Stage.SUBMIT]


def test_a_submit_without_the_declaration_or_materials_is_refused_next_to_them(app, sign_in):
    code = pick_item(app, units=2, audience="both")
    client = sign_in("citizen")
    application_id = start_draft(app, "citizen", code)
    token = token_of(client, f"/applications/{application_id}/check")
    bare = client.post(f"/applications/{application_id}/submit", data={"csrf_token": token})
    assert bare.status_code == 400
    assert "请阅读并勾选申请人承诺" in bare.get_data(as_text=True)
    declared = client.post(
        f"/applications/{application_id}/submit", data={"csrf_token": token, "declaration": "y"}
    )
    html = declared.get_data(as_text=True)
    assert declared.status_code == 400 and "还不能提交" in html
    assert f'href="/applications/{application_id}/materials#material-' in html
    assert load(app, application_id).status is ApplicationStatus.DRAFT


def test_a_person_below_the_items_level_is_stopped_at_start_and_again_at_submit(app, sign_in):
    code = pick_item(app, units=2, audience="both")
    low = sign_in("citizen-l1", app.test_client())
    start = low.get(f"/apply/{code}")
    html = start.get_data(as_text=True)
    assert start.status_code == 403
    assert "三级（人脸或银行卡核验）" in html and "实名账户注册办理点" in html
    assert 'class="cell-title"' in html  # the registration points are listed
    assert low.post(f"/apply/{code}", data={"csrf_token": token_of(low)}).status_code == 403

    client = sign_in("citizen")
    application_id = start_draft(app, "citizen", code)
    attach_required(app, "citizen", application_id)
    token = token_of(client, f"/applications/{application_id}/check")
    with app.app_context():
        account("citizen").real_name_level = 1
        db.session.commit()
    refused = client.post(
        f"/applications/{application_id}/submit", data={"csrf_token": token, "declaration": "y"}
    )
    assert refused.status_code == 403 and "三级（人脸或银行卡核验）" in refused.get_data(
        as_text=True
    )
    assert load(app, application_id).status is ApplicationStatus.DRAFT


def test_an_application_can_be_withdrawn_until_it_is_accepted(app, sign_in):
    code = pick_item(app, units=2, audience="both")
    client = sign_in("citizen")
    sign_in("clerk", app.test_client())
    first, second = submitted(app, "citizen", code), None
    token = token_of(client, f"/applications/{first}")
    response = client.post(f"/applications/{first}/withdraw", data={"csrf_token": token})
    assert response.status_code == 303
    assert "已撤回" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert load(app, first).status is ApplicationStatus.WITHDRAWN

    second = submitted(app, "citizen", code)
    with app.app_context():
        application = db.session.get(Application, second)
        workbench.accept(account("clerk"), application)
    refused = client.post(f"/applications/{second}/withdraw", data={"csrf_token": token})
    assert refused.status_code == 303
    assert "不能再撤回" in client.get(refused.headers["Location"]).get_data(as_text=True)
    assert load(app, second).status is ApplicationStatus.ACCEPTED


def test_a_discarded_draft_is_refused_at_submit_without_taking_a_number(app, sign_in):
    code = pick_item(app, units=2, audience="both")
    client = sign_in("citizen")
    application_id = start_draft(app, "citizen", code)
    attach_required(app, "citizen", application_id)
    answers = valid_answers(app, code)
    with app.app_context():
        person = account("citizen")
        application = applicant.get_own_application(person, application_id)
        applicant.save_answers(person, application, answers)
    token = token_of(client, f"/applications/{application_id}/check")
    discarded = client.post(f"/applications/{application_id}/withdraw", data={"csrf_token": token})
    assert discarded.status_code == 303
    assert load(app, application_id).status is ApplicationStatus.WITHDRAWN
    with app.app_context():
        counter_before = db.session.get(DailyCounter, today())
        value_before = counter_before.value if counter_before else None

    refused = client.post(
        f"/applications/{application_id}/submit", data={"csrf_token": token, "declaration": "y"}
    )

    assert refused.status_code == 303, refused.get_data(as_text=True)[-3000:]
    assert refused.headers["Location"] == f"/applications/{application_id}"
    assert "当前状态下不能进行此操作" in client.get(refused.headers["Location"]).get_data(
        as_text=True
    )
    stored = load(app, application_id)
    assert stored.status is ApplicationStatus.WITHDRAWN
    assert (stored.number, stored.submitted_at) == (None, None)
    with app.app_context():
        counter_after = db.session.get(DailyCounter, today())
        assert (counter_after.value if counter_after else None) == value_before
        records = sa.select(sa.func.count()).where(ProcessRecord.application_id == application_id)
        assert db.session.scalar(records) == 0


def test_another_persons_application_is_not_found_on_every_route(app, sign_in):
    code = pick_item(app, units=2, audience="both")
    sign_in("senior", app.test_client())
    theirs = submitted(app, "senior", code)
    draft = start_draft(app, "senior", code)
    with app.app_context():
        material = db.session.scalars(
            sa.select(ApplicationMaterial).where(ApplicationMaterial.application_id == theirs)
        ).first()
    client = sign_in("citizen")
    token = token_of(client)
    gets = [
        f"/applications/{theirs}",
        f"/applications/{draft}/form/1",
        f"/applications/{draft}/materials",
        f"/applications/{draft}/check",
        f"/applications/{theirs}/files/{material.id}",
    ]
    posts = [
        f"/applications/{draft}/submit",
        f"/applications/{theirs}/withdraw",
        f"/applications/{draft}/materials",
        f"/applications/{draft}/materials/{material.id}/remove",
        f"/applications/{theirs}/supplement",
        f"/applications/{theirs}/commitment",
        f"/applications/{theirs}/rating",
        f"/applications/{theirs}/reapply",
    ]
    for path in gets:
        assert client.get(path).status_code == 404, path
    for path in posts:
        answer = client.post(path, data={"csrf_token": token, "declaration": "y", "score": "5"})
        assert answer.status_code == 404, path
    assert load(app, theirs).status is ApplicationStatus.SUBMITTED
    assert load(app, draft).status is ApplicationStatus.DRAFT


def test_an_enterprises_representative_and_agent_see_its_application_a_citizen_does_not(
    app, sign_in
):
    code = pick_item(app, audience="enterprise", units=1)
    for username in ("agent", "citizen"):
        sign_in(username, app.test_client())
    representative = sign_in("enterprise")
    application_id = submitted(app, "enterprise", code)
    assert representative.get(f"/applications/{application_id}").status_code == 200
    agent = sign_in("agent", app.test_client())
    page = agent.get(f"/applications/{application_id}")
    assert page.status_code == 200 and "曲香食品有限公司" in page.get_data(as_text=True)
    assert f"/applications/{application_id}" in agent.get("/applications").get_data(as_text=True)
    citizen = sign_in("citizen", app.test_client())
    refused = citizen.get(f"/applications/{application_id}")
    assert refused.status_code == 404 and "页面不存在" in refused.get_data(as_text=True)
