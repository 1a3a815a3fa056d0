"""The district office's pages for the reference data (/staff/registry), on a desktop and on
a phone. Each page parses the form, calls a service (which checks the office), and renders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from ..catalog.labels import AUDIENCE
from ..clock import now
from ..organisations.labels import UNIT_LEVEL
from ..organisations.services import registration_points
from . import labels, services
from .constants import RecordKind
from .forms import EntryForm, FigureForm, LicenseTypeForm, LocationForm, ThemeForm, UnitForm

blueprint = Blueprint("registry", __name__, url_prefix="/staff/registry")


@blueprint.before_request
@login_required
def _office_only() -> None:
    # Every page here is the office's: refuse anyone else before reading a form (the services
    # check again, whatever calls them).
    services.require_office(current_user)


@blueprint.context_processor
def _texts() -> dict[str, object]:
    return {
        "registry_labels": labels,
        "unit_level": UNIT_LEVEL,
        "audience_label": AUDIENCE,
    }


def _values(form: FlaskForm) -> dict[str, Any]:
    values = dict(form.data)
    values.pop("csrf_token", None)
    return values


def _show(form: FlaskForm, invalid: services.RecordInvalid) -> None:
    """Put each message beside its field; one of a field the form lacks, beside the first."""
    first = next(field for field in form if field.name != "csrf_token")
    for name, messages in invalid.errors.items():
        try:
            field = form[name]
        except KeyError:
            field = first
        field.errors = [*field.errors, *messages]


def _edit(form: FlaskForm, context: dict[str, Any], status: int = 200):
    return render_template("registry/edit.html", form=form, **context), status


def _form_page(
    form: FlaskForm,
    context: dict[str, Any],
    save: Callable[[dict[str, Any]], object],
    done: str,
):
    """Show the form (GET), or save it through the service and go to `done`; a refusal puts
    each message beside its field."""
    if request.method == "GET":
        return _edit(form, context)
    if not form.validate_on_submit():
        return _edit(form, context, 400)
    try:
        save(_values(form))
    except services.RecordInvalid as invalid:
        _show(form, invalid)
        return _edit(form, context, 400)
    flash("已保存")
    return redirect(done, 303)


@blueprint.get("")
def index():
    """What the registry holds, with a link to each part."""
    return render_template(
        "registry/index.html", overview=services.overview(current_user), year=now().year
    )


# --- units and their service points ---------------------------------------------------------


@blueprint.get("/units")
def units():
    """Every unit, the district's tree in display order, and the real-name registration points."""
    return render_template(
        "registry/units.html",
        units=services.list_units(current_user),
        points=registration_points(),
    )


@blueprint.route("/units/new", methods=["GET", "POST"])
def new_unit():
    """Add a unit."""
    form = UnitForm(services.list_units(current_user))
    context: dict[str, Any] = {"heading": "新增单位", "back": url_for("registry.units")}
    return _form_page(
        form,
        context,
        lambda values: services.save_unit(current_user, None, values),
        url_for("registry.units"),
    )


@blueprint.route("/units/<code>", methods=["GET", "POST"])
def edit_unit(code: str):
    """A unit's fields, its service points, and its history."""
    unit = services.get_unit(current_user, code)
    everyone = [other for other in services.list_units(current_user) if other is not unit]
    if request.method == "GET":
        form = UnitForm(everyone, data=services.unit_values(unit))
    else:
        form = UnitForm(everyone)
    del form.code  # a unit keeps its code: staff roles, items and applications name it
    context: dict[str, Any] = {
        "heading": f"编辑单位：{unit.short_name}",
        "back": url_for("registry.units"),
        "unit": unit,
        "changes": services.history(current_user, RecordKind.UNIT, code),
    }
    return _form_page(
        form,
        context,
        lambda values: services.save_unit(current_user, code, values),
        url_for("registry.edit_unit", code=code),
    )


@blueprint.route("/units/<code>/locations/new", methods=["GET", "POST"])
def new_location(code: str):
    """Add a service point to a unit."""
    unit = services.get_unit(current_user, code)
    form = LocationForm()
    context: dict[str, Any] = {
        "heading": f"新增服务网点：{unit.short_name}",
        "back": url_for("registry.edit_unit", code=code),
    }
    return _form_page(
        form,
        context,
        lambda values: services.save_location(current_user, code, None, values),
        url_for("registry.edit_unit", code=code),
    )


@blueprint.route("/units/<code>/locations/<int:location_id>", methods=["GET", "POST"])
def edit_location(code: str, location_id: int):
    """A service point's fields and its history; it can be removed when it closes."""
    unit = services.get_unit(current_user, code)
    location = services.get_location(current_user, unit, location_id)
    if request.method == "GET":
        form = LocationForm(data=services.location_values(location))
    else:
        form = LocationForm()
    key = services.location_key(unit, location_id)
    context: dict[str, Any] = {
        "heading": f"编辑服务网点：{location.name}",
        "back": url_for("registry.edit_unit", code=code),
        "changes": services.history(current_user, RecordKind.LOCATION, key),
        "delete_url": url_for("registry.delete_location", code=code, location_id=location_id),
    }
    return _form_page(
        form,
        context,
        lambda values: services.save_location(current_user, code, location_id, values),
        url_for("registry.edit_unit", code=code),
    )


