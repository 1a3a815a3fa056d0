"""Forms of the two pages and of the district office's recommendation and policy pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from ..common.fieldinputs import field_input
from ..organisations.models import Unit
from .labels import INDUSTRY, NOT_IN_DISTRICT, SIZE


class CheckboxesField(SelectMultipleField):
    """Several choices as tick boxes; choosing none is fine."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _town_choices(towns: list[Unit], empty: str) -> list[tuple[str, str]]:
    return [("", empty), *((town.code, town.name) for town in towns)]


class OpenPageForm(FlaskForm):
    """The personalisation notice: accept, and say where one lives (or the enterprise is)."""

    town = SelectField("居住镇街", validate_choice=False)

    def __init__(
        self, town_units: list[Unit], *args, empty: str = NOT_IN_DISTRICT, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.town.choices = _town_choices(town_units, empty)


class ProfileForm(FlaskForm):
    """The enterprise's profile, kept by the legal representative."""

    legal_representative = StringField(
        "法定代表人", validators=[Length(max=100)], render_kw=field_input("person_name")
    )
    address = StringField(
        "住所（经营场所）", validators=[Length(max=200)], render_kw=field_input("address")
    )
    industry = SelectField("所属行业", validate_choice=False)
    size = SelectField("企业规模", validate_choice=False)
    town = SelectField("所在镇街", validate_choice=False)

    def __init__(self, town_units: list[Unit], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.industry.choices = [("", "未填写"), *INDUSTRY.items()]
        self.size.choices = [("", "未填写"), *SIZE.items()]
        self.town.choices = _town_choices(town_units, "未填写")


class AgentForm(FlaskForm):
    """Add an agent, limited to some themes or items if wished."""

    name = StringField(
        "经办人姓名",
        validators=[DataRequired("请填写经办人姓名"), Length(max=50)],
        render_kw=field_input("person_name"),
    )
    id_number = StringField(
        "身份证号码",
        validators=[DataRequired("请填写身份证号码"), Length(max=18, message="身份证号码应为18位")],
        render_kw=field_input("id_number"),
    )
    themes = CheckboxesField("只能办理这些主题（不选则不限）")
    items = StringField("或只能办理这些事项（事项编码，用逗号分隔）", validators=[Length(max=400)])

    def __init__(self, theme_names: dict[str, str], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.themes.choices = list(theme_names.items())

    def item_codes(self) -> list[str]:
        """The item codes typed, split on commas (either width) and spaces."""
        text = (self.items.data or "").replace("，", ",").replace(" ", ",")
        return [code for code in text.split(",") if code.strip()]


class SubscriptionForm(FlaskForm):
    """The themes whose policies the enterprise follows."""

    themes = CheckboxesField("关注的主题（不选则接收全部主题）")

    def __init__(self, theme_names: dict[str, str], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.themes.choices = list(theme_names.items())


class RuleForm(FlaskForm):
    """The district office edits a recommendation rule."""

    reason = StringField("推荐理由", validators=[DataRequired("请填写推荐理由"), Length(max=200)])
    parameters = TextAreaField("条件参数（JSON）", validators=[DataRequired("请填写参数")])
    active = BooleanField("启用")


class PolicyForm(FlaskForm):
    """The district office publishes a policy or notice, tagged."""

    title = StringField("标题", validators=[DataRequired("请填写标题"), Length(max=200)])
    body = TextAreaField("内容", validators=[DataRequired("请填写内容")])
    industries = CheckboxesField("行业（不选则不限）")
    sizes = CheckboxesField("规模（不选则不限）")
    towns = CheckboxesField("镇街（不选则不限）")
    themes = CheckboxesField("主题（不选则不限）")

    def __init__(
        self, town_units: list[Unit], theme_names: dict[str, str], *args, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.industries.choices = list(INDUSTRY.items())
        self.sizes.choices = list(SIZE.items())
        self.towns.choices = [(town.code, town.short_name) for town in town_units]
        self.themes.choices = list(theme_names.items())
