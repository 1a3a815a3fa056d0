"""The figures of metrics.md for every unit and a period, from SQL aggregates.

The catalog (a few hundred items) is read whole; applications are only ever counted by the
database, grouped by unit and item, and the groups are rolled up to towns (with their villages)
and to the district here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..applications.constants import ONLINE_CHANNELS, ApplicationStatus, Channel, Stage
from ..applications.models import Application, ProcessRecord
from ..catalog.constants import Audience, Delivery
from ..catalog.constants import Stage as ItemStage
from ..catalog.models import ItemVersion, ServiceItem, item_version_unit
from ..extensions import db
from ..organisations.constants import UnitLevel
from ..organisations.models import Unit
from ..pages.constants import PageKind
from ..pages.models import PageOpening
from .constants import Figure, UnitKind
from .periods import Period

ONLINE_DELIVERIES = (Delivery.ELECTRONIC.value, Delivery.POST.value)


@dataclass(frozen=True)
class Ratio:
    """A counted rate; no value (shown "—") when nothing was counted."""

    numerator: int = 0
    denominator: int = 0

    @property
    def value(self) -> float | None:
        """The rate between 0 and 1, or None for a zero denominator."""
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> float | None:
        """The rate in percent, one decimal, or None."""
        value = self.value
        return None if value is None else round(value * 100, 1)


@dataclass(frozen=True)
class FigureValue:
    """One figure of one unit: declared (or the only value) and, for item figures, observed."""

    declared: Ratio
    observed: Ratio | None = None


@dataclass(frozen=True)
class UnitRef:
    """A unit the assessment shows a row for, with what its figures count."""

    id: int
    code: str
    name: str
    kind: UnitKind
    unit_ids: frozenset[int] | None  # None: the whole district
    population: int = 0
    enterprise_count: int = 0


@dataclass(frozen=True)
class ItemFlags:
    """What the catalog's current version of an item promises."""

    id: int
    code: str
    name: str
    is_approval: bool
    for_persons: bool
    full_online: bool
    online_applicable: bool
    required_visits: int
    mobile: bool


@dataclass
class ItemObservation:
    """Completed applications of an item in a period, as clerks recorded them."""

    completed: int = 0
    max_visits: int = 0
    full_online: int = 0
    mobile: int = 0

    def add(self, other: ItemObservation) -> None:
        """Fold another group's counts into this one."""
        self.completed += other.completed
        self.max_visits = max(self.max_visits, other.max_visits)
        self.full_online += other.full_online
        self.mobile += other.mobile


@dataclass
class Counts:
    """Everything counted for a period, grouped by unit (and item) id."""

    submitted: dict[int, tuple[int, int]] = field(default_factory=dict)  # unit: (all, online)
    completed: dict[tuple[int, int], ItemObservation] = field(default_factory=dict)
    openings: dict[tuple[PageKind, int | None], int] = field(default_factory=dict)


def catalog_items() -> dict[int, ItemFlags]:
    """Every item of the catalog with its current version's promises."""
    rows = db.session.execute(
        sa.select(ServiceItem.id, ServiceItem.code, ItemVersion).join(
            ItemVersion, ItemVersion.id == ServiceItem.current_version_id
        )
    )
    return {item_id: _flags(item_id, code, version) for item_id, code, version in rows}


def _flags(item_id: int, code: str, version: ItemVersion) -> ItemFlags:
    return ItemFlags(
        id=item_id,
        code=code,
        name=version.name,
        is_approval=version.is_approval,
        for_persons=version.audience in (Audience.PERSON, Audience.BOTH),
        full_online=version.is_full_online,
        online_applicable=ItemStage.APPLY in version.online_stages,
        required_visits=version.required_visits,
        mobile=version.mobile_enabled,
    )


def items_by_unit() -> dict[int, set[int]]:
    """The items each unit implements (current versions only)."""
    rows = db.session.execute(
        sa.select(item_version_unit.c.unit_id, ServiceItem.id).join(
            ServiceItem, ServiceItem.current_version_id == item_version_unit.c.item_version_id
        )
    )
    implemented: dict[int, set[int]] = defaultdict(set)
    for unit_id, item_id in rows:
        implemented[unit_id].add(item_id)
    return implemented


