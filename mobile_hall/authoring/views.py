"""Staff pages of guide authoring (/staff/guides): the editor's desk and editor, the previews,
the reviewer's queue and difference view. Views parse, call one service, render or redirect."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import Field, FieldList, FormField

from ..applications.formbuilder import form_class, groups_of
from ..catalog import services as catalog
from ..catalog.constants import ALL_STAGES
from ..common.errors import NotAuthorized
from ..common.validation import Problem
from ..identity.forms import EmptyForm
from ..identity.services import is_staff
from ..identity.web import login_required
from . import labels, services
from .constants import EDITABLE, GUIDE_KINDS
from .forms import (
    GuideForm,
    NewItemForm,
    ReturnForm,
    SuspensionForm,
    form_data,
    place_problems,
    record_from,
)
from .models import GuideDraft

blueprint = Blueprint("authoring", __name__, url_prefix="/staff/guides")
# Rows the editor adds and removes without JavaScript: the button's name -> the record's list.
ROWS = {"material": "materials", "field": "form_fields", "step": "business_manual"}
NEW_ROW: dict[str, dict[str, Any]] = {
    "materials": {"required": True, "form": "original", "count": "1"},
    "form_fields": {"type": "text", "required": True, "group": "基本信息"},
    "business_manual": {"role": "window_clerk"},
}


@blueprint.before_request
@login_required
def _staff_only() -> None:
    """Every page needs a signed-in staff member (as every route under /staff); the services
    decide what each may see and do."""
    if not is_staff(current_user):
        raise NotAuthorized()


@blueprint.context_processor
def _labels() -> dict[str, Any]:
    return {"al": labels}


@blueprint.errorhandler(services.DraftRefused)
def _refused(error: services.DraftRefused):
    flash(error.message)
    draft_id = (request.view_args or {}).get("draft_id")
    target = url_for(".draft", draft_id=draft_id) if draft_id else url_for(".desk")
    return redirect(target, 303)


@blueprint.get("")
def desk():
    """The editor's items and drafts, and the reviewer's queue."""
    editor = services.editor_desk(current_user)
    new_form = NewItemForm()
    new_form.unit.choices = [(unit.code, unit.short_name) for unit in editor.units]
    return render_template(
        "authoring/desk.html",
        editor=editor,
        queue=services.review_queue(current_user),
        form=EmptyForm(),
        new_form=new_form,
        is_author=services.is_author(current_user),
    )


@blueprint.post("/items/<code>/draft")
def open_draft(code: str):
    """Open (or resume) the draft of an item's next version."""
    draft = services.start_change(current_user, code)
    return redirect(url_for(".draft", draft_id=draft.id), 303)


@blueprint.post("/new")
def new_item():
    """Open the draft of a new item for one of the editor's units."""
    draft = services.start_new_item(current_user, request.form.get("unit", ""))
    return redirect(url_for(".draft", draft_id=draft.id), 303)


def _guide_form(record: dict[str, Any] | None, formdata=None) -> GuideForm:
    form = GuideForm(formdata=formdata, data=form_data(record or {}) if formdata is None else None)
    form.fill_choices(*services.reference_choices())
    return form


def _fields(form: Any) -> dict[str, Field]:
    """Every field of the form by id, the rows' inner fields and the lists themselves too."""
    found: dict[str, Field] = {}
    for field in form:
        found[field.id] = field
        if isinstance(field, FieldList):
            for entry in field:
                found.update(_fields(entry.form) if isinstance(entry, FormField) else {})
        elif isinstance(field, FormField):
            found.update(_fields(field.form))
    return found


def _show_problems(form: GuideForm, problems: list[Problem]) -> list[str]:
    fields = _fields(form)
    beside, elsewhere = place_problems(problems, set(fields))
    for field_id, messages in beside.items():
        fields[field_id].errors = [*fields[field_id].errors, *messages]
    return elsewhere


def _render_editor(draft, form: GuideForm, problems: list[Problem], status: int = 200):
    elsewhere = _show_problems(form, problems)
    record = draft.record or {}
    return render_template(
        "authoring/edit.html",
        draft=draft,
        form=form,
        problems=problems,
        elsewhere=elsewhere,
        editable=draft.status in EDITABLE,
        steps=groups_of(record.get("form_fields") or []),
        submit_form=EmptyForm(),
    ), status


@blueprint.get("/drafts/<int:draft_id>")
def draft(draft_id: int):
    """The editor (or, once submitted, the draft as it stands)."""
    found = services.get_draft(current_user, draft_id)
    if found.kind not in GUIDE_KINDS or found.status not in EDITABLE:
        return redirect(url_for(".review", draft_id=draft_id), 303)
    form = _guide_form(found.record)
    problems = services.check_record(found, found.record or {}) if request.args.get("check") else []
    return _render_editor(found, form, problems)


def _row_action() -> tuple[str, str, int | None] | None:
    """The add/remove button pressed, if any: (add|remove, list, index)."""
    for name in request.form:
        action, _, rest = name.partition("_")
        kind, _, index = rest.partition("-")
        if action in ("add", "remove") and kind in ROWS:
            return action, ROWS[kind], int(index) if index.isdigit() else None
    return None


