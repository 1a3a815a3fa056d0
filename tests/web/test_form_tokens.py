"""Form tokens: one signed token per session secret (`common.formtokens`), checked as before."""

from __future__ import annotations

import time

from mobile_hall.common.formtokens import REUSE_SHARE, _kept, _reuse_window
from tests.support.browser import csrf_token, token_of


def _look_up(client, token: str):
    return client.post(
        "/progress", data={"csrf_token": token, "number": "QJ", "phone_last4": "0001"}
    )


def test_a_session_keeps_one_token_and_another_session_has_its_own(app):
    visitor, other = app.test_client(), app.test_client()
    first = token_of(visitor)
    time.sleep(1.05)  # Flask-WTF alone signs with the second: its next token would differ
    assert token_of(visitor) == first
    assert token_of(other) != first
    # Each is good for its own session only; an altered one for none.
    assert _look_up(visitor, first).status_code == 400  # the form's error, not the token's
    assert "办件编号有误" in _look_up(visitor, first).get_data(as_text=True)
    assert _look_up(other, first).status_code == 400
    assert "办件编号有误" not in _look_up(other, first).get_data(as_text=True)
    assert "办件编号有误" not in _look_up(visitor, first[:-2] + "xx").get_data(as_text=True)


def test_with_a_time_limit_a_kept_token_serves_a_tenth_of_it(make_app):
    assert _reuse_window(None) == _reuse_window(None) == 0
    limit = 3600
    share = limit / REUSE_SHARE
    windows = {_reuse_window(limit) for _ in range(3)}
    assert len(windows) == 1 and windows.pop() >= 1
    # Signed within one tenth, the same token; and a token so limited is still checked.
    limited = make_app(WTF_CSRF_TIME_LIMIT=limit).test_client()
    token = token_of(limited)
    assert token_of(limited) == token or share < 1
    assert "办件编号有误" in _look_up(limited, token).get_data(as_text=True)


def test_a_token_signed_by_another_worker_is_checked_in_full_then_kept(app):
    visitor = app.test_client()
    token = token_of(visitor)
    _kept.kept.clear()  # as a worker that never saw this session would start
    time.sleep(1.05)  # a token signed now would differ
    assert "办件编号有误" in _look_up(visitor, token).get_data(as_text=True)  # accepted
    assert _kept.kept and token_of(visitor) == token  # and from now on this one's pages'
    _kept.kept.clear()
    forged = token[:-2] + ("xx" if not token.endswith("xx") else "yy")
    assert "办件编号有误" not in _look_up(visitor, forged).get_data(as_text=True)
    assert not _kept.kept  # a refused token is never kept


def test_on_https_a_kept_token_still_needs_a_referrer_from_this_host(app):
    visitor = app.test_client()
    base = "https://localhost"
    page = visitor.get("/progress", base_url=base).get_data(as_text=True)
    token = csrf_token(page)
    data = {"csrf_token": token, "number": "QJ", "phone_last4": "0001"}
    bare = visitor.post("/progress", base_url=base, data=data)
    foreign = visitor.post(
        "/progress", base_url=base, data=data, headers={"Referer": "https://evil.example/"}
    )
    own = visitor.post(
        "/progress", base_url=base, data=data, headers={"Referer": f"{base}/progress"}
    )
    for refused in (bare, foreign):
        assert refused.status_code == 400 and "办件编号有误" not in refused.get_data(as_text=True)
    assert own.status_code == 400 and "办件编号有误" in own.get_data(as_text=True)
