"""Turning schema validation errors into Chinese messages that name the field at fault."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from .messages import VALIDATION_MESSAGES


@dataclass(frozen=True)
class Problem:
    """One reason a record was refused: where (a dotted path) and why (in Chinese); `code`
    names the check that refused it (pydantic's error type, or a rule's own code)."""

    path: str
    message: str
    code: str = ""

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def _path(location: tuple[str | int, ...]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _code(error: ErrorDetails) -> str:
    """A rule's own code for the `value_error`s the schemas raise, else pydantic's type."""
    if error["type"] == "value_error":
        return str(error.get("ctx", {}).get("error", "")) or "value_error"
    return error["type"]


def _message(code: str, error: ErrorDetails) -> str:
    if error["type"] == "value_error":
        return VALIDATION_MESSAGES.get(code, VALIDATION_MESSAGES["value_error"])
    template = VALIDATION_MESSAGES.get(code, VALIDATION_MESSAGES["invalid"])
    return template.format(**error.get("ctx", {}))


def problems_from(error: ValidationError, prefix: tuple[str | int, ...] = ()) -> list[Problem]:
    """Every error of a pydantic validation as a `Problem`, in document order."""
    found = []
    for details in error.errors():
        code = _code(details)
        found.append(Problem(_path(prefix + tuple(details["loc"])), _message(code, details), code))
    return found
