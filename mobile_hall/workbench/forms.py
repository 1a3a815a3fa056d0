"""Forms of the workbench: the queue's filters, each action on an application, counter intake.

Forms parse and bound what is typed; the rules (a denial needs a reason, a deadline within the
time limit, ...) stay in the services, whose refusals the views show next to the field.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, Regexp

from ..applications.constants import Channel, Decision
from ..applications.formbuilder import PHONE_PATTERN, MultiCheckboxField
from ..applications.models import Application
from ..catalog.labels import DELIVERY
from ..catalog.models import ItemVersion
from ..common.fieldinputs import field_input
from ..identity.identifiers import is_valid_id_number
from ..organisations.models import Unit
from .labels import CHANNEL, DECISION

DATE_MESSAGE = "请按“年-月-日”填写日期"
CHOICE_MESSAGE = "请从选项中选择"


def _date(label: str) -> DateField:
    return DateField(label, validators=[Optional()], invalid_value_message=DATE_MESSAGE)


def _checkboxes(label: str) -> MultiCheckboxField:
    return MultiCheckboxField(label, coerce=int, invalid_choice_message=CHOICE_MESSAGE)


def _material_choices(version: ItemVersion) -> list[SelectChoice]:
    return [SelectChoice(m.position, m.name) for m in version.materials]


def _condition_choices(version: ItemVersion) -> list[SelectChoice]:
    return [SelectChoice(i, text) for i, text in enumerate(version.conditions)]


class QueueFilterForm(FlaskForm):
    """Narrowing a queue (a GET form: nothing changes, no CSRF token)."""

    class Meta:
        csrf = False

    # Any code may be asked for; an item outside the person's units simply finds nothing.
    item = SelectField(
        "事项", default="", choices=[SelectChoice("", "全部事项")], validate_choice=False
    )
    submitted_from = _date("提交日期自")
    submitted_to = _date("提交日期至")
    channel = SelectField(
        "渠道",
        default="",
        choices=[
            SelectChoice("", "全部渠道"),
            *(SelectChoice(c.value, CHANNEL[c]) for c in Channel),
        ],
        invalid_choice_message=CHOICE_MESSAGE,
    )

    def offer(self, items: list[ItemVersion]) -> None:
        """List the items of the person's units in the item filter."""
        self.item.choices = [SelectChoice("", "全部事项")] + [
            SelectChoice(version.code, version.name) for version in items
        ]

    def valid(self, name: str) -> Any:
        """A field's value when it parsed, else None (a bad filter narrows nothing)."""
        field = self[name]
        return field.data if not field.errors and field.data else None