def _in_period(column: sa.ColumnElement, period: Period) -> sa.ColumnElement[bool]:
    return sa.and_(column >= period.starts_at, column < period.ends_before)


def _completed_in(period: Period, unit_ids: Iterable[int] | None) -> sa.Subquery:
    """One row per application completed in the period, with its recorded on-site visits."""
    visits = (
        sa.select(sa.func.count())
        .where(ProcessRecord.application_id == Application.id, ProcessRecord.stage == Stage.VISIT)
        .correlate(Application)
        .scalar_subquery()
    )
    query = sa.select(
        Application.unit_id,
        Application.item_id,
        Application.channel,
        Application.delivery,
        Application.completed_at,
        visits.label("visits"),
    ).where(
        Application.status == ApplicationStatus.COMPLETED,
        _in_period(Application.completed_at, period),
    )
    if unit_ids is not None:
        query = query.where(Application.unit_id.in_(list(unit_ids)))
    return query.subquery()


def _ran_online(done: sa.Subquery) -> sa.ColumnElement[bool]:
    """Submitted online, no visit recorded, result delivered online or by post."""
    return sa.and_(
        done.c.channel.in_(ONLINE_CHANNELS),
        done.c.delivery.in_(ONLINE_DELIVERIES),
        done.c.visits == 0,
    )


def _online_count(done: sa.Subquery) -> sa.ColumnElement[int]:
    return sa.func.sum(sa.case((_ran_online(done), 1), else_=0))


def count_period(period: Period, unit_ids: Iterable[int] | None = None) -> Counts:
    """Count a period's applications and the pages opened, by unit (optionally some units)."""
    counts = Counts()
    counts.submitted = _submitted(period, unit_ids)
    counts.completed = _completed(period, unit_ids)
    counts.openings = _openings(period)
    return counts


def _submitted(period: Period, unit_ids: Iterable[int] | None) -> dict[int, tuple[int, int]]:
    online = sa.func.sum(sa.case((Application.channel.in_(ONLINE_CHANNELS), 1), else_=0))
    query = (
        sa.select(Application.unit_id, sa.func.count(), online)
        .where(_in_period(Application.submitted_at, period))
        .group_by(Application.unit_id)
    )
    if unit_ids is not None:
        query = query.where(Application.unit_id.in_(list(unit_ids)))
    return {unit_id: (total, int(on or 0)) for unit_id, total, on in db.session.execute(query)}


def _completed(
    period: Period, unit_ids: Iterable[int] | None
) -> dict[tuple[int, int], ItemObservation]:
    done = _completed_in(period, unit_ids)
    query = sa.select(
        done.c.unit_id,
        done.c.item_id,
        sa.func.count(),
        sa.func.max(done.c.visits),
        _online_count(done),
        sa.func.sum(sa.case((done.c.channel == Channel.MOBILE, 1), else_=0)),
    ).group_by(done.c.unit_id, done.c.item_id)
    return {
        (unit_id, item_id): ItemObservation(
            total, int(most or 0), int(online or 0), int(mobile or 0)
        )
        for unit_id, item_id, total, most, online, mobile in db.session.execute(query)
    }


def _openings(period: Period) -> dict[tuple[PageKind, int | None], int]:
    query = (
        sa.select(PageOpening.kind, PageOpening.town_id, sa.func.count())
        .where(
            PageOpening.opened_at < period.ends_before,
            sa.or_(PageOpening.closed_at.is_(None), PageOpening.closed_at >= period.ends_before),
        )
        .group_by(PageOpening.kind, PageOpening.town_id)
    )
    return {(kind, town): total for kind, town, total in db.session.execute(query)}


