"""Every free-text answer has a length cap: the schema's `max_length`, else a default."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from mobile_hall.applications.formbuilder import (
    TEXT_MAX_LENGTH,
    TEXTAREA_MAX_LENGTH,
    form_class,
)


def _errors(app, spec: dict, answer: str) -> list[str]:
    with app.test_request_context():
        form = form_class([spec])(formdata=MultiDict({spec["name"]: answer}), meta={"csrf": False})
        form.validate()
        return list(form.errors.get(spec["name"], []))


@pytest.mark.parametrize(
    ("kind", "cap"),
    [("text", TEXT_MAX_LENGTH), ("address", TEXT_MAX_LENGTH), ("textarea", TEXTAREA_MAX_LENGTH)],
)
def test_a_free_text_answer_without_a_schema_cap_gets_the_default_one(app, kind, cap):
    spec = {"name": "answer", "label": "经营范围", "type": kind}
    assert _errors(app, spec, "字" * cap) == []
    assert _errors(app, spec, "字" * (cap + 1)) == [f"最多{cap}个字"]


def test_the_schemas_own_max_length_comes_first(app):
    spec = {"name": "answer", "label": "名称", "type": "text", "validation": {"max_length": 10}}
    assert _errors(app, spec, "字" * 11) == ["最多10个字"]
    wider = {**spec, "validation": {"max_length": 500}}
    assert _errors(app, wider, "字" * 300) == []


def test_choices_numbers_and_dates_get_no_length_cap(app):
    spec = {"name": "answer", "label": "数量", "type": "number"}
    assert _errors(app, spec, "12") == []
