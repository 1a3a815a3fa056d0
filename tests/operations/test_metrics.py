"""/metrics: for the operator's networks only, counting routes and the security refusals."""

from __future__ import annotations

import sqlalchemy as sa

from mobile_hall.extensions import db
from tests.support.metrics import sample

OUTSIDE = {"REMOTE_ADDR": "203.0.113.9"}


def test_metrics_are_hidden_from_addresses_outside_the_allowed_networks(client):
    assert client.get("/metrics", environ_base=OUTSIDE).status_code == 404
    inside = client.get("/metrics")
    assert inside.status_code == 200
    assert "mobile_hall_requests_total" in inside.get_data(as_text=True)


def test_an_allowed_network_is_configurable(make_app):
    hall = make_app(METRICS_ALLOWED_NETWORKS=["203.0.113.0/24"]).test_client()
    assert hall.get("/metrics", environ_base=OUTSIDE).status_code == 200
    assert hall.get("/metrics").status_code == 404  # loopback is no longer listed


def test_requests_are_counted_by_endpoint_never_by_raw_path(client):
    before = sample("mobile_hall_requests_total", method="GET", endpoint="unmatched", status="404")
    client.get("/no/such/page/440205198506121231")
    client.get("/another/unknown/path")
    body = client.get("/metrics").get_data(as_text=True)
    after = sample("mobile_hall_requests_total", method="GET", endpoint="unmatched", status="404")
    assert after == before + 2
    assert "440205198506121231" not in body and "unknown" not in body
    assert sample(
        "mobile_hall_request_duration_seconds_count",
        method="GET",
        endpoint="operations_metrics.metrics",
    )


def test_server_errors_are_counted_with_their_status(make_app):
    # With no identity platform configured, starting a sign-in answers 503.
    hall = make_app(OIDC_ISSUER="").test_client()
    labels = {"method": "GET", "endpoint": "identity.login", "status": "503"}
    before = sample("mobile_hall_requests_total", **labels)
    assert hall.get("/auth/login").status_code == 503
    assert sample("mobile_hall_requests_total", **labels) == before + 1


def test_rate_limit_refusals_are_counted(make_app):
    hall = make_app(RATELIMIT_ENABLED=True, SIGN_IN_LIMIT="1 per minute").test_client()
    labels = {"endpoint": "identity.login"}
    before = sample("mobile_hall_rate_limit_refusals_total", **labels)
    hall.get("/auth/login")
    assert hall.get("/auth/login").status_code == 429
    assert sample("mobile_hall_rate_limit_refusals_total", **labels) == before + 1


def test_csrf_refusals_are_counted(client):
    labels = {"endpoint": "identity.logout"}
    before = sample("mobile_hall_csrf_refusals_total", **labels)
    response = client.post("/auth/logout", data={})
    assert response.status_code == 400
    assert "请求有误" in response.get_data(as_text=True)
    assert sample("mobile_hall_csrf_refusals_total", **labels) == before + 1


def test_a_refused_sign_in_callback_and_its_audit_record_are_counted(client):
    refusals = {"reason": "callback_issuer_missing"}
    audits = {"action": "identity.sign_in_refused"}
    before = (
        sample("mobile_hall_sign_in_refusals_total", **refusals),
        sample("mobile_hall_audit_writes_total", **audits),
    )
    response = client.get("/auth/callback?code=forged&state=forged")
    assert response.status_code == 400
    assert sample("mobile_hall_sign_in_refusals_total", **refusals) == before[0] + 1
    assert sample("mobile_hall_audit_writes_total", **audits) == before[1] + 1


def test_the_pool_gauge_follows_connections_taken_and_given_back(app, isolated_db):
    with app.app_context():
        engine = db.engine
    before = sample("mobile_hall_db_pool_checked_out")
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))
        assert sample("mobile_hall_db_pool_checked_out") == before + 1
    assert sample("mobile_hall_db_pool_checked_out") == before
    assert sample("mobile_hall_db_pool_size") >= 1