@blueprint.post("/units/<code>/locations/<int:location_id>/delete")
def delete_location(code: str, location_id: int):
    """Remove a service point (the form carries the CSRF token)."""
    if not FlaskForm().validate_on_submit():
        return redirect(url_for("registry.edit_location", code=code, location_id=location_id))
    services.delete_location(current_user, code, location_id)
    flash("服务网点已删除")
    return redirect(url_for("registry.edit_unit", code=code), 303)


# --- the towns' yearly figures ---------------------------------------------------------------


def _year(value: str | None) -> int:
    """The year asked for (2000-2100), else this year."""
    if value and len(value) == 4 and value.isdigit() and 2000 <= int(value) <= 2100:
        return int(value)
    return now().year


@blueprint.get("/figures")
def figures():
    """Each town's resident population and registered enterprises of a year."""
    year = _year(request.args.get("year"))
    return render_template(
        "registry/figures.html",
        year=year,
        rows=services.figures_of_year(current_user, year),
    )


@blueprint.route("/figures/<code>/<int:year>", methods=["GET", "POST"])
def edit_figure(code: str, year: int):
    """Enter or correct one town's figures of one year."""
    town, figure = services.get_figure(current_user, code, year)
    if request.method == "GET":
        form = FigureForm(data=services.figure_values(figure) or {})
    else:
        form = FigureForm()
    context: dict[str, Any] = {
        "heading": f"{town.short_name} {year} 年人口和企业数",
        "back": url_for("registry.figures", year=year),
        "note": "三率一数考核的市民个人网页、企业专属网页开通比例以此为分母；"
        "某年尚未填写时沿用此前最近一年的数字。",
        "changes": services.history(
            current_user, RecordKind.FIGURE, services.figure_key(code, year)
        ),
    }
    return _form_page(
        form,
        context,
        lambda values: services.save_figure(current_user, code, year, values),
        url_for("registry.figures", year=year),
    )


# --- themes, licence types, one-stop entries -------------------------------------------------


@blueprint.get("/themes")
def themes():
    """Every theme of the catalog."""
    return render_template("registry/themes.html", themes=services.list_themes(current_user))


@blueprint.route("/themes/new", methods=["GET", "POST"])
def new_theme():
    """Add a theme."""
    return _theme_page(None)


@blueprint.route("/themes/<code>", methods=["GET", "POST"])
def edit_theme(code: str):
    """Change a theme."""
    return _theme_page(code)


def _theme_page(code: str | None):
    theme = services.get_theme(current_user, code) if code else None
    if request.method == "GET" and theme is not None:
        form = ThemeForm(data=services.theme_values(theme))
    else:
        form = ThemeForm()
    if theme is not None:
        del form.code
    context: dict[str, Any] = {
        "heading": f"编辑主题：{theme.name}" if theme else "新增主题",
        "back": url_for("registry.themes"),
        "changes": services.history(current_user, RecordKind.THEME, code) if code else None,
    }
    return _form_page(
        form,
        context,
        lambda values: services.save_theme(current_user, code, values),
        url_for("registry.themes"),
    )


@blueprint.get("/license-types")
def license_types():
    """Every licence type."""
    return render_template(
        "registry/license_types.html", types=services.list_license_types(current_user)
    )


@blueprint.route("/license-types/<code>", methods=["GET", "POST"])
def edit_license_type(code: str):
    """Change a licence type's name, issuer, holder and validity."""
    license_type = services.get_license_type(current_user, code)
    units = services.list_units(current_user)
    if request.method == "GET":
        form = LicenseTypeForm(units, data=services.license_type_values(license_type))
    else:
        form = LicenseTypeForm(units)
    context: dict[str, Any] = {
        "heading": f"编辑证照类型：{license_type.name}",
        "back": url_for("registry.license_types"),
        "note": f"证照类型编码 {code}；证照所载的数据项随参考数据文件导入。",
        "changes": services.history(current_user, RecordKind.LICENSE_TYPE, code),
    }
    return _form_page(
        form,
        context,
        lambda values: services.save_license_type(current_user, code, values),
        url_for("registry.license_types"),
    )


@blueprint.get("/entries")
def entries():
    """The home page's one-stop entries (一门式服务入口)."""
    return render_template("registry/entries.html", entries=services.list_entries(current_user))


@blueprint.route("/entries/new", methods=["GET", "POST"])
def new_entry():
    """Add a one-stop entry."""
    return _entry_page(None)


@blueprint.route("/entries/<code>", methods=["GET", "POST"])
def edit_entry(code: str):
    """Change a one-stop entry."""
    return _entry_page(code)


def _entry_page(code: str | None):
    entry = services.get_entry(current_user, code) if code else None
    if request.method == "GET" and entry is not None:
        form = EntryForm(data=services.entry_values(entry))
    else:
        form = EntryForm()
    if entry is not None:
        del form.code
    context: dict[str, Any] = {
        "heading": f"编辑入口：{entry.name}" if entry else "新增一门式服务入口",
        "back": url_for("registry.entries"),
        "changes": services.history(current_user, RecordKind.ENTRY, code) if code else None,
    }
    return _form_page(
        form,
        context,
        lambda values: services.save_entry(current_user, code, values),
        url_for("registry.entries"),
    )