def assessed_units(excluded_unit_ids: Iterable[int] = ()) -> list[UnitRef]:
    """The district, then the departments that implement an item, then the towns.

    `excluded_unit_ids`: units never ranked (the district online-hall office itself).
    """
    units = list(db.session.scalars(sa.select(Unit).order_by(Unit.position, Unit.id)))
    implemented = items_by_unit()
    excluded = set(excluded_unit_ids)
    villages: dict[int, set[int]] = defaultdict(set)
    for unit in units:
        if unit.level is UnitLevel.VILLAGE and unit.parent_id is not None:
            villages[unit.parent_id].add(unit.id)
    towns = [unit for unit in units if unit.level is UnitLevel.TOWN]
    refs = [
        _ref(unit, UnitKind.DISTRICT, None) for unit in units if unit.level is UnitLevel.DISTRICT
    ]
    refs += [
        _ref(unit, UnitKind.DEPARTMENT, frozenset({unit.id}))
        for unit in units
        if unit.level is UnitLevel.DEPARTMENT and unit.id in implemented and unit.id not in excluded
    ]
    refs += [_ref(unit, UnitKind.TOWN, frozenset({unit.id, *villages[unit.id]})) for unit in towns]
    return _with_district_reference(refs, towns)


def _ref(unit: Unit, kind: UnitKind, unit_ids: frozenset[int] | None) -> UnitRef:
    return UnitRef(
        id=unit.id,
        code=unit.code,
        name=unit.short_name or unit.name,
        kind=kind,
        unit_ids=unit_ids,
        population=unit.population or 0,
        enterprise_count=unit.enterprise_count or 0,
    )


def _with_district_reference(refs: list[UnitRef], towns: list[Unit]) -> list[UnitRef]:
    """The district's population and enterprises are its towns' together."""
    population = sum(town.population or 0 for town in towns)
    enterprises = sum(town.enterprise_count or 0 for town in towns)
    return [
        UnitRef(**{**ref.__dict__, "population": population, "enterprise_count": enterprises})
        if ref.kind is UnitKind.DISTRICT
        else ref
        for ref in refs
    ]


@dataclass
class Catalog:
    """The catalog as the figures need it: items and who implements them."""

    items: dict[int, ItemFlags]
    implemented: dict[int, set[int]]

    @classmethod
    def load(cls) -> Catalog:
        """Read the current catalog (two small queries)."""
        return cls(catalog_items(), items_by_unit())

    def items_of(self, ref: UnitRef) -> list[ItemFlags]:
        """The items a unit (a town with its villages; the district: all) implements."""
        if ref.unit_ids is None:
            return list(self.items.values())
        ids = set().union(*(self.implemented.get(unit_id, set()) for unit_id in ref.unit_ids))
        return [self.items[item_id] for item_id in sorted(ids) if item_id in self.items]


def observations_of(ref: UnitRef, counts: Counts) -> dict[int, ItemObservation]:
    """Completed applications per item handled by the unit (or the whole district)."""
    observed: dict[int, ItemObservation] = {}
    for (unit_id, item_id), group in counts.completed.items():
        if ref.unit_ids is None or unit_id in ref.unit_ids:
            observed.setdefault(item_id, ItemObservation()).add(group)
    return observed


def figures_of(
    ref: UnitRef, catalog: Catalog, counts: Counts, district: UnitRef
) -> dict[Figure, FigureValue]:
    """Every figure of one unit from what was counted."""
    items = catalog.items_of(ref)
    observed = observations_of(ref, counts)
    values = _item_figures(items, observed)
    values.update(_application_figures(ref, counts, observed))
    page_ref = district if ref.kind is UnitKind.DEPARTMENT else ref
    values.update(_page_figures(page_ref, counts))
    return values


def _ratio(items: list, test) -> Ratio:
    return Ratio(sum(1 for item in items if test(item)), len(items))


