"""Sessions: a signed-in visitor's lives in a `web_session` row, an anonymous visitor's in an
encrypted cookie.

The cookie (`hall_session`) holds one of two things, told apart by their form:
- a random token (base64url, no dot) naming a `web_session` row, for signed-in visitors: the
  row is loaded with its account and enterprise by primary key, once per request;
- the anonymous visitor's data itself (CSRF secret, pending sign-ins, flashed messages),
  serialised as Flask's own cookie session serialises it and encrypted with AES-256-GCM
  (`FieldCipher`, ``v1.<key id>.<data>``) under a key derived from `SECRET_KEY`; cookies made
  under one of `SECRET_KEY_FALLBACKS` still open. It is written only when the data changes
  (or, for an active visitor, once per half idle limit). Anonymous visitors never get a row:
  the pending sign-ins kept are capped (`oidc.start`), so their data always fits a cookie.

Signing in always moves the session into a new row under a new random token; signing out, idle
timeout, absolute lifetime and back-channel logout delete the row, so a replayed old cookie
finds nothing and is anonymous. `flask sessions purge` deletes the rows nobody came back for.
"""

from __future__ import annotations

import copy
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, Request, Response, current_app, g, request
from flask import session as flask_session
from flask.sessions import NullSession, SessionInterface, SessionMixin, session_json_serializer
from werkzeug.datastructures import CallbackDict

from ..clock import as_local, now
from ..common.crypto import KEY_BYTES, DecryptionError, FieldCipher
from ..database import DATABASE_UNAVAILABLE
from ..extensions import db
from .models import Account, WebSession

# Refreshing `last_seen_at` on every request would turn every page view into a write.
TOUCH_INTERVAL = timedelta(seconds=60)
COOKIE_CONTEXT = "hall_session.anonymous"
COOKIE_KEY_INFO = b"mobile_hall identity: anonymous session cookie"


def token_digest(token: str) -> str:
    """The stored id of a session token (the token itself never reaches the database)."""
    return hashlib.sha256(token.encode()).hexdigest()


def idle_limit(is_staff: bool) -> timedelta:
    """How long a session may go unused before it ends (staff sessions end sooner)."""
    key = "SESSION_IDLE_MINUTES_STAFF" if is_staff else "SESSION_IDLE_MINUTES"
    return timedelta(minutes=current_app.config[key])


def absolute_limit() -> timedelta:
    """How long a session may last at most, however active."""
    return timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])


@dataclass(frozen=True)
class CookieData:
    """An anonymous session as its cookie carries it; times are seconds since the epoch."""

    data: dict[str, Any]
    created_at: float
    written_at: float


def _cookie_key(secret_key: str | bytes) -> bytes:
    material = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=COOKIE_KEY_INFO
    ).derive(material)


def _key_id(key: bytes) -> str:
    # Names the secret a cookie was made under, so that a rotated-out one is still found.
    return hashlib.sha256(key).hexdigest()[:12]


class CookieCipher:
    """Anonymous session data encrypted into the cookie: authenticated, dated, and readable
    under the current secret key or any fallback."""

    def __init__(self, secret_key: str | bytes, fallbacks: Iterable[str | bytes] = ()) -> None:
        """Derive one key per secret (HKDF-SHA256 with its own label); the first encrypts."""
        current = _cookie_key(secret_key)
        keys = {_key_id(key): key for key in map(_cookie_key, fallbacks)}
        keys[_key_id(current)] = current
        self._cipher = FieldCipher(keys, _key_id(current))

    def encrypt(self, data: dict[str, Any], created_at: float, written_at: float) -> str:
        """The cookie value carrying `data` (whatever Flask's cookie session can carry).

        :raises TypeError: if `data` holds a value the serializer cannot represent.
        """
        payload = {"c": round(created_at), "t": round(written_at), "d": data}
        return self._cipher.encrypt(session_json_serializer.dumps(payload), COOKIE_CONTEXT)

    def decrypt(self, value: str) -> CookieData | None:
        """What a cookie made by `encrypt` carries; None for anything else (altered, made
        under an unknown key, not ours at all). A bad cookie is just no session."""
        try:
            payload = session_json_serializer.loads(self._cipher.decrypt(value, COOKIE_CONTEXT))
            return CookieData(dict(payload["d"]), float(payload["c"]), float(payload["t"]))
        except (DecryptionError, ValueError, KeyError, TypeError):
            return None


