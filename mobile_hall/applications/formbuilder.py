"""WTForms classes built from an item's declarative field schema (catalog `form_fields`).

Every message is Chinese and sits next to its field; what was typed is kept on an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from ..catalog.constants import CHOICE_FIELD_TYPES, FieldType
from ..common.fieldinputs import field_input
from ..identity.identifiers import is_valid_credit_code, is_valid_id_number

PHONE_PATTERN = r"^1[3-9][0-9]{9}$|^0[0-9]{2,3}-?[0-9]{7,8}$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
# Every free-text answer has a cap: the schema's `max_length` where it gives one, else these
# (characters), so that no answer can grow without bound in the record and on the clerk's page.
TEXT_MAX_LENGTH = 200
TEXTAREA_MAX_LENGTH = 2000
NUMERIC_TYPES = frozenset({FieldType.NUMBER, FieldType.COUNT})
FREE_TEXT_TYPES = frozenset(FieldType) - CHOICE_FIELD_TYPES - NUMERIC_TYPES - {FieldType.DATE}


class MultiCheckboxField(SelectMultipleField):
    """Several choices as check boxes (usable without JavaScript)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _id_number(_form, field) -> None:
    if field.data and not is_valid_id_number(field.data):
        raise ValidationError("身份证号码有误，请核对（18位，最后一位可能是X）")


def _credit_code(_form, field) -> None:
    if field.data and not is_valid_credit_code(field.data):
        raise ValidationError("统一社会信用代码有误，请核对（18位）")


def _validators(spec: dict[str, Any]) -> list:
    chosen: list = (
        [InputRequired(f"请填写{spec['label']}")] if spec.get("required", True) else [Optional()]
    )
    rules = spec.get("validation") or {}
    kind = spec["type"]
    if kind in FREE_TEXT_TYPES or "min_length" in rules or "max_length" in rules:
        low, high = rules.get("min_length", -1), rules.get("max_length", _default_cap(kind))
        chosen.append(Length(min=low, max=high, message=_length_message(low, high)))
    if "min" in rules or "max" in rules:
        chosen.append(
            NumberRange(rules.get("min"), rules.get("max"), message=_range_message(rules))
        )
    if rules.get("pattern"):
        chosen.append(
            Regexp(rules["pattern"], message=rules.get("pattern_message") or "格式不正确")
        )
    if kind == FieldType.ID_NUMBER:
        chosen.append(_id_number)
    elif kind == FieldType.CREDIT_CODE:
        chosen.append(_credit_code)
    elif kind == FieldType.PHONE:
        chosen.append(Regexp(PHONE_PATTERN, message="请填写正确的手机或座机号码"))
    elif kind == FieldType.EMAIL:
        chosen.append(Regexp(EMAIL_PATTERN, message="请填写正确的电子邮箱"))
    return chosen


def _default_cap(kind: str) -> int:
    if kind == FieldType.TEXTAREA:
        return TEXTAREA_MAX_LENGTH
    return TEXT_MAX_LENGTH if kind in FREE_TEXT_TYPES else -1


def _length_message(low: int, high: int) -> str:
    if low > 0 and high > 0:
        return f"请填写{low}至{high}个字"
    return f"至少{low}个字" if low > 0 else f"最多{high}个字"


def _range_message(rules: dict[str, Any]) -> str:
    low, high = rules.get("min"), rules.get("max")
    if low is not None and high is not None:
        return f"请填写{low:g}至{high:g}之间的数"
    return f"不能小于{low:g}" if low is not None else f"不能大于{high:g}"


def _field(spec: dict[str, Any]):
    kind, label = spec["type"], spec["label"]
    options = {
        "validators": _validators(spec),
        "description": spec.get("help", ""),
        # The keyboard and autofill a phone needs (`common.fieldinputs`); empty for the rest.
        "render_kw": field_input(kind),
    }
    choices = [SelectChoice(choice, choice) for choice in spec.get("choices", [])]
    invalid = {"invalid_choice_message": "请从选项中选择"}
    if kind == FieldType.TEXTAREA:
        return TextAreaField(label, **options)
    if kind == FieldType.NUMBER:
        return DecimalField(label, invalid_value_message="请填写数字", **options)
    if kind == FieldType.COUNT:
        return IntegerField(label, invalid_value_message="请填写整数", **options)
    if kind == FieldType.DATE:
        return DateField(label, invalid_value_message="请按“年-月-日”填写日期", **options)
    if kind == FieldType.SELECT:
        return SelectField(
            label, choices=[SelectChoice("", "请选择"), *choices], **invalid, **options
        )
    if kind == FieldType.RADIO:
        return RadioField(label, choices=choices, **invalid, **options)
    if kind == FieldType.CHECKBOX:
        return MultiCheckboxField(label, choices=choices, **invalid, **options)
    return StringField(label, **options)


def groups_of(form_fields: Sequence[dict[str, Any]]) -> list[str]:
    """The form's pages: one per group, in the order the groups first appear."""
    seen: list[str] = []
    for spec in form_fields:
        if spec.get("group", "基本信息") not in seen:
            seen.append(spec.get("group", "基本信息"))
    return seen


def form_class(form_fields: Sequence[dict[str, Any]], group: str | None = None) -> type[FlaskForm]:
    """A form class with the fields of one group (or of all groups when `group` is None)."""
    attributes = {
        spec["name"]: _field(spec)
        for spec in form_fields
        if group is None or spec.get("group", "基本信息") == group
    }
    return type("AnswerForm", (FlaskForm,), attributes)


def stored_answers(form: FlaskForm, form_fields: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The form's data as JSON-ready answers (dates ISO, numbers as text)."""
    names = {spec["name"] for spec in form_fields}
    answers: dict[str, Any] = {}
    for name, field in form._fields.items():
        if name not in names:
            continue
        value = field.data
        if isinstance(value, date):
            value = value.isoformat()
        elif value is not None and not isinstance(value, str | list):
            value = str(value)
        answers[name] = value
    return answers


def form_data_from_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """Answers back into form data, to show a page filled in as it was saved."""
    return {name: value for name, value in answers.items() if value is not None}
