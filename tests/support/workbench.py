"""Helpers of the workbench tests: people signed in, applications made through the services.

Applications come from the applicant's own services (`start_application`, `attach_upload`,
`submit`) or the counter (`receive_at_counter`), and are moved along by the workbench services
acting as the unit's demo staff; each helper opens its own app context and hands back ids, since
every request of the test client closes the session.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from mobile_hall.applications import services as applicant
from mobile_hall.applications.constants import Decision
from mobile_hall.applications.lifecycle import refresh_due_date
from mobile_hall.applications.models import Application, ProcessRecord
from mobile_hall.clock import now
from mobile_hall.extensions import db
from mobile_hall.identity.models import Account
from mobile_hall.storage.files import LocalFileStorage
from mobile_hall.workbench import services as workbench
from tests.support.answers import answer_everything
from tests.support.samples import PNG

T = TypeVar("T")

# Demo people by username; staff act for their units.
NAMES = {
    "citizen": "张晓明",
    "clerk": "王志强",
    "reviewer": "何淑珍",
    "town-clerk": "邓伟",
    "office": "钟国平",
}
# Who takes each step in a unit (QJ-SCJGJ splits the roles; 马坝镇's clerk holds all three).
STAFF = {
    "QJ-SCJGJ": {"window": "clerk", "review": "reviewer"},
    "QJ-MB": {"window": "town-clerk", "review": "town-clerk"},
}
# Online items: a business licence of 市场监管局 (limit 1 working day, so near due at once) and
# 马坝镇's minimum living allowance (20 working days).
SCJG_ONLINE = ("QJ-SCJG-0002", "QJ-SCJGJ")
TOWN_ONLINE = ("QJ-MZ-0003", "QJ-MB")
# Allows tolerant acceptance (容缺受理); 5 working days.
SCJG_TOLERANT = "QJ-SCJG-0005"
VALID_ID = "440205199001011234"
ANSWERS = {
    "QJ-SCJG-0002": {
        "operator_name": "张晓明",
        "operator_id": "440205198506121231",
        "business_scope": "日用百货零售",
    }
}
CSRF = re.compile(r'name="(?:[\w-]+-)?csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client: FlaskClient) -> str:
    """A CSRF token of the client's session (any page with a form carries one)."""
    return CSRF.search(client.get("/auth/logout").get_data(as_text=True)).group(1)


