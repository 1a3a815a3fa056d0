"""Sessions: a signed-in visitor's lives in a row, an anonymous visitor's in the cookie itself.

The cookie (`hall_session`) holds one of two things, told apart by their first characters:
- a random token naming a `web_session` row (signed-in visitors): one indexed look-up per
  request, the row with its account, enterprise and the account's change tokens joined (what
  the personal pages' cache keys need);
- the anonymous visitor's data itself (CSRF secret, sign-in state, flashed messages), sealed
  with AES-256-GCM under a key derived from `SECRET_KEY`: no query at all. It is written only
  when the data changes (or, for an active visitor, once per half idle limit), so replaying
  a cookie costs no `Set-Cookie`. Data too large for a cookie is kept in a row instead.

Signing in always moves the session into a new row under a new random token; signing out, idle
timeout, absolute lifetime and back-channel logout delete the row, so a replayed old cookie
finds nothing and is anonymous.
"""

from __future__ import annotations

import copy
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, Request, Response, current_app, g
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from ..clock import as_local, now
from ..common.crypto import FORMAT_VERSION, KEY_BYTES, DecryptionError, FieldCipher
from ..common.freshness import MISSING, scope_sql
from ..common.models import ChangeToken
from ..database import DirectRead, as_loaded, loaded_columns
from ..extensions import db
from .models import Account, Enterprise, OwnScopes, WebSession, own_scopes, scopes_of

# Refreshing `last_seen_at` on every request would turn every page view into a write.
TOUCH_INTERVAL = timedelta(seconds=60)


def token_digest(token: str) -> str:
    """The stored id of a session token (the token itself never reaches the database)."""
    return hashlib.sha256(token.encode()).hexdigest()


# Sealed anonymous sessions: `FieldCipher` tokens (`v1.<key id>.<data>`) under a key of their
# own, derived from SECRET_KEY. Row tokens are base64url and never contain a dot, so the prefix
# alone says which kind a cookie is.
SEALED_KEY_ID = "anon"
SEALED_PREFIX = f"{FORMAT_VERSION}.{SEALED_KEY_ID}."
SEALED_CONTEXT = "web_session.anonymous"
SEALED_KEY_INFO = b"mobile_hall identity: anonymous session cookie"
# Browsers keep a cookie of up to 4096 bytes, name and attributes included; anonymous data
# that would seal to more than this goes to a row (each unfinished sign-in leaves Authlib's
# state, ~800 characters sealed: the fifth one does not fit).
MAX_SEALED_LENGTH = 3600


@dataclass(frozen=True)
class Sealed:
    """An anonymous session as its cookie carries it; times are seconds since the epoch."""

    data: dict[str, Any]
    created_at: float
    sealed_at: float


class CookieSealer:
    """Anonymous session data sealed into the cookie: encrypted, authenticated and dated."""

    def __init__(self, secret_key: str | bytes) -> None:
        """Derive the sealing key from `secret_key` (HKDF-SHA256 with its own label)."""
        material = secret_key.encode() if isinstance(secret_key, str) else secret_key
        key = HKDF(
            algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=SEALED_KEY_INFO
        ).derive(material)
        self._cipher = FieldCipher({SEALED_KEY_ID: key}, SEALED_KEY_ID)

    def seal(self, data: dict[str, Any], created_at: float, sealed_at: float) -> str:
        """The cookie value carrying `data` (which must be JSON-serialisable).

        :raises TypeError: if `data` holds a value JSON cannot represent.
        """
        payload = {"c": round(created_at), "t": round(sealed_at), "d": data}
        plain = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        return self._cipher.encrypt(plain, SEALED_CONTEXT)

    def open(self, value: str) -> Sealed | None:
        """What a cookie made by `seal` carries; None for anything else (altered, another
        key's, not sealed at all). Refuses nothing: a bad cookie is just no session."""
        try:
            payload = json.loads(self._cipher.decrypt(value, SEALED_CONTEXT))
            return Sealed(dict(payload["d"]), float(payload["c"]), float(payload["t"]))
        except (DecryptionError, ValueError, KeyError, TypeError):
            return None