class ServerSession(CallbackDict, SessionMixin):
    """The session of one request: `record` is its row when signed in, `cookie` what the
    anonymous cookie carried; both None for a visitor with no session yet."""

    def __init__(
        self,
        record: WebSession | None = None,
        token: str | None = None,
        cookie: CookieData | None = None,
    ) -> None:
        def on_update(_self: CallbackDict) -> None:
            self.modified = True

        # A deep copy: nested values (flashed messages) must not alias the row's own data, or
        # changing them would leave nothing for the ORM to see.
        initial = copy.deepcopy(record.data) if record else cookie.data if cookie else {}
        super().__init__(initial, on_update)
        self.record = record
        self.token = token
        self.cookie = cookie
        # Kept apart from the row: after the view commits, the row is expired, and deciding
        # whether to touch it must not cost a reload.
        self.last_seen_at = as_local(record.last_seen_at) if record else None
        self.modified = False
        self.new = record is None and cookie is None
        self.destroyed = False
        self.rotating = False
        self.binding: dict[str, Any] | None = None

    @property
    def is_personal(self) -> bool:
        """Whether this request's session belongs to a person: signed in, signing in or out
        (read without touching the database, so an error page can ask too)."""
        return self.record is not None or self.binding is not None or self.destroyed

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
        id_token_cipher: str | None,
    ) -> None:
        """Bind the session to `account` under a new token (the old one stops working), with
        a new CSRF secret: a form token someone planted before the sign-in is worth nothing
        after it (OWASP: renew the token at every change of privilege)."""
        self.rotating = True
        self.modified = True
        field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        self.pop(field, None)
        g.pop(field, None)  # a token signed earlier in this request is the old secret's
        self.binding = {
            "account": account,
            "is_staff": is_staff,
            "provider_session_id": provider_session_id,
            "id_token_cipher": id_token_cipher,
        }

    def destroy(self) -> None:
        """Forget the session once its row is deleted (`services.sign_out`, in the same
        transaction as its audit record): the cookie is cleared."""
        self.destroyed = True
        self.record, self.token = None, None
        self.clear()


def current_session() -> ServerSession:
    """This request's session (Flask's `session`), which `DatabaseSessionInterface` opens:
    Flask types its proxy as any `SessionMixin`."""
    return cast(ServerSession, flask_session)


def _has_expired(record: WebSession, moment: datetime) -> bool:
    idle_ends = as_local(record.last_seen_at) + idle_limit(record.is_staff)
    return moment >= min(as_local(record.expires_at), idle_ends)


# The request environ's key for the database error that kept the session from being read.
UNREAD_SESSION = "hall.unread_session"


def raise_unread_session() -> None:
    """Before every view: a session whose row could not be read (the database is down) is
    that error, answered by the 503 handler, rather than a visitor who seems signed out."""
    error = request.environ.get(UNREAD_SESSION)
    if error is not None:
        raise error


