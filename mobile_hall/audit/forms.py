"""The office's search form over the audit trail."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import Length, Optional

DATE_MESSAGE = "请按“年-月-日”填写日期"


class AuditSearchForm(FlaskForm):
    """Narrowing the trail (a GET form: nothing changes, no CSRF token)."""

    class Meta:
        csrf = False

    person = StringField(
        "操作人", validators=[Length(max=120)], description="姓名，或记录中的标识如 account:12"
    )
    action = StringField(
        "操作", validators=[Length(max=80)], description="如 workbench.accept；可只填开头"
    )
    target = StringField("对象", validators=[Length(max=200)], description="如 application:12")
    occurred_from = DateField(
        "起始日期", validators=[Optional()], invalid_value_message=DATE_MESSAGE
    )
    occurred_to = DateField("截止日期", validators=[Optional()], invalid_value_message=DATE_MESSAGE)

    def valid(self, name: str) -> Any:
        """A field's value when it parsed, else None (a bad filter narrows nothing)."""
        field = self[name]
        if field.errors or not field.data:
            return None
        return field.data.strip() if isinstance(field.data, str) else field.data
