"""Two identical POSTs of a department's system racing (a retry sent before the first answer
came): one step. Threads released together, real commits, SQLite and PostgreSQL. And the pull
of applications never passes a record whose transaction committed late (PostgreSQL)."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from mobile_hall.api.constants import Capability
from mobile_hall.api.keys import create_api_key
from mobile_hall.applications.models import ProcessRecord
from mobile_hall.extensions import db
from mobile_hall.storage.files import LocalFileStorage
from tests.support.api import last_key_id, remove_keys_after
from tests.support.applications import submitted
from tests.support.exchange import commit_out_of_order, log_ids, write_record_on
from tests.support.workbench import SCJG_ONLINE


@pytest.fixture
def market_key(app, committed):
    """A real key of 区市场监管局 for its applications; removed afterwards."""
    before = last_key_id(app)
    with app.app_context():
        _api_key, key = create_api_key(
            SCJG_ONLINE[1], actor="test", capabilities=[Capability.APPLICATIONS]
        )
        db.session.remove()
    yield key
    remove_keys_after(app, before)


def test_two_identical_accepts_racing_take_one_step(app, market_key, monkeypatch, tmp_path):
    monkeypatch.setitem(app.extensions, "upload_storage", LocalFileStorage(tmp_path))
    application_id = submitted(app, "citizen", *SCJG_ONLINE)
    headers = {"Authorization": f"Bearer {market_key}", "Idempotency-Key": "race-1"}
    clients = [app.test_client(), app.test_client()]
    ready = threading.Barrier(len(clients), timeout=30)

    def press(client):
        ready.wait()
        return client.post(
            f"/api/v1/applications/{application_id}/accept", json={}, headers=headers
        )

    with ThreadPoolExecutor(len(clients)) as pool:
        responses = list(pool.map(press, clients))

    codes = sorted(response.status_code for response in responses)
    assert codes in ([200, 200], [200, 409]), [r.get_json() for r in responses]
    with app.app_context():
        stages = db.session.scalars(
            sa.select(ProcessRecord.stage)
            .where(ProcessRecord.application_id == application_id)
            .order_by(ProcessRecord.id)
        ).all()
        db.session.remove()
    assert [stage.value for stage in stages] == ["submit", "accept"]
    replay = app.test_client().post(
        f"/api/v1/applications/{application_id}/accept", json={}, headers=headers
    )
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="two writers committing out of order: PostgreSQL (SQLite has one writer)",
)
def test_a_pull_never_skips_an_application_whose_record_committed_late(
    app, market_key, monkeypatch, tmp_path
):
    monkeypatch.setitem(app.extensions, "upload_storage", LocalFileStorage(tmp_path))
    late_id = submitted(app, "citizen", *SCJG_ONLINE)
    early_id = submitted(app, "citizen", *SCJG_ONLINE)
    headers = {"Authorization": f"Bearer {market_key}"}
    client = app.test_client()

    def pull(after: int) -> dict:
        answer = client.get("/api/v1/applications", query_string={"after": after}, headers=headers)
        return answer.get_json()

    start = pull(0)
    while start["has_more"]:
        start = pull(start["cursor"])
    late, early, first = commit_out_of_order(
        app,
        lambda: write_record_on(late_id),
        lambda: write_record_on(early_id),  # a higher id, committed first
        lambda: pull(start["cursor"]),
    )
    second = pull(first["cursor"])

    ids = log_ids(app, [late, early])
    assert ids[late] < ids[early]  # T1 took the lower id, yet committed last
    assert [a["id"] for a in first["applications"]] == [early_id]
    assert [a["id"] for a in second["applications"]] == [late_id]
    served = {r["record_id"]: r["sequence"] for r in second["applications"][0]["records"]}
    assert served[late] > first["cursor"]
    assert second["cursor"] == served[late] == second["applications"][0]["sequence"]
