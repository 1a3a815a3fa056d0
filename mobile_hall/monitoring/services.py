"""The monitoring's public API: who sees which units' figures, and what the pages show.

The office (区网厅办) sees every unit; a unit's staff see their own unit, read only. Every
function checks this here, whatever a URL carries.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from ..applications.constants import ApplicationStatus, Channel
from ..applications.models import Application
from ..catalog.models import ItemVersion, ServiceItem
from ..common.errors import NotAuthorized
from ..extensions import db
from ..identity.constants import StaffRoleKind
from ..identity.models import Account, StaffRole
from ..identity.services import staff_roles_of
from ..organisations.models import Unit
from .assessment import Cell, Row, ranked
from .constants import TREND_FIGURES, Figure, UnitKind
from .counts import counted_in
from .metrics import (
    Catalog,
    Counts,
    FigureValue,
    ItemFlags,
    ItemObservation,
    Ratio,
    UnitRef,
    assessed_units,
    count_period,
    figures_of,
    observations_of,
)
from .models import DailyCount
from .periods import Period
from .targets import Targets, targets_for

__all__ = [
    "NotAuthorized",
    "UnitNotFound",
    "Viewer",
    "assessment",
    "dashboard",
    "unit_applications",
    "unit_detail",
    "viewer_of",
]


class UnitNotFound(Exception):
    """No assessed unit has this code."""


@dataclass(frozen=True)
class Viewer:
    """Who looks at the figures: the office, or the staff of some units."""

    name: str
    is_office: bool
    unit_ids: frozenset[int]  # the units the person works in (the office's own included)

    def may_see(self, ref: UnitRef) -> bool:
        """The office sees every unit; others their own."""
        return self.is_office or ref.id in self.unit_ids


def viewer_of(staff: Account | None) -> Viewer:
    """The monitoring's view of a signed-in person.

    :raises NotAuthorized: for someone with no staff role.
    """
    roles = staff_roles_of(staff)
    if not roles or staff is None:
        raise NotAuthorized()
    return Viewer(
        name=staff.name,
        is_office=any(role.role is StaffRoleKind.DISTRICT_OFFICE for role in roles),
        unit_ids=frozenset(role.unit_id for role in roles),
    )


def require_office(viewer: Viewer) -> None:
    """Refuse anyone but the district office.

    :raises NotAuthorized: for a unit's staff.
    """
    if not viewer.is_office:
        raise NotAuthorized()


def office_unit_ids() -> set[int]:
    """The units of the district office's staff: never ranked themselves."""
    return set(
        db.session.scalars(
            sa.select(StaffRole.unit_id).where(StaffRole.role == StaffRoleKind.DISTRICT_OFFICE)
        )
    )


@dataclass(frozen=True)
class Gap:
    """An item whose completed applications broke what its guide promises."""

    unit: str
    item: ItemFlags
    figure: Figure
    observation: ItemObservation


@dataclass(frozen=True)
class Assessment:
    """Every assessed unit's row for a period, with the targets used."""

    period: Period
    rows: list[Row]
    targets: Targets
    catalog: Catalog
    counts: Counts

    def of_kind(self, kind: UnitKind) -> list[Row]:
        """The rows of one kind of unit, in the district's order."""
        return [row for row in self.rows if row.unit.kind is kind]

    def ranked(self, kind: UnitKind) -> list[Row]:
        """The rows of one kind, best first."""
        return ranked(self.of_kind(kind))

    def row(self, code: str) -> Row:
        """The row of a unit by code.

        :raises UnitNotFound: for a code no row has.
        """
        for row in self.rows:
            if row.unit.code == code:
                return row
        raise UnitNotFound(code)


def assessment(period: Period) -> Assessment:
    """Every unit's figures against the year's targets (no access check: callers make it)."""
    refs = assessed_units(period.last.year, office_unit_ids())
    catalog = Catalog.load()
    counts = count_period(period)
    targets = targets_for(period.last.year)
    district = refs[0]
    rows = [_row(ref, catalog, counts, district, targets) for ref in refs]
    return Assessment(period, rows, targets, catalog, counts)


