"""Builders of a small district for the monitoring's hand-computed figures.

Rows are written directly (not through the application services): each test states exactly
which applications, visits and deliveries exist. Each application gets the process records the
services would write for what the figures count (submit, visits, deliver), which keep the daily
counts the figures read.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime

from mobile_hall.applications.constants import ActorType, ApplicationStatus, Channel, Stage
from mobile_hall.applications.models import Application, ProcessRecord
from mobile_hall.catalog.constants import Audience, ItemKind, ResultType, VersionStatus
from mobile_hall.catalog.models import ItemVersion, ServiceItem
from mobile_hall.clock import CHINA_STANDARD_TIME
from mobile_hall.extensions import db
from mobile_hall.identity.constants import UserType
from mobile_hall.organisations.constants import UnitLevel
from mobile_hall.organisations.models import Unit, UnitFigure

_serial = itertools.count(1)
FULL_STAGES = ["apply", "accept", "review", "decide", "deliver"]


def moment(day: str) -> datetime:
    """Noon of a local date written 2024-04-10."""
    return datetime.fromisoformat(f"{day}T12:00:00").replace(tzinfo=CHINA_STANDARD_TIME)


def unit(
    code: str,
    level: UnitLevel,
    parent: Unit | None = None,
    *,
    population: int | None = None,
    enterprise_count: int | None = None,
    figure_year: int = 2000,
    **fields,
) -> Unit:
    """A unit of the test district; with a population, its registry figures of `figure_year`
    (2000 by default: every later year's assessment then reads them)."""
    row = Unit(
        code=code,
        name=f"测试{code}",
        short_name=f"测试{code}",
        level=level,
        parent=parent,
        address="测试地址",
        hours="工作日",
        phone="0751-0000000",
        position=900 + next(_serial),
        **fields,
    )
    db.session.add(row)
    if population is not None:
        db.session.add(
            UnitFigure(
                unit=row,
                year=figure_year,
                population=population,
                enterprise_count=enterprise_count or 0,
            )
        )
    db.session.flush()
    return row


def item(
    code: str,
    units: list[Unit],
    *,
    approval: bool = True,
    audience: Audience = Audience.PERSON,
    visits: int = 0,
    stages: list[str] | None = None,
    mobile: bool = False,
) -> ServiceItem:
    """An item with one published version; full online when every stage is online."""
    stages = FULL_STAGES if stages is None else stages
    service_item = ServiceItem(code=code, created_at=moment("2024-01-02"))
    version = ItemVersion(
        item=service_item,
        number=1,
        status=VersionStatus.PUBLISHED,
        published_at=moment("2024-01-02"),
        content_hash=uuid.uuid4().hex,
        name=f"测试事项{code}",
        kind=ItemKind.ADMINISTRATIVE_LICENSE if approval else ItemKind.PUBLIC_SERVICE,
        is_approval=approval,
        audience=audience,
        keywords=[],
        legal_basis="",
        conditions=[],
        is_free=True,
        legal_time_limit_days=20,
        promised_time_limit_days=10,
        required_visits=visits,
        online_stages=stages,
        is_full_online=ItemVersion.stages_are_full_online(stages),
        mobile_enabled=mobile,
        min_real_name_level=1,
        allows_tolerant_acceptance=False,
        form_fields=[],
        result_type=ResultType.DOCUMENT,
        result_delivery=["electronic", "post", "pickup"],
        contact_phone="0751-0000000",
        business_manual=[],
        search_text=code.lower(),
        units=units,
    )
    db.session.add_all([service_item, version])
    db.session.flush()
    service_item.current_version = version
    db.session.flush()
    return service_item


def application(
    service_item: ServiceItem,
    at: Unit,
    channel: Channel,
    submitted: str,
    completed: str | None = None,
    delivery: str | None = None,
    visits: int = 0,
) -> Application:
    """A submitted (or completed) application with `visits` on-site visits recorded."""
    number = f"T{next(_serial):011d}"
    row = Application(
        number=number,
        item_id=service_item.id,
        item_version_id=service_item.current_version_id,
        unit_id=at.id,
        applicant_type=UserType.PERSON,
        applicant_name="测试",
        applicant_id_masked="4402**********1231",
        applicant_id_hash=uuid.uuid4().hex,
        channel=channel,
        status=ApplicationStatus.COMPLETED if completed else ApplicationStatus.SUBMITTED,
        created_at=moment(submitted),
        updated_at=moment(completed or submitted),
        submitted_at=moment(submitted),
        completed_at=moment(completed) if completed else None,
        delivery=delivery,
    )
    db.session.add(row)
    db.session.flush()
    stages = [Stage.SUBMIT] + [Stage.VISIT] * visits + ([Stage.DELIVER] if completed else [])
    for stage in stages:
        db.session.add(record(row, stage, service_item.code, at.code))
    db.session.flush()
    return row


def record(row: Application, stage: Stage, item_code: str, unit_code: str) -> ProcessRecord:
    """A process record of `row` (a visit at the counter; the rest on the row's channel)."""
    visit = stage is Stage.VISIT
    return ProcessRecord(
        record_id=str(uuid.uuid4()),
        application=row,
        application_no=row.number,
        item_code=item_code,
        unit_code=unit_code,
        stage=stage,
        result=row.delivery or "" if stage is Stage.DELIVER else "",
        channel=Channel.COUNTER if visit else row.channel,
        actor_type=ActorType.APPLICANT if stage is Stage.SUBMIT else ActorType.CLERK,
        occurred_at=row.completed_at if stage is Stage.DELIVER else row.submitted_at,
        applicant_type=UserType.PERSON,
    )


def person(username: str):
    """The account of a demo person of the provider, registered as at a first sign-in."""
    from flask import current_app

    from devidp.accounts import DEMO_ACCOUNTS
    from mobile_hall.identity.services import register_account

    claims = next(a["claims"] for a in DEMO_ACCOUNTS if a["username"] == username)
    return register_account(current_app.config["OIDC_ISSUER"], claims)
