"""Refusing, once for every route, what no page can take: a NUL character in a request, and
an id in a path too large for the database.

PostgreSQL cannot store a NUL in text, and no one types one: a NUL in a path segment, a query
value, a form field, an upload's name or a JSON body is a probe or a broken client. Refused here
with the hall's 400 page before any view reads it, rather than by each view or as a 500 from the
database. Likewise an `<int:...>` segment past the integers the database keeps ids in matches
no route (404), rather than failing in the query.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter, Map

NUL = "\x00"
LARGEST_ID = 2**31 - 1  # PostgreSQL's integer (SQLite's is wider)


class IdConverter(IntegerConverter):
    """`<int:...>` as Werkzeug's, up to the largest id the database can hold."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def _json_strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


def _request_strings() -> Iterable[str]:
    """Every piece of text the request carries to a view (headers aside: the views store none)."""
    yield request.path
    yield from request.args.keys()
    yield from request.args.values()
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        yield from request.form.keys()
        yield from request.form.values()
        for name, upload in request.files.items(multi=True):
            yield name
            yield upload.filename or ""
        if request.is_json:
            yield from _json_strings(request.get_json(silent=True))


def refuse_nul_characters() -> None:
    """A before-request hook: 400 for a request with a NUL anywhere a view would read it."""
    if any(NUL in text for text in _request_strings()):
        abort(400)


def init_inputs(app: Flask) -> None:
    """Install the hook for every route and the id converter.

    Call before the blueprints are registered: a rule takes its converters when it is added.
    """
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul_characters)
