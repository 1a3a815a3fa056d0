"""The applicant's fixed forms; an item's own form is built by `formbuilder`."""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from ..catalog.published import PublishedUnit
from ..common.fieldinputs import field_input
from .labels import SCORE
from .numbering import is_valid_application_number

DECLARATION = (
    "本人承诺所填写的信息和提交的材料真实、有效，如有虚假，愿意承担相应的法律责任，"
    "并同意受理单位依法核验。"
)


class UnitChoiceForm(FlaskForm):
    """Which of the item's implementing units should handle the application."""

    unit = RadioField(
        "办理单位",
        validators=[InputRequired("请选择办理单位")],
        invalid_choice_message="请从列表中选择办理单位",
    )

    def __init__(self, units: Iterable[PublishedUnit], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.unit.choices = [SelectChoice(unit.code, unit.name) for unit in units]


class DeclarationForm(FlaskForm):
    """The applicant's declaration (申请人承诺); the service refuses a submit without it."""

    declaration = BooleanField(DECLARATION)


class ToleranceForm(FlaskForm):
    """The commitment to hand in the missing minor materials by the deadline (容缺承诺)."""

    agree = BooleanField(
        "本人承诺在期限内补交上述材料，逾期未补交的，受理单位可依法处理。",
        validators=[InputRequired("请勾选承诺后再提交")],
    )


class RatingForm(FlaskForm):
    """The applicant's rating of a completed application (好差评)."""

    score = RadioField(
        "评分",
        choices=[SelectChoice(str(score), f"{score}分 {text}") for score, text in SCORE.items()],
        validators=[InputRequired("请选择评分")],
        invalid_choice_message="请从1至5分中选择",
    )
    comment = TextAreaField(
        "评价内容（选填）",
        validators=[Optional(), Length(max=500, message="评价内容最多500个字")],
    )


def _application_number(_form, field) -> None:
    if field.data and not is_valid_application_number(field.data):
        raise ValidationError("办件编号有误，请核对（17位，如 QJ20251103 000042 7）")


class ProgressForm(FlaskForm):
    """Looking up an application's progress without signing in."""

    class Meta:
        # `CSRFProtect` checks every POST before the view runs, and the page writes the token
        # with `csrf_token()`: a token field of the form's own would only repeat that work on
        # the busiest form anyone can post.
        csrf = False

    number = StringField(
        "办件编号",
        validators=[
            InputRequired("请填写办件编号"),
            Length(max=64, message="办件编号有误，请核对"),
            _application_number,
        ],
        render_kw=field_input("code"),
    )
    phone_last4 = StringField(
        "申请人手机号码后四位",
        validators=[
            InputRequired("请填写手机号码后四位"),
            Regexp(r"^[0-9]{4}$", message="请填写4位数字"),
        ],
        render_kw=field_input("digits"),
    )
