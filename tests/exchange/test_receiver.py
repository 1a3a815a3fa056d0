"""The stand-in province: it takes only batches signed with the shared secret (HMAC-SHA256 over
the body, data-exchange.md), keeps each record once, and its fault mode switches at run time."""

from __future__ import annotations

import hashlib
import hmac
import json
import re

import pytest
import requests

from mobile_hall.exchange.delivery import signature
from tests.support.province import province

SECRET = "shared-secret"
RECORD = {"record_id": "0b7f4f3e-1111-4a1e-9a55-000000000001", "sequence": 1, "stage": "submit"}


def _post(url: str, body: bytes, *, secret: str = SECRET, **headers: str):
    signed = {"X-Signature": signature(secret, body), "Content-Type": "application/json"}
    return requests.post(url, data=body, headers={**signed, **headers}, timeout=5)


def test_the_signature_is_the_hex_hmac_sha256_of_the_body_alone():
    body = json.dumps({"records": [RECORD]}).encode()
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert signature(SECRET, body) == expected


@pytest.fixture
def stand_in(tmp_path):
    with province(SECRET, tmp_path / "province.sqlite3") as running:
        yield running


def test_a_signed_batch_is_kept_and_a_record_sent_again_is_kept_once(stand_in):
    body = json.dumps({"records": [RECORD]}).encode()
    first = _post(stand_in.url, body)
    assert first.status_code == 200 and first.json() == {"stored": 1, "duplicates": 0}
    again = _post(stand_in.url, body.replace(b'"sequence": 1', b'"sequence":  1'))
    assert again.json() == {"stored": 0, "duplicates": 1}
    rows = stand_in.store.received()
    assert [(row["record_id"], row["times_received"]) for row in rows] == [(RECORD["record_id"], 2)]


@pytest.mark.parametrize(
    "change",
    [{"secret": "another-secret"}, {"X-Signature": "00"}, {"X-Signature": ""}],
)
def test_a_bad_signature_is_refused(stand_in, change):
    response = _post(stand_in.url, json.dumps({"records": [RECORD]}).encode(), **change)
    assert response.status_code == 401
    assert response.json()["reason"] == "signature"
    assert stand_in.store.totals()["records"] == 0


def test_a_tampered_body_is_refused(stand_in):
    body = json.dumps({"records": [RECORD]}).encode()
    headers = {"X-Signature": signature(SECRET, body)}
    tampered = body.replace(b"submit", b"accept")
    response = requests.post(stand_in.url, data=tampered, headers=headers, timeout=5)
    assert response.status_code == 401


def test_the_same_batch_sent_again_is_taken_and_its_records_kept_once(stand_in):
    # The hall sends a batch again when it did not see the first answer: the province must
    # answer 2xx, or the hall would retry it for ever.
    body = json.dumps({"records": [RECORD]}).encode()
    assert _post(stand_in.url, body).json() == {"stored": 1, "duplicates": 0}
    again = _post(stand_in.url, body)
    assert (again.status_code, again.json()) == (200, {"stored": 0, "duplicates": 1})
    assert stand_in.store.totals()["records"] == 1 and len(stand_in.store.bodies()) == 2


def test_the_fault_mode_switches_at_run_time(stand_in):
    body = json.dumps({"records": [RECORD]}).encode()
    switch = stand_in.server.url + "/api/faults"
    assert requests.put(switch, json={"mode": "error"}, timeout=5).json() == {"mode": "error"}
    assert _post(stand_in.url, body).status_code == 500
    assert requests.put(switch, json={"mode": "broken"}, timeout=5).status_code == 400
    requests.put(switch, json={"mode": "none"}, timeout=5)
    assert _post(stand_in.url, body).status_code == 200


def test_its_page_lists_what_arrived_and_switches_faults_with_a_form_token(stand_in):
    _post(stand_in.url, json.dumps({"records": [RECORD]}).encode())
    browser = requests.Session()
    page = browser.get(stand_in.server.url + "/", timeout=5)
    assert "已接收 1 条过程记录" in page.text and RECORD["record_id"] in page.text
    forged = browser.post(stand_in.server.url + "/faults", data={"mode": "error"}, timeout=5)
    assert forged.status_code == 400 and stand_in.faults.mode == "none"
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    switched = browser.post(
        stand_in.server.url + "/faults", data={"mode": "slow", "csrf_token": token}, timeout=5
    )
    assert switched.status_code == 200 and stand_in.faults.mode == "slow"
    assert "当前：缓慢应答" in switched.text