class Hall:
    """The demo people signed in, and applications made and moved through the services."""

    def __init__(
        self, app: Flask, sign_in: Callable[..., FlaskClient], monkeypatch: Any, uploads: Any
    ) -> None:
        self.app = app
        self._sign_in = sign_in
        self._clients: dict[str, FlaskClient] = {}
        monkeypatch.setitem(app.extensions, "upload_storage", LocalFileStorage(uploads))

    def client(self, username: str) -> FlaskClient:
        """A test client signed in as the demo account (one per person, kept)."""
        if username not in self._clients:
            self._clients[username] = self._sign_in(username, self.app.test_client())
        return self._clients[username]

    def account(self, username: str) -> Account:
        """The account of someone signed in with `client`; needs an app context."""
        issuer = self.app.config["OIDC_ISSUER"].rstrip("/")
        return db.session.scalars(
            sa.select(Account).where(Account.name == NAMES[username], Account.issuer == issuer)
        ).one()

    def read(self, application_id: int, look: Callable[[Application], T]) -> T:
        """Something about an application, read in a fresh context."""
        with self.app.app_context():
            return look(db.session.get(Application, application_id))

    def stages(self, application_id: int) -> list[str]:
        """The stages of the application's process records, in order."""
        with self.app.app_context():
            return [
                record.stage.value
                for record in db.session.scalars(
                    sa.select(ProcessRecord)
                    .where(ProcessRecord.application_id == application_id)
                    .order_by(ProcessRecord.id)
                )
            ]

    def apply(
        self,
        item: tuple[str, str] = SCJG_ONLINE,
        *,
        upload: bytes = PNG,
        filename: str = "证件.png",
    ) -> int:
        """`citizen` applies online with a file (a photo) for every material and submits."""
        code, unit = item
        self.client("citizen")
        with self.app.app_context():
            person = self.account("citizen")
            draft = applicant.start_application(person, code, unit)
            answer_everything(person, draft, ANSWERS.get(code, {}))
            for material in draft.version.materials:
                applicant.attach_upload(
                    person, draft, material.position, io.BytesIO(upload), filename
                )
            return applicant.submit(person, draft, declaration=True).id

    def at_counter(
        self, code: str = SCJG_TOLERANT, unit: str = "QJ-SCJGJ", paper: list[int] | None = None
    ) -> int:
        """`clerk` (or the unit's window clerk) registers an application brought to the window."""
        self.client(STAFF[unit]["window"])
        with self.app.app_context():
            received = workbench.receive_at_counter(
                self.account(STAFF[unit]["window"]),
                code,
                unit,
                workbench.CounterApplicant("李四", VALID_ID, "13900000000", "曲江某某食品店"),
                {},
                paper if paper is not None else [0],
            )
            return received.id

    def step(self, application_id: int, *steps: str) -> None:
        """Move the application along: accept, supplement, review, approve, deny, complete."""
        code = self.read(application_id, lambda a: a.unit.code)
        unit = code if code in STAFF else "QJ-MB"
        self.client(STAFF[unit]["window"])
        self.client(STAFF[unit]["review"])
        with self.app.app_context():
            application = db.session.get(Application, application_id)
            window = self.account(STAFF[unit]["window"])
            reviewer = self.account(STAFF[unit]["review"])
            for name in steps:
                {
                    "accept": lambda: workbench.accept(window, application),
                    "supplement": lambda: workbench.request_supplement(
                        window, application, [{"position": 0, "name": "材料", "reason": "不清晰"}]
                    ),
                    "review": lambda: workbench.review(reviewer, application, "符合条件"),
                    "approve": lambda: workbench.decide(reviewer, application, Decision.APPROVED),
                    "deny": lambda: workbench.decide(
                        reviewer, application, Decision.DENIED, "不符合条件"
                    ),
                    "complete": lambda: workbench.complete(
                        window, application, application.version.result_delivery[0]
                    ),
                }[name]()

    def rate(self, application_id: int, score: int) -> None:
        """`citizen` rates a completed application."""
        self.client("citizen")
        with self.app.app_context():
            application = db.session.get(Application, application_id)
            applicant.rate(self.account("citizen"), application, score, "等了很久")

    def accepted_days_ago(self, application_id: int, days: int) -> None:
        """Pretend the application was accepted `days` calendar days ago (its due date follows)."""
        with self.app.app_context():
            application = db.session.get(Application, application_id)
            application.accepted_on = now().date() - timedelta(days=days)
            refresh_due_date(application, now().date())
            db.session.commit()

    def submitted_on(self, application_id: int, day: date) -> None:
        """Pretend the application was submitted on `day` (at 10 o'clock, local time)."""
        with self.app.app_context():
            application = db.session.get(Application, application_id)
            application.submitted_at = application.submitted_at.replace(
                year=day.year, month=day.month, day=day.day, hour=10
            )
            db.session.commit()

    def tolerance_lapsed(self, application_id: int) -> None:
        """Move the tolerant acceptance's deadline into the past, unmet."""
        with self.app.app_context():
            application = db.session.get(Application, application_id)
            application.tolerance.deadline = now().date() - timedelta(days=1)
            db.session.commit()


def queue_numbers(client: FlaskClient, query: str = "") -> str:
    """The queue page's HTML (for asserting which numbers it lists)."""
    response = client.get(f"/workbench{query}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def number_of(hall: Hall, application_id: int) -> str:
    """The application number."""
    return hall.read(application_id, lambda a: a.number)
