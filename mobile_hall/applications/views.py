"""Applying on the phone (统一申办受理平台): pages of the applicant.

Each view finds the application through the service layer (another person's id is "not found"),
calls one service function and renders or redirects (303). The services' refusals become pages
(404 and 403 through `common.errors`, the others in the error handlers below), so the views only
deal with what a form can get wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.orm.interfaces import ORMOption
from werkzeug.datastructures import MultiDict

from ..clock import now
from ..common.paging import page_number
from ..extensions import limiter
from ..identity.forms import EmptyForm
from ..identity.web import login_required
from ..organisations.services import registration_points
from ..storage.downloads import send_stored
from . import labels, services
from .answers import AnswerRow, display_rows, editable
from .constants import ApplicationStatus
from .formbuilder import form_class, groups_of, stored_answers
from .forms import (
    DeclarationForm,
    ProgressForm,
    RatingForm,
    ToleranceForm,
    UnitChoiceForm,
)
from .lifecycle import clock_of
from .models import Application
from .numbering import display_application_number

blueprint = Blueprint("applications", __name__)


@blueprint.context_processor
def _texts() -> dict[str, object]:
    return {"app_labels": labels, "display_number": display_application_number}


@blueprint.errorhandler(services.LevelTooLow)
def _level_too_low(error: services.LevelTooLow):
    return render_template(
        "applications/level.html", required=error.required, points=registration_points()
    ), 403


@blueprint.errorhandler(services.NotOnline)
def _not_online(error: services.NotOnline):
    flash("本事项暂不能网上申请，请按办事指南到现场办理。")
    return redirect(url_for("catalog.guide", code=error.args[0]), 303)


@blueprint.errorhandler(services.ItemSuspended)
def _suspended(error: services.ItemSuspended):
    flash(f"本事项暂停办理：{error.reason}")
    return redirect(url_for("catalog.guide", code=error.code), 303)


@blueprint.errorhandler(services.WrongAudience)
def _wrong_audience(error: services.WrongAudience):
    if error.audience == "enterprise":
        flash("本事项面向企业，请使用法人账号（企业）登录后申请。")
    else:
        flash("本事项面向个人，请使用本人的个人账号登录后申请。")
    return redirect(url_for("catalog.guide", code=error.code), 303)


@blueprint.errorhandler(services.IllegalTransition)
def _refused(error: services.IllegalTransition):
    flash(labels.REFUSED_ACTION.get(error.action, labels.REFUSED_ACTION_DEFAULT))
    # Raised by a view of one application, whose URL names it.
    application_id = (request.view_args or {})["application_id"]
    return redirect(_detail_url(application_id), 303)


def _detail_url(application_id: int, **arguments: Any) -> str:
    return url_for(".detail", application_id=application_id, **arguments)


def _own(application_id: int, *options: ORMOption) -> Application:
    return services.get_own_application(current_user, application_id, *options)


def _pages(application: Application) -> list[tuple[int, str, list[AnswerRow]]]:
    """The answers as shown, by form page: its number, its group and its rows (IDs masked)."""
    fields = services.version_of(application).form_fields
    rows = display_rows(fields, application.answers)
    return [
        (number, group, [row for row in rows if row.group == group])
        for number, group in enumerate(groups_of(fields), start=1)
    ]


def _id_of(application: Application) -> int:
    """The application's id, also once a commit has expired it (without a reload)."""
    identity = sa.inspect(application).identity
    if identity is None:
        raise ValueError("an application not yet flushed has no id")
    return identity[0]


def _first_draft_step(application_id: int, has_form: bool) -> str:
    if has_form:
        return url_for(".form_page", application_id=application_id, page=1)
    return url_for(".materials", application_id=application_id)