def _row(ref: UnitRef, catalog: Catalog, counts: Counts, district: UnitRef, targets) -> Row:
    values = figures_of(ref, catalog, counts, district)
    wanted = targets[ref.kind]
    return Row(ref, {figure: Cell(figure, values[figure], wanted[figure]) for figure in Figure})


@dataclass(frozen=True)
class Dashboard:
    """The /monitoring page: the rows the viewer may see, the gaps and the district's trend."""

    viewer: Viewer
    assessment: Assessment
    rows: list[Row]
    gaps: list[Gap]
    trend: list[tuple[Period, dict[Figure, Ratio]]]


def dashboard(staff: Account | None, period: Period) -> Dashboard:
    """The figures the person may see for a period (office: every unit; staff: their own).

    :raises NotAuthorized: for someone with no staff role.
    """
    viewer = viewer_of(staff)
    result = assessment(period)
    rows = [row for row in result.rows if viewer.may_see(row.unit)]
    if not rows:
        raise NotAuthorized()
    scope = result.rows[0].unit if viewer.is_office else rows[0].unit
    gaps = gaps_of(result, {row.unit for row in rows})
    return Dashboard(viewer, result, rows, gaps, trend(scope, result.counts, result.catalog))


def gaps_of(result: Assessment, refs: set[UnitRef]) -> list[Gap]:
    """Items of the given units whose completed applications recorded more visits than
    promised, or that promise full online handling and never ran so."""
    names = {
        unit_id: name for unit_id, name in db.session.execute(sa.select(Unit.id, Unit.short_name))
    }
    unit_ids = set().union(*(ref.unit_ids or set(names) for ref in refs))
    gaps = []
    for (unit_id, item_id), group in sorted(result.counts.completed.items()):
        item = result.catalog.items.get(item_id)
        if unit_id not in unit_ids or item is None:
            continue
        gaps += [Gap(names[unit_id], item, figure, group) for figure in _broken(item, group)]
    return gaps


def _broken(item: ItemFlags, group: ItemObservation) -> list[Figure]:
    broken = []
    if item.required_visits == 0 and group.visited > 0:
        broken.append(Figure.ZERO_VISIT)
    elif item.required_visits <= 1 and group.revisited > 0:
        broken.append(Figure.MAX_ONE_VISIT)
    if item.full_online and item.is_approval and group.full_online == 0:
        broken.append(Figure.FULL_ONLINE)
    return broken


def trend(
    ref: UnitRef, counts: Counts, catalog: Catalog
) -> list[tuple[Period, dict[Figure, Ratio]]]:
    """A unit's figures month by month over the period, from the period's own counts (item
    figures: observed)."""
    points = []
    for month, month_counts in counts.months:
        values = figures_of(ref, catalog, month_counts, ref)
        points.append((month, {figure: _moving(figure, values) for figure in TREND_FIGURES}))
    return points


def _moving(figure: Figure, values: dict[Figure, FigureValue]) -> Ratio:
    value = values[figure]
    return value.observed if value.observed is not None else value.declared


@dataclass(frozen=True)
class ItemLine:
    """One item of a unit in the drill-down: its promise and what happened."""

    item: ItemFlags
    observation: ItemObservation | None
    channels: dict[Channel, int]
    online_stages: list[str]


@dataclass(frozen=True)
class UnitDetail:
    """A unit's drill-down page."""

    viewer: Viewer
    period: Period
    row: Row
    items: list[ItemLine]
    trend: list[tuple[Period, dict[Figure, Ratio]]]


