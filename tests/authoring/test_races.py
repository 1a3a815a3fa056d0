"""Two reviewers deciding the same draft at the same moment: one outcome, the other is told."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from mobile_hall.applications.models import Message
from mobile_hall.audit.models import AuditEvent
from mobile_hall.authoring import services as authoring
from mobile_hall.authoring.constants import DraftStatus
from mobile_hall.authoring.models import GuideDraft
from mobile_hall.catalog.models import ItemVersion, ServiceItem
from mobile_hall.catalog.publishing import version_to_record
from mobile_hall.extensions import db
from tests.support.authoring import Path, submitted_change
from tests.support.browser import Browser
from tests.support.monitoring import person
from tests.support.workbench import csrf_token


def test_approve_and_return_pressed_at_once_give_one_outcome(app, identity_provider, restored_item):
    with app.app_context():
        last_event = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
        db.session.remove()
    editor = app.test_client()
    Browser(editor, identity_provider).sign_in("catalog-editor")
    opened = editor.post(
        f"/staff/guides/items/{restored_item}/draft", data={"csrf_token": csrf_token(editor)}
    )
    draft_id = int(opened.headers["Location"].rsplit("/", 1)[1])
    submitted = editor.post(
        f"/staff/guides/drafts/{draft_id}/submit", data={"csrf_token": csrf_token(editor)}
    )
    assert submitted.status_code == 303
    reviewers = [app.test_client(), app.test_client()]
    for reviewer in reviewers:
        Browser(reviewer, identity_provider).sign_in("bb-reviewer")
    posts = [
        (f"/staff/guides/drafts/{draft_id}/approve", {"csrf_token": csrf_token(reviewers[0])}),
        (
            f"/staff/guides/drafts/{draft_id}/return",
            {"csrf_token": csrf_token(reviewers[1]), "reason": "材料清单需再核对"},
        ),
    ]
    ready = threading.Barrier(len(reviewers), timeout=30)

    def press(reviewer, post):
        ready.wait()
        return reviewer.post(post[0], data=post[1])

    with ThreadPoolExecutor(len(reviewers)) as pool:
        responses = list(pool.map(press, reviewers, posts))

    assert [r.status_code for r in responses] == [303, 303]
    with app.app_context():
        draft = db.session.get(GuideDraft, draft_id)
        decisions = db.session.scalars(
            sa.select(AuditEvent.action).where(
                AuditEvent.target == f"guide_draft:{draft_id}",
                AuditEvent.action.in_(["guide.approve", "guide.return"]),
                AuditEvent.id > last_event,
            )
        ).all()
        messages = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Message)
            .where(Message.account_id == draft.created_by_id)
        )
        status = draft.status
        db.session.remove()
    assert len(decisions) == 1 and messages == 1
    assert status is (
        DraftStatus.PUBLISHED if decisions == ["guide.approve"] else DraftStatus.RETURNED
    )
    # The winner goes back to the desk; the other is sent to the draft, told it was decided.
    assert sorted(r.headers["Location"] for r in responses) == [
        "/staff/guides",
        f"/staff/guides/drafts/{draft_id}",
    ]


def _change(editor, code: str) -> GuideDraft:
    return authoring.start_change(editor, code)


def _suspension(editor, code: str) -> GuideDraft:
    return authoring.request_suspension(editor, code, True, {"reason": "系统升级"})


@pytest.mark.parametrize("open_draft", [_change, _suspension])
def test_a_draft_opened_as_the_open_one_is_approved_is_based_on_the_version_it_published(
    app, restored_item, monkeypatch, open_draft
):
    with app.app_context():
        editor, reviewer = person("catalog-editor"), person("bb-reviewer")
        draft_id = submitted_change(
            Path(restored_item, editor, reviewer, reviewer), summary="审核通过的新简介"
        )
        db.session.remove()

    def approve_in_another_session() -> None:
        with app.app_context():
            authoring.approve_draft(person("bb-reviewer"), draft_id)
            db.session.remove()

    checked_editor = authoring._editing_unit

    def approved_once_the_editor_is_checked(account, version):
        # The editor opens a draft just as the reviewer approves the open one: the approval
        # commits after the service read the item, before it locked it.
        monkeypatch.setattr(authoring, "_editing_unit", checked_editor)
        with ThreadPoolExecutor(1) as reviewer_session:
            reviewer_session.submit(approve_in_another_session).result()
        return checked_editor(account, version)

    monkeypatch.setattr(authoring, "_editing_unit", approved_once_the_editor_is_checked)
    with app.app_context():
        editor = person("catalog-editor")
        db.session.commit()
        draft = open_draft(editor, restored_item)
        published = db.session.scalars(
            sa.select(ItemVersion)
            .join(ServiceItem, ServiceItem.current_version_id == ItemVersion.id)
            .where(ServiceItem.code == restored_item)
        ).one()
        assert draft.id != draft_id and published.summary == "审核通过的新简介"
        assert draft.base_version_id == published.id
        if open_draft is _change:  # approving it later must not undo what was published
            assert draft.record == version_to_record(published).model_dump(mode="json")
        db.session.remove()