@blueprint.route("/apply/<code>", methods=["GET", "POST"])
@login_required
def start(code: str):
    """Check the person may apply, let them choose the unit, then open or resume the draft."""
    choice = services.item_to_apply_for(current_user, code)
    units = choice.version.units
    choosing = choice.draft is None and len(units) > 1
    form = UnitChoiceForm(units) if choosing else EmptyForm()
    if form.validate_on_submit():
        unit_code = form.unit.data if choosing else None
        # The resumed draft's version (it may be an earlier one) or the current one.
        version = services.version_of(choice.draft) if choice.draft else choice.version
        has_form = bool(version.form_fields)
        application = services.start_application(current_user, code, unit_code, checked=choice)
        return redirect(_first_draft_step(_id_of(application), has_form), 303)
    return render_template(
        "applications/start.html",
        item=choice.version,
        draft=choice.draft,
        form=form,
        steps=len(groups_of(choice.version.form_fields)),
    ), (400 if form.errors else 200)


def _saved_formdata(application: Application, fields: Sequence[dict]) -> MultiDict:
    """The saved answers as if just typed, so every field type shows them as it parses them."""
    pairs: list[tuple[str, str]] = []
    for name, value in editable(fields, application.answers).items():
        pairs.extend((name, str(item)) for item in (value if isinstance(value, list) else [value]))
    return MultiDict(pairs)


def _after_page(application_id: int, page: int, pages: int) -> str:
    if request.args.get("return") == "check":
        return url_for(".check", application_id=application_id)
    if page < pages:
        return url_for(".form_page", application_id=application_id, page=page + 1)
    return url_for(".materials", application_id=application_id)


@blueprint.route("/applications/<int:application_id>/form/<int:page>", methods=["GET", "POST"])
@login_required
def form_page(application_id: int, page: int):
    """One group of the item's form per page; saved to the draft on every step."""
    application = _own(application_id, *services.ANSWERS)
    if application.status is not ApplicationStatus.DRAFT:
        return redirect(_detail_url(application_id), 303)
    version = services.version_of(application)
    fields, groups = version.form_fields, groups_of(version.form_fields)
    if not groups:
        return redirect(url_for(".materials", application_id=application_id), 303)
    if not 1 <= page <= len(groups):
        abort(404)
    answer_form = form_class(fields, groups[page - 1])
    form = (
        answer_form()
        if request.method == "POST"
        else answer_form(_saved_formdata(application, fields))
    )
    if form.validate_on_submit():
        services.save_answers(current_user, application, stored_answers(form, fields))
        return redirect(_after_page(application_id, page, len(groups)), 303)
    return render_template(
        "applications/form_page.html",
        application=application,
        version=version,
        form=form,
        page=page,
        groups=groups,
        returning=request.args.get("return") == "check",
    ), (400 if form.errors else 200)


def _upload_chosen(application: Application, positions: list[int]) -> dict[int, str]:
    """Attach every file and licence chosen in the request; the refusals by material position."""
    errors: dict[int, str] = {}
    licenses: dict[int, int] = {}
    for position in positions:
        chosen = request.form.get(f"license-{position}", "")
        if chosen:
            try:
                licenses[position] = int(chosen)
            except ValueError:
                errors[position] = labels.LICENSE_UNUSABLE
    uploads = [
        (position, upload.stream, upload.filename)
        for position in positions
        for upload in request.files.getlist(f"file-{position}")
        if upload.filename  # an input left empty has none
    ]
    refused = services.attach_chosen(current_user, application, licenses, uploads)
    for position, reason in refused.items():
        if isinstance(reason, services.UploadRejected):
            errors[position] = labels.upload_error(reason)
        else:
            errors[position] = labels.LICENSE_UNUSABLE
    return errors


def _after_upload(application: Application) -> str:
    following = request.form.get("next")
    if following == "check" and application.status is ApplicationStatus.DRAFT:
        return url_for(".check", application_id=application.id)
    if following == "detail":
        return _detail_url(application.id)
    return url_for(".materials", application_id=application.id)


