"""The anonymous progress lookup: stage and dates by number and the phone's last four digits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from ...catalog.models import ItemVersion
from ...extensions import db
from ...organisations.models import Unit
from ..constants import ApplicationStatus, Stage
from ..models import Application, ProcessRecord
from ..numbering import normalise_application_number


@dataclass(frozen=True)
class ProgressView:
    """What an anonymous progress lookup may show: stage and dates, no personal data."""

    number: str
    item_name: str
    unit_name: str
    status: ApplicationStatus
    submitted_at: Any
    due_on: date | None
    completed_at: Any
    steps: tuple[tuple[Stage, Any], ...]


def look_up_progress(number: str, phone_last4: str) -> ProgressView | None:
    """Find an application by number and the last four digits of the applicant's phone."""
    canonical = normalise_application_number(number or "")
    if canonical is None or len(phone_last4 or "") != 4 or not phone_last4.isdigit():
        return None
    rows = _progress_rows(canonical)
    if not rows or not rows[0].applicant_phone.endswith(phone_last4):
        return None
    first = rows[0]
    return ProgressView(
        number=canonical,
        item_name=first.item_name,
        unit_name=first.unit_name,
        status=first.status,
        submitted_at=first.submitted_at,
        due_on=first.due_on,
        completed_at=first.completed_at,
        steps=tuple((row.stage, row.occurred_at) for row in rows if row.stage is not None),
    )


# The lookup's one statement, built once: composing it costs more than running it, and the
# lookup is rendered for every visitor (its answers are nobody else's to cache).
PROGRESS_ROWS = (
    sa.select(
        Application.applicant_phone,
        Application.status,
        Application.submitted_at,
        Application.due_on,
        Application.completed_at,
        ItemVersion.name.label("item_name"),
        Unit.name.label("unit_name"),
        ProcessRecord.stage,
        ProcessRecord.occurred_at,
    )
    .join(ItemVersion, ItemVersion.id == Application.item_version_id)
    .join(Unit, Unit.id == Application.unit_id)
    .outerjoin(ProcessRecord, ProcessRecord.application_id == Application.id)
    .where(Application.number == sa.bindparam("number"))
    .order_by(ProcessRecord.id)
)


def _progress_rows(number: str) -> list[sa.Row]:
    """The application by number with its item's name, its unit's name and each of its process
    records: one statement, only the columns the lookup shows."""
    return list(db.session.execute(PROGRESS_ROWS, {"number": number}))
