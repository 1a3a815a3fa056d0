"""A unit with its own approval system: an item whose result is a licence, a member of the
public applying for it, and an API key for the unit; and calling the API as that system."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from mobile_hall.api.constants import Capability
from mobile_hall.api.keys import create_api_key
from mobile_hall.api.models import ApiKey, IdempotentRequest
from mobile_hall.applications.constants import ApplicationStatus
from mobile_hall.applications.models import ProcessRecord
from mobile_hall.extensions import db
from mobile_hall.identity.models import WebSession
from tests.support import builders

PROBLEM = "application/problem+json"


@dataclass(frozen=True)
class Department:
    """A unit (by code), its item (whose result is a licence), an applicant's account id and
    the unit's key as an Authorization header."""

    unit: str
    item: str
    applicant_id: int
    headers: dict[str, str]


def make_department(capabilities: Sequence[str] = (Capability.APPLICATIONS,)) -> Department:
    """A new unit with an item and a key (in the caller's app context; committed)."""
    unit = builders.make_unit()
    license_type = builders.make_license_type(unit, holder_type="person")
    version = builders.make_item(unit, result=license_type)
    _api_key, key = create_api_key(unit.code, actor="test", capabilities=list(capabilities))
    return Department(
        unit.code,
        version.item.code,
        builders.make_account().id,
        {"Authorization": f"Bearer {key}"},
    )


def apply(department: Department, state: ApplicationStatus = ApplicationStatus.SUBMITTED) -> int:
    """An application for the department's item, taken to ``state``; its id."""
    from mobile_hall.catalog.models import ServiceItem
    from mobile_hall.identity.models import Account

    account = db.session.get(Account, department.applicant_id)
    item = db.session.scalars(sa.select(ServiceItem).where(ServiceItem.code == department.item))
    version = item.one().current_version
    return builders.make_application(account, version, state).id


def post_step(
    client: FlaskClient,
    department: Department,
    application_id: int,
    step: str,
    body: dict | None = None,
    idempotency_key: str | None = None,
) -> TestResponse:
    """POST a step as the department's system, with a new Idempotency-Key unless one is given."""
    headers = {**department.headers, "Idempotency-Key": idempotency_key or str(uuid.uuid4())}
    return client.post(
        f"/api/v1/applications/{application_id}/{step}", json=body or {}, headers=headers
    )


def stages_of(application_id: int) -> list[tuple[str, str]]:
    """The (stage, channel) of each process record of an application, in order."""
    rows = db.session.execute(
        sa.select(ProcessRecord.stage, ProcessRecord.channel)
        .where(ProcessRecord.application_id == application_id)
        .order_by(ProcessRecord.id)
    )
    return [(stage.value, channel.value) for stage, channel in rows]


def remove_keys_after(app: Flask, last_key_id: int) -> None:
    """Delete the keys made after ``last_key_id`` and their stored requests (committed)."""
    with app.app_context():
        made = sa.select(ApiKey.id).where(ApiKey.id > last_key_id)
        db.session.execute(
            sa.delete(IdempotentRequest).where(IdempotentRequest.api_key_id.in_(made))
        )
        db.session.execute(sa.delete(ApiKey).where(ApiKey.id > last_key_id))
        db.session.commit()
        db.session.remove()


def last_key_id(app: Flask) -> int:
    """The newest key's id (0 when there is none)."""
    with app.app_context():
        found = db.session.scalar(sa.select(sa.func.max(ApiKey.id))) or 0
        db.session.remove()
        return found


def session_ids(app: Flask) -> set[str]:
    """The ids of the server-side sessions stored now."""
    with app.app_context():
        found = set(db.session.scalars(sa.select(WebSession.id)))
        db.session.remove()
        return found


def remove_sessions_except(app: Flask, kept: set[str]) -> None:
    """Sign out every session made since `session_ids` gave ``kept`` (committed): a later
    test counting the signed-in sessions must not find them."""
    with app.app_context():
        db.session.execute(sa.delete(WebSession).where(WebSession.id.not_in(kept)))
        db.session.commit()
        db.session.remove()
