"""Change tokens: which data a cached page shows, and a new token whenever that data changes.

Each domain declares, next to its models, the scopes a row belongs to (`watch`): every catalog
row belongs to `CATALOG`, an application to its applicant's `account_scope` and its enterprise's
`enterprise_scope`, and so on. A transaction that adds, changes or deletes a watched row
writes a new random token for each of its scopes when it commits, so a change and the
invalidation of every page showing it commit together or not at all, on every node: the tokens
live in the database, and a cached page is keyed by the tokens it depends on (`tokens_of`).
"""

from __future__ import annotations

import secrets
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from itertools import chain
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session

from ..clock import now
from ..database import insert_or_update
from ..extensions import db
from .bulkimport import batched
from .models import ChangeToken

CATALOG = "catalog"  # items, guides, themes, units, places, licence types
PAGES = "pages"  # what the district office publishes for the two pages: rules, policies
LICENSES = "licenses"  # every licence and signing key: what a public verification shows
MISSING = "-"  # the token of a scope that has never changed

# A row's scopes: `Any`, as each domain's function reads the attributes of its own models.
ScopesOf = Callable[[Any], Iterable[str | None]]
_watched: dict[type, ScopesOf] = {}
_BUMPED = "freshness.bumped"  # written in this transaction: re-read after it ends
_PENDING = "freshness.pending"  # changed in this transaction: written at its commit
TOKEN_ROWS_PER_STATEMENT = 1_000


def account_scope(account_id: int | None) -> str | None:
    """The scope of what one account does and receives."""
    return f"account:{account_id}" if account_id is not None else None


def person_scope(id_number_hash: str | None) -> str | None:
    """The scope of what belongs to a person by ID number (licences, staff roles)."""
    return f"person:{id_number_hash}" if id_number_hash else None


def enterprise_scope(enterprise_id: int | None) -> str | None:
    """The scope of an enterprise known to the hall (its page, profile, agents, applications)."""
    return f"enterprise:{enterprise_id}" if enterprise_id is not None else None


def credit_scope(credit_code: str | None) -> str | None:
    """The scope of what belongs to an enterprise by credit code (its licences)."""
    return f"credit:{credit_code}" if credit_code else None


def scope_sql(prefix: str, column: sa.ColumnElement) -> sa.ColumnElement[str]:
    """The SQL for `<prefix>:<column>`, the same string as `account_scope` and its kin build:
    to join a row to its tokens in the query that reads it."""
    return sa.literal(f"{prefix}:") + sa.cast(column, sa.String)


def watch(*models: type, scopes: ScopesOf) -> None:
    """Declare that a change to a row of `models` changes the scopes `scopes(row)` names."""
    for model in models:
        _watched[model] = scopes


def is_watched(model: type) -> bool:
    """Whether a change to a row of `model` changes a scope (`watch`)."""
    return model in _watched


def _changed_scopes(session: Session) -> set[str]:
    found: set[str] = set()
    for row in chain(session.new, session.dirty, session.deleted):
        scopes_of = _watched.get(type(row))
        if scopes_of is None:
            continue
        if row in session.dirty and not session.is_modified(row):
            continue  # touched but unchanged (e.g. a collection read)
        found.update(scope for scope in scopes_of(row) if scope)
    return found


def _write_tokens(session: Session, scopes: set[str]) -> None:
    connection = session.connection()
    moment = now()
    statement = insert_or_update(ChangeToken, connection.dialect.name)
    upsert = statement.on_conflict_do_update(
        index_elements=["scope"],
        set_={"token": statement.excluded.token, "changed_at": statement.excluded.changed_at},
    )
    # Sorted, so two transactions bumping the same scopes lock their rows in the same order; in
    # slices, so a bulk import's hundreds of thousands of holders do not make one huge statement.
    for scopes_slice in batched(sorted(scopes), TOKEN_ROWS_PER_STATEMENT):
        rows = [
            {"scope": scope, "token": secrets.token_hex(16), "changed_at": moment}
            for scope in scopes_slice
        ]
        connection.execute(upsert, rows)
    session.info.setdefault(_BUMPED, set()).update(scopes)


