"""Server-side sessions: the cookie carries a random token, the database the session itself.

Each request with a cookie costs one indexed look-up: the row, with its account, enterprise and
the account's change tokens joined (what the personal pages' cache keys need).
Signing in rotates the token; signing out, idle timeout, absolute lifetime and back-channel
logout delete the row, so a replayed old cookie finds nothing and is anonymous.
"""

from __future__ import annotations

import copy
import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy.orm import aliased, contains_eager
from werkzeug.datastructures import CallbackDict

from ..clock import as_local, now
from ..common.freshness import MISSING, scope_sql
from ..common.models import ChangeToken
from ..extensions import db
from .models import Account, Enterprise, OwnScopes, WebSession, own_scopes

# Refreshing `last_seen_at` on every request would turn every page view into a write.
TOUCH_INTERVAL = timedelta(seconds=60)


def token_digest(token: str) -> str:
    """The stored id of a session token (the token itself never reaches the database)."""
    return hashlib.sha256(token.encode()).hexdigest()


class ServerSession(CallbackDict, SessionMixin):
    """The session of one request; `record` is its row, None until something is stored."""

    def __init__(self, record: WebSession | None = None, token: str | None = None) -> None:
        def on_update(_self: CallbackDict) -> None:
            self.modified = True

        # A deep copy: nested values (flashed messages) must not alias the stored row's data.
        super().__init__(copy.deepcopy(record.data) if record else {}, on_update)
        self.record = record
        self.token = token
        # When the row was last touched, kept apart from the row: after the view commits, the
        # row is expired, and deciding whether to touch it must not cost a reload.
        self.last_seen_at = as_local(record.last_seen_at) if record else None
        self.modified = False
        self.new = record is None
        self.destroyed = False
        self._rotate = False
        self.binding: dict[str, Any] | None = None
        # The account's change tokens, read with the row (`freshness`): the personal pages'
        # cache keys cost no query of their own.
        self.change_tokens: dict[str, str] = {}

    @property
    def account(self) -> Account | None:
        """The signed-in account, or None."""
        return self.record.account if self.record is not None else None

    def sign_in(
        self,
        account: Account,
        *,
        is_staff: bool,
        provider_session_id: str | None,
        id_token: str | None,
    ) -> None:
        """Bind the session to `account` under a new token (the old one stops working)."""
        self._rotate = True
        self.modified = True
        self.binding = {
            "account": account,
            "is_staff": is_staff,
            "provider_session_id": provider_session_id,
            "id_token": id_token,
        }

    def destroy(self) -> None:
        """Delete the session: the row goes and the cookie is cleared."""
        self.destroyed = True
        self.clear()

    @property
    def rotating(self) -> bool:
        """Whether the token is replaced when the response is sent."""
        return self._rotate


def _session_with_tokens() -> sa.Select:
    """The session row, its account and enterprise, and the tokens of the account's
    `OwnScopes`, in their order."""
    scopes = OwnScopes(
        account=scope_sql("account", Account.id),
        person=scope_sql("person", Account.id_number_hash),
        enterprise=scope_sql("enterprise", Account.enterprise_id),
        credit=scope_sql("credit", Enterprise.credit_code),
    )
    tokens = [aliased(ChangeToken) for _ in scopes]
    query = (
        sa.select(WebSession, *(token.token for token in tokens))
        .outerjoin(Account, Account.id == WebSession.account_id)
        .outerjoin(Enterprise, Enterprise.id == Account.enterprise_id)
        .options(contains_eager(WebSession.account).contains_eager(Account.enterprise))
        .where(WebSession.id == sa.bindparam("id"))
    )
    for token, scope in zip(tokens, scopes, strict=True):
        query = query.outerjoin(token, token.scope == scope)
    return query


_SESSION_WITH_TOKENS = _session_with_tokens()


class DatabaseSessionInterface(SessionInterface):
    """Flask's session, stored in `web_session` rows."""

    session_class = ServerSession

    def _limits(self, app: Flask, is_staff: bool) -> tuple[timedelta, timedelta]:
        idle_key = "SESSION_IDLE_MINUTES_STAFF" if is_staff else "SESSION_IDLE_MINUTES"
        return (
            timedelta(minutes=app.config[idle_key]),
            timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"]),
        )

    def _is_alive(self, app: Flask, record: WebSession, moment: datetime) -> bool:
        idle, _ = self._limits(app, record.is_staff)
        return (
            moment < as_local(record.expires_at) and moment < as_local(record.last_seen_at) + idle
        )

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        """Find the session the cookie names; expired or unknown ones start empty."""
        token = request.cookies.get(self.get_cookie_name(app))
        if not token or len(token) > 100:
            return ServerSession()
        found = db.session.execute(_SESSION_WITH_TOKENS, {"id": token_digest(token)}).first()
        if found is None:
            return ServerSession()
        record = found[0]
        if not self._is_alive(app, record, now()):
            db.session.delete(record)
            db.session.commit()
            return ServerSession()
        opened = ServerSession(record, token)
        if record.account is not None:
            opened.change_tokens = {
                scope: value or MISSING
                for scope, value in zip(own_scopes(record.account), found[1:], strict=True)
                if scope
            }
        return opened

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:  # type: ignore[override]
        """Write what changed, rotate or delete the row, and set or clear the cookie."""
        cookie = self.get_cookie_name(app)
        options = {
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
            "secure": self.get_cookie_secure(app),
            "httponly": self.get_cookie_httponly(app),
            "samesite": self.get_cookie_samesite(app),
        }
        if session.destroyed:
            if session.record is not None:
                db.session.delete(session.record)
                db.session.commit()
            response.delete_cookie(cookie, **options)
            return
        moment = now()
        if session.rotating and session.record is not None:
            db.session.delete(session.record)
            session.record, session.token = None, None
        if session.record is None and session.binding is None and not dict(session):
            return  # nothing worth a row: anonymous visitors stay cookie-free
        if session.record is None:
            session.token = secrets.token_urlsafe(32)
            session.record = WebSession(
                id=token_digest(session.token),
                data={},
                created_at=moment,
                last_seen_at=moment,
                expires_at=moment + self._limits(app, False)[1],
            )
            db.session.add(session.record)
            new_cookie = True
        else:
            new_cookie = False
        record = session.record
        if session.binding is not None:
            for name, value in session.binding.items():
                setattr(record, name, value)
            session.binding = None
        last_seen = session.last_seen_at or moment
        touch_due = moment - last_seen >= TOUCH_INTERVAL
        if not (session.modified or new_cookie or touch_due):
            return
        record.data = dict(session)
        record.last_seen_at = moment
        db.session.commit()
        if new_cookie:
            response.set_cookie(cookie, session.token, **options)
        response.vary.add("Cookie")