@blueprint.route("/applications/<int:application_id>/materials", methods=["GET", "POST"])
@login_required
def materials(application_id: int):
    """The item's materials: what is attached, and an upload per material still open."""
    application = _own(application_id, *services.MATERIALS)
    positions = services.open_positions(application)
    if application.status is not ApplicationStatus.DRAFT and not positions:
        return redirect(_detail_url(application_id), 303)
    form, errors = EmptyForm(), {}
    if form.validate_on_submit():
        following = _after_upload(application)  # attaching changes neither status nor id
        errors = _upload_chosen(application, positions)
        if not errors:
            return redirect(following, 303)
    version = services.version_of(application)
    return render_template(
        "applications/materials.html",
        application=application,
        version=version,
        form=form,
        positions=positions,
        errors=errors,
        attached=services.current_materials(application),
        license_choices=services.license_choices(current_user, application, positions),
        until=services.expected_due_date(application),
        supplement=services.pending_supplement(application),
        last_page=len(groups_of(version.form_fields)),
    ), (400 if errors else 200)


@blueprint.post("/applications/<int:application_id>/materials/<int:material_id>/remove")
@login_required
def remove_material(application_id: int, material_id: int):
    """Take back an attached file."""
    application = _own(application_id, *services.MATERIALS)
    if EmptyForm().validate_on_submit():
        services.remove_material(current_user, application, material_id)
        flash("已删除该文件")
    return redirect(url_for(".materials", application_id=application_id), 303)


def _render_check(application: Application, form: DeclarationForm, materials_refused=False):
    return render_template(
        "applications/check.html",
        application=application,
        version=services.version_of(application),
        unit=services.unit_of(application),
        form=form,
        pages=_pages(application),
        attached=services.current_materials(application),
        missing=services.missing_required(application),
        unanswered=services.missing_answers(application),
        materials_refused=materials_refused,
    ), (400 if form.errors or materials_refused else 200)


@blueprint.get("/applications/<int:application_id>/check")
@login_required
def check(application_id: int):
    """Check your answers and materials, accept the declaration, submit."""
    application = _own(application_id, *services.CHECK)
    if application.status is not ApplicationStatus.DRAFT:
        return redirect(_detail_url(application_id), 303)
    return _render_check(application, DeclarationForm())


@blueprint.post("/applications/<int:application_id>/submit")
@login_required
def submit(application_id: int):
    """Submit the draft; a repeated submit lands on the same receipt."""
    application = _own(application_id, *services.SUBMITTING)
    form = DeclarationForm()
    if not form.validate_on_submit():
        return _render_check(application, form)
    try:
        services.submit(current_user, application, bool(form.declaration.data))
    except ValueError as refused:
        if str(refused) == "declaration":
            form.declaration.errors.append("请阅读并勾选申请人承诺")
        return _render_check(
            application, form, materials_refused=str(refused) in ("materials", "answers")
        )
    return redirect(_detail_url(application_id, submitted=1), 303)


def _render_detail(
    application: Application,
    status: int = 200,
    *,
    tolerance_form: ToleranceForm | None = None,
    rating_form: RatingForm | None = None,
    supplement_refused: bool = False,
):
    return render_template(
        "applications/detail.html",
        application=application,
        version=services.version_of(application),
        unit=services.unit_of(application),
        expected_due=services.expected_due_date(application),
        receipt=request.args.get("submitted") == "1" and application.number,
        clock=clock_of(application, now().date()),
        supplement=services.pending_supplement(application),
        visits_needed=services.visits_still_needed(application),
        attached=services.current_materials(application),
        positions=services.open_positions(application),
        pages=_pages(application),
        button=EmptyForm(),
        tolerance_form=tolerance_form or ToleranceForm(formdata=None),
        rating_form=rating_form or RatingForm(formdata=None),
        supplement_refused=supplement_refused,
    ), status


@blueprint.get("/applications/<int:application_id>")
@login_required
def detail(application_id: int):
    """The application: receipt, status, clock, timeline, materials, answers and actions."""
    return _render_detail(_own(application_id, *services.DETAIL))


