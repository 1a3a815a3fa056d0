"""Form tokens (CSRF): each session's secret signed once, not once per request.

Flask-WTF signs the session's CSRF secret anew on every request that shows a form (a JSON
dump, an HMAC and base64: about a tenth of a cached personal page), and the signature carries
the second it was made, so no two pages of one session are the same bytes. With
`WTF_CSRF_TIME_LIMIT = None` (config: a token is good for as long as its session) every
signature of one secret is as good as another: the first one made is kept and handed to
Flask-WTF through `g`, where its `generate_csrf` looks first, so it never signs again. With a
time limit, a kept signature is used for at most a tenth of that limit, so a page always
carries a token with most of its life ahead of it.

Checking is Flask-WTF's (`CSRFProtect`), with one shortcut (`KeptTokenProtect`): a token equal
to the one kept for the session's secret was signed here for that secret, so verifying its
signature again (a tenth of a progress lookup) would only repeat what is known; any other token
goes through Flask-WTF's full check.
"""

from __future__ import annotations

import hmac
import time

from flask import Flask, Response, current_app, g, request, session
from flask_wtf.csrf import CSRFProtect, generate_csrf, same_origin

from .memo import Remembered

TOKENS_KEPT = 4096  # signed secrets of this many sessions, per process
REUSE_SHARE = 10  # with a time limit: a kept token serves for 1/REUSE_SHARE of it

_kept: Remembered[str] = Remembered(TOKENS_KEPT)


def _reuse_window(time_limit: float | None) -> int:
    """Which stretch of time a token signed now belongs to: 0 forever when tokens never
    expire, else the number of the current tenth-of-a-limit."""
    if not time_limit:
        return 0
    return int(time.time() // (time_limit / REUSE_SHARE))


def _key_of(secret: str) -> tuple:
    config = current_app.config
    return (
        config.get("WTF_CSRF_SECRET_KEY", current_app.secret_key),  # as Flask-WTF reads it
        secret,
        _reuse_window(config["WTF_CSRF_TIME_LIMIT"]),
    )


def _secret() -> str | None:
    """The session's CSRF secret (Flask-WTF's raw token), or None if it has none."""
    secret = session.get(current_app.config["WTF_CSRF_FIELD_NAME"])
    return secret if isinstance(secret, str) else None


def _keep(token: str | None) -> None:
    """Keep `token` as the signed form of the session's secret, unless one is kept already."""
    secret = _secret()
    if secret is not None and token:
        _kept.get(_key_of(secret), lambda: token)


def use_kept_token() -> None:
    """Before the view: give Flask-WTF the session's kept token, signing it first if none is
    kept (a session without a secret yet gets one from Flask-WTF when a form first needs it)."""
    field = current_app.config["WTF_CSRF_FIELD_NAME"]
    secret = _secret()
    if secret is not None and field not in g:
        setattr(g, field, _kept.get(_key_of(secret), generate_csrf))


def keep_new_token(response: Response) -> Response:
    """After the view: keep the token Flask-WTF signed for a secret it made in this request, so
    that a new visitor's first page and the next carry the same token."""
    if session.modified:
        _keep(g.get(current_app.config["WTF_CSRF_FIELD_NAME"]))
    return response


def _is_kept(token: str | None) -> bool:
    """Whether `token` is the one kept for this session's secret."""
    secret = _secret()
    if not token or secret is None:
        return False
    kept = _kept.peek(_key_of(secret))
    return kept is not None and hmac.compare_digest(kept, token)


def _adopt(token: str | None) -> None:
    """Keep a token Flask-WTF has just accepted for the session's secret (signed by another
    worker or node), so that this process's pages carry it too and its next check is short.
    Only when tokens never expire: one of unknown age must not be handed out for longer."""
    if not current_app.config["WTF_CSRF_TIME_LIMIT"] and g.get("csrf_valid"):
        _keep(token)


class KeptTokenProtect(CSRFProtect):
    """Flask-WTF's CSRF protection, without verifying again the signature of a token signed
    here for the session's secret (`use_kept_token`); every other token is Flask-WTF's to
    judge (and, once accepted, kept)."""

    def protect(self, apply_exemptions: bool = False) -> None:
        """Check the request's token (as `CSRFProtect.protect`)."""
        config = current_app.config
        if request.method not in config["WTF_CSRF_METHODS"]:
            return
        token = self._get_csrf_token()
        if not _is_kept(token):
            super().protect(apply_exemptions)
            _adopt(token)
            return
        # On HTTPS the request must also come from this host, as Flask-WTF requires.
        if request.is_secure and config["WTF_CSRF_SSL_STRICT"]:
            if not request.referrer:
                self._error_response("The referrer header is missing.")
            if not same_origin(request.referrer, f"https://{request.host}/"):
                self._error_response("The referrer does not match the host.")
        g.csrf_valid = True


def init_form_tokens(app: Flask) -> None:
    """Hand out kept tokens on every request (after `CSRFProtect` is bound to the app)."""
    app.before_request(use_kept_token)
    app.after_request(keep_new_token)
