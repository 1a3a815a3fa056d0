"""Two clerks pressing the same button at the same moment, through the pages.

Two test clients signed in as the same window clerk post 受理 from threads released together,
against the session database with real commits (the rolled-back test connection cannot be
shared by threads). The service-level races are in `tests/applications/test_races.py`.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from mobile_hall.applications.constants import Stage
from mobile_hall.applications.models import ProcessRecord
from mobile_hall.extensions import db
from mobile_hall.storage.files import LocalFileStorage
from tests.support.applications import submitted
from tests.support.browser import Browser
from tests.support.workbench import SCJG_ONLINE, csrf_token


def test_the_second_of_two_clerks_accepting_at_once_is_told_it_was_just_handled(
    app, committed, identity_provider, monkeypatch, tmp_path
):
    monkeypatch.setitem(app.extensions, "upload_storage", LocalFileStorage(tmp_path))
    application_id = submitted(app, "citizen", *SCJG_ONLINE)
    clerks = [app.test_client(), app.test_client()]
    for clerk in clerks:
        Browser(clerk, identity_provider).sign_in("clerk")
    forms = [{"accept-csrf_token": csrf_token(clerk)} for clerk in clerks]
    ready = threading.Barrier(len(clerks), timeout=30)

    def press(clerk, form):
        ready.wait()
        return clerk.post(f"/workbench/applications/{application_id}/accept", data=form)

    with ThreadPoolExecutor(len(clerks)) as pool:
        responses = list(pool.map(press, clerks, forms))

    assert sorted(response.status_code for response in responses) == [303, 409]
    second = next(response for response in responses if response.status_code == 409)
    assert "该办件刚刚已由他人处理，请刷新后查看" in second.get_data(as_text=True)
    with app.app_context():
        stages = db.session.scalars(
            sa.select(ProcessRecord.stage).where(ProcessRecord.application_id == application_id)
        ).all()
        db.session.remove()
    assert sorted(stages) == sorted([Stage.SUBMIT, Stage.ACCEPT])
