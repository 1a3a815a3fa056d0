"""The editor's forms: every field of an item record, lists as repeated rows.

Every value is taken as typed (numbers as text, no choice checked here) and validated by the
catalog's own pydantic schema (`catalog.schema.ItemRecord`), so the editor and the import refuse
the same things with the same Chinese messages; `place_problems` puts each beside its field.
"""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice

from ..applications.formbuilder import MultiCheckboxField
from ..catalog import labels as catalog_labels
from ..catalog.models import LicenseType, Theme
from ..common.fieldinputs import field_input
from ..common.validation import Problem
from ..organisations.models import Unit
from .labels import FIELD_TYPE

NONE = SelectChoice("", "（无）")
LIST_SEPARATORS = re.compile(r"[,，、\s]+")


def _select(label: str, choices: list[SelectChoice], **options: Any) -> SelectField:
    return SelectField(label, choices=choices, validate_choice=False, **options)


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(str(value), text) for value, text in labels.items()]


class MaterialRow(Form):
    """One material of the checklist."""

    name = StringField("材料名称")
    required = BooleanField("必交")
    form = _select("原件/复印件", _choices(catalog_labels.MATERIAL_FORM))
    count = StringField("份数", render_kw=field_input("count"))
    notes = TextAreaField("说明")
    license_type = _select("可代替的电子证照", [NONE])


class ValidationRow(Form):
    """A form field's optional constraints."""

    min_length = StringField("最少字数", render_kw=field_input("count"))
    max_length = StringField("最多字数", render_kw=field_input("count"))
    min = StringField("最小值", render_kw=field_input("number"))
    max = StringField("最大值", render_kw=field_input("number"))
    pattern = StringField("正则表达式", render_kw={"spellcheck": "false"})
    pattern_message = StringField("不符合时的提示")


class FieldRow(Form):
    """One question of the application form."""

    name = StringField("字段名（英文）", render_kw={"spellcheck": "false", "autocapitalize": "off"})
    label = StringField("标题")
    type = _select("类型", _choices(FIELD_TYPE))
    required = BooleanField("必填")
    group = StringField("步骤（同名的字段在同一页）")
    choices = TextAreaField("选项（每行一个）")
    help = StringField("填写说明")
    validation = FormField(ValidationRow, "校验规则")


class StepRow(Form):
    """One step of the business manual (业务手册)."""

    step = StringField("环节")
    role = _select("岗位", _choices(catalog_labels.MANUAL_ROLE))
    description = TextAreaField("工作内容")
    time_limit_days = StringField("时限（工作日）", render_kw=field_input("count"))


class ResultRow(Form):
    """What the applicant receives."""

    type = _select("结果类型", _choices(catalog_labels.RESULT_TYPE))
    name = StringField("结果名称")
    license_type = _select("签发的电子证照", [NONE])
    delivery = MultiCheckboxField(
        "送达方式", choices=_choices(catalog_labels.DELIVERY), validate_choice=False
    )


class VisitRow(Form):
    """Where and when to go when a visit is needed."""

    location = TextAreaField("办理地点")
    hours = StringField("办理时间")
    notes = TextAreaField("说明")


