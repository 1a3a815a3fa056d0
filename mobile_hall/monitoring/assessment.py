"""Met or not, the ranking of units and the measure the system proposes (metrics.md)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from statistics import fmean

from .constants import RECTIFICATION_AT_MISSED, Figure, Measure
from .metrics import FigureValue, UnitRef
from .targets import Threshold


@dataclass(frozen=True)
class Cell:
    """One figure of one unit against its target."""

    figure: Figure
    value: FigureValue
    target: Threshold | None

    @property
    def met(self) -> bool | None:
        """Met, not met, or None without a target or data. Item figures: the declared value."""
        value = self.value.declared.value
        if self.target is None or value is None:
            return None
        return self.target.is_met(value)

    @property
    def observed_met(self) -> bool | None:
        """The observed value against the same target (item figures)."""
        observed = self.value.observed
        if self.target is None or observed is None or observed.value is None:
            return None
        return self.target.is_met(observed.value)

    @property
    def score(self) -> float | None:
        """value ÷ target, for the ranking's tie-break."""
        value = self.value.declared.value
        if self.target is None or value is None or self.target.percent == 0:
            return None
        return value / (self.target.percent / 100)


@dataclass(frozen=True)
class Row:
    """A unit's row: every figure against its target."""

    unit: UnitRef
    cells: dict[Figure, Cell]

    @property
    def met(self) -> int:
        """How many figures are met."""
        return sum(1 for cell in self.cells.values() if cell.met)

    @property
    def missed(self) -> list[Figure]:
        """The figures with data and a target that are not met."""
        return [figure for figure, cell in self.cells.items() if cell.met is False]

    @property
    def mean_score(self) -> float:
        """The mean of value ÷ target over the figures with data (0 without any)."""
        scores = [cell.score for cell in self.cells.values() if cell.score is not None]
        return fmean(scores) if scores else 0.0


def ranked(rows: Iterable[Row]) -> list[Row]:
    """Units of one kind, best first: by figures met, then by the mean of value ÷ target."""
    return sorted(rows, key=lambda row: (-row.met, -row.mean_score, row.unit.code))


def propose(missed: list[Figure], missed_before: Iterable[Figure] = ()) -> Measure:
    """The measure the system proposes from this quarter's and the previous quarter's misses.

    All met: praise; one or two missed: criticism; three or more, or the same figure missed two
    quarters running: a rectification notice.
    """
    if len(missed) >= RECTIFICATION_AT_MISSED or set(missed) & set(missed_before):
        return Measure.RECTIFICATION
    return Measure.CRITICISM if missed else Measure.PRAISE
