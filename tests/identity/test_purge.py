"""`flask sessions purge`: expired session rows and old seen logout tokens are deleted, live
ones are kept."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
import time_machine

from mobile_hall.clock import now
from mobile_hall.extensions import db
from mobile_hall.identity.models import Account, SeenLogoutToken, WebSession
from tests.support.browser import Browser


def _sessions_of(app) -> list[str]:
    """The names of the accounts whose sessions are left, sorted."""
    with app.app_context():
        query = sa.select(Account.name).join(WebSession.account).order_by(Account.name)
        return list(db.session.scalars(query))


def _purge(runner, at) -> str:
    with time_machine.travel(at, tick=False):
        result = runner.invoke(args=["sessions", "purge"])
    assert result.exit_code == 0, result.output
    return result.output


def test_purge_deletes_sessions_past_their_idle_limit_staff_first(
    client, app, runner, identity_provider
):
    Browser(client, identity_provider).sign_in("citizen")
    Browser(app.test_client(), identity_provider).sign_in("clerk")
    signed_in = _sessions_of(app)
    assert len(signed_in) == 2
    started = now()
    assert "会话 0 个" in _purge(runner, started + timedelta(minutes=14))
    assert "会话 1 个" in _purge(runner, started + timedelta(minutes=16))  # the clerk's
    assert len(_sessions_of(app)) == 1
    assert "会话 1 个" in _purge(runner, started + timedelta(minutes=31))  # the citizen's
    assert _sessions_of(app) == []


def test_purge_deletes_a_session_past_its_absolute_lifetime(client, app, runner, identity_provider):
    Browser(client, identity_provider).sign_in("citizen")
    with app.app_context():
        db.session.execute(sa.update(WebSession).values(expires_at=now() - timedelta(seconds=1)))
        db.session.commit()
    assert "会话 1 个" in _purge(runner, now())
    assert _sessions_of(app) == []


def test_purge_deletes_seen_logout_tokens_only_once_they_cannot_be_replayed(app, runner):
    seen = now()
    with app.app_context():
        for jti, age in (("fresh", timedelta(hours=1)), ("old", timedelta(days=1, seconds=1))):
            db.session.add(SeenLogoutToken(jti=jti, issuer="https://idp", seen_at=seen - age))
        db.session.commit()
    assert "登出令牌记录 1 条" in _purge(runner, seen)
    with app.app_context():
        assert list(db.session.scalars(sa.select(SeenLogoutToken.jti))) == ["fresh"]
