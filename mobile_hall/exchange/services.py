"""The exchange's operations as the pages, the API and the commands call them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from ..applications.models import ProcessRecord
from ..audit.services import record_event, record_view
from ..clock import as_local, now
from ..database import local_date
from ..extensions import db
from ..identity.constants import StaffRoleKind
from ..identity.models import Account
from ..identity.services import require_role
from . import delivery
from .log import DELIVERY, exchange_state, record_page
from .schema import RecordPage

DAYS_SHOWN = 14


@dataclass(frozen=True)
class ExchangeStatus:
    """What an operator watches: the backlog, its oldest record, the last success and error."""

    backlog: int
    oldest_waiting_at: datetime | None
    last_success_at: datetime | None
    last_error: str
    last_error_at: datetime | None
    failures: int
    next_attempt_at: datetime | None
    delivered_by_day: list[tuple[date, int]]

    def oldest_age(self, moment: datetime) -> timedelta | None:
        """How long the oldest undelivered record has waited at `moment`."""
        return moment - self.oldest_waiting_at if self.oldest_waiting_at else None


def exchange_status(days: int = DAYS_SHOWN) -> ExchangeStatus:
    """The delivery's state now, with the records delivered on each of the last `days` days."""
    waiting = ProcessRecord.delivered_at.is_(None)
    backlog, oldest = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(ProcessRecord.occurred_at)).where(waiting)
    ).one()
    state = exchange_state(DELIVERY)
    since = now().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days - 1)
    day = local_date(ProcessRecord.delivered_at, db.session.get_bind().dialect.name)
    counted = db.session.execute(
        sa.select(day, sa.func.count())
        .where(ProcessRecord.delivered_at >= since)
        .group_by(day)
        .order_by(day.desc())
    ).all()
    return ExchangeStatus(
        backlog=backlog,
        oldest_waiting_at=as_local(oldest) if oldest else None,
        last_success_at=as_local(state.last_success_at) if state.last_success_at else None,
        last_error=state.last_error,
        last_error_at=as_local(state.last_error_at) if state.last_error_at else None,
        failures=state.failures,
        next_attempt_at=as_local(state.next_attempt_at) if state.next_attempt_at else None,
        delivered_by_day=[(_as_date(value), count) for value, count in counted],
    )


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def status_for_office(viewer: Account) -> ExchangeStatus:
    """`exchange_status` for the district office's page.

    :raises NotAuthorized: for anyone else.
    """
    require_role(viewer, StaffRoleKind.DISTRICT_OFFICE)
    return exchange_status()


def retry_delivery_now(actor: Account) -> None:
    """Let the delivery worker try again at once instead of waiting out its backoff; audited
    and committed.

    :raises NotAuthorized: for anyone but the district office.
    """
    require_role(actor, StaffRoleKind.DISTRICT_OFFICE)
    delivery.retry_now()
    record_event(f"account:{actor.id}", "exchange.retry_now", target="exchange:delivery")
    db.session.commit()


def pull_records(actor: str, after: int, limit: int) -> RecordPage:
    """A page of the record log for an entitled client, audited (what it read, not the
    records: they carry no personal data) and committed."""
    page = record_page(after, limit)
    record_view(
        actor,
        "exchange.pull",
        "exchange:records",
        after=after,
        count=len(page.records),
    )
    return page
