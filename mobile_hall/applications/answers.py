"""Answers at rest and on the page: identity numbers typed into a form are encrypted in the
database and masked wherever they are shown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..catalog.constants import FieldType
from ..identity.identifiers import is_valid_id_number, mask_id_number
from ..identity.protection import decrypt_id_number, encrypt_id_number

PROTECTED_TYPES = frozenset({FieldType.ID_NUMBER})
NOT_ANSWERED = "未填写"


def _protected(spec: dict[str, Any]) -> bool:
    return spec["type"] in PROTECTED_TYPES


def protect(form_fields: Sequence[dict[str, Any]], answers: dict[str, Any]) -> dict[str, Any]:
    """Answers ready to store: each identity number as its cipher and its mask."""
    kinds = {spec["name"]: spec for spec in form_fields}
    stored: dict[str, Any] = {}
    for name, value in answers.items():
        spec = kinds.get(name)
        if spec and _protected(spec) and isinstance(value, str) and is_valid_id_number(value):
            stored[name] = {"masked": mask_id_number(value), "cipher": encrypt_id_number(value)}
        else:
            stored[name] = value
    return stored


def editable(form_fields: Sequence[dict[str, Any]], answers: dict[str, Any]) -> dict[str, Any]:
    """Stored answers back as form data, for the applicant editing their own draft."""
    values: dict[str, Any] = {}
    for name, value in answers.items():
        if isinstance(value, dict) and "cipher" in value:
            values[name] = decrypt_id_number(value["cipher"])
        elif value is not None:
            values[name] = value
    return values


@dataclass(frozen=True)
class AnswerRow:
    """One answer as a page shows it."""

    name: str
    label: str
    group: str
    text: str


def _text(value: Any) -> str:
    if isinstance(value, dict) and "masked" in value:
        return value["masked"]
    if isinstance(value, list):
        return "、".join(str(item) for item in value) or NOT_ANSWERED
    if value in (None, ""):
        return NOT_ANSWERED
    return str(value)


def display_rows(form_fields: Sequence[dict[str, Any]], answers: dict[str, Any]) -> list[AnswerRow]:
    """Every question with its answer, identity numbers masked, in the form's order."""
    return [
        AnswerRow(
            name=spec["name"],
            label=spec["label"],
            group=spec.get("group", "基本信息"),
            text=_text(answers.get(spec["name"])),
        )
        for spec in form_fields
    ]