@blueprint.post("/applications/<int:application_id>/withdraw")
@login_required
def withdraw(application_id: int):
    """Withdraw an application not yet accepted (or discard a draft)."""
    application = _own(application_id)
    if EmptyForm().validate_on_submit():
        services.withdraw(current_user, application)
        flash("已撤回")
    return redirect(_detail_url(application_id), 303)


@blueprint.post("/applications/<int:application_id>/supplement")
@login_required
def submit_supplement(application_id: int):
    """Hand in the materials a supplement request asked for."""
    application = _own(application_id)
    if EmptyForm().validate_on_submit():
        try:
            services.submit_supplement(current_user, application)
        except ValueError:
            return _render_detail(application, 400, supplement_refused=True)
        flash("补正材料已提交，办理时限继续计算")
    return redirect(_detail_url(application_id), 303)


@blueprint.post("/applications/<int:application_id>/commitment")
@login_required
def commit_tolerance(application_id: int):
    """Sign the commitment of a tolerant acceptance (容缺承诺)."""
    application = _own(application_id)
    form = ToleranceForm()
    if not form.validate_on_submit():
        return _render_detail(application, 400, tolerance_form=form)
    services.commit_to_tolerance(current_user, application)
    flash("已签署承诺，请在期限内上传所缺材料")
    return redirect(_detail_url(application_id), 303)


@blueprint.post("/applications/<int:application_id>/rating")
@login_required
def rate(application_id: int):
    """Rate a completed application (好差评)."""
    application = _own(application_id)
    form = RatingForm()
    if not form.validate_on_submit():
        return _render_detail(application, 400, rating_form=form)
    services.rate(current_user, application, int(form.score.data), form.comment.data or "")
    flash("感谢您的评价")
    return redirect(_detail_url(application_id), 303)


@blueprint.post("/applications/<int:application_id>/reapply")
@login_required
def reapply(application_id: int):
    """Start a new draft from a refused or denied application."""
    application = _own(application_id)
    if not EmptyForm().validate_on_submit():
        return redirect(_detail_url(application_id), 303)
    fresh = services.reapply(current_user, application)
    if fresh.reapplied_from_id == application_id:
        flash("已按原申请生成新的草稿，仍然有效的内容已带入，请核对并补齐材料")
    else:  # the person's own open draft of the item, left as it was
        flash("您已有该事项尚未提交的草稿，已为您打开，请核对后继续办理")
    return redirect(url_for(".check", application_id=fresh.id), 303)


@blueprint.get("/applications")
@login_required
def mine():
    """My applications: drafts to resume, those in progress, those finished (a page at a time)."""
    return render_template(
        "applications/mine.html",
        mine=services.own_applications(current_user, page_number(request.args.get("page"))),
    )


@blueprint.get("/messages")
@login_required
def messages():
    """The message centre (消息中心), newest first, a page at a time."""
    return render_template(
        "applications/messages.html",
        messages=services.messages_of(current_user, page_number(request.args.get("page"))),
    )


@blueprint.get("/messages/<int:message_id>")
@login_required
def message(message_id: int):
    """One message, marked read on opening."""
    return render_template(
        "applications/message.html", message=services.read_message(current_user, message_id)
    )


@blueprint.get("/applications/<int:application_id>/files/<int:material_id>", endpoint="file")
@login_required
def open_file(application_id: int, material_id: int):
    """An attached file, shown inline under a name the hall builds, with the type read from
    its bytes."""
    application = _own(application_id, *services.MATERIALS)
    opened = services.open_file(application, material_id)
    return send_stored(opened.stream, opened.content_type, opened.name, opened.fallback)


@blueprint.route("/progress", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PROGRESS_LOOKUP_LIMIT"], methods=["POST"])
def progress():
    """Progress lookup without signing in: stage and dates only, never personal data."""
    form = ProgressForm()
    searched = form.validate_on_submit()
    found = services.look_up_progress(form.number.data, form.phone_last4.data) if searched else None
    page = render_template("applications/progress.html", form=form, found=found, searched=searched)
    return page, (400 if form.errors else 200)
