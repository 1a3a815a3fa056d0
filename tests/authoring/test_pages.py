"""The editor's and reviewer's pages over real templates, and what the public sees after."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.datastructures import MultiDict

from mobile_hall.applications import services as applicant
from mobile_hall.applications.constants import ApplicationStatus
from mobile_hall.authoring import services as authoring
from mobile_hall.authoring.forms import GuideForm, form_data
from mobile_hall.authoring.labels import FIELD_TYPE
from mobile_hall.authoring.models import GuideDraft
from mobile_hall.catalog.constants import FieldType
from mobile_hall.catalog.services import get_guide
from mobile_hall.extensions import db
from mobile_hall.identity.models import Account
from mobile_hall.storage.files import LocalFileStorage
from tests.support.authoring import DEMO_ITEM, formdata, new_path, submitted_change
from tests.support.builders import make_account, make_application
from tests.support.samples import PNG, value_for
from tests.support.workbench import csrf_token

# A licence item of 区市场监管局 (the demo editor's unit), routed to 区编办.
LICENCE_ITEM = "QJ-SCJG-0002"


def _posted(app: Flask, record: dict, **extra: str) -> MultiDict:
    with app.test_request_context():
        form = GuideForm(formdata=None, data=form_data(record), meta={"csrf": False})
        return MultiDict(formdata(form) + list(extra.items()))


def _open(client, code: str = LICENCE_ITEM) -> int:
    response = client.post(
        f"/staff/guides/items/{code}/draft", data={"csrf_token": csrf_token(client)}
    )
    assert response.status_code == 303
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_schema_errors_show_beside_the_field_at_fault_and_the_draft_is_kept(app, client, sign_in):
    sign_in("catalog-editor")
    draft_id = _open(client)
    page = client.get(f"/staff/guides/drafts/{draft_id}")
    assert page.status_code == 200 and "保存草稿" in page.get_data(as_text=True)
    with app.app_context():
        record = dict(db.session.get(GuideDraft, draft_id).record)
    broken = {
        **record,
        "materials": [{**record["materials"][0], "name": ""}, *record["materials"][1:]],
        "contact_phone": "电话",
    }
    data = _posted(app, broken, save="1", csrf_token=csrf_token(client))

    response = client.post(f"/staff/guides/drafts/{draft_id}", data=data)

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="materials-0-name-error">内容过短（至少 1 个字）' in html
    assert 'id="contact_phone-error">格式不正确' in html
    with app.app_context():
        kept = db.session.get(GuideDraft, draft_id).record
    assert kept["contact_phone"] == "电话"
    # A rule across fields, checked once every field is valid, shows beside the one at fault.
    crossed = {**record, "promised_time_limit_days": record["legal_time_limit_days"] + 5}
    response = client.post(
        f"/staff/guides/drafts/{draft_id}",
        data=_posted(app, crossed, save="1", csrf_token=csrf_token(client)),
    )
    html = response.get_data(as_text=True)
    assert 'id="promised_time_limit_days-error">承诺时限不能超过法定时限' in html
    refused = client.post(
        f"/staff/guides/drafts/{draft_id}/submit", data={"csrf_token": csrf_token(client)}
    )
    assert refused.status_code == 400 and "承诺时限不能超过法定时限" in refused.get_data(
        as_text=True
    )


def test_rows_are_added_and_removed_without_javascript(app, client, sign_in):
    sign_in("catalog-editor")
    draft_id = _open(client)
    with app.app_context():
        record = dict(db.session.get(GuideDraft, draft_id).record)
    count = len(record["materials"])
    added = client.post(
        f"/staff/guides/drafts/{draft_id}",
        data=_posted(app, record, add_material="1", csrf_token=csrf_token(client)),
    )
    assert added.status_code == 200 and f"材料 {count + 1}" in added.get_data(as_text=True)
    with app.app_context():
        record = dict(db.session.get(GuideDraft, draft_id).record)
    assert len(record["materials"]) == count + 1
    client.post(
        f"/staff/guides/drafts/{draft_id}",
        data=_posted(app, record, **{"remove_material-0": "1", "csrf_token": csrf_token(client)}),
    )
    with app.app_context():
        assert len(db.session.get(GuideDraft, draft_id).record["materials"]) == count


def test_the_preview_shows_the_draft_guide_and_each_form_step(app, client, sign_in):
    sign_in("catalog-editor")
    draft_id = _open(client)
    with app.app_context():
        record = db.session.get(GuideDraft, draft_id).record
        draft = db.session.get(GuideDraft, draft_id)
        authoring.save_draft(draft.created_by, draft_id, {**record, "name": "预览中的新名称"})
    guide = client.get(f"/staff/guides/drafts/{draft_id}/preview").get_data(as_text=True)
    assert "预览中的新名称" in guide and "草稿的预览" in guide
    step = client.get(f"/staff/guides/drafts/{draft_id}/preview/1")
    assert step.status_code == 200 and "第 1 步" in step.get_data(as_text=True)
    assert "预览中的新名称" not in client.get(f"/items/{LICENCE_ITEM}").get_data(as_text=True)


def test_the_editor_chooses_a_name_and_a_count_field_and_the_preview_fits_a_phone(
    app, client, sign_in
):
    assert set(FIELD_TYPE) == set(FieldType)  # every type the catalog knows can be chosen
    sign_in("catalog-editor")
    draft_id = _open(client)
    editor = client.get(f"/staff/guides/drafts/{draft_id}").get_data(as_text=True)
    assert '<option value="person_name">姓名</option>' in editor
    assert '<option value="count">数量（整数）</option>' in editor
    with app.app_context():
        record = dict(db.session.get(GuideDraft, draft_id).record)
    group = record["form_fields"][0]["group"]
    added = [
        {"name": "contact_person", "label": "联系人", "type": "person_name", "group": group},
        {"name": "staff_count", "label": "从业人数", "type": "count", "group": group},
    ]
    data = _posted(
        app,
        {**record, "form_fields": [*record["form_fields"], *added]},
        save="1",
        csrf_token=csrf_token(client),
    )
    saved = client.post(f"/staff/guides/drafts/{draft_id}", data=data)
    assert saved.status_code in (200, 303), saved.get_data(as_text=True)
    with app.app_context():
        kept = db.session.get(GuideDraft, draft_id).record["form_fields"]
    assert [(f["name"], f["type"]) for f in kept[-2:]] == [
        ("contact_person", "person_name"),
        ("staff_count", "count"),
    ]

    step = client.get(f"/staff/guides/drafts/{draft_id}/preview/1").get_data(as_text=True)
    name_input = re.search(r'<input[^>]*name="contact_person"[^>]*>', step)
    count_input = re.search(r'<input[^>]*name="staff_count"[^>]*>', step)
    assert name_input and 'autocomplete="name"' in name_input[0]
    assert count_input and 'inputmode="numeric"' in count_input[0]
    assert 'type="text"' in count_input[0]


def test_the_reviewer_approves_on_the_page_and_the_public_guide_changes(app, client, sign_in):
    with app.app_context():
        path = new_path()
        before = get_guide(path.code).number
        draft_id = submitted_change(path, summary="审核后公开的简介")
        code = path.code
    assert "审核后公开的简介" not in client.get(f"/items/{code}").get_data(as_text=True)
    sign_in("bb-reviewer")
    queue = client.get("/staff/guides").get_data(as_text=True)
    assert f"/staff/guides/drafts/{draft_id}/review" in queue
    review = client.get(f"/staff/guides/drafts/{draft_id}/review").get_data(as_text=True)
    assert "简介" in review and "审核后公开的简介" in review

    response = client.post(
        f"/staff/guides/drafts/{draft_id}/approve", data={"csrf_token": csrf_token(client)}
    )

    assert response.status_code == 303
    assert "审核后公开的简介" in client.get(f"/items/{code}").get_data(as_text=True)
    versions = client.get(f"/items/{code}/versions").get_data(as_text=True)
    assert f"/items/{code}/versions/{before}" in versions
    old = client.get(f"/items/{code}/versions/{before}").get_data(as_text=True)
    assert "审核后公开的简介" not in old and "历史指南" in old


def test_the_public_services_reviewer_is_refused_a_licence_item_on_the_page(app, client, sign_in):
    with app.app_context():
        path = new_path()
        draft_id = submitted_change(path, summary="不应发布")
    sign_in("center-reviewer")
    response = client.post(
        f"/staff/guides/drafts/{draft_id}/approve", data={"csrf_token": csrf_token(client)}
    )
    assert response.status_code == 403


def test_an_application_started_before_a_change_finishes_on_its_version(
    app_context, app, monkeypatch, tmp_path
):
    monkeypatch.setitem(app.extensions, "upload_storage", LocalFileStorage(tmp_path))
    path = new_path()
    old = get_guide(path.code)
    citizen = make_account()
    application = make_application(citizen, old, ApplicationStatus.DRAFT)
    record = authoring.start_change(path.editor, path.code).record
    draft_id = submitted_change(
        path, materials=[*record["materials"], {"name": "新增的必交材料", "required": True}]
    )
    authoring.approve_draft(path.approvals_reviewer, draft_id)
    assert len(get_guide(path.code).materials) == len(old.materials) + 1

    applicant.save_answers(
        citizen, application, {spec["name"]: value_for(spec) for spec in old.form_fields}
    )
    for material in old.materials:
        applicant.attach_upload(citizen, application, material.position, io.BytesIO(PNG), "a.png")
    applicant.submit(citizen, application, declaration=True)

    assert application.status is ApplicationStatus.SUBMITTED
    assert application.item_version_id == old.id
    assert [m.name for m in applicant.version_of(application).materials] == [
        m.name for m in old.materials
    ]


def test_a_suspension_shows_on_the_cached_guide_and_refuses_applications(app, client, sign_in):
    with app.app_context():
        path = new_path()
        code = path.code
        assert client.get(f"/items/{code}").status_code == 200  # cached before the change
        draft = authoring.request_suspension(
            path.editor, code, True, {"reason": "系统升级改造", "until": "2027-01-05"}
        )
        assert get_guide(code).item.suspended_reason is None  # not before the review
        authoring.approve_draft(path.approvals_reviewer, draft.id)
        editor_id, reviewer_id = path.editor.id, path.approvals_reviewer.id

    guide = client.get(f"/items/{code}").get_data(as_text=True)
    assert "本事项暂停办理：系统升级改造" in guide and "2027-01-05" in guide
    assert "在线申办" not in guide
    sign_in("citizen")
    refused = client.get(f"/apply/{code}")
    assert refused.status_code == 303
    assert "本事项暂停办理：系统升级改造" in client.get(refused.headers["Location"]).get_data(
        as_text=True
    )

    with app.app_context():
        editor, reviewer = db.session.get(Account, editor_id), db.session.get(Account, reviewer_id)
        resumed = authoring.request_suspension(editor, code, False)
        authoring.approve_draft(reviewer, resumed.id)
    assert "暂停办理" not in client.get(f"/items/{code}").get_data(as_text=True)
    assert client.get(f"/apply/{code}").status_code == 200


def test_only_staff_open_the_desk_and_those_without_a_guide_role_are_told(app, client, sign_in):
    sign_in("citizen")
    assert client.get("/staff/guides").status_code == 403
    clerk = sign_in("clerk", on=app.test_client())
    desk = clerk.get("/staff/guides")
    assert desk.status_code == 200 and "您没有事项管理员或事项审核员角色" in desk.get_data(
        as_text=True
    )


@pytest.mark.parametrize("username", ["catalog-editor", "bb-reviewer", "center-reviewer"])
def test_each_demo_account_of_the_path_opens_the_desk(client, sign_in, username):
    sign_in(username)
    assert client.get("/staff/guides").status_code == 200


def test_resuming_an_item_in_service_is_refused_beside_the_desk(app, client, sign_in):
    sign_in("catalog-editor")
    refused = client.post(
        f"/staff/guides/items/{DEMO_ITEM}/resume", data={"csrf_token": csrf_token(client)}
    )
    assert refused.status_code == 303 and refused.headers["Location"].endswith("/staff/guides")
    assert "该事项未暂停办理，无需申请恢复" in client.get("/staff/guides").get_data(as_text=True)
    with app.app_context():
        item_id = get_guide(DEMO_ITEM).item_id
        assert not db.session.scalars(
            sa.select(GuideDraft).where(GuideDraft.item_id == item_id)
        ).all()  # no resumption went to a reviewer


def test_a_suspended_item_cannot_be_suspended_again_only_resumed(app, isolated_db):
    with app.app_context():
        path = new_path()
        first = authoring.request_suspension(path.editor, path.code, True, {"reason": "系统升级"})
        authoring.approve_draft(path.approvals_reviewer, first.id)
        with pytest.raises(authoring.DraftRefused) as again:
            authoring.request_suspension(path.editor, path.code, True, {"reason": "再次暂停"})
        assert again.value.message == "该事项已暂停办理，无需再次申请暂停"
        resumed = authoring.request_suspension(path.editor, path.code, False)
        assert resumed.kind.value == "resume"
