"""Targets as data: the office's per year and kind of unit, the plan's where none is stored."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..audit.services import record_event
from ..clock import now
from ..extensions import db
from ..identity.models import Account
from .constants import PLAN_TARGETS, Figure, UnitKind
from .models import Target


@dataclass(frozen=True)
class Threshold:
    """A target: the percent to reach, or to exceed when `strict`."""

    percent: int
    strict: bool = False

    def is_met(self, value: float) -> bool:
        """Whether a rate (0 to 1) meets the target."""
        wanted = self.percent / 100
        return value > wanted if self.strict else value >= wanted - 1e-9

    @property
    def label(self) -> str:
        """The target as the plan writes it (≥ 45 %, > 10 %)."""
        return f"{'>' if self.strict else '≥'}{self.percent}%"


Targets = dict[UnitKind, dict[Figure, Threshold | None]]


def plan_targets() -> Targets:
    """The plan's figures, the defaults of every year."""
    return {
        kind: {figure: Threshold(*pair) if pair else None for figure, pair in row.items()}
        for kind, row in PLAN_TARGETS.items()
    }


def targets_for(year: int) -> Targets:
    """The targets of a year: the office's where it set one, the plan's elsewhere."""
    targets = plan_targets()
    for row in db.session.scalars(sa.select(Target).where(Target.year == year)):
        targets[row.unit_kind][row.figure] = (
            Threshold(row.percent, row.strict) if row.percent is not None else None
        )
    return targets


def set_target(
    actor: str, year: int, kind: UnitKind, figure: Figure, percent: int | None, strict: bool
) -> None:
    """Store the office's target for a year, kind and figure, with an audit record.

    :raises ValueError: for a percent outside 0..100.
    """
    if percent is not None and not 0 <= percent <= 100:
        raise ValueError("percent")
    row = db.session.scalar(
        sa.select(Target).where(
            Target.year == year, Target.unit_kind == kind, Target.figure == figure
        )
    )
    before = (row.percent, row.strict) if row else PLAN_TARGETS[kind][figure]
    if row is None:
        row = Target(year=year, unit_kind=kind, figure=figure)
        db.session.add(row)
    row.percent, row.strict = percent, strict
    row.updated_at, row.updated_by = now(), actor
    record_event(
        actor,
        "monitoring.target",
        f"{year}/{kind.value}/{figure.value}",
        before=list(before) if before else None,
        after=[percent, strict] if percent is not None else None,
    )


def _office_only(staff: Account | None) -> None:
    # Imported here: services builds on this module.
    from .services import require_office, viewer_of

    require_office(viewer_of(staff))


def targets_for_office(staff: Account | None, year: int) -> Targets:
    """A year's targets, for the office to edit.

    :raises NotAuthorized: for anyone but the district office.
    """
    _office_only(staff)
    return targets_for(year)


def save_targets(
    staff: Account, year: int, chosen: dict[tuple[UnitKind, Figure], Threshold | None]
) -> int:
    """Store every target of a year that differs from the year's current one, each audited;
    returns how many changed.

    :raises NotAuthorized: for anyone but the district office.
    :raises ValueError: for a percent outside 0..100.
    """
    _office_only(staff)
    actor = f"account:{staff.id}"
    current = targets_for(year)
    changed = 0
    for (kind, figure), threshold in chosen.items():
        if current[kind][figure] == threshold:
            continue
        percent = threshold.percent if threshold else None
        set_target(actor, year, kind, figure, percent, bool(threshold and threshold.strict))
        changed += 1
    db.session.commit()
    return changed