class GuideForm(FlaskForm):
    """Every field of an item record (`catalog.schema.ItemRecord`)."""

    code = StringField("事项编码", render_kw=field_input("code"))
    name = StringField("事项名称")
    kind = _select("事项类型", _choices(catalog_labels.ITEM_KIND))
    is_approval = BooleanField("行政审批事项")
    audience = _select("服务对象", _choices(catalog_labels.AUDIENCE))
    themes = MultiCheckboxField("主题分类", validate_choice=False)
    units = MultiCheckboxField("实施主体", validate_choice=False)
    keywords = StringField("搜索关键词（用逗号或空格分隔）")
    summary = StringField("简介")
    legal_basis = TextAreaField("设定依据")
    conditions = TextAreaField("办理条件（每行一条）")
    materials = FieldList(FormField(MaterialRow))
    is_free = BooleanField("不收费")
    fee_description = TextAreaField("收费标准")
    legal_time_limit_days = StringField(
        "法定时限（工作日，0为即办）", render_kw=field_input("count")
    )
    promised_time_limit_days = StringField(
        "承诺时限（工作日，0为即办）", render_kw=field_input("count")
    )
    required_visits = _select(
        "到现场次数",
        [
            SelectChoice("0", "零跑动"),
            SelectChoice("1", "最多一次"),
            SelectChoice("2", "两次及以上"),
        ],
    )
    online_stages = MultiCheckboxField(
        "可网上办理的环节", choices=_choices(catalog_labels.STAGE), validate_choice=False
    )
    mobile_enabled = BooleanField("手机可办")
    min_real_name_level = _select(
        "最低实名等级", [SelectChoice(str(n), f"{n}级") for n in (1, 2, 3, 4)]
    )
    allows_tolerant_acceptance = BooleanField("允许容缺受理")
    form_fields = FieldList(FormField(FieldRow))
    result = FormField(ResultRow, "办理结果")
    visit = FormField(VisitRow, "到现场办理")
    contact_phone = StringField("咨询电话", render_kw=field_input("phone"))
    business_manual = FieldList(FormField(StepRow))
    popular_rank = StringField("常用事项排名（1–999，可空）", render_kw=field_input("count"))

    def fill_choices(self, themes: list[Theme], units: list[Unit], licenses: list[LicenseType]):
        """The choices read from the reference data."""
        self.themes.choices = [SelectChoice(t.code, t.name) for t in themes]
        self.units.choices = [SelectChoice(u.code, u.short_name) for u in units]
        licence_choices = [NONE, *(SelectChoice(lt.code, lt.name) for lt in licenses)]
        self.result.form.license_type.choices = licence_choices
        for row in self.materials:
            row.form.license_type.choices = licence_choices


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _text(value: str | None) -> str:
    return (value or "").strip()


def _optional(row: dict[str, Any], *names: str) -> dict[str, Any]:
    """Drop empty optional values, so the schema takes its default (or reports `missing`)."""
    return {k: v for k, v in row.items() if not (k in names and v in ("", None))}


def _validation(data: dict[str, Any]) -> dict[str, Any] | None:
    rules = {k: _text(v) for k, v in data.items() if _text(v)}
    return rules or None


def record_from(form: GuideForm) -> dict[str, Any]:
    """The form as an item record of the catalog schema's shape (not yet validated)."""
    record: dict[str, Any] = {
        "code": _text(form.code.data).upper(),
        "name": _text(form.name.data),
        "kind": form.kind.data,
        "is_approval": bool(form.is_approval.data),
        "audience": form.audience.data,
        "themes": list(form.themes.data or []),
        "units": list(form.units.data or []),
        "keywords": [k for k in LIST_SEPARATORS.split(_text(form.keywords.data)) if k],
        "summary": _text(form.summary.data),
        "legal_basis": _text(form.legal_basis.data),
        "conditions": _lines(form.conditions.data),
        "materials": [
            _optional(
                {
                    "name": _text(row["name"]),
                    "required": bool(row["required"]),
                    "form": row["form"],
                    "count": _text(row["count"]),
                    "notes": _text(row["notes"]),
                    "license_type": row["license_type"] or None,
                },
                "count",
            )
            for row in form.materials.data
        ],
        "is_free": bool(form.is_free.data),
        "fee_description": _text(form.fee_description.data),
        "legal_time_limit_days": _text(form.legal_time_limit_days.data),
        "promised_time_limit_days": _text(form.promised_time_limit_days.data),
        "required_visits": form.required_visits.data,
        "online_stages": list(form.online_stages.data or []),
        "mobile_enabled": bool(form.mobile_enabled.data),
        "min_real_name_level": form.min_real_name_level.data,
        "allows_tolerant_acceptance": bool(form.allows_tolerant_acceptance.data),
        "form_fields": [
            {
                "name": _text(row["name"]),
                "label": _text(row["label"]),
                "type": row["type"],
                "required": bool(row["required"]),
                "group": _text(row["group"]) or "基本信息",
                "choices": _lines(row["choices"]),
                "help": _text(row["help"]),
                "validation": _validation(row["validation"]),
            }
            for row in form.form_fields.data
        ],
        "result": {
            "type": form.result.form.type.data,
            "name": _text(form.result.form.name.data),
            "license_type": form.result.form.license_type.data or None,
            "delivery": list(form.result.form.delivery.data or []),
        },
        "visit": (
            {key: _text(value) for key, value in form.visit.data.items()}
            if any(_text(value) for value in form.visit.data.values())
            else None
        ),
        "contact_phone": _text(form.contact_phone.data),
        "business_manual": [
            _optional(
                {
                    "step": _text(row["step"]),
                    "role": row["role"],
                    "description": _text(row["description"]),
                    "time_limit_days": _text(row["time_limit_days"]),
                },
                "time_limit_days",
            )
            for row in form.business_manual.data
        ],
        "popular_rank": _text(form.popular_rank.data) or None,
    }
    return _optional(
        record, "code", "kind", "audience", "legal_time_limit_days", "promised_time_limit_days"
    )


