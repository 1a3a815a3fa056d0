"""Forms of sign-out and of the district office's staff-role page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..common.fieldinputs import field_input
from ..organisations.models import Unit
from .constants import StaffRoleKind
from .labels import STAFF_ROLE


class EmptyForm(FlaskForm):
    """A POST-only button: just the CSRF token."""


class GrantRoleForm(FlaskForm):
    """Appoint a person (by name and ID number) to a role in a unit."""

    person_name = StringField(
        "姓名",
        validators=[DataRequired("请填写姓名"), Length(max=50, message="姓名过长")],
        render_kw=field_input("person_name"),
    )
    id_number = StringField(
        "身份证号码",
        validators=[DataRequired("请填写身份证号码"), Length(max=18, message="身份证号码应为18位")],
        render_kw=field_input("id_number"),
    )
    unit = SelectField("单位", invalid_choice_message="请选择单位")
    role = SelectField(
        "角色",
        choices=[SelectChoice(kind.value, STAFF_ROLE[kind]) for kind in StaffRoleKind],
        invalid_choice_message="请选择角色",
    )

    def __init__(self, units: list[Unit], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.unit.choices = [SelectChoice(unit.code, unit.name) for unit in units]