def _item_figures(
    items: list[ItemFlags], observed: dict[int, ItemObservation]
) -> dict[Figure, FigureValue]:
    approval = [item for item in items if item.is_approval]
    applicable = [item for item in items if item.online_applicable]
    personal = [item for item in approval if item.for_persons]
    # An item enters an observed denominator only with an application completed in the period.
    seen_approval = [observed[item.id] for item in approval if item.id in observed]
    seen_applicable = [observed[item.id] for item in applicable if item.id in observed]
    seen_personal = [observed[item.id] for item in personal if item.id in observed]
    return {
        Figure.FULL_ONLINE: FigureValue(
            _ratio(approval, lambda item: item.full_online),
            _ratio(seen_approval, lambda group: group.full_online > 0),
        ),
        Figure.MAX_ONE_VISIT: FigureValue(
            _ratio(applicable, lambda item: item.required_visits <= 1),
            _ratio(seen_applicable, lambda group: group.max_visits <= 1),
        ),
        Figure.ZERO_VISIT: FigureValue(
            _ratio(applicable, lambda item: item.required_visits == 0),
            _ratio(seen_applicable, lambda group: group.max_visits == 0),
        ),
        # Observed on the mobile site: a completed application of the period came from it.
        Figure.MOBILE: FigureValue(
            _ratio(personal, lambda item: item.mobile),
            _ratio(seen_personal, lambda group: group.mobile > 0),
        ),
    }


def _application_figures(
    ref: UnitRef, counts: Counts, observed: dict[int, ItemObservation]
) -> dict[Figure, FigureValue]:
    submitted = [
        pair
        for unit_id, pair in counts.submitted.items()
        if ref.unit_ids is None or unit_id in ref.unit_ids
    ]
    completed = list(observed.values())
    return {
        Figure.ONLINE_APPLY: FigureValue(
            Ratio(sum(on for _, on in submitted), sum(total for total, _ in submitted))
        ),
        Figure.ONLINE_COMPLETE: FigureValue(
            Ratio(sum(g.full_online for g in completed), sum(g.completed for g in completed))
        ),
    }


def _page_figures(ref: UnitRef, counts: Counts) -> dict[Figure, FigureValue]:
    def opened(kind: PageKind) -> int:
        return sum(
            total
            for (of_kind, town), total in counts.openings.items()
            if of_kind is kind and (ref.kind is UnitKind.DISTRICT or town == ref.id)
        )

    return {
        Figure.ENTERPRISE_PAGE: FigureValue(
            Ratio(opened(PageKind.ENTERPRISE), ref.enterprise_count)
        ),
        Figure.CITIZEN_PAGE: FigureValue(Ratio(opened(PageKind.PERSON), ref.population)),
    }


def _month_of(column: sa.ColumnElement, months: list[Period]) -> sa.Case:
    """The index of the month a moment falls in (a CASE: the same SQL on every database)."""
    return sa.case(*[(column < month.ends_before, index) for index, month in enumerate(months)])


def monthly(months: list[Period], unit_ids: Iterable[int] | None) -> list[dict[Figure, Ratio]]:
    """`online_apply_rate` and `online_complete_rate` for each month, in two grouped queries."""
    whole = Period(months[0].first, months[-1].last)
    submitted_month = _month_of(Application.submitted_at, months)
    online = sa.func.sum(sa.case((Application.channel.in_(ONLINE_CHANNELS), 1), else_=0))
    submitted = sa.select(submitted_month, sa.func.count(), online).where(
        _in_period(Application.submitted_at, whole)
    )
    done = _completed_in(whole, unit_ids)
    completed_month = _month_of(done.c.completed_at, months)
    completed = sa.select(completed_month, sa.func.count(), _online_count(done))
    if unit_ids is not None:
        submitted = submitted.where(Application.unit_id.in_(list(unit_ids)))
    applied = _by_month(submitted.group_by(submitted_month))
    finished = _by_month(completed.group_by(completed_month))
    return [
        {
            Figure.ONLINE_APPLY: Ratio(*reversed(applied.get(index, (0, 0)))),
            Figure.ONLINE_COMPLETE: Ratio(*reversed(finished.get(index, (0, 0)))),
        }
        for index in range(len(months))
    ]


def _by_month(query: sa.Select) -> dict[int, tuple[int, int]]:
    return {
        index: (total, int(part or 0))
        for index, total, part in db.session.execute(query)
        if index is not None
    }
