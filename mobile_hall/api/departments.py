"""What a unit's own approval system may do with its key: pull the applications of its items
that changed since a cursor, and take their steps through the workbench's services, as the
channel ``department_system``.

The cursor is the exchange's `ProcessRecord.sequence` (`exchange.log`), handed out only once a
record's transaction has committed, in commit order: an application changed after ``after`` is
one with a record numbered past it, served with its newest record's number, so the cursor of a
page is where the next page starts, and a record committed late gets a number above any cursor
already given instead of being passed by. Records not yet numbered are not served.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Response, current_app, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import selectinload

from ..applications.constants import ApplicationStatus, Channel, Decision
from ..applications.lifecycle import IllegalTransition, allowed_actions
from ..applications.models import Application, ApplicationMaterial, ProcessRecord
from ..applications.services import ApplicationNotFound, MaterialFile, open_file
from ..audit.services import record_event, record_view
from ..catalog.models import ServiceItem
from ..clock import as_local
from ..exchange.log import assign_sequences
from ..extensions import db
from ..identity.identifiers import mask_phone
from ..identity.models import Account
from ..identity.protection import decrypt_id_number
from ..licenses.labels import REFUSED as LICENSE_REFUSED
from ..workbench import services as workbench
from ..workbench.labels import ACTION, STATUS
from .constants import FILE_LINK_SECONDS, Capability
from .keys import actor_of
from .labels import REFUSAL
from .models import ApiKey
from .problems import Problem
from .schema import (
    AcceptBody,
    Applicant,
    ApplicationOut,
    ApplicationsPage,
    CompleteBody,
    DecideBody,
    MaterialOut,
    RecordOut,
    RejectBody,
    ReviewBody,
    SupplementBody,
)

_LINK_SALT = "api.material-link"


class LinkRefused(Exception):
    """A material link that is forged, expired, of a revoked key or of a file now gone."""


def _reachable(api_key: ApiKey) -> sa.Select:
    return (
        sa.select(Application)
        .join(ServiceItem, ServiceItem.id == Application.item_id)
        .where(
            Application.unit_id == api_key.unit_id,
            ServiceItem.code.in_(api_key.item_codes),
            Application.status != ApplicationStatus.DRAFT,
        )
    )


def reaches(api_key: ApiKey, application: Application) -> bool:
    """Whether the key's unit handles the application: its unit and one of the key's items."""
    return (
        application.unit_id == api_key.unit_id
        and application.item.code in api_key.item_codes
        and application.status is not ApplicationStatus.DRAFT
    )


def department_actor(api_key: ApiKey) -> workbench.Actor:
    """The unit's system as the workbench's actor: every step of its own items' applications."""
    return workbench.Actor(
        actor_of(api_key),
        Channel.DEPARTMENT_SYSTEM,
        lambda application, _roles: reaches(api_key, application),
    )


def _applicant(application: Application, full: bool) -> Applicant:
    number, masked = application.applicant_id_masked, True
    if full:  # the hall keeps the number in clear only with an account (encrypted)
        holder = db.session.scalars(
            sa.select(Account)
            .where(Account.id_number_hash == application.applicant_id_hash)
            .options(sa.orm.undefer(Account.id_number_cipher))
            .limit(1)
        ).first()
        if holder is not None:
            number, masked = decrypt_id_number(holder.id_number_cipher), False
    return Applicant(
        type=application.applicant_type.value,
        name=application.applicant_name,
        id_number=number,
        phone=application.applicant_phone if full else mask_phone(application.applicant_phone),
        masked=masked,
    )


def _answers(answers: dict[str, Any], full: bool) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for name, value in (answers or {}).items():
        if isinstance(value, dict) and "cipher" in value:
            value = decrypt_id_number(value["cipher"]) if full else value["masked"]
        shown[name] = value
    return shown


def _link_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=_LINK_SALT)


