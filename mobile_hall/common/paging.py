"""Lists that grow without bound (finished applications, messages, search results), a page at a
time with Flask-SQLAlchemy's `db.paginate`, and what a `?page=` asks for.

A person of many years has hundreds of applications and messages: a page listing them all
grows with the history, in build time and in length on a phone.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination

from ..extensions import db

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


def paginate(query: sa.Select, page: int, per_page: int) -> Pagination:
    """Page `page` of `query` (already ordered); past the end, the last page (the first of an
    empty list), as a link kept from a longer list expects."""
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    last = max(pagination.pages, 1)
    if pagination.page > last:
        pagination = db.paginate(query, page=last, per_page=per_page, error_out=False)
    return pagination