def _visible_row(
    staff: Account | None, code: str, period: Period
) -> tuple[Viewer, Row, Catalog, Counts]:
    """One unit's row, counting only its own applications."""
    viewer = viewer_of(staff)
    refs = assessed_units(period.last.year, office_unit_ids())
    ref = next((ref for ref in refs if ref.code == code), None)
    if ref is None:
        raise UnitNotFound(code)
    if not viewer.may_see(ref):
        raise NotAuthorized()
    catalog = Catalog.load()
    counts = count_period(period, ref.unit_ids)
    row = _row(ref, catalog, counts, refs[0], targets_for(period.last.year))
    return viewer, row, catalog, counts


def unit_detail(staff: Account | None, code: str, period: Period) -> UnitDetail:
    """A unit's figures, its items (promise, observed visits, channel split) and its trend.

    :raises UnitNotFound: for a code that is not an assessed unit.
    :raises NotAuthorized: for a unit the person may not see.
    """
    viewer, row, catalog, counts = _visible_row(staff, code, period)
    observed = observations_of(row.unit, counts)
    channels = _channels(row.unit, period)
    stages = _online_stages()
    lines = [
        ItemLine(item, observed.get(item.id), channels.get(item.id, {}), stages.get(item.id, []))
        for item in catalog.items_of(row.unit)
    ]
    return UnitDetail(viewer, period, row, lines, trend(row.unit, counts, catalog))


def _scoped(query: sa.Select, ref: UnitRef, unit_id: InstrumentedAttribute[int]) -> sa.Select:
    if ref.unit_ids is None:
        return query
    return query.where(unit_id.in_(sorted(ref.unit_ids)))


def _channels(ref: UnitRef, period: Period) -> dict[int, dict[Channel, int]]:
    submitted = sa.func.sum(DailyCount.submitted)
    query = (
        sa.select(DailyCount.item_id, DailyCount.channel, submitted)
        .where(counted_in(period))
        .group_by(DailyCount.item_id, DailyCount.channel)
        .having(submitted > 0)
    )
    split: dict[int, dict[Channel, int]] = {}
    for item_id, channel, total in db.session.execute(_scoped(query, ref, DailyCount.unit_id)):
        split.setdefault(item_id, {})[channel] = int(total)
    return split


def _online_stages() -> dict[int, list[str]]:
    rows = db.session.execute(
        sa.select(ServiceItem.id, ItemVersion.online_stages).join(
            ItemVersion, ItemVersion.id == ServiceItem.current_version_id
        )
    )
    return {item_id: stages for item_id, stages in rows}


@dataclass(frozen=True)
class ApplicationsPage:
    """Applications of a unit and item in a period, a page at a time."""

    viewer: Viewer
    period: Period
    row: Row
    item: ItemFlags
    page: object  # flask_sqlalchemy Pagination of Application


def unit_applications(
    staff: Account | None, code: str, item_code: str, period: Period, page: int
) -> ApplicationsPage:
    """The applications of one item handled by a unit, submitted or completed in the period.

    :raises UnitNotFound: for an unknown unit or an item the unit does not implement.
    :raises NotAuthorized: for a unit the person may not see.
    """
    viewer, row, catalog, _counts = _visible_row(staff, code, period)
    item = next((i for i in catalog.items_of(row.unit) if i.code == item_code), None)
    if item is None:
        raise UnitNotFound(item_code)
    in_period = sa.or_(
        sa.and_(
            Application.submitted_at >= period.starts_at,
            Application.submitted_at < period.ends_before,
        ),
        sa.and_(
            Application.completed_at >= period.starts_at,
            Application.completed_at < period.ends_before,
        ),
    )
    query = _scoped(
        sa.select(Application).where(
            Application.item_id == item.id,
            Application.status != ApplicationStatus.DRAFT,
            in_period,
        ),
        row.unit,
        Application.unit_id,
    ).order_by(Application.submitted_at.desc(), Application.id.desc())
    listing = db.paginate(query, page=page, per_page=20, error_out=False)
    return ApplicationsPage(viewer, period, row, item, listing)
