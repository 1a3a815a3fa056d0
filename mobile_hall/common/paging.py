"""One page of a list that grows without bound (a person's finished applications, messages).

A person of many years has hundreds of each, and a page listing them all grows with the history:
its build time, its length on a phone and, in the end, past the profile's 30 KB of compressed
HTML (300 rows of each still fitted). The newest page comes first, the rest a link away.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Generic, TypeVar

import sqlalchemy as sa

from ..extensions import db

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """The rows of one page, which page it is, and how many rows there are in all."""

    rows: list[T]
    total: int
    number: int
    per_page: int

    @property
    def last(self) -> int:
        """The number of the last page (1 for an empty list)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.last


BEYOND_ANY_LIST = 10**9  # a longer number asks for a page past the end: the last is shown


def page_number(raw: str | None) -> int:
    """The page asked for in a query string: a positive whole number, otherwise the first.

    Digits are counted before they are read: Python refuses to read a number of thousands of
    digits (an error, not a page)."""
    if not (raw and raw.isascii() and raw.isdigit()):
        return 1
    digits = raw.lstrip("0")  # "0" and "000" ask for no page: the first
    if len(digits) > 9:
        return BEYOND_ANY_LIST
    return int(digits) if digits else 1


def fetch_page(query: sa.Select, number: int, per_page: int) -> Page:
    """Page `number` of `query` (already ordered), counted in one more statement.

    A number past the end shows the last page, as a link kept from a longer list expects.
    """
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    )
    empty = Page(rows=[], total=total or 0, number=1, per_page=per_page)
    if not empty.total:
        return empty
    number = min(max(number, 1), empty.last)
    rows = db.session.scalars(query.limit(per_page).offset((number - 1) * per_page)).unique()
    return replace(empty, rows=list(rows), number=number)