def _materials(api_key: ApiKey, application: Application) -> list[MaterialOut]:
    """The application's current materials, each file behind a signed link."""
    names = {spec.position: spec.name for spec in application.version.materials}
    signer = _link_signer()
    shown = []
    for material in application.materials:
        if material.replaced_at is not None:
            continue
        link = None
        if material.file_key:
            token = signer.dumps({"k": api_key.id, "m": material.id})
            link = url_for("api_departments.material_file", token=token, _external=True)
        shown.append(
            MaterialOut(
                id=material.id,
                position=material.position,
                name=names.get(material.position, "材料"),
                source=material.source.value,
                content_type=material.content_type,
                size=material.size,
                sha256=material.sha256,
                license_reference=material.license_reference,
                download_url=link,
            )
        )
    return shown


def _out(api_key: ApiKey, application: Application) -> ApplicationOut:
    full = api_key.allows(Capability.FULL_RECORD)
    records = [record for record in application.records if record.sequence is not None]
    steps = [a for a in allowed_actions(application) if a in workbench.ACTION_ROLES]
    return ApplicationOut(
        id=application.id,
        number=application.number or "",
        item_code=application.item.code,
        item_name=application.version.name,
        unit_code=application.unit.code,
        status=application.status.value,
        channel=application.channel.value,
        applicant=_applicant(application, full),
        answers=_answers(application.answers, full),
        materials=_materials(api_key, application),
        records=[
            RecordOut(
                record_id=r.record_id,
                sequence=r.sequence,
                stage=r.stage.value,
                result=r.result,
                channel=r.channel.value,
                actor_type=r.actor_type.value,
                occurred_at=as_local(r.occurred_at),
            )
            for r in records
        ],
        submitted_at=as_local(application.submitted_at) if application.submitted_at else None,
        accepted_on=application.accepted_on,
        due_on=application.due_on,
        decision=application.decision.value if application.decision else None,
        delivery_options=list(application.version.result_delivery or ["pickup"]),
        allowed_steps=steps,
        sequence=max((r.sequence for r in records if r.sequence is not None), default=0),
    )


def _audit_full_record(api_key: ApiKey, numbers: list[str | None], **details: Any) -> None:
    if numbers and api_key.allows(Capability.FULL_RECORD):
        record_view(
            actor_of(api_key),
            "api.full_record",
            f"unit:{api_key.unit.code}",
            applications=numbers,
            **details,
        )


def changed_applications(api_key: ApiKey, after: int, limit: int) -> ApplicationsPage:
    """The key's applications with a process record after ``after``, by their newest record;
    identity numbers in clear (audited) only for a key with the full record."""
    assign_sequences()
    newest = sa.func.max(ProcessRecord.sequence).label("newest")
    changed = (
        sa.select(ProcessRecord.application_id, newest)
        .where(ProcessRecord.sequence > after)
        .where(
            ProcessRecord.application_id.in_(_reachable(api_key).with_only_columns(Application.id))
        )
        .group_by(ProcessRecord.application_id)
        .order_by(newest)
        .limit(limit + 1)
    )
    rows = db.session.execute(changed).all()
    page = rows[:limit]
    found = {
        a.id: a
        for a in db.session.scalars(
            sa.select(Application)
            .where(Application.id.in_([row.application_id for row in page]))
            .options(selectinload(Application.records), selectinload(Application.materials))
        )
    }
    applications = [found[row.application_id] for row in page]
    _audit_full_record(api_key, [a.number for a in applications])
    return ApplicationsPage(
        applications=[_out(api_key, a) for a in applications],
        cursor=page[-1].newest if page else after,
        has_more=len(rows) > limit,
    )


def application_for(api_key: ApiKey, application_id: int) -> Application:
    """An application the key reaches.

    :raises ApplicationNotFound: for any other id (another unit's too).
    """
    application = db.session.scalar(_reachable(api_key).where(Application.id == application_id))
    if application is None:
        raise ApplicationNotFound(application_id)
    return application


def show_application(api_key: ApiKey, application_id: int) -> ApplicationOut:
    """One application the key reaches, as the pull shows it.

    :raises ApplicationNotFound: as `application_for`.
    """
    assign_sequences()
    application = application_for(api_key, application_id)
    _audit_full_record(api_key, [application.number])
    return _out(api_key, application)