@dataclass
class StoredSession:
    """A session row as read (`_SessionRow`): its columns, its account's and enterprise's
    columns, and the account's change tokens. The instances are built only when asked for:
    the account when a view reads `current_user`, the row when it is written or deleted (a
    cached personal page needs neither: the account's id and scopes come from the columns)."""

    values: dict[str, Any]
    account_values: dict[str, Any] | None
    enterprise_values: dict[str, Any] | None
    tokens: tuple[str | None, ...]

    @cached_property
    def account(self) -> Account | None:
        """The signed-in account (with its enterprise), as if a query had loaded it."""
        if self.account_values is None:
            return None
        enterprise = None
        if self.enterprise_values is not None:
            enterprise = as_loaded(Enterprise, self.enterprise_values)
        return as_loaded(Account, {**self.account_values, "enterprise": enterprise})

    @property
    def own_scopes(self) -> OwnScopes | None:
        """The signed-in account's scopes (`own_scopes`), from the columns read."""
        account = self.account_values
        if account is None:
            return None
        enterprise = self.enterprise_values
        return scopes_of(
            account["id"],
            account["id_number_hash"],
            account["enterprise_id"],
            enterprise["credit_code"] if enterprise else None,
        )

    def instance(self) -> WebSession:
        """The row as an instance of the session, as if a query had loaded it."""
        return as_loaded(WebSession, {**self.values, "account": self.account})


class ServerSession(CallbackDict, SessionMixin):
    """The session of one request: `record` is its row, or `sealed` what its anonymous cookie
    carried; both None for a visitor with no session yet."""

    def __init__(
        self,
        stored: StoredSession | None = None,
        token: str | None = None,
        sealed: Sealed | None = None,
    ) -> None:
        def on_update(_self: CallbackDict) -> None:
            self.modified = True

        # A deep copy: nested values (flashed messages) must not alias the stored row's data.
        # A sealed cookie's data was just parsed: nothing else holds it.
        initial = copy.deepcopy(stored.values["data"]) if stored else sealed.data if sealed else {}
        super().__init__(initial, on_update)
        self._stored = stored
        self._record: WebSession | None = None
        self.token = token
        self.sealed = sealed
        # When the row was last touched, kept apart from the row: after the view commits, the
        # row is expired, and deciding whether to touch it must not cost a reload.
        self.last_seen_at = as_local(stored.values["last_seen_at"]) if stored else None
        self.modified = False
        self.new = stored is None and sealed is None
        self.destroyed = False
        self._rotate = False
        self.binding: dict[str, Any] | None = None
        # The account's change tokens, read with the row (`freshness`): the personal pages'
        # cache keys cost no query of their own.
        self.change_tokens: dict[str, str] = {}

    @property
    def has_row(self) -> bool:
        """Whether the session is kept in a row (built or not yet)."""
        return self._record is not None or self._stored is not None

    @property
    def record(self) -> WebSession | None:
        """The session's row; built from what was read when first asked for."""
        if self._record is None and self._stored is not None:
            self._record = self._stored.instance()
        return self._record

    @record.setter
    def record(self, value: WebSession | None) -> None:
        self._record, self._stored = value, None

    @property
    def account(self) -> Account | None:
        """The signed-in account, or None."""
        if self._record is not None:
            return self._record.account
        return self._stored.account if self._stored is not None else None

    @property
    def account_id(self) -> int | None:
        """The signed-in account's id, or None (without building the account)."""
        if self._record is not None:
            return self._record.account_id
        return self._stored.values["account_id"] if self._stored is not None else None

    @property
    def own_scopes(self) -> OwnScopes | None:
        """The signed-in account's change-token scopes, or None (without building it)."""
        if self._record is not None:
            account = self._record.account
            return own_scopes(account) if account is not None else None
        return self._stored.own_scopes if self._stored is not None else None

    def sign_in(
        self,
        account: Account,
        *,
        is_staff: bool,
        provider_session_id: str | None,
        id_token: str | None,
    ) -> None:
        """Bind the session to `account` under a new token (the old one stops working), with
        a new CSRF secret: a form token someone planted before the sign-in is worth nothing
        after it (OWASP: renew the token at every change of privilege)."""
        self._rotate = True
        self.modified = True
        field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        self.pop(field, None)
        g.pop(field, None)  # a token signed earlier in this request is the old secret's
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