def _shown(value: Any) -> Any:
    """A stored value as a text input shows it."""
    if value is None:
        return ""
    if isinstance(value, bool | list | dict):
        return value
    return str(value)


def form_data(record: dict[str, Any]) -> dict[str, Any]:
    """A stored record (published or drafted) as the form's data."""
    data = {key: _shown(value) for key, value in record.items()}
    data["keywords"] = "，".join(record.get("keywords") or [])
    data["conditions"] = "\n".join(record.get("conditions") or [])
    data["materials"] = [
        {k: _shown(v) for k, v in row.items()} for row in record.get("materials") or []
    ]
    data["form_fields"] = [
        {
            **{k: _shown(v) for k, v in row.items() if k != "validation"},
            "choices": "\n".join(row.get("choices") or []),
            "validation": {k: _shown(v) for k, v in (row.get("validation") or {}).items()},
        }
        for row in record.get("form_fields") or []
    ]
    data["business_manual"] = [
        {k: _shown(v) for k, v in row.items()} for row in record.get("business_manual") or []
    ]
    data["result"] = {k: _shown(v) for k, v in (record.get("result") or {}).items()}
    data["visit"] = {k: _shown(v) for k, v in (record.get("visit") or {}).items()}
    return data


# Rules the schema checks across fields, raised on the record or a row: the field to show
# each beside (relative to the record or the row).
RULE_FIELDS = {
    "promised_exceeds_legal": "promised_time_limit_days",
    "fee_description_required": "fee_description",
    "duplicate_stage": "online_stages",
    "mobile_needs_online_apply": "mobile_enabled",
    "zero_visits_needs_online_apply": "required_visits",
    "visit_required": "visit-location",
    "duplicate_field_name": "form_fields",
    "choices_required": "choices",
    "choices_not_allowed": "choices",
    "bounds_reversed": "min_length",
    "license_type_required": "license_type",
    "license_type_not_allowed": "license_type",
    "result_name_required": "name",
}
_INDEX = re.compile(r"\[(\d+)\]")


def field_id(path: str) -> str:
    """A schema path (`materials[1].name`) as the form's field id (`materials-1-name`)."""
    return _INDEX.sub(r"-\1", path).replace(".", "-")


def place_problems(
    problems: list[Problem], field_ids: set[str]
) -> tuple[dict[str, list[str]], list[str]]:
    """Each problem beside the nearest field the page shows (a cross-field rule beside the
    field `RULE_FIELDS` names); those with no field on the page, for the page's top."""
    beside: dict[str, list[str]] = {}
    elsewhere: list[str] = []
    for problem in problems:
        target = field_id(problem.path)
        rule_field = RULE_FIELDS.get(problem.code)
        if rule_field:
            target = f"{target}-{rule_field}" if target else rule_field
        while target and target not in field_ids:
            target = target.rpartition("-")[0]
        if target:
            beside.setdefault(target, []).append(problem.message)
        else:
            elsewhere.append(str(problem))
    return beside, elsewhere


class SuspensionForm(FlaskForm):
    """暂停办理: why, and the expected date of resumption."""

    reason = TextAreaField("暂停原因（将在办事指南上公示）")
    until = StringField("预计恢复日期（可空）", render_kw=field_input("date"))


class ReturnForm(FlaskForm):
    """The reviewer's reasons for returning a draft."""

    reason = TextAreaField("退回理由")


class NewItemForm(FlaskForm):
    """The unit a new item is drafted for."""

    unit = _select("实施单位", [])
