"""Turning schema validation errors into Chinese messages that name the field at fault."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from .messages import VALIDATION_MESSAGES


@dataclass(frozen=True)
class Problem:
    """One reason a record was refused: where (a dotted path) and why (in Chinese)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def _path(location: tuple[str | int, ...]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "value_error":
        code = str(error.get("ctx", {}).get("error", ""))
        return VALIDATION_MESSAGES.get(code, VALIDATION_MESSAGES["value_error"])
    template = VALIDATION_MESSAGES.get(kind, VALIDATION_MESSAGES["invalid"])
    return template.format(**error.get("ctx", {}))


def problems_from(error: ValidationError, prefix: tuple[str | int, ...] = ()) -> list[Problem]:
    """Every error of a pydantic validation as a `Problem`, in document order."""
    return [Problem(_path(prefix + tuple(e["loc"])), _message(e)) for e in error.errors()]
