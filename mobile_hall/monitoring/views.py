"""Pages of the assessment (/monitoring): the office's and a unit's staff's.

Views parse, call one service function, render or redirect 303; who may see what is decided
in the services.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from ..clock import now
from ..identity.forms import EmptyForm
from ..identity.web import login_required
from . import labels, selfchecks, services, sheets, targets
from .constants import ITEM_FIGURES, TREND_FIGURES, Figure, Measure, UnitKind
from .forms import MeasureForm, PeriodForm, SelfCheckForm, targets_form
from .periods import Period, previous_quarter, quarter, quarter_of

blueprint = Blueprint("monitoring", __name__, url_prefix="/monitoring")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@blueprint.before_request
@login_required
def _signed_in() -> None:
    """Every page needs a signed-in person; the services decide what they may see."""


@blueprint.context_processor
def _labels() -> dict[str, Any]:
    return {
        "ml": labels,
        "figures": list(Figure),
        "trend_figures": TREND_FIGURES,
        "item_figures": ITEM_FIGURES,
    }


@blueprint.errorhandler(services.UnitNotFound)
def _not_found(_error: services.UnitNotFound):
    return render_template("errors/error.html", code=404, title="页面不存在"), 404


def _today() -> date:
    return now().date()


def _period(form: PeriodForm) -> Period:
    """The period asked for: a date range, a quarter, or the current quarter."""
    if not form.validate():
        return quarter_of(_today())
    if form.first.data and form.last.data and form.first.data <= form.last.data:
        return Period(form.first.data, form.last.data)
    if form.quarter.data:
        return quarter(form.quarter.data)
    return quarter_of(_today())


def _period_args(period: Period) -> dict[str, str]:
    if period.quarter:
        return {"quarter": period.quarter}
    return {"first": period.first.isoformat(), "last": period.last.isoformat()}


def _quarter_arg(default: Period) -> Period:
    try:
        return quarter(request.args.get("quarter", "")) if request.args.get("quarter") else default
    except ValueError:
        abort(404)


@blueprint.get("")
def dashboard():
    """Every unit's figures (the office) or one's own unit's (its staff), for a period."""
    form = PeriodForm(formdata=request.args)
    period = _period(form)
    page = services.dashboard(current_user, period)
    return render_template(
        "monitoring/dashboard.html", page=page, form=form, period=period, args=_period_args(period)
    )


@blueprint.get("/units/<code>")
def unit(code: str):
    """A unit's figures, its items (promise, observed visits, channels, online steps), trend."""
    form = PeriodForm(formdata=request.args)
    period = _period(form)
    detail = services.unit_detail(current_user, code, period)
    return render_template(
        "monitoring/unit.html", detail=detail, period=period, args=_period_args(period)
    )


@blueprint.get("/units/<code>/items/<item_code>")
def applications(code: str, item_code: str):
    """The applications of one item at one unit in the period."""
    form = PeriodForm(formdata=request.args)
    period = _period(form)
    number = request.args.get("page", 1, type=int) or 1
    listing = services.unit_applications(current_user, code, item_code, period, max(number, 1))
    return render_template(
        "monitoring/applications.html", listing=listing, period=period, args=_period_args(period)
    )


