"""The office's forms for the reference data. The services validate with the reference file's
schema; the forms carry the input (and CSRF) and the keyboard a phone needs."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from ..catalog.labels import AUDIENCE, ITEM_GROUP
from ..organisations.labels import UNIT_LEVEL
from ..organisations.models import Unit
from .labels import ENTRY_TARGET

CODE = {"autocapitalize": "characters", "spellcheck": "false", "autocomplete": "off"}
LOWER_CODE = {"autocapitalize": "none", "spellcheck": "false", "autocomplete": "off"}
PHONE = {"type": "tel", "autocomplete": "tel", "inputmode": "tel"}
COUNT = {"inputmode": "numeric", "autocomplete": "off"}


def _unit_choices(units: list[Unit], blank: str | None = None) -> list[SelectChoice]:
    choices = [SelectChoice("", blank)] if blank is not None else []
    return choices + [
        SelectChoice(unit.code, f"{unit.short_name}（{unit.code}）") for unit in units
    ]


class UnitForm(FlaskForm):
    """A unit: department, town or village, with its codes and contact."""

    code = StringField("单位编码", render_kw=CODE, description="大写字母、数字和连字符，如 QJ-JXJ")
    name = StringField("全称")
    short_name = StringField("简称")
    level = SelectField(
        "层级", choices=[SelectChoice(level.value, label) for level, label in UNIT_LEVEL.items()]
    )
    parent = SelectField("上级单位", validate_choice=False)
    credit_code = StringField("统一社会信用代码", render_kw=CODE, description="18 位，可不填")
    address = StringField("办公地址", render_kw={"autocomplete": "off"})
    hours = StringField("办公时间")
    phone = StringField("联系电话", render_kw=PHONE)

    def __init__(self, units: list[Unit], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.parent.choices = _unit_choices(units, blank="（无：区本级）")


class LocationForm(FlaskForm):
    """A service point or real-name registration point of a unit."""

    name = StringField("网点名称")
    address = StringField("地址", render_kw={"autocomplete": "off"})
    hours = StringField("办理时间")
    phone = StringField("咨询电话", render_kw=PHONE)
    registration_point = BooleanField("可办理实名账户注册（实名账户注册办理点）")


class FigureForm(FlaskForm):
    """A town's resident population and registered enterprises of one year."""

    population = StringField("常住人口（人）", render_kw=COUNT)
    enterprise_count = StringField("登记企业数（户）", render_kw=COUNT)


class ThemeForm(FlaskForm):
    """A theme of the catalog (主题)."""

    code = StringField("主题编码", render_kw=LOWER_CODE, description="小写字母、数字和下划线")
    name = StringField("名称")
    audience = SelectField(
        "服务对象",
        choices=[SelectChoice(a.value, AUDIENCE[a]) for a in AUDIENCE if a.value != "both"],
    )
    description = StringField("说明")


class LicenseTypeForm(FlaskForm):
    """A licence type's name, issuer, holder and validity (its data fields come by import)."""

    name = StringField("证照名称")
    issuing_unit = SelectField("发证单位", validate_choice=False)
    holder_type = SelectField(
        "持证主体", choices=[SelectChoice("person", "个人"), SelectChoice("enterprise", "企业")]
    )
    validity_years = StringField("有效期（年，长期有效可不填）", render_kw=COUNT)

    def __init__(self, units: list[Unit], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.issuing_unit.choices = _unit_choices(units)


class EntryForm(FlaskForm):
    """A one-stop entry of the home page."""

    code = StringField("入口编码", render_kw=LOWER_CODE, description="小写字母、数字和下划线")
    name = StringField("名称")
    description = StringField("说明")
    target = SelectField(
        "入口类型", choices=[SelectChoice(t.value, label) for t, label in ENTRY_TARGET.items()]
    )
    value = StringField(
        "指向",
        render_kw=LOWER_CODE,
        description=(
            "按事项类别："
            + "、".join(f"{g.value}（{label}）" for g, label in ITEM_GROUP.items())
            + "；按主题：主题编码；按部门或镇街：单位编码；外部网站：https:// 开头的网址"
        ),
    )