@blueprint.post("/drafts/<int:draft_id>")
def save(draft_id: int):
    """Save the draft as typed; add or remove a row; show every problem beside its field."""
    form = _guide_form(None, formdata=request.form)
    record = record_from(form)
    pressed = _row_action()
    if pressed:
        action, rows, index = pressed
        entries = list(record.get(rows) or [])
        if action == "add":
            entries.append(dict(NEW_ROW[rows]))
        elif index is not None and index < len(entries):
            entries.pop(index)
        record[rows] = entries
    problems = services.save_draft(current_user, draft_id, record)
    found = services.get_draft(current_user, draft_id)
    if pressed:
        return _render_editor(found, _guide_form(found.record), [])
    if problems:
        return _render_editor(found, _guide_form(found.record), problems, 400)
    flash("草稿已保存")
    return redirect(url_for(".draft", draft_id=draft_id), 303)


@blueprint.post("/drafts/<int:draft_id>/submit")
def submit(draft_id: int):
    """Send the draft to its reviewer unit."""
    try:
        services.submit_draft(current_user, draft_id)
    except services.DraftInvalid as invalid:
        found = services.get_draft(current_user, draft_id)
        return _render_editor(found, _guide_form(found.record), invalid.problems, 400)
    flash("已提交审核")
    return redirect(url_for(".desk"), 303)


@blueprint.get("/drafts/<int:draft_id>/preview")
def preview(draft_id: int):
    """The guide the draft would publish, as a phone shows it."""
    shown = services.preview(current_user, draft_id)
    if shown.version is None:
        return render_template(
            "authoring/preview_invalid.html", draft_id=draft_id, problems=shown.problems
        )
    version = shown.version
    return render_template(
        "catalog/guide.html",
        item=version,
        covers={},
        my_visits=None,
        level_short=False,
        units_by_level=catalog.units_by_level(version),
        stages=ALL_STAGES,
        is_history=True,
        preview=True,
        is_favourite=False,
    )


@blueprint.get("/drafts/<int:draft_id>/preview/<int:step>")
def preview_step(draft_id: int, step: int):
    """One page of the draft's application form, as the applicant will see it."""
    shown = services.preview(current_user, draft_id)
    if shown.version is None:
        return render_template(
            "authoring/preview_invalid.html", draft_id=draft_id, problems=shown.problems
        )
    fields = shown.version.form_fields
    groups = groups_of(fields)
    if not 1 <= step <= len(groups):
        return render_template("errors/error.html", code=404, title="页面不存在"), 404
    form = form_class(fields, groups[step - 1])(meta={"csrf": False}, formdata=None)
    return render_template(
        "authoring/preview_step.html",
        version=shown.version,
        form=form,
        groups=groups,
        page=step,
        draft_id=draft_id,
    )


@blueprint.get("/drafts/<int:draft_id>/review")
def review(draft_id: int):
    """The draft against the published version, field by field, and the reviewer's buttons."""
    return _review_page(services.get_draft(current_user, draft_id), ReturnForm())


def _review_page(found: GuideDraft, return_form: ReturnForm, status: int = 200):
    """The draft against the published version, with the reviewer's buttons."""
    return render_template(
        "authoring/review.html",
        draft=found,
        differences=services.differences(found),
        may_decide=services.may_decide(current_user, found),
        form=EmptyForm(),
        return_form=return_form,
    ), status


@blueprint.post("/drafts/<int:draft_id>/approve")
def approve(draft_id: int):
    """Publish the draft."""
    try:
        services.approve_draft(current_user, draft_id)
    except services.DraftInvalid as invalid:
        flash("草稿未通过校验，无法发布：" + "；".join(str(p) for p in invalid.problems))
        return redirect(url_for(".review", draft_id=draft_id), 303)
    flash("已审核通过并发布")
    return redirect(url_for(".desk"), 303)


@blueprint.post("/drafts/<int:draft_id>/return")
def return_(draft_id: int):
    """Return the draft to its editors with reasons."""
    form = ReturnForm()
    try:
        services.return_draft(current_user, draft_id, form.reason.data or "")
    except services.DraftInvalid as invalid:
        form.reason.errors = [p.message for p in invalid.problems]
        return _review_page(services.get_draft(current_user, draft_id), form, 400)
    flash("已退回")
    return redirect(url_for(".desk"), 303)


@blueprint.route("/items/<code>/suspend", methods=["GET", "POST"])
def suspend(code: str):
    """Ask for the item's suspension (暂停办理), through the reviewer."""
    guide = services.editable_item(current_user, code)
    form = SuspensionForm()
    status = 200
    if form.validate_on_submit():
        raw = {"reason": form.reason.data or "", "until": form.until.data or None}
        try:
            services.request_suspension(current_user, code, True, raw)
        except services.DraftInvalid as invalid:
            for problem in invalid.problems:
                field = form.until if problem.path.startswith("until") else form.reason
                field.errors = [*field.errors, problem.message]
            status = 400
        else:
            flash("暂停办理申请已提交审核")
            return redirect(url_for(".desk"), 303)
    return render_template("authoring/suspend.html", item=guide, form=form), status


@blueprint.post("/items/<code>/resume")
def resume(code: str):
    """Ask for the suspended item's resumption, through the reviewer."""
    services.request_suspension(current_user, code, False)
    flash("恢复办理申请已提交审核")
    return redirect(url_for(".desk"), 303)
