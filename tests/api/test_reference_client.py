"""The reference client (`scripts/department_client.py`) run against the hall over real HTTP:
it pulls a citizen's new application with a key of 区市场监管局, accepts and completes it, and
the citizen sees the steps on their page."""

from __future__ import annotations

import html
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from mobile_hall.api.constants import Capability
from mobile_hall.api.keys import create_api_key
from mobile_hall.applications.models import Application, ProcessRecord
from mobile_hall.exchange.log import assign_sequences
from mobile_hall.extensions import db
from mobile_hall.storage.files import LocalFileStorage
from tests.support.api import last_key_id, remove_keys_after, remove_sessions_except, session_ids
from tests.support.applications import submitted
from tests.support.browser import Browser
from tests.support.workbench import SCJG_ONLINE

CLIENT = Path(__file__).resolve().parents[2] / "scripts" / "department_client.py"


def test_the_client_accepts_and_completes_a_waiting_application_the_citizen_sees_it(
    app, committed, hall_server, identity_provider, monkeypatch, tmp_path
):
    monkeypatch.setitem(app.extensions, "upload_storage", LocalFileStorage(tmp_path))
    before, sessions = last_key_id(app), session_ids(app)
    try:
        with app.app_context():
            assign_sequences()
            cursor = db.session.scalar(sa.select(sa.func.max(ProcessRecord.sequence))) or 0
            _api_key, key = create_api_key(
                SCJG_ONLINE[1], actor="test", capabilities=[Capability.APPLICATIONS]
            )
            db.session.remove()
        application_id = submitted(app, "citizen", *SCJG_ONLINE)
        run = subprocess.run(  # noqa: S603 - our own script, fixed arguments
            [
                sys.executable,
                str(CLIENT),
                "--hall",
                hall_server.url,
                "--key",
                key,
                "--after",
                str(cursor),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert "已受理并办结：completed" in run.stdout
        with app.app_context():
            application = db.session.get(Application, application_id)
            assert application.status.value == "completed"
            channels = [(r.stage.value, r.channel.value) for r in application.records][1:]
            db.session.remove()
        assert {channel for _, channel in channels} == {"department_system"}
        citizen = app.test_client()
        Browser(citizen, identity_provider).sign_in("citizen")
        page = html.unescape(citizen.get(f"/applications/{application_id}").get_data(as_text=True))
        for shown in ("受理", "审查", "决定", "办结"):
            assert shown in page
        assert "部门系统" in page
    finally:
        remove_keys_after(app, before)
        remove_sessions_except(app, sessions)
