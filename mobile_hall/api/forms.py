"""The district office's form to make a unit's API key."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from ..organisations.models import Unit
from .constants import Capability
from .labels import CAPABILITY


class CreateKeyForm(FlaskForm):
    """A unit, a name for the key (which system holds it) and what it may do."""

    unit = SelectField("单位", invalid_choice_message="请选择单位")
    name = StringField(
        "密钥名称（哪个系统使用）",
        validators=[DataRequired("请填写密钥名称"), Length(max=60, message="名称不超过60个字")],
    )
    capabilities = SelectMultipleField(
        "接口权限",
        choices=[SelectChoice(c.value, CAPABILITY[c]) for c in Capability],
        default=[Capability.APPLICATIONS.value],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired("请至少选择一项接口权限")],
        invalid_choice_message="未知的接口权限",
    )

    def __init__(self, units: list[Unit], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.unit.choices = [SelectChoice(unit.code, unit.name) for unit in units]
