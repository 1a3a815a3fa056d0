"""`GET /api/v1/exchange/records`: the record log in sequence order for a client with a key."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mobile_hall.api.constants import Capability
from mobile_hall.api.keys import create_api_key, revoke_api_key
from mobile_hall.audit.models import AuditEvent
from mobile_hall.exchange.schema import exchange_records
from mobile_hall.extensions import db
from tests.support.exchange import MARKET, write_records

SPEC_FIELDS = {
    "record_id",
    "application_no",
    "item_code",
    "unit_code",
    "stage",
    "result",
    "channel",
    "actor_type",
    "occurred_at",
    "applicant_type",
    "sequence",
}


def _last_sequence(client, headers) -> int:
    after = 0
    while True:
        page = client.get(f"/api/v1/exchange/records?after={after}&limit=1000", headers=headers)
        body = page.get_json()
        after = body["next_after"]
        if not body["has_more"]:
            return after


@pytest.mark.parametrize("header", [None, "Bearer qjl_not-a-key", "Basic dXNlcjpwYXNz", "Bearer "])
def test_a_client_without_a_valid_key_is_refused(client, header):
    headers = {"Authorization": header} if header is not None else {}
    response = client.get("/api/v1/exchange/records", headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["type"].endswith("#problem-unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_key_without_the_exchange_capability_is_forbidden_and_audited(client, app_context):
    _api_key, key = create_api_key(MARKET, actor="test", capabilities=[Capability.APPLICATIONS])
    response = client.get("/api/v1/exchange/records", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    event = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
    assert (event.action, event.actor) == ("api.call", f"api-key:{key[:12]}")
    assert event.details["allowed"] is False


def test_a_revoked_key_is_refused(client, pull_key, app_context):
    prefix = pull_key["Authorization"].removeprefix("Bearer ")[:12]
    revoke_api_key(prefix, actor="test")
    assert client.get("/api/v1/exchange/records", headers=pull_key).status_code == 401


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("after=-1", "after"),
        ("after=abc", "after"),
        ("after=99999999999999999999", "after"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
    ],
)
def test_a_bad_after_or_limit_is_a_problem_naming_it(client, pull_key, query, field):
    response = client.get(f"/api/v1/exchange/records?{query}", headers=pull_key)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"].endswith("#problem-invalid")
    assert [problem["field"] for problem in body["errors"]] == [field]


def test_pages_follow_the_sequence_without_gap_or_repeat(client, pull_key, caught_up):
    start = _last_sequence(client, pull_key)
    written = write_records(7)
    db.session.commit()
    seen, after = [], start
    while True:
        body = client.get(
            f"/api/v1/exchange/records?after={after}&limit=3", headers=pull_key
        ).get_json()
        seen += body["records"]
        after = body["next_after"]
        if not body["has_more"]:
            break
    assert [record["record_id"] for record in seen] == written
    # Consecutive numbers after the start (earlier tests may have numbered and then removed
    # records, so the first number need not be start + 1).
    sequences = [record["sequence"] for record in seen]
    assert sequences[0] > start
    assert sequences == list(range(sequences[0], sequences[0] + 7))
    assert all(set(record) == SPEC_FIELDS for record in seen)
    assert seen[0]["occurred_at"].endswith("+08:00")
    assert (seen[0]["stage"], seen[0]["channel"], seen[0]["actor_type"]) == (
        "visit",
        "web",
        "system",
    )


def test_a_page_at_the_end_is_empty_and_keeps_the_cursor(client, pull_key, caught_up):
    end = _last_sequence(client, pull_key)
    body = client.get(f"/api/v1/exchange/records?after={end}", headers=pull_key).get_json()
    assert body == {"records": [], "next_after": end, "has_more": False}


def test_every_pull_is_audited_with_the_key(client, pull_key, caught_up):
    client.get("/api/v1/exchange/records?after=0&limit=5", headers=pull_key)
    event = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
    prefix = pull_key["Authorization"].removeprefix("Bearer ")[:12]
    assert (event.action, event.actor) == ("exchange.pull", f"api-key:{prefix}")
    assert event.details == {"after": 0, "count": 5}


def test_a_result_goes_out_for_a_decision_or_an_evaluation_only():
    common = {
        "application_no": "QJ202612030000427",
        "item_code": "QJ-SCJG-0001",
        "unit_code": "QJ-SCJGJ",
        "channel": "web",
        "actor_type": "clerk",
        "occurred_at": "2026-12-03T10:00:00+08:00",
        "applicant_type": "person",
    }
    kept = [("decide", "approved"), ("evaluate", "5"), ("deliver", "post"), ("review", "x")]
    rows = [
        {**common, "record_id": f"r-{n}", "sequence": n, "stage": stage, "result": result}
        for n, (stage, result) in enumerate(kept, start=1)
    ]
    assert [record.result for record in exchange_records(rows)] == ["approved", "5", "", ""]
