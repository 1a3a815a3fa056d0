"""Searching the audit trail: the district office's page, by person, action, object and date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination

from ..clock import CHINA_STANDARD_TIME
from ..common.paging import paginate
from ..extensions import db
from ..identity.constants import StaffRoleKind
from ..identity.models import Account
from ..identity.services import require_role
from .models import AuditEvent

PER_PAGE = 30
# An actor as recorded (``account:12``, ``cli:catalog-import``) rather than a person's name.
ACTOR_REFERENCE = re.compile(r"^[a-z_-]+:\S+$")


@dataclass(frozen=True)
class AuditFilters:
    """What the office narrows the trail by; each left empty narrows nothing."""

    person: str = ""  # a person's name, or an actor reference as recorded
    action: str = ""  # an action or the start of one (``workbench.`` for every clerk's act)
    target: str = ""  # an object as recorded, e.g. ``application:12``
    occurred_from: date | None = None
    occurred_to: date | None = None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, CHINA_STANDARD_TIME)


def _actors_named(person: str) -> sa.ColumnElement[bool]:
    if ACTOR_REFERENCE.match(person):
        return AuditEvent.actor == person
    named = db.session.scalars(sa.select(Account.id).where(Account.name == person))
    return AuditEvent.actor.in_([f"account:{account_id}" for account_id in named])


def _narrowed(filters: AuditFilters) -> sa.Select:
    query = sa.select(AuditEvent)
    if filters.person:
        query = query.where(_actors_named(filters.person))
    if filters.action:
        query = query.where(AuditEvent.action.startswith(filters.action, autoescape=True))
    if filters.target:
        query = query.where(AuditEvent.target == filters.target)
    if filters.occurred_from:
        query = query.where(AuditEvent.occurred_at >= _start_of(filters.occurred_from))
    if filters.occurred_to:
        end = _start_of(filters.occurred_to + timedelta(days=1))
        query = query.where(AuditEvent.occurred_at < end)
    return query.order_by(AuditEvent.id.desc())


def search_events(viewer: Account, filters: AuditFilters, page: int) -> Pagination:
    """A page of the audit records that match `filters`, newest first (district office only).

    :raises NotAuthorized: for anyone else.
    """
    require_role(viewer, StaffRoleKind.DISTRICT_OFFICE)
    return paginate(_narrowed(filters), page, PER_PAGE)


def actor_names(events: list[AuditEvent]) -> dict[str, str]:
    """The names of the people among the records' actors, by actor reference."""
    ids = {int(e.actor.removeprefix("account:")) for e in events if _is_account(e.actor)}
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Account.id, Account.name).where(Account.id.in_(ids)))
    return {f"account:{account_id}": name for account_id, name in rows}


def _is_account(actor: str) -> bool:
    return actor.startswith("account:") and actor.removeprefix("account:").isdigit()
