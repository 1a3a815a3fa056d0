"""The signed-in session read on every request: its row, account and enterprise loaded by the
ORM in one statement, and written like any other instance."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request

from mobile_hall.extensions import db
from mobile_hall.identity.models import Account, WebSession, own_scopes
from mobile_hall.identity.sessions import token_digest

COOKIE = "hall_session"
TRANSACTION_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK")


def _open(app, token: str):
    """The session of a request carrying `token`, with the statements it sent."""
    sent: list[str] = []

    def note(_connection, _cursor, statement, *_args) -> None:
        sent.append(statement)

    context = app.test_request_context("/me", headers={"Cookie": f"{COOKIE}={token}"})
    context.push()  # opens the request's own session: the one read below is apart from it
    db.session.remove()
    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        opened = app.session_interface.open_session(app, request)
        return context, opened, sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)


def test_an_enterprise_session_is_one_statement_with_its_account_and_enterprise(browser, app):
    browser.sign_in("enterprise")
    token = browser.client.get_cookie(COOKIE).value
    context, opened, sent = _open(app, token)
    try:
        queries = [s.split()[0] for s in sent if not s.startswith(TRANSACTION_CONTROL)]
        assert queries == ["SELECT"]
        account = opened.account
        assert account.is_legal_person and account.enterprise.credit_code
        assert opened.record in db.session and sa.inspect(opened.record).persistent
        assert own_scopes(account).credit == f"credit:{account.enterprise.credit_code}"
    finally:
        context.pop()


def test_a_change_to_the_sessions_account_is_written_like_any_other(browser, app):
    browser.sign_in("citizen")
    token = browser.client.get_cookie(COOKIE).value
    context, opened, _sent = _open(app, token)
    try:
        opened.account.phone = "13900000000"
        db.session.commit()
    finally:
        context.pop()
    with app.app_context():
        row = db.session.get(WebSession, token_digest(token))
        assert db.session.get(Account, row.account_id).phone == "13900000000"
