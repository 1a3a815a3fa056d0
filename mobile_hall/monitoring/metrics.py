"""The figures of metrics.md for every unit, from what `counts` counted in the database.

The catalog (a few hundred items) is read whole; the applications' groups (by unit and item)
are rolled up here to towns (with their villages) and to the district.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from ..catalog.constants import Audience
from ..catalog.constants import Stage as ItemStage
from ..catalog.models import ItemVersion, ServiceItem, item_version_unit
from ..extensions import db
from ..organisations.constants import UnitLevel
from ..organisations.models import Unit, UnitFigure
from ..organisations.services import figures_for
from ..pages.constants import PageKind
from .constants import Figure, UnitKind
from .counts import Counts, ItemObservation, Ratio, count_period

__all__ = [
    "Catalog",
    "FigureValue",
    "ItemFlags",
    "ItemObservation",
    "Ratio",
    "UnitRef",
    "assessed_units",
    "count_period",
    "figures_of",
    "observations_of",
]


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


def catalog_items() -> dict[int, ItemFlags]:
    """Every item of the catalog with its current version's promises (only the columns the
    figures read: a version's guide, materials and forms are large)."""
    rows = db.session.execute(
        sa.select(
            ServiceItem.id,
            ServiceItem.code,
            ItemVersion.name,
            ItemVersion.is_approval,
            ItemVersion.audience,
            ItemVersion.is_full_online,
            ItemVersion.online_stages,
            ItemVersion.required_visits,
            ItemVersion.mobile_enabled,
        ).join(ItemVersion, ItemVersion.id == ServiceItem.current_version_id)
    )
    return {row.id: _flags(row) for row in rows}


def _flags(row: sa.Row) -> ItemFlags:
    return ItemFlags(
        id=row.id,
        code=row.code,
        name=row.name,
        is_approval=row.is_approval,
        for_persons=row.audience in (Audience.PERSON, Audience.BOTH),
        full_online=row.is_full_online,
        online_applicable=ItemStage.APPLY in row.online_stages,
        required_visits=row.required_visits,
        mobile=row.mobile_enabled,
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


def assessed_units(year: int, excluded_unit_ids: Iterable[int] = ()) -> list[UnitRef]:
    """The district, then the departments and the towns that implement an item, with the
    registry's population and enterprise figures of `year`.

    `excluded_unit_ids`: units never ranked (the district online-hall office itself).
    """
    units = list(db.session.scalars(sa.select(Unit).order_by(Unit.position, Unit.id)))
    figures = figures_for(year)
    implemented = items_by_unit()
    excluded = set(excluded_unit_ids)
    villages: dict[int, set[int]] = defaultdict(set)
    for unit in units:
        if unit.level is UnitLevel.VILLAGE and unit.parent_id is not None:
            villages[unit.parent_id].add(unit.id)
    towns = [unit for unit in units if unit.level is UnitLevel.TOWN]
    refs = [
        _ref(unit, UnitKind.DISTRICT, None, figures)
        for unit in units
        if unit.level is UnitLevel.DISTRICT
    ]
    refs += [
        _ref(unit, UnitKind.DEPARTMENT, frozenset({unit.id}), figures)
        for unit in units
        if unit.level is UnitLevel.DEPARTMENT and unit.id in implemented and unit.id not in excluded
    ]
    # A town, like a department, is ranked only if it (or one of its villages) implements an item.
    refs += [
        _ref(unit, UnitKind.TOWN, area, figures)
        for unit in towns
        if not implemented.keys().isdisjoint(area := frozenset({unit.id, *villages[unit.id]}))
    ]
    return _with_district_reference(refs, [figures[t.id] for t in towns if t.id in figures])


def _ref(
    unit: Unit, kind: UnitKind, unit_ids: frozenset[int] | None, figures: dict[int, UnitFigure]
) -> UnitRef:
    figure = figures.get(unit.id)
    return UnitRef(
        id=unit.id,
        code=unit.code,
        name=unit.short_name or unit.name,
        kind=kind,
        unit_ids=unit_ids,
        population=figure.population if figure else 0,
        enterprise_count=figure.enterprise_count if figure else 0,
    )


def _with_district_reference(refs: list[UnitRef], towns: list[UnitFigure]) -> list[UnitRef]:
    """The district's population and enterprises are all its towns' together."""
    population = sum(town.population for town in towns)
    enterprises = sum(town.enterprise_count for town in towns)
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
    unit_ids = counts.by_unit if ref.unit_ids is None else ref.unit_ids
    for unit_id in unit_ids:
        for item_id, group in counts.by_unit.get(unit_id, {}).items():
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
            _ratio(seen_applicable, lambda group: group.revisited == 0),
        ),
        Figure.ZERO_VISIT: FigureValue(
            _ratio(applicable, lambda item: item.required_visits == 0),
            _ratio(seen_applicable, lambda group: group.visited == 0),
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
