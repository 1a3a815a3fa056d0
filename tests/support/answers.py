"""Filling an application's questions in tests, with a valid value of each field's type."""

from __future__ import annotations

from mobile_hall.applications import services as applicant
from mobile_hall.applications.models import Application
from mobile_hall.identity.models import Account
from tests.support.samples import value_for


def sample_answers(draft: Application, overrides: dict | None = None) -> dict:
    """A value for every question of the draft's form, `overrides` taking precedence."""
    answers = {spec["name"]: value_for(spec) for spec in draft.version.form_fields}
    return {**answers, **(overrides or {})}


def answer_everything(person: Account, draft: Application, overrides: dict | None = None) -> None:
    """Save an answer to every question, as a careful applicant would."""
    applicant.save_answers(person, draft, sample_answers(draft, overrides))
