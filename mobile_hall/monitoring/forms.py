"""Forms of the monitoring pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, NumberRange, Optional, Regexp, ValidationError

from .constants import Figure, Measure, UnitKind
from .labels import FIGURE, MEASURE, UNIT_KIND
from .targets import Targets, Threshold

QUARTER_FORMAT = r"^\d{4}[Qq][1-4]$"


class PeriodForm(FlaskForm):
    """The period picker: a quarter, or a date range (read from the query string)."""

    class Meta:
        csrf = False

    quarter = StringField(
        "季度",
        validators=[Optional(), Regexp(QUARTER_FORMAT, message="请按“2026Q4”的格式填写")],
        render_kw={"placeholder": "2026Q4"},
    )
    first = DateField("开始日期", validators=[Optional()])
    last = DateField("结束日期", validators=[Optional()])

    def validate_last(self, field: DateField) -> None:
        """A range ends on or after the day it starts."""
        if field.data and self.first.data and field.data < self.first.data:
            raise ValidationError("结束日期不能早于开始日期")


class TargetForm(Form):
    """One target of one kind of unit (empty: no target); nested in `TargetsForm`."""

    percent = IntegerField(
        "目标（%）",
        validators=[Optional(), NumberRange(0, 100, message="目标应在0到100之间")],
    )
    comparison = SelectField(
        "比较", choices=[SelectChoice("ge", "≥ 达到"), SelectChoice("gt", "> 超过")]
    )


class TargetsForm(FlaskForm):
    """Every target of a year; fields are added per kind and figure by `targets_form`."""

    def cells(self, kind: UnitKind | str) -> list[tuple[Figure, FormField]]:
        """The subforms of one kind of unit, in the plan's order of figures."""
        return [(figure, self[_name(kind, figure)]) for figure in Figure]

    def chosen(self) -> dict[tuple[UnitKind, Figure], Threshold | None]:
        """The targets as typed: None where the percent was left empty."""
        chosen = {}
        for kind in UnitKind:
            for figure, cell in self.cells(kind):
                percent = cell.percent.data
                strict = cell.comparison.data == "gt"
                chosen[kind, figure] = None if percent is None else Threshold(percent, strict)
        return chosen


def _name(kind: UnitKind | str, figure: Figure) -> str:
    return f"{kind}__{figure}"


def targets_form(current: Targets) -> TargetsForm:
    """The targets form of a year, filled with its current targets."""

    class YearTargets(TargetsForm):
        pass

    data = {}
    for kind in UnitKind:
        for figure in Figure:
            name = _name(kind, figure)
            label = f"{UNIT_KIND[kind]} {FIGURE[figure]}"
            setattr(YearTargets, name, FormField(TargetForm, label=label))
            threshold = current[kind][figure]
            data[name] = {
                "percent": threshold.percent if threshold else None,
                "comparison": "gt" if threshold and threshold.strict else "ge",
            }
    return YearTargets(data=data)


class SelfCheckForm(FlaskForm):
    """The unit's own text on its self-check sheet, and handing it in."""

    progress = TextAreaField(
        "工作进展情况",
        validators=[DataRequired(message="请填写工作进展情况")],
        render_kw={"rows": 6, "maxlength": 4000},
    )


class MeasureForm(FlaskForm):
    """The office's decision for one unit of the summary."""

    measure = RadioField(
        "处理意见",
        choices=[SelectChoice(measure.value, MEASURE[measure]) for measure in Measure],
        validators=[DataRequired(message="请选择处理意见")],
    )
