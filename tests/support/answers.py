"""Filling an application's questions in tests, with a valid value of each field's type."""

from __future__ import annotations

from mobile_hall.applications import services as applicant
from mobile_hall.applications.models import Application
from mobile_hall.identity.models import Account

SAMPLE_ANSWERS = {
    "id_number": "440205198506121231",
    "phone": "13800000001",
    "credit_code": "91440205MA4W3K7B95",
    "email": "zhang@example.com",
    "date": "2026-01-05",
    "number": "10",
}


def sample_answers(draft: Application, overrides: dict | None = None) -> dict:
    """A value for every question of the draft's form, `overrides` taking precedence."""
    answers = {}
    for spec in draft.version.form_fields:
        if spec.get("choices"):
            value = spec["choices"][:1] if spec["type"] == "checkbox" else spec["choices"][0]
        else:
            value = SAMPLE_ANSWERS.get(spec["type"], "曲江区马坝镇府前路1号")
        answers[spec["name"]] = value
    return {**answers, **(overrides or {})}


def answer_everything(person: Account, draft: Application, overrides: dict | None = None) -> None:
    """Save an answer to every question, as a careful applicant would."""
    applicant.save_answers(person, draft, sample_answers(draft, overrides))
