"""Behind nginx: `TRUSTED_PROXY_COUNT` makes the hall read the client's address (and scheme and
host) from the proxy's `X-Forwarded-*` headers, so the progress lookup's rate limit counts each
person; without it the headers are ignored, since anyone can send them."""

from __future__ import annotations

from datetime import date

import pytest
from flask import request

from config import Config
from mobile_hall.applications.numbering import format_application_number
from tests.support.browser import token_of

STRANGER = format_application_number(date(2025, 11, 3), 999_999)


def _client(hall, forwarded_for: str):
    """A test client whose every request carries `X-Forwarded-For` (all come from 127.0.0.1)."""
    client = hall.test_client()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client


def _look_up(client) -> int:
    data = {"csrf_token": token_of(client), "number": STRANGER, "phone_last4": "0001"}
    return client.post("/progress", data=data).status_code


def test_no_proxy_is_trusted_by_default():
    assert Config.TRUSTED_PROXY_COUNT == 0


def test_with_a_trusted_proxy_each_forwarded_address_has_its_own_bucket(make_app):
    hall = make_app(
        RATELIMIT_ENABLED=True, TRUSTED_PROXY_COUNT=1, PROGRESS_LOOKUP_LIMIT="2 per minute"
    )
    first, second = _client(hall, "203.0.113.5"), _client(hall, "203.0.113.6")
    assert [_look_up(first) for _try in range(3)] == [200, 200, 429]
    assert _look_up(second) == 200  # another person behind the same proxy
    # Only the last entry (the proxy's own) is trusted: an entry the client added changes nothing.
    forged = _client(hall, "198.51.100.1, 203.0.113.5")
    assert _look_up(forged) == 429


FORWARDED = {
    "X-Forwarded-For": "203.0.113.5",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "hall.qujiang.gov.cn",
}


@pytest.mark.parametrize(
    ("proxies", "seen"),
    [(1, "203.0.113.5 https hall.qujiang.gov.cn"), (0, "127.0.0.1 http localhost")],
)
def test_address_scheme_and_host_come_from_the_headers_only_behind_a_trusted_proxy(
    make_app, proxies, seen
):
    hall = make_app(TRUSTED_PROXY_COUNT=proxies)
    hall.add_url_rule(
        "/_probe", "probe", lambda: f"{request.remote_addr} {request.scheme} {request.host}"
    )
    assert hall.test_client().get("/_probe", headers=FORWARDED).get_data(as_text=True) == seen


def test_without_a_trusted_proxy_the_forwarded_address_is_ignored(make_app):
    hall = make_app(
        RATELIMIT_ENABLED=True, TRUSTED_PROXY_COUNT=0, PROGRESS_LOOKUP_LIMIT="2 per minute"
    )
    first, second = _client(hall, "203.0.113.5"), _client(hall, "203.0.113.6")
    assert [_look_up(first) for _try in range(2)] == [200, 200]
    assert _look_up(second) == 429  # the same connection address: the same bucket