@blueprint.route("/targets", methods=["GET", "POST"])
def edit_targets():
    """The office edits a year's targets per kind of unit (the plan's are the defaults)."""
    year = request.args.get("year", _today().year, type=int) or _today().year
    form = targets_form(targets.targets_for_office(current_user, year))
    if form.validate_on_submit():
        targets.save_targets(current_user, year, form.chosen())
        flash("考核目标已保存")
        return redirect(url_for(".edit_targets", year=year), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("monitoring/targets.html", form=form, year=year), status


@blueprint.get("/self-checks")
def self_checks():
    """A quarter's self-check sheets: who handed in, who is late (default: last quarter)."""
    period = _quarter_arg(previous_quarter(quarter_of(_today())))
    found = selfchecks.sheets(current_user, period)
    return render_template(
        "monitoring/self_checks.html", sheets=found, period=period, today=_today()
    )


@blueprint.route("/self-checks/<quarter_name>/<code>", methods=["GET", "POST"])
def self_check(quarter_name: str, code: str):
    """A unit's sheet: the hall's numbers; its staff add the work progress and hand it in."""
    period = _quarter_or_404(quarter_name)
    sheet = selfchecks.open_sheet(current_user, code, period)
    form = SelfCheckForm(data={"progress": sheet.check.progress if sheet.check else ""})
    if request.method == "POST":
        form = SelfCheckForm()
        if form.validate_on_submit():
            try:
                selfchecks.hand_in(current_user, code, period, form.progress.data)
            except selfchecks.QuarterNotOver:
                form.progress.errors = ["季度结束后才能报送自检表"]
            else:
                flash("自检表已报送")
                return redirect(url_for(".self_check", quarter_name=period.quarter, code=code), 303)
        return _render_sheet(sheet, form), 400
    return _render_sheet(sheet, form)


def _render_sheet(sheet: selfchecks.Sheet, form: SelfCheckForm):
    return render_template("monitoring/self_check.html", sheet=sheet, form=form, today=_today())


def _quarter_or_404(name: str) -> Period:
    try:
        return quarter(name)
    except ValueError:
        abort(404)


@blueprint.get("/self-checks/<quarter_name>/<code>.xlsx")
def self_check_sheet(quarter_name: str, code: str):
    """The unit's self-check sheet as a spreadsheet."""
    sheet = selfchecks.open_sheet(current_user, code, _quarter_or_404(quarter_name))
    return _xlsx(sheets.self_check_workbook(sheet), f"self-check-{code}-{quarter_name}.xlsx")


@blueprint.get("/summary")
def summary():
    """The ranked district summary of a quarter with the proposed measures (the office)."""
    period = _quarter_arg(previous_quarter(quarter_of(_today())))
    proposals = selfchecks.summary(current_user, period)
    forms = {
        p.row.unit.code: MeasureForm(
            formdata=None,
            prefix=p.row.unit.code,
            data={"measure": p.proposed.value},
            meta={"csrf": False},
        )
        for p in proposals
    }
    return render_template(
        "monitoring/summary.html",
        proposals=proposals,
        forms=forms,
        send=EmptyForm(),
        period=period,
        kinds=[UnitKind.DEPARTMENT, UnitKind.TOWN],
    )


@blueprint.post("/summary/<quarter_name>")
def send_notices(quarter_name: str):
    """Send the confirmed (or changed) measures of the units still without a notice."""
    period = _quarter_or_404(quarter_name)
    proposals = selfchecks.summary(current_user, period)
    if not EmptyForm().validate_on_submit():
        abort(400)
    decisions = {}
    for proposal in proposals:
        if proposal.notice is None:
            chosen = MeasureForm(prefix=proposal.row.unit.code, meta={"csrf": False})
            if not chosen.validate():
                abort(400)
            decisions[proposal.row.unit.code] = Measure(chosen.measure.data)
    try:
        sent = selfchecks.send_notices(current_user, period, decisions)
    except selfchecks.AlreadySent:
        flash("部分单位的通知已发送，请刷新后重试")
    else:
        flash(f"已发送{len(sent)}份通知")
    return redirect(url_for(".summary", quarter=period.quarter), 303)


@blueprint.get("/summary/<quarter_name>.xlsx")
def summary_sheet(quarter_name: str):
    """The district summary as a spreadsheet (the office)."""
    period = _quarter_or_404(quarter_name)
    proposals = selfchecks.summary(current_user, period)
    return _xlsx(sheets.summary_workbook(period, proposals), f"summary-{quarter_name}.xlsx")


@blueprint.get("/notices")
def notices():
    """The notices sent: all of them for the office, one's own unit's for its staff."""
    return render_template("monitoring/notices.html", notices=selfchecks.notices_for(current_user))


def _xlsx(stream, name: str):
    response = send_file(stream, mimetype=XLSX, download_name=name, as_attachment=True)
    response.headers["Cache-Control"] = "private, no-store"
    return response
