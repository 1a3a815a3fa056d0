"""Counting the SQL statements the application sends."""

from __future__ import annotations

import re


class QueryCounter:
    """Counts the SQL statements the application sends."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn, _cursor, statement, *_args) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        """How many statements were sent."""
        return len(self.statements)


def queries_of(counter) -> list[str]:
    """The statements that read or write data (not the transaction's own)."""
    return [
        s
        for s in counter.statements
        if not re.match(r"(BEGIN|SAVEPOINT|RELEASE|ROLLBACK|COMMIT)\b", s, re.IGNORECASE)
    ]
