"""The item list's filter form (a GET form: it changes nothing, so it carries no CSRF token)."""

from __future__ import annotations

from wtforms import BooleanField, Form, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from ..organisations.models import Unit
from .constants import Audience, ItemGroup
from .labels import ITEM_GROUP
from .models import Theme

INVALID_CHOICE = "请从列表中选择"
ANY = SelectChoice("", "不限")


class ItemFilterForm(Form):
    """Search words and filters of `/items`."""

    q = StringField("搜索")
    theme = SelectField("主题", default="", invalid_choice_message=INVALID_CHOICE)
    department = SelectField("部门", default="", invalid_choice_message=INVALID_CHOICE)
    town = SelectField("镇（街）", default="", invalid_choice_message=INVALID_CHOICE)
    group = SelectField(
        "事项类别",
        default="",
        choices=[ANY, *(SelectChoice(group.value, ITEM_GROUP[group]) for group in ItemGroup)],
        invalid_choice_message=INVALID_CHOICE,
    )
    audience = SelectField(
        "服务对象",
        default="",
        choices=[
            ANY,
            SelectChoice(Audience.PERSON.value, "个人"),
            SelectChoice(Audience.ENTERPRISE.value, "企业"),
        ],
        invalid_choice_message=INVALID_CHOICE,
    )
    zero_visits = BooleanField("零跑动")
    mobile = BooleanField("手机可办")
    # Read by `common.paging.page_number`, as every list's ?page=: anything but a positive whole
    # number asks for the first page, one past the end for the last (never a number too large
    # for the validators' arithmetic).
    page = StringField("页码", default="1")

    def __init__(self, formdata, themes: list[Theme], departments: list[Unit], towns: list[Unit]):
        super().__init__(formdata)
        self.theme.choices = [ANY, *(SelectChoice(t.code, t.name) for t in themes)]
        self.department.choices = [ANY, *(SelectChoice(u.code, u.short_name) for u in departments)]
        self.town.choices = [ANY, *(SelectChoice(u.code, u.short_name) for u in towns)]

    def valid_value(self, name: str) -> str | None:
        """A field's value if it passed validation, else None (the filter is then ignored)."""
        field = self[name]
        return None if field.errors or not field.data else field.data
