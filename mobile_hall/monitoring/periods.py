"""Periods the figures are computed for: a quarter by default, any date range."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ..clock import CHINA_STANDARD_TIME
from ..workdays import add_working_days
from .constants import SELF_CHECK_WORKING_DAYS

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


@dataclass(frozen=True)
class Period:
    """A range of local dates, both ends included; `quarter` names it when it is one."""

    first: date
    last: date
    quarter: str | None = None

    @property
    def starts_at(self) -> datetime:
        """The first moment of the period in China Standard Time."""
        return datetime.combine(self.first, time(), CHINA_STANDARD_TIME)

    @property
    def ends_before(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.last + timedelta(days=1), time(), CHINA_STANDARD_TIME)

    @property
    def label(self) -> str:
        """How the page names the period."""
        if self.quarter:
            return f"{self.first.year}年第{self.quarter[-1]}季度"
        return f"{self.first.isoformat()} 至 {self.last.isoformat()}"

    def months(self) -> list[Period]:
        """The calendar months the period touches, each cut to the period."""
        months = []
        first = self.first
        while first <= self.last:
            following = _month_after(first)
            months.append(Period(first, min(following - timedelta(days=1), self.last)))
            first = following
        return months


def _month_after(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def quarter(name: str) -> Period:
    """The quarter named like ``2026Q4``.

    :raises ValueError: for any other text.
    """
    match = _QUARTER.match(name.strip().upper())
    if not match:
        raise ValueError("quarter")
    year, number = int(match[1]), int(match[2])
    first = date(year, 3 * number - 2, 1)
    last = (date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)) - timedelta(1)
    return Period(first, last, f"{year}Q{number}")


def quarter_of(day: date) -> Period:
    """The quarter a date falls in."""
    return quarter(f"{day.year}Q{(day.month - 1) // 3 + 1}")


def previous_quarter(period: Period) -> Period:
    """The quarter before a quarter (or before the quarter a range starts in)."""
    return quarter_of(period.first - timedelta(days=1))


def self_check_due(period: Period) -> date:
    """The last day a quarter's self-check is on time: 4 legal working days after it ends."""
    return add_working_days(period.last, SELF_CHECK_WORKING_DAYS)