class _SessionRow:
    """The flat select that reads a signed-in visitor's session on every request: the session
    row, its account and enterprise (their non-deferred columns) and the tokens of the
    account's `OwnScopes`, in their order; and the instances built from its result.

    Run on the DB-API cursor (`DirectRead`) with the instances built by `as_loaded`, it costs a
    fraction of the ORM's loading of the same three joined rows, and every signed-in request
    pays it."""

    def __init__(self) -> None:
        self.models = (WebSession, Account, Enterprise)
        self.keys = [[prop.key for prop in loaded_columns(model)] for model in self.models]
        scopes = OwnScopes(
            account=scope_sql("account", Account.id),
            person=scope_sql("person", Account.id_number_hash),
            enterprise=scope_sql("enterprise", Account.enterprise_id),
            credit=scope_sql("credit", Enterprise.credit_code),
        )
        # Each token a scalar subquery (one index probe), not an outer join: PostgreSQL then
        # builds no hash table per token (a quarter of the statement's time on the server).
        tokens = [
            sa.select(ChangeToken.token).where(ChangeToken.scope == scope).scalar_subquery()
            for scope in scopes
        ]
        columns = [
            getattr(model, key)
            for model, keys in zip(self.models, self.keys, strict=True)
            for key in keys
        ]
        query = (
            sa.select(*columns, *tokens)
            .select_from(WebSession)
            .outerjoin(Account, Account.id == WebSession.account_id)
            .outerjoin(Enterprise, Enterprise.id == Account.enterprise_id)
            .where(WebSession.id == sa.bindparam("id"))
        )
        self.query = DirectRead(query)

    def read(self, digest: str) -> StoredSession | None:
        """The session row named by `digest` with its account's and enterprise's columns and
        the account's change tokens; None if there is no such row."""
        rows = self.query.rows(id=digest)
        if not rows:
            return None
        values, parts = rows[0], []
        start = 0
        for keys in self.keys:
            parts.append(dict(zip(keys, values[start : start + len(keys)], strict=True)))
            start += len(keys)
        session_values, account_values, enterprise_values = parts
        if session_values["account_id"] is None:
            return StoredSession(session_values, None, None, values[start:])
        if account_values["enterprise_id"] is None:
            enterprise_values = None
        return StoredSession(session_values, account_values, enterprise_values, values[start:])


_SESSION_ROW = _SessionRow()


