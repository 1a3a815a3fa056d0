"""Two hall nodes, one database: a node keeps nothing a person's next request needs.

Node A is the session's hall (`hall_server`), node B another `create_app` on its own port with
the same secrets, both on the session database (PostgreSQL under `TEST_DATABASE_URL`), and one
upload root shared as a volume would be (docs/deploy.md). A person signs in through A and is
signed in on B with the same cookie; the application submitted through B is accepted through A,
where the clerk also opens the file uploaded through B. Everything goes over real HTTP and
commits, so the test removes what it made.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests
import sqlalchemy as sa

from config import TestingConfig
from mobile_hall import create_app
from mobile_hall.applications.constants import ApplicationStatus
from mobile_hall.applications.models import (
    Application,
    ApplicationMaterial,
    ProcessRecord,
)
from mobile_hall.extensions import db
from mobile_hall.identity.models import SeenLogoutToken, WebSession
from mobile_hall.storage.files import LocalFileStorage
from tests.support.applications import pick_item, valid_answers
from tests.support.catalog import current_versions
from tests.support.cleanup import last_application_id, remove_applications_after
from tests.support.provider import hall_config
from tests.support.samples import PNG
from tests.support.servers import LiveServer

TIMEOUT = 10


@pytest.fixture
def nodes(app, hall_server, identity_provider, tmp_path, monkeypatch) -> Iterator[tuple[str, str]]:
    """The base URLs of node A and node B; what they made is removed afterwards."""
    uploads = tmp_path / "shared-uploads"
    monkeypatch.setitem(app.extensions, "upload_storage", LocalFileStorage(uploads))
    other = create_app(
        TestingConfig(),
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY=app.config["SECRET_KEY"],
        IDENTITY_KEYS=app.config["IDENTITY_KEYS"],
        IDENTITY_HASH_KEY=app.config["IDENTITY_HASH_KEY"],
        LICENSE_SIGNING_KEY=app.config["LICENSE_SIGNING_KEY"],
        UPLOAD_ROOT=str(uploads),
        **hall_config(identity_provider),
    )
    with app.app_context():
        last = last_application_id()
        sessions = set(db.session.scalars(sa.select(WebSession.id)))
        seen = set(db.session.scalars(sa.select(SeenLogoutToken.jti)))
    server = LiveServer()
    server.start(other)
    try:
        yield hall_server.url, server.url
    finally:
        server.stop()
        with other.app_context():
            db.engine.dispose()
        with app.app_context():
            remove_applications_after(last)
            db.session.execute(sa.delete(WebSession).where(WebSession.id.not_in(sessions)))
            db.session.execute(sa.delete(SeenLogoutToken).where(SeenLogoutToken.jti.not_in(seen)))
            db.session.commit()


def _token(page: requests.Response, name: str = "csrf_token") -> str:
    return re.search(rf'name="{name}"(?: type="hidden")? value="([^"]+)"', page.text)[1]


def _sign_in(browser: requests.Session, hall: str, username: str) -> None:
    """Sign in through the development identity provider (its client is node A)."""
    login = browser.get(f"{hall}/auth/login?next=/", timeout=TIMEOUT)
    landed = browser.post(
        login.url,
        data={"csrf_token": _token(login), "username": username, "password": "demo"},
        timeout=TIMEOUT,
    )
    assert landed.url == f"{hall}/", landed.text[:300]


def _same_cookie(browser: requests.Session, other: str) -> requests.Session:
    """A second browser that sends the first one's session cookie to `other`."""
    copy = requests.Session()
    # In the jar, not as a header: requests drops a Cookie header when it follows a redirect.
    copy.cookies.set("hall_session", browser.cookies["hall_session"])
    assert other.startswith("http://127.0.0.1:")
    return copy