class AcceptForm(FlaskForm):
    """Accept (受理); naming missing minor materials and a deadline makes it 容缺受理."""

    missing = _checkboxes("容缺的次要材料（申请人承诺后补交）")
    deadline = _date("补交期限")

    def __init__(self, application: Application, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        version = application.version
        self.missing.choices = (
            _material_choices(version) if version.allows_tolerant_acceptance else []
        )


class _ReasonedForm(FlaskForm):
    """A reason and the guide's conditions and materials it names."""

    reason = TextAreaField("理由", validators=[Length(max=1000, message="最多1000个字")])
    conditions = _checkboxes("不符合的受理条件")
    materials = _checkboxes("不符合要求的材料")

    def __init__(self, application: Application, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conditions.choices = _condition_choices(application.version)
        self.materials.choices = _material_choices(application.version)

    def points(self) -> dict[str, list[int]]:
        """The named conditions and materials, by position in the guide."""
        return {
            "conditions": sorted(self.conditions.data or []),
            "materials": sorted(self.materials.data or []),
        }


class RejectForm(_ReasonedForm):
    """Refuse to accept (不予受理)."""


class DecideForm(_ReasonedForm):
    """Approve or deny; a denial names its reasons."""

    decision = RadioField(
        "决定",
        choices=[SelectChoice(d.value, DECISION[d]) for d in Decision],
        validators=[InputRequired("请选择决定")],
        invalid_choice_message=CHOICE_MESSAGE,
    )


class SupplementForm(FlaskForm):
    """Name every missing or faulty material and why, once and completely (一次性告知).

    Fields ``material_<position>`` (a check box) and ``reason_<position>`` are added per
    material of the item; a typed reason names its material even without the check.
    """

    other_name = StringField(
        "其他需补正的内容", validators=[Length(max=100, message="最多100个字")]
    )
    other_reason = StringField("原因", validators=[Length(max=200, message="最多200个字")])
    note = TextAreaField("补充说明", validators=[Length(max=500, message="最多500个字")])

    def __init__(self, application: Application, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.version_materials = list(application.version.materials)

    @classmethod
    def for_application(cls, application: Application, **kwargs: Any) -> SupplementForm:
        """The form with a check box and a reason per material of the application's item."""
        fields = {}
        for material in application.version.materials:
            fields[f"material_{material.position}"] = BooleanField(material.name)
            fields[f"reason_{material.position}"] = StringField(
                f"{material.name}：补正原因", validators=[Length(max=200, message="最多200个字")]
            )
        return type("SupplementForm", (cls,), fields)(application, **kwargs)

    def rows(self) -> list[tuple[Any, Any]]:
        """(check box, reason) per material, for the page."""
        return [
            (self[f"material_{m.position}"], self[f"reason_{m.position}"])
            for m in self.version_materials
        ]

    def validate(self, extra_validators: Any = None) -> bool:
        """Every named item needs its reason."""
        valid = super().validate(extra_validators)
        for box, reason in [*self.rows(), (self.other_name, self.other_reason)]:
            named = box.data if isinstance(box.data, bool) else bool((box.data or "").strip())
            if named and not (reason.data or "").strip():
                reason.errors = [*reason.errors, "请写明需要补正的原因"]
                valid = False
            elif (reason.data or "").strip() and box is self.other_name and not named:
                box.errors = [*box.errors, "请写明需要补正的内容"]
                valid = False
        return valid

    def items(self) -> list[dict[str, Any]]:
        """What the applicant is asked for, as the service takes it."""
        chosen = [
            {"position": m.position, "name": m.name, "reason": reason.data.strip()}
            for m, (box, reason) in zip(self.version_materials, self.rows(), strict=True)
            if box.data or (reason.data or "").strip()
        ]
        if (self.other_name.data or "").strip():
            chosen.append(
                {
                    "position": None,
                    "name": self.other_name.data.strip(),
                    "reason": (self.other_reason.data or "").strip(),
                }
            )
        return chosen


class ReviewForm(FlaskForm):
    """The review opinion (审查意见)."""

    opinion = TextAreaField("审查意见", validators=[Length(max=2000, message="最多2000个字")])

    def __init__(self, _application: Application, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class CompleteForm(FlaskForm):
    """Complete (办结) with the way the result reaches the applicant."""

    delivery = RadioField(
        "结果送达方式",
        validators=[InputRequired("请选择送达方式")],
        invalid_choice_message=CHOICE_MESSAGE,
    )

    def __init__(self, application: Application, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offered = application.version.result_delivery or ["pickup"]
        self.delivery.choices = [SelectChoice(way, DELIVERY.get(way, way)) for way in offered]


class VisitForm(FlaskForm):
    """An on-site visit of the applicant (现场到访)."""

    note = StringField("到访事由", validators=[Length(max=200, message="最多200个字")])

    def __init__(self, _application: Application, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class RevealIdForm(FlaskForm):
    """Asking to see the applicant's full ID number, with the reason the work needs it."""

    reason = StringField(
        "查看理由",
        validators=[Length(max=200, message="最多200个字")],
        description="将记入审计日志",
    )


class ReplyForm(FlaskForm):
    """The unit's answer to a rating, and whether the matter was put right."""

    reply = TextAreaField("回复内容", validators=[Length(max=1000, message="最多1000个字")])
    rectified = BooleanField("已整改")

    def __init__(self, application: Application, *args: Any, **kwargs: Any) -> None:
        rating = application.rating
        if rating is not None and rating.reply:
            kwargs.setdefault("data", {"reply": rating.reply, "rectified": bool(rating.rectified)})
        super().__init__(*args, **kwargs)


def _id_number(_form: FlaskForm, field: Any) -> None:
    if field.data and not is_valid_id_number(field.data):
        raise ValidationError("身份证号码有误，请核对（18位，最后一位可能是X）")


class CounterChoiceForm(FlaskForm):
    """Which item arrived at the window (a GET form)."""

    class Meta:
        csrf = False

    item = SelectField("办理事项", default="", invalid_choice_message="请选择办理事项")

    def __init__(self, items: list[ItemVersion], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item.choices = [SelectChoice("", "请选择")] + [
            SelectChoice(version.code, f"{version.name}（{version.code}）") for version in items
        ]


class CounterForm(FlaskForm):
    """Who came to the window, for which unit, and the paper materials they handed in."""

    item = HiddenField()
    applicant_name = StringField(
        "申请人姓名",
        validators=[InputRequired("请填写申请人姓名"), Length(max=50, message="最多50个字")],
        render_kw=field_input("person_name"),
    )
    id_number = StringField(
        "申请人身份证号码",
        validators=[InputRequired("请填写身份证号码"), _id_number],
        render_kw=field_input("id_number"),
    )
    phone = StringField(
        "联系电话",
        validators=[
            InputRequired("请填写联系电话"),
            Regexp(PHONE_PATTERN, message="请填写正确的手机或座机号码"),
        ],
        render_kw=field_input("phone"),
    )
    enterprise_name = StringField(
        "企业名称（代企业办理时填写）",
        validators=[Optional(), Length(max=100, message="最多100个字")],
    )
    unit = SelectField("受理单位", invalid_choice_message="请选择受理单位")
    paper = _checkboxes("已收取的纸质材料")

    def __init__(self, version: ItemVersion, units: list[Unit], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unit.choices = [SelectChoice(unit.code, unit.name) for unit in units]
        if self.unit.data is None and len(units) == 1:
            self.unit.data = units[0].code
        self.paper.choices = _material_choices(version)
