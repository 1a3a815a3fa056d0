"""Form tokens (Flask-WTF's `CSRFProtect`): a post without its session's own token is refused."""

from __future__ import annotations

from tests.support.browser import csrf_token, token_of

LOOKUP = {"number": "QJ", "phone_last4": "0001"}
FORM_ERROR = "办件编号有误"  # the lookup form's own refusal: the token was accepted


def _look_up(client, token: str | None, **options):
    data = {**LOOKUP, "csrf_token": token} if token is not None else LOOKUP
    return client.post("/progress", data=data, **options)


def test_the_sessions_own_token_is_accepted(client):
    accepted = _look_up(client, token_of(client))
    assert accepted.status_code == 400 and FORM_ERROR in accepted.get_data(as_text=True)


def test_a_post_without_a_token_is_refused(client):
    token_of(client)  # the session has a secret
    refused = _look_up(client, None)
    assert refused.status_code == 400 and FORM_ERROR not in refused.get_data(as_text=True)


def test_an_altered_token_is_refused(client):
    token = token_of(client)
    forged = token[:-2] + ("xx" if not token.endswith("xx") else "yy")
    refused = _look_up(client, forged)
    assert refused.status_code == 400 and FORM_ERROR not in refused.get_data(as_text=True)


def test_another_sessions_token_is_refused(app):
    visitor, other = app.test_client(), app.test_client()
    token = token_of(visitor)
    assert token_of(other) != token
    refused = _look_up(other, token)
    assert refused.status_code == 400 and FORM_ERROR not in refused.get_data(as_text=True)


def test_on_https_a_post_needs_a_referrer_from_this_host(client):
    base = "https://localhost"
    token = csrf_token(client.get("/progress", base_url=base).get_data(as_text=True))
    bare = _look_up(client, token, base_url=base)
    foreign = _look_up(client, token, base_url=base, headers={"Referer": "https://evil.example/"})
    own = _look_up(client, token, base_url=base, headers={"Referer": f"{base}/progress"})
    for refused in (bare, foreign):
        assert refused.status_code == 400 and FORM_ERROR not in refused.get_data(as_text=True)
    assert own.status_code == 400 and FORM_ERROR in own.get_data(as_text=True)