class DatabaseSessionInterface(SessionInterface):
    """Flask's session: anonymous data in an encrypted cookie, signed-in sessions in
    `web_session` rows."""

    session_class = ServerSession

    def __init__(self) -> None:
        self._ciphers: dict[tuple, CookieCipher] = {}

    def cookie_cipher(self, app: Flask) -> CookieCipher:
        """The app's cookie cipher (derived once per secret key and fallbacks)."""
        secret_key = app.secret_key
        if secret_key is None:
            raise RuntimeError("the session needs SECRET_KEY")
        fallbacks = tuple(app.config.get("SECRET_KEY_FALLBACKS") or ())
        secrets_in_use = (secret_key, fallbacks)
        if secrets_in_use not in self._ciphers:
            self._ciphers[secrets_in_use] = CookieCipher(secret_key, fallbacks)
        return self._ciphers[secrets_in_use]

    def _cookie_age(self, cookie: CookieData, moment: datetime) -> float | None:
        """Seconds since `cookie` was written, or None once it is past either limit."""
        at = moment.timestamp()
        if at >= cookie.created_at + absolute_limit().total_seconds():
            return None
        age = at - cookie.written_at
        return age if age < idle_limit(is_staff=False).total_seconds() else None

    def open_session(self, app: Flask, request: Request) -> ServerSession | NullSession:
        """The cookie's session: anonymous data, or the row its token names; expired,
        altered or unknown ones start empty. While the row cannot be read, a null session,
        and the error kept for `raise_unread_session`."""
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return ServerSession()
        if "." in value:  # an encrypted cookie; row tokens are base64url
            cookie = self.cookie_cipher(app).decrypt(value)
            if cookie is None or self._cookie_age(cookie, now()) is None:
                return ServerSession()
            return ServerSession(cookie=cookie)
        if len(value) > 100:
            return ServerSession()
        try:
            return self._row_session(value)
        except DATABASE_UNAVAILABLE as error:
            # Raised from here, it would reach Flask before any error handler of ours and end
            # as the server's bare page; raised again before the view, it gets the hall's 503.
            request.environ[UNREAD_SESSION] = error
            return self.make_null_session(app)

    def _row_session(self, value: str) -> ServerSession:
        # The account and its enterprise come in the same statement (joined relationships).
        record = db.session.get(WebSession, token_digest(value))
        if record is None:
            return ServerSession()
        if _has_expired(record, now()):
            db.session.delete(record)
            db.session.commit()
            return ServerSession()
        return ServerSession(record, value)

    def _cookie_options(self, app: Flask) -> dict[str, Any]:
        return {
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
            "secure": self.get_cookie_secure(app),
            "httponly": self.get_cookie_httponly(app),
            "samesite": self.get_cookie_samesite(app),
        }

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:  # type: ignore[override]
        """Encrypt anonymous data into the cookie when it changed; for a row, write what
        changed or rotate it; set or clear the cookie (a destroyed session's row is already
        gone)."""
        if session.destroyed:
            response.delete_cookie(self.get_cookie_name(app), **self._cookie_options(app))
            return
        moment = now()
        if session.rotating and session.record is not None:
            db.session.delete(session.record)
            session.record, session.token = None, None
        if session.record is None and session.binding is None:
            self._save_cookie(app, session, response, moment)
        else:
            self._save_row(app, session, response, moment)

    def _save_cookie(
        self, app: Flask, session: ServerSession, response: Response, moment: datetime
    ) -> None:
        """Write an anonymous session into the cookie if it changed or is due for renewal."""
        cookie = session.cookie
        if not session.modified:
            age = self._cookie_age(cookie, moment) if cookie else None
            # An active visitor's cookie is renewed once per half idle limit, so that the
            # idle limit, not the time since the data last changed, ends the session.
            if age is None or age < idle_limit(is_staff=False).total_seconds() / 2:
                return
        name, options = self.get_cookie_name(app), self._cookie_options(app)
        data = dict(session)
        if not data:
            if cookie is not None:
                response.delete_cookie(name, **options)
            return  # nothing to keep: visitors without data stay cookie-free
        created_at = cookie.created_at if cookie else moment.timestamp()
        value = self.cookie_cipher(app).encrypt(data, created_at, moment.timestamp())
        response.set_cookie(name, value, **options)
        response.vary.add("Cookie")

    def _save_row(
        self, app: Flask, session: ServerSession, response: Response, moment: datetime
    ) -> None:
        record = session.record
        new_token: str | None = None  # set when this response starts the signed-in session
        if record is None:
            new_token = session.token = secrets.token_urlsafe(32)
            record = session.record = WebSession(
                id=token_digest(new_token),
                data={},
                created_at=moment,
                last_seen_at=moment,
                expires_at=moment + absolute_limit(),
            )
            db.session.add(record)
        new_cookie = new_token is not None
        if session.binding is not None:
            for name, value in session.binding.items():
                setattr(record, name, value)
            session.binding = None
        last_seen = session.last_seen_at or moment
        if not (session.modified or new_cookie or moment - last_seen >= TOUCH_INTERVAL):
            return
        record.data = dict(session)
        record.last_seen_at = moment
        db.session.commit()
        if new_token is not None:
            response.set_cookie(self.get_cookie_name(app), new_token, **self._cookie_options(app))
        response.vary.add("Cookie")