def _accept(actor: workbench.Actor, application: Application, body: AcceptBody) -> None:
    workbench.accept(
        actor, application, missing_positions=body.missing_positions, deadline=body.deadline
    )


def _reject(actor: workbench.Actor, application: Application, body: RejectBody) -> None:
    workbench.reject(actor, application, body.reason, {})


def _supplement(actor: workbench.Actor, application: Application, body: SupplementBody) -> None:
    items = [item.model_dump() for item in body.items]
    workbench.request_supplement(actor, application, items, body.note)


def _review(actor: workbench.Actor, application: Application, body: ReviewBody) -> None:
    workbench.review(actor, application, body.opinion)


def _decide(actor: workbench.Actor, application: Application, body: DecideBody) -> None:
    workbench.decide(actor, application, Decision(body.decision), body.reason)


def _complete(actor: workbench.Actor, application: Application, body: CompleteBody) -> None:
    workbench.complete(actor, application, body.delivery)


STEPS: dict[str, Callable[[workbench.Actor, Application, Any], None]] = {
    "accept": _accept,
    "reject_accept": _reject,
    "supplement_request": _supplement,
    "review": _review,
    "decide": _decide,
    "complete": _complete,
}


def take_step(api_key: ApiKey, application_id: int, step: str, body: Any) -> ApplicationOut:
    """Take ``step`` on an application the key reaches, through the workbench's service (its
    checks, state machine, process record with channel ``department_system``, notices and
    audit record, one transaction); the application afterwards, which for a key with the full
    record is a read of it, audited as `show_application`'s.

    A refusal is a `Problem` raised from here, with the step's writes rolled back, so that
    `run_once` stores it and a retry with the same key gets the same refusal.

    :raises ApplicationNotFound: as `application_for`.
    :raises Problem: 409 ``illegal_transition``, the application's state does not allow the
        step; 422 ``refused``, the workbench refused the content (``reason``: its code).
    """
    application = application_for(api_key, application_id)
    try:
        STEPS[step](department_actor(api_key), application, body)
    except IllegalTransition as illegal:
        db.session.rollback()
        raise Problem(
            409,
            "illegal_transition",
            f"该办件当前状态为“{STATUS[illegal.status]}”，"
            f"不能进行“{ACTION.get(illegal.action, illegal.action)}”",
            status_now=illegal.status.value,
        ) from illegal
    except ValueError as refusal:
        db.session.rollback()
        code = str(refusal)
        # The workbench's own refusals, or the licence library's when completion cannot issue.
        detail = REFUSAL.get(code) or LICENSE_REFUSED.get(code, "请求被拒绝")
        raise Problem(422, "refused", detail, reason=code) from refusal
    assign_sequences()  # the step's record, committed, numbered: shown in the answer
    application = application_for(api_key, application_id)
    _audit_full_record(api_key, [application.number])
    return _out(api_key, application)


def audit_replayed_step(api_key: ApiKey, answer: Response) -> None:
    """Audit a retried step's stored answer as a read of the full record when it is one: a
    success given to a key with the full record."""
    if answer.status_code < 400:
        number = json.loads(answer.get_data())["number"]
        _audit_full_record(api_key, [number], replayed=True)


def material_link_file(token: str) -> MaterialFile:
    """The file a signed link names, audited and committed; the caller closes its stream.

    :raises LinkRefused: a forged or expired link, a revoked key, or a file no longer there.
    """
    try:
        payload = _link_signer().loads(token, max_age=FILE_LINK_SECONDS)
        key_id, material_id = int(payload["k"]), int(payload["m"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise LinkRefused() from None
    api_key = db.session.get(ApiKey, key_id)
    material = db.session.get(ApplicationMaterial, material_id)
    if api_key is None or api_key.revoked_at is not None or material is None:
        raise LinkRefused()
    application = material.application
    if not reaches(api_key, application):
        raise LinkRefused()
    try:
        opened = open_file(application, material_id)
    except ApplicationNotFound:
        raise LinkRefused() from None
    record_event(
        actor_of(api_key),
        "api.download",
        target=f"application:{application.id}",
        material=material_id,
    )
    db.session.commit()
    return opened