def test_a_person_signed_in_on_one_node_is_signed_in_on_the_other(nodes):
    node_a, node_b = nodes
    with requests.Session() as browser:
        _sign_in(browser, node_a, "citizen")
        on_b = _same_cookie(browser, node_b)
        home = on_b.get(f"{node_b}/", timeout=TIMEOUT)
        assert home.status_code == 200 and "张晓明" in home.text and ">登录<" not in home.text
        # A signed-in page answers on B instead of sending the person to sign in.
        mine = on_b.get(f"{node_b}/applications", timeout=TIMEOUT, allow_redirects=False)
        assert mine.status_code == 200

        # Signing out on B ends the session on A too: it lived in the database.
        page = on_b.get(f"{node_b}/auth/logout", timeout=TIMEOUT)
        on_b.post(f"{node_b}/auth/logout", data={"csrf_token": _token(page)}, timeout=TIMEOUT)
        home = browser.get(f"{node_a}/", timeout=TIMEOUT).text
        assert "张晓明" not in home and ">登录<" in home


def test_an_application_submitted_on_one_node_is_accepted_on_the_other(app, nodes):
    node_a, node_b = nodes
    code = pick_item(app, audience="both")
    answers = valid_answers(app, code)
    with app.app_context():
        version = next(v for v in current_versions() if v.item.code == code)
        required = [m.position for m in version.materials if m.required]

    with requests.Session() as citizen, requests.Session() as clerk:
        _sign_in(citizen, node_a, "citizen")
        applicant = _same_cookie(citizen, node_b)
        start = applicant.get(f"{node_b}/apply/{code}", timeout=TIMEOUT)
        csrf = _token(start)
        page = applicant.post(
            f"{node_b}/apply/{code}", data={"csrf_token": csrf, "unit": "QJ-SCJGJ"}, timeout=TIMEOUT
        )
        while "/form/" in page.url:
            page = applicant.post(page.url, data={"csrf_token": csrf, **answers}, timeout=TIMEOUT)
        assert page.url.endswith("/materials"), page.text[:300]
        application_id = int(re.search(r"/applications/(\d+)/", page.url)[1])
        files = {f"file-{p}": ("photo.png", PNG, "image/png") for p in required}
        check = applicant.post(
            page.url, data={"csrf_token": csrf, "next": "check"}, files=files, timeout=TIMEOUT
        )
        assert check.url == f"{node_b}/applications/{application_id}/check"
        receipt = applicant.post(
            f"{node_b}/applications/{application_id}/submit",
            data={"csrf_token": csrf, "declaration": "y"},
            timeout=TIMEOUT,
        )
        assert receipt.status_code == 200 and "submitted=1" in receipt.url

        # The clerk works on node A: the queue, the file uploaded through B, the acceptance.
        _sign_in(clerk, node_a, "clerk")
        with app.app_context():
            number, material = db.session.execute(
                sa.select(Application.number, sa.func.min(ApplicationMaterial.id))
                .join(ApplicationMaterial, ApplicationMaterial.application_id == Application.id)
                .where(Application.id == application_id)
                .group_by(Application.number)
            ).one()
        queue = clerk.get(f"{node_a}/workbench?queue=new", timeout=TIMEOUT).text
        assert number in queue.replace(" ", "")
        stored = clerk.get(
            f"{node_a}/workbench/applications/{application_id}/files/{material}", timeout=TIMEOUT
        )
        assert stored.status_code == 200 and stored.content == PNG
        casefile = clerk.get(f"{node_a}/workbench/applications/{application_id}", timeout=TIMEOUT)
        accepted = clerk.post(
            f"{node_a}/workbench/applications/{application_id}/accept",
            data={"accept-csrf_token": _token(casefile, "accept-csrf_token")},
            timeout=TIMEOUT,
        )
        assert accepted.status_code == 200

        # Both nodes see the same state: the applicant's page on B shows it accepted.
        detail = applicant.get(f"{node_b}/applications/{application_id}", timeout=TIMEOUT)
        assert detail.status_code == 200
    with app.app_context():
        application = db.session.get(Application, application_id)
        assert application.status is ApplicationStatus.ACCEPTED
        stages = db.session.scalars(
            sa.select(ProcessRecord.stage)
            .where(ProcessRecord.application_id == application_id)
            .order_by(ProcessRecord.id)
        )
        assert [stage.value for stage in stages] == ["submit", "accept"]
        db.session.remove()
