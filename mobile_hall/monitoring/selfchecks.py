"""Quarterly self-checks, the ranked district summary and the notices the office sends.

Who may do what is checked here: a unit's staff read and hand in their own unit's sheet; only
the office sees every sheet, the summary, and sends notices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from ..audit.services import record_event
from ..clock import now
from ..common.errors import NotAuthorized
from ..extensions import db
from ..identity.models import Account
from ..workdays import add_working_days
from . import labels
from .assessment import Row, propose
from .constants import RECTIFICATION_WORKING_DAYS, Measure, UnitKind
from .models import Notice, SelfCheck
from .periods import Period, previous_quarter, self_check_due
from .services import Assessment, Viewer, assessment, require_office, viewer_of

RANKED_KINDS = (UnitKind.DEPARTMENT, UnitKind.TOWN)


class QuarterNotOver(Exception):
    """A quarter's self-check cannot be handed in before the quarter ends."""


class AlreadySent(Exception):
    """The quarter's notices were already sent to this unit."""


@dataclass(frozen=True)
class Sheet:
    """A unit's self-check sheet for a quarter: the hall's numbers and the unit's text."""

    period: Period
    row: Row
    check: SelfCheck | None
    due_on: date
    may_hand_in: bool

    @property
    def submitted_on(self) -> date | None:
        """The day it was handed in, if it was."""
        return self.check.submitted_on if self.check else None

    def is_late(self, today: date) -> bool:
        """Handed in after the deadline, or not yet handed in and the deadline passed."""
        handed = self.submitted_on
        return handed > self.due_on if handed else today > self.due_on


def _checks(quarter: str) -> dict[int, SelfCheck]:
    rows = db.session.scalars(sa.select(SelfCheck).where(SelfCheck.quarter == quarter))
    return {check.unit_id: check for check in rows}


def _sheet(viewer: Viewer, period: Period, row: Row, check: SelfCheck | None) -> Sheet:
    may = row.unit.id in viewer.unit_ids and row.unit.kind in RANKED_KINDS
    return Sheet(period, row, check, self_check_due(period), may)


def sheets(staff: Account | None, period: Period) -> list[Sheet]:
    """The quarter's sheets the person may see: every ranked unit's for the office, else their
    own unit's.

    :raises NotAuthorized: for someone with no staff role.
    """
    viewer = viewer_of(staff)
    result = assessment(period)
    checks = _checks(period.quarter or "")
    return [
        _sheet(viewer, period, row, checks.get(row.unit.id))
        for kind in RANKED_KINDS
        for row in result.of_kind(kind)
        if viewer.may_see(row.unit)
    ]


def open_sheet(staff: Account | None, code: str, period: Period) -> Sheet:
    """One unit's sheet for a quarter.

    :raises UnitNotFound: for a code that is not a ranked unit.
    :raises NotAuthorized: for a unit the person may not see.
    """
    viewer = viewer_of(staff)
    row = assessment(period).row(code)
    if not viewer.may_see(row.unit):
        raise NotAuthorized()
    check = _checks(period.quarter or "").get(row.unit.id)
    return _sheet(viewer, period, row, check)


def hand_in(staff: Account | None, code: str, period: Period, progress: str) -> SelfCheck:
    """Hand in a unit's self-check with its work-progress text (again: replaces the text).

    :raises NotAuthorized: for anyone but the unit's own staff.
    :raises QuarterNotOver: before the quarter has ended.
    """
    sheet = open_sheet(staff, code, period)
    if not sheet.may_hand_in or staff is None:
        raise NotAuthorized()
    moment = now()
    if moment.date() <= period.last:
        raise QuarterNotOver(period.quarter)
    check = sheet.check or SelfCheck(unit_id=sheet.row.unit.id, quarter=period.quarter)
    check.progress = progress.strip()
    check.submitted_at, check.submitted_on, check.submitted_by = moment, moment.date(), staff.name
    db.session.add(check)
    record_event(f"account:{staff.id}", "monitoring.self_check", f"{code}/{period.quarter}")
    db.session.commit()
    return check


@dataclass(frozen=True)
class Proposal:
    """A ranked unit in the summary, with the measure proposed and any notice already sent."""

    rank: int
    row: Row
    proposed: Measure
    notice: Notice | None


def _proposals(result: Assessment, before: Assessment, notices: dict[int, Notice]) -> list:
    proposals = []
    for kind in RANKED_KINDS:
        previous = {row.unit.id: row.missed for row in before.of_kind(kind)}
        for rank, row in enumerate(result.ranked(kind), start=1):
            measure = propose(row.missed, previous.get(row.unit.id, ()))
            proposals.append(Proposal(rank, row, measure, notices.get(row.unit.id)))
    return proposals


def summary(staff: Account | None, period: Period) -> list[Proposal]:
    """The ranked district summary of a quarter, departments then towns, with proposals.

    :raises NotAuthorized: for anyone but the district office.
    """
    require_office(viewer_of(staff))
    return _proposals(assessment(period), assessment(previous_quarter(period)), _notices(period))


def _notices(period: Period) -> dict[int, Notice]:
    rows = db.session.scalars(sa.select(Notice).where(Notice.quarter == period.quarter))
    return {notice.unit_id: notice for notice in rows}


def send_notices(staff: Account, period: Period, decisions: dict[str, Measure]) -> list[Notice]:
    """Send each unit in `decisions` (by code) the measure the office confirmed or chose.

    A rectification notice lists the missed figures and is due 20 working days after today.

    :raises NotAuthorized: for anyone but the district office.
    :raises AlreadySent: when a unit already has this quarter's notice (nothing is sent).
    """
    proposals = {p.row.unit.code: p for p in summary(staff, period)}
    today = now().date()
    sent = []
    for code, measure in decisions.items():
        proposal = proposals[code]
        if proposal.notice is not None:
            raise AlreadySent(code)
        sent.append(_notice(staff, period, proposal, measure, today))
        record_event(
            f"account:{staff.id}",
            "monitoring.notice",
            f"{period.quarter}/{code}",
            measure=measure.value,
            proposed=proposal.proposed.value,
        )
    db.session.add_all(sent)
    db.session.commit()
    return sent


def _notice(
    staff: Account, period: Period, proposal: Proposal, measure: Measure, today: date
) -> Notice:
    missed = [figure.value for figure in proposal.row.missed]
    due = add_working_days(today, RECTIFICATION_WORKING_DAYS)
    due_on = due if measure is Measure.RECTIFICATION else None
    return Notice(
        unit_id=proposal.row.unit.id,
        quarter=period.quarter,
        measure=measure,
        proposed=proposal.proposed,
        missed=missed,
        due_on=due_on,
        title=labels.notice_title(measure, period.label),
        body=labels.notice_body(proposal.row.unit.name, period.label, measure, missed, due_on),
        sent_at=now(),
        sent_by=staff.name,
    )


def notices_for(staff: Account | None) -> list[Notice]:
    """The notices sent: every one for the office, else those to the person's units.

    :raises NotAuthorized: for someone with no staff role.
    """
    viewer = viewer_of(staff)
    query = sa.select(Notice).order_by(Notice.sent_at.desc(), Notice.id.desc())
    if not viewer.is_office:
        query = query.where(Notice.unit_id.in_(sorted(viewer.unit_ids)))
    return list(db.session.scalars(query))
