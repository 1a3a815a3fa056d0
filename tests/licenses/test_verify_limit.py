"""The public verification page is rate-limited per client address (`LICENSE_VERIFY_LIMIT`)."""

from __future__ import annotations

from config import Config

FORGED = "eyJhbGciOiJFZERTQSJ9.eyJsaWQiOiJ4In0.c2lnbmF0dXJl"


def test_the_default_limit_is_generous():
    assert Config.LICENSE_VERIFY_LIMIT == "120 per minute"


def test_checks_past_the_limit_get_the_chinese_429_page(make_app):
    hall = make_app(
        RATELIMIT_ENABLED=True, LICENSE_VERIFY_LIMIT="2 per minute", TRUSTED_PROXY_COUNT=1
    )
    phone = hall.test_client()
    phone.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.5"
    answers = [phone.get(f"/licenses/verify?token={FORGED}") for _try in range(3)]
    assert [a.status_code for a in answers[:2]] == [200, 200]
    assert 'data-state="forged"' in answers[0].get_data(as_text=True)
    refused = answers[2]
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "操作过于频繁" in page and "请稍等片刻后再试" in page and 'lang="zh-CN"' in page
    assert phone.get("/licenses/verify").status_code == 200  # opening the empty form is free
    assert phone.get("/licenses/verify?token=").status_code == 429  # an empty check counts
    # Another address (behind the trusted proxy) still has its own allowance.
    other = hall.test_client()
    other.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.6"
    assert other.get(f"/licenses/verify?token={FORGED}").status_code == 200