def _note_changes(session: Session, _flush_context, _instances) -> None:
    scopes = _changed_scopes(session)
    if scopes:
        session.info.setdefault(_PENDING, set()).update(scopes)


def _bump_tokens(session: Session) -> None:
    # At commit, not at each flush: a token row (an account's, the catalog's) is then locked
    # only for the commit itself, so concurrent requests of one person do not queue on it.
    session.flush()
    scopes = session.info.pop(_PENDING, None)
    if scopes:
        _write_tokens(session, scopes)


def _forget_pending(_session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended (committed or not)
        _session.info.pop(_PENDING, None)


def mark_changed(*scopes: str | None) -> None:
    """Bump scopes by hand, when the current transaction commits: for bulk `UPDATE`/`DELETE`
    statements, which change rows without the ORM seeing them (and so without `watch`)."""
    db.session().info.setdefault(_PENDING, set()).update(scope for scope in scopes if scope)


class _SharedMemo:
    """One app's shared tokens, each with when it was read."""

    def __init__(self) -> None:
        self.tokens: dict[str, tuple[str, float]] = {}


# Every app's memo, so a commit anywhere in the process forgets what it changed.
_memos: weakref.WeakSet[_SharedMemo] = weakref.WeakSet()


def _forget_shared(session: Session) -> None:
    """After this node's own change (or its rollback), re-read the shared tokens at once."""
    bumped = session.info.pop(_BUMPED, None)
    if bumped:
        for memo in _memos:
            for scope in bumped:
                memo.tokens.pop(scope, None)


# Read at every signed-in request: built once, the scopes bound at each call.
TOKENS_OF_SCOPES = sa.select(ChangeToken.scope, ChangeToken.token).where(
    ChangeToken.scope.in_(sa.bindparam("scopes", expanding=True))
)


def tokens_of(scopes: Sequence[str]) -> tuple[str, ...]:
    """The current token of each scope, in order, in one query."""
    rows = dict(db.session.execute(TOKENS_OF_SCOPES, {"scopes": list(scopes)}).all())
    return tuple(rows.get(scope, MISSING) for scope in scopes)


def shared_tokens(scopes: Sequence[str]) -> tuple[str, ...]:
    """Tokens of scopes every visitor shares (the catalog), re-read at most once per interval.

    `CHANGE_TOKEN_RECHECK_SECONDS` bounds how long another node's change may go unseen here;
    this node's own changes are seen at once.
    """
    interval = current_app.config["CHANGE_TOKEN_RECHECK_SECONDS"]
    memo = current_app.extensions["change_tokens"].tokens
    moment = time.monotonic()
    stale = [s for s in scopes if s not in memo or moment - memo[s][1] >= interval]
    if stale:
        for scope, token in zip(stale, tokens_of(stale), strict=True):
            memo[scope] = (token, moment)
    return tuple(memo[scope][0] for scope in scopes)


_installed = False


def init_freshness(app: Flask) -> None:
    """Note the scopes of every flushed watched row and bump their tokens at commit; give the
    app its memo of shared tokens."""
    global _installed
    app.config.setdefault("CHANGE_TOKEN_RECHECK_SECONDS", 1.0)
    memo = _SharedMemo()
    app.extensions["change_tokens"] = memo
    _memos.add(memo)
    if not _installed:  # listeners are per Session class, once per process
        sa.event.listen(Session, "before_flush", _note_changes)
        sa.event.listen(Session, "before_commit", _bump_tokens)
        sa.event.listen(Session, "after_transaction_end", _forget_pending)
        sa.event.listen(Session, "after_commit", _forget_shared)
        sa.event.listen(Session, "after_soft_rollback", lambda s, _t: _forget_shared(s))
        _installed = True
