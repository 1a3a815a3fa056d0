"""Text messages go out with the change they tell of: at its commit, never for a rollback."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from mobile_hall.applications.constants import ActorType, ApplicationStatus, Channel
from mobile_hall.applications.lifecycle import apply_transition, notify
from mobile_hall.applications.models import Application, Message
from mobile_hall.extensions import db
from tests.support import builders

SMS = "mobile_hall.notifications.sms"


def _texts(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == SMS]


def _submitted(app, caplog) -> int:
    """A new applicant's submitted application; the submission's own text left out."""
    with app.app_context():
        version = builders.make_item(builders.make_unit())
        application_id = builders.make_application(builders.make_account(), version).id
    caplog.clear()
    return application_id


def _accept_with_text(application: Application) -> str:
    """Accept the application and queue its text, uncommitted; the text."""
    text = f"您的申请（{application.number}）已受理。"
    apply_transition(application, "accept", ActorType.CLERK, Channel.WEB)
    notify(application, "申请已受理", text)
    return text


def test_a_rolled_back_acceptance_sends_no_text_and_leaves_no_message(app, isolated_db, caplog):
    caplog.set_level(logging.INFO, logger=SMS)
    application_id = _submitted(app, caplog)
    with app.app_context():
        _accept_with_text(db.session.get(Application, application_id))
        db.session.flush()  # the message row is written: only the rollback undoes it
        assert _texts(caplog) == []  # nothing leaves before the commit
        db.session.rollback()
        assert _texts(caplog) == []
        assert db.session.get(Application, application_id).status is ApplicationStatus.SUBMITTED
        assert not db.session.scalars(
            sa.select(Message).where(
                Message.application_id == application_id, Message.title == "申请已受理"
            )
        ).all()
        db.session.commit()  # a later commit of other work sends nothing of the rolled-back one
    assert _texts(caplog) == []


def test_a_committed_acceptance_sends_its_text_once_after_the_commit(app, isolated_db, caplog):
    caplog.set_level(logging.INFO, logger=SMS)
    application_id = _submitted(app, caplog)
    with app.app_context():
        text = _accept_with_text(db.session.get(Application, application_id))
        assert _texts(caplog) == []
        db.session.commit()
        sent = _texts(caplog)
        assert len(sent) == 1 and text in sent[0]
        assert "****" in sent[0]  # the phone number is masked in the log
        db.session.commit()  # the next transaction does not send it again
    assert len(_texts(caplog)) == 1


def test_a_text_queued_before_a_savepoint_waits_for_the_outer_commit(app, isolated_db, caplog):
    caplog.set_level(logging.INFO, logger=SMS)
    application_id = _submitted(app, caplog)
    with app.app_context():
        _accept_with_text(db.session.get(Application, application_id))
        with db.session.begin_nested():  # e.g. a licence serial's counter row
            pass
        assert _texts(caplog) == []  # the savepoint's release is not the commit
        db.session.rollback()
    assert _texts(caplog) == []
