"""The path of a change through the services: who may draft, who may decide, what approval
publishes, and what the reviewer is shown."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mobile_hall.applications.models import Message
from mobile_hall.audit.models import AuditEvent
from mobile_hall.authoring import services as authoring
from mobile_hall.authoring.constants import DraftStatus
from mobile_hall.authoring.models import GuideDraft
from mobile_hall.catalog.services import get_guide, list_versions
from mobile_hall.common.errors import NotAuthorized
from mobile_hall.extensions import db
from mobile_hall.identity.constants import StaffRoleKind
from tests.support.authoring import new_path, submitted_change, unit
from tests.support.builders import make_item, make_staff


def test_an_editor_of_another_unit_cannot_touch_the_item(app_context):
    path = new_path()
    stranger = make_staff(unit("QJ-MZJ"), StaffRoleKind.CATALOG_EDITOR)
    with pytest.raises(NotAuthorized):
        authoring.start_change(stranger, path.code)
    with pytest.raises(NotAuthorized):
        authoring.request_suspension(stranger, path.code, True, {"reason": "系统升级"})
    draft = authoring.start_change(path.editor, path.code)
    with pytest.raises(authoring.DraftNotFound):
        authoring.save_draft(stranger, draft.id, dict(draft.record or {}))
    with pytest.raises(authoring.DraftNotFound):
        authoring.submit_draft(stranger, draft.id)


def test_a_licence_item_goes_to_the_approvals_reviewer_not_the_public_services_one(app_context):
    path = new_path()
    draft_id = submitted_change(path, promised_time_limit_days=3)
    assert authoring.review_queue(path.services_reviewer) == []
    with pytest.raises(NotAuthorized):
        authoring.approve_draft(path.services_reviewer, draft_id)
    assert db.session.get(GuideDraft, draft_id).status is DraftStatus.SUBMITTED
    assert [d.id for d in authoring.review_queue(path.approvals_reviewer)] == [draft_id]
    authoring.approve_draft(path.approvals_reviewer, draft_id)
    assert get_guide(path.code).promised_time_limit_days == 3


def test_the_difference_names_each_changed_material_and_field(app_context):
    path = new_path()
    draft = authoring.start_change(path.editor, path.code)
    record = dict(draft.record or {})
    first, second = record["materials"]
    record["materials"] = [
        {**first, "count": 3, "notes": "加盖公章"},
        {"name": "场所使用证明", "required": True, "form": "copy", "count": 1},
    ]
    record["form_fields"] = [
        {"name": "name", "label": "企业名称", "type": "text"},
        {"name": "phone", "label": "联系电话", "type": "phone"},
    ]
    record["promised_time_limit_days"] = 2
    assert authoring.save_draft(path.editor, draft.id, record) == []

    found = {(d.field, d.change, d.name) for d in authoring.differences(draft)}

    assert ("申请材料·份数", "changed", first["name"]) in found
    assert ("申请材料·说明", "changed", first["name"]) in found
    assert ("申请材料", "removed", second["name"]) in found
    assert ("申请材料", "added", "场所使用证明") in found
    assert ("申请表字段·标题", "changed", "name") in found
    assert ("申请表字段", "added", "phone") in found
    assert ("承诺时限（工作日）", "changed", "") in found
    assert not any(d[0] == "事项名称" for d in found)


def test_approval_publishes_a_version_tells_the_editor_and_is_audited(app_context):
    path = new_path()
    before = get_guide(path.code)
    # Draft ids of rolled-back or cleaned-up tests come again; their audit records stay.
    last_event = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
    draft_id = submitted_change(path, legal_time_limit_days=12, promised_time_limit_days=4)
    authoring.approve_draft(path.approvals_reviewer, draft_id)

    current = get_guide(path.code)
    assert (current.number, current.promised_time_limit_days) == (before.number + 1, 4)
    assert [v.number for v in list_versions(path.code)] == [before.number + 1, before.number]
    assert get_guide(path.code, before.number).promised_time_limit_days == 5
    draft = db.session.get(GuideDraft, draft_id)
    assert draft.status is DraftStatus.PUBLISHED and draft.published_version_id == current.id
    titles = db.session.scalars(
        sa.select(Message.title).where(Message.account_id == path.editor.id)
    ).all()
    assert titles == ["修改指南已审核通过"]
    actions = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.target == f"guide_draft:{draft_id}", AuditEvent.id > last_event)
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["guide.draft_open", "guide.draft_save", "guide.submit", "guide.approve"]


def test_a_returned_draft_goes_back_with_the_reasons_and_can_be_resubmitted(app_context):
    path = new_path()
    draft_id = submitted_change(path, summary="新简介")
    with pytest.raises(authoring.DraftInvalid):
        authoring.return_draft(path.approvals_reviewer, draft_id, "  ")
    authoring.return_draft(path.approvals_reviewer, draft_id, "简介过于简单")
    draft = db.session.get(GuideDraft, draft_id)
    assert (draft.status, draft.return_reason) == (DraftStatus.RETURNED, "简介过于简单")
    body = db.session.scalars(
        sa.select(Message.body).where(Message.account_id == path.editor.id)
    ).one()
    assert "简介过于简单" in body
    with pytest.raises(authoring.DraftRefused):
        authoring.approve_draft(path.approvals_reviewer, draft_id)
    authoring.submit_draft(path.editor, draft_id)
    authoring.approve_draft(path.approvals_reviewer, draft_id)
    assert get_guide(path.code).summary == "新简介"


def test_an_invalid_draft_is_kept_but_cannot_be_submitted(app_context):
    path = new_path()
    draft = authoring.start_change(path.editor, path.code)
    record = {**(draft.record or {}), "promised_time_limit_days": 30}
    problems = authoring.save_draft(path.editor, draft.id, record)
    assert [(p.path, p.message) for p in problems] == [("", "承诺时限不能超过法定时限")]
    assert db.session.get(GuideDraft, draft.id).record["promised_time_limit_days"] == 30
    with pytest.raises(authoring.DraftInvalid):
        authoring.submit_draft(path.editor, draft.id)
    assert db.session.get(GuideDraft, draft.id).status is DraftStatus.EDITING


def test_a_new_item_is_created_by_the_same_path(app_context):
    path = new_path()
    template = make_item(unit("QJ-SCJGJ"))
    draft = authoring.start_new_item(path.editor, "QJ-SCJGJ")
    record = {
        **authoring.start_change(path.editor, template.item.code).record,
        "code": "QJ-SCJG-NEW1",
        "name": "新增的测试事项",
        "kind": "public_service",
    }
    assert authoring.save_draft(path.editor, draft.id, record) == []
    authoring.submit_draft(path.editor, draft.id)
    with pytest.raises(NotAuthorized):
        authoring.approve_draft(path.approvals_reviewer, draft.id)
    authoring.approve_draft(path.services_reviewer, draft.id)
    created = get_guide("QJ-SCJG-NEW1")
    assert (created.number, created.name) == (1, "新增的测试事项")