class DatabaseSessionInterface(SessionInterface):
    """Flask's session: anonymous data sealed in the cookie, everything else in `web_session`
    rows."""

    session_class = ServerSession

    def __init__(self) -> None:
        self._sealer: tuple[str | bytes, CookieSealer] | None = None

    def sealer(self, app: Flask) -> CookieSealer:
        """The app's cookie sealer (derived once per secret key)."""
        if self._sealer is None or self._sealer[0] != app.secret_key:
            self._sealer = (app.secret_key, CookieSealer(app.secret_key))
        return self._sealer[1]

    def _limits(self, app: Flask, is_staff: bool) -> tuple[timedelta, timedelta]:
        idle_key = "SESSION_IDLE_MINUTES_STAFF" if is_staff else "SESSION_IDLE_MINUTES"
        return (
            timedelta(minutes=app.config[idle_key]),
            timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"]),
        )

    def _is_alive(self, app: Flask, row: dict[str, Any], moment: datetime) -> bool:
        idle, _ = self._limits(app, row["is_staff"])
        last_seen_at, expires_at = as_local(row["last_seen_at"]), as_local(row["expires_at"])
        return moment < expires_at and moment < last_seen_at + idle

    def _sealed_age(self, app: Flask, sealed: Sealed, moment: datetime) -> float | None:
        """Seconds since `sealed` was written, or None once it is past either limit."""
        idle, absolute = self._limits(app, False)
        at = moment.timestamp()
        if at >= sealed.created_at + absolute.total_seconds():
            return None
        age = at - sealed.sealed_at
        return age if age < idle.total_seconds() else None

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        """The cookie's session: sealed anonymous data, or the row its token names; expired,
        altered or unknown ones start empty."""
        token = request.cookies.get(self.get_cookie_name(app))
        if not token:
            return ServerSession()
        if token.startswith(SEALED_PREFIX):
            return self._open_sealed(app, token)
        if len(token) > 100:
            return ServerSession()
        stored = _SESSION_ROW.read(token_digest(token))
        if stored is None:
            return ServerSession()
        if not self._is_alive(app, stored.values, now()):
            db.session.delete(stored.instance())
            db.session.commit()
            return ServerSession()
        opened = ServerSession(stored, token)
        scopes = stored.own_scopes
        if scopes is not None:
            opened.change_tokens = {
                scope: value or MISSING
                for scope, value in zip(scopes, stored.tokens, strict=True)
                if scope
            }
        return opened

    def _open_sealed(self, app: Flask, value: str) -> ServerSession:
        sealed = self.sealer(app).open(value) if len(value) <= MAX_SEALED_LENGTH else None
        if sealed is None or self._sealed_age(app, sealed, now()) is None:
            return ServerSession()
        return ServerSession(sealed=sealed)

    def _cookie_options(self, app: Flask) -> dict[str, Any]:
        return {
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
            "secure": self.get_cookie_secure(app),
            "httponly": self.get_cookie_httponly(app),
            "samesite": self.get_cookie_samesite(app),
        }

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:  # type: ignore[override]
        """Seal anonymous data into the cookie when it changed; for a row, write what changed,
        rotate or delete it; set or clear the cookie."""
        if session.destroyed:
            if session.has_row:
                db.session.delete(session.record)
                db.session.commit()
            response.delete_cookie(self.get_cookie_name(app), **self._cookie_options(app))
            return
        moment = now()
        if session.rotating and session.has_row:
            db.session.delete(session.record)
            session.record, session.token = None, None
        anonymous = not session.has_row and session.binding is None
        if anonymous and self._save_sealed(app, session, response, moment):
            return
        self._save_row(app, session, response, moment)

    def _save_sealed(
        self, app: Flask, session: ServerSession, response: Response, moment: datetime
    ) -> bool:
        """Seal an anonymous session into the cookie if it changed or is due for renewal;
        False when it is too large for a cookie (it then takes a row)."""
        sealed = session.sealed
        if not session.modified:
            age = self._sealed_age(app, sealed, moment) if sealed else None
            # An active visitor's cookie is renewed once per half idle limit, so that the
            # idle limit, not the time since the data last changed, ends the session.
            idle, _ = self._limits(app, False)
            if age is None or age < idle.total_seconds() / 2:
                return True
        data = dict(session)
        cookie, options = self.get_cookie_name(app), self._cookie_options(app)
        if not data:
            if sealed is not None:
                response.delete_cookie(cookie, **options)
            return True  # nothing to keep: visitors without data stay cookie-free
        created_at = sealed.created_at if sealed else moment.timestamp()
        value = self.sealer(app).seal(data, created_at, moment.timestamp())
        if len(value) > MAX_SEALED_LENGTH:
            return False
        response.set_cookie(cookie, value, **options)
        response.vary.add("Cookie")
        return True

    def _save_row(
        self, app: Flask, session: ServerSession, response: Response, moment: datetime
    ) -> None:
        if not session.has_row:
            started = moment
            if session.sealed is not None and session.binding is None:
                # Anonymous data too large for its cookie keeps the lifetime it had there.
                started = datetime.fromtimestamp(session.sealed.created_at, moment.tzinfo)
            session.token = secrets.token_urlsafe(32)
            session.record = WebSession(
                id=token_digest(session.token),
                data={},
                created_at=started,
                last_seen_at=moment,
                expires_at=started + self._limits(app, False)[1],
            )
            db.session.add(session.record)
            new_cookie = True
        else:
            new_cookie = False
        if session.binding is not None:
            for name, value in session.binding.items():
                setattr(session.record, name, value)
            session.binding = None
        last_seen = session.last_seen_at or moment
        touch_due = moment - last_seen >= TOUCH_INTERVAL
        if not (session.modified or new_cookie or touch_due):
            return
        record = session.record
        record.data = dict(session)
        record.last_seen_at = moment
        db.session.commit()
        if new_cookie:
            response.set_cookie(
                self.get_cookie_name(app), session.token, **self._cookie_options(app)
            )
        response.vary.add("Cookie")
