"""A bounded memo for values that depend only on their key (built URLs, layout parts, signed
form tokens): cheap to look up, forgotten all at once when full."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class Remembered(Generic[T]):
    """What was made under each key, at most `limit` of them (all forgotten when full)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept: dict[Hashable, T] = {}

    def peek(self, key: Hashable) -> T | None:
        """The value kept under `key`, or None (nothing is made)."""
        try:
            return self.kept.get(key)
        except TypeError:
            return None

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The value kept under `key`, made by `make()` if there is none; made afresh each time
        for a key with a value that cannot be a key."""
        try:
            return self.kept[key]
        except KeyError:
            pass
        except TypeError:
            return make()
        value = make()
        if len(self.kept) >= self.limit:
            self.kept.clear()
        self.kept[key] = value
        return value
