"""The general approval workbench (通用审批系统): pages of the clerks.

Every page finds what it shows through `services`, which scopes it to the clerk's units; an
application of another unit is "not found" here, whatever its id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm

from ..applications.constants import Channel, Decision
from ..applications.formbuilder import form_class, stored_answers
from ..applications.models import Application
from ..audit.services import record_view
from ..clock import now
from ..common.errors import NotAuthorized
from ..identity.services import is_staff
from ..identity.web import login_required
from ..storage.downloads import send_stored
from . import labels, services
from .forms import (
    AcceptForm,
    CompleteForm,
    CounterChoiceForm,
    CounterForm,
    DecideForm,
    QueueFilterForm,
    RejectForm,
    ReplyForm,
    RevealIdForm,
    ReviewForm,
    SupplementForm,
    VisitForm,
)

blueprint = Blueprint("workbench", __name__, url_prefix="/workbench")
# Query arguments a queue's tabs carry over (never anything url_for would read as an option).
FILTERS = ("item", "submitted_from", "submitted_to", "channel")


@blueprint.before_request
@login_required
def _staff_only() -> None:
    # Whatever the URL under /workbench, a person without any staff role gets 403.
    if not is_staff(current_user):
        raise NotAuthorized()


@blueprint.context_processor
def _workbench_labels() -> dict[str, Any]:
    return {"wb": labels, "queues": services.QUEUES}


def _today() -> date:
    return now().date()


def _handled_meanwhile(application_id: int):
    """The page of an action the application's state no longer allows (409).

    The casefile offers only the actions its state allows, so a refused one means the state
    moved since the page was drawn: another clerk or the applicant acted first.
    """
    return render_template("workbench/handled.html", application_id=application_id), 409


@blueprint.errorhandler(services.IllegalTransition)
def _illegal(_error: services.IllegalTransition):
    application_id = (request.view_args or {}).get("application_id")
    if application_id is None:
        return redirect(url_for(".queue"), 303)
    return _handled_meanwhile(application_id)


def _show_refusal(form: FlaskForm, refusal: ValueError) -> None:
    """Put a service's ValueError next to the field it concerns (or above the form)."""
    if str(refusal) not in labels.ERRORS:
        raise refusal  # not a refusal of the rules: a bug, let it be one
    name, message = labels.ERRORS[str(refusal)]
    if name is not None and name in form:
        form[name].errors = [*form[name].errors, message]
    else:
        form.form_errors.append(message)


@blueprint.get("")
def queue():
    """A queue of the clerk's units, with the size of every queue and the filters."""
    name = request.args.get("queue", "new")
    if name not in services.QUEUES:
        abort(404)
    form = QueueFilterForm(formdata=request.args)
    form.validate()
    channel = form.valid("channel")
    filters = services.QueueFilters(
        item_code=form.valid("item"),
        submitted_from=form.valid("submitted_from"),
        submitted_to=form.valid("submitted_to"),
        channel=Channel(channel) if channel else None,
    )
    page = services.queue_page(current_user, name, filters, _today())
    form.offer(page.items)
    kept = {k: v for k, v in request.args.items() if k in FILTERS and v}
    return render_template("workbench/queue.html", page=page, form=form, kept=kept)


def _render_casefile(
    casefile: services.Casefile,
    posted: dict[str, FlaskForm] | None = None,
    status: int = 200,
    *,
    reveal_form: RevealIdForm | None = None,
    revealed_id: str | None = None,
):
    forms = {
        name: ACTIONS[name].form(casefile.application, formdata=None, prefix=name)
        for name in casefile.actions
    }
    forms.update(posted or {})
    page = render_template(
        "workbench/application.html",
        casefile=casefile,
        application=casefile.application,
        version=casefile.application.version,
        forms=forms,
        reveal_form=reveal_form or RevealIdForm(formdata=None, prefix="reveal"),
        revealed_id=revealed_id,
    )
    # Every page with the casefile shows the applicant's data (a refused form's too), so each
    # rendering is audited: after rendering, as the commit would expire what the page reads.
    record_view(
        f"account:{current_user.id}",
        "workbench.view_application",
        f"application:{casefile.application.id}",
    )
    return page, status


@blueprint.get("/applications/<int:application_id>")
def application(application_id: int):
    """An application: answers, materials, timeline, clock, manual and the actions open now."""
    return _render_casefile(services.open_casefile(current_user, application_id, _today()))


@blueprint.get("/applications/<int:application_id>/files/<int:material_id>")
def material_file(application_id: int, material_id: int):
    """A material's file, shown inline under a name the hall builds (never the applicant's)."""
    opened = services.open_material(current_user, application_id, material_id)
    record_view(
        f"account:{current_user.id}",
        "workbench.download",
        f"application:{application_id}",  # an application's whole history under one object
        material=material_id,
    )
    return send_stored(opened.stream, opened.content_type, opened.name, opened.fallback)


def _accept(application: Application, form: AcceptForm) -> None:
    services.accept(
        current_user,
        application,
        missing_positions=form.missing.data or [],
        deadline=form.deadline.data,
    )


def _reject(application: Application, form: RejectForm) -> None:
    services.reject(current_user, application, form.reason.data or "", form.points())


def _supplement(application: Application, form: SupplementForm) -> None:
    services.request_supplement(current_user, application, form.items(), form.note.data or "")


def _review(application: Application, form: ReviewForm) -> None:
    services.review(current_user, application, form.opinion.data or "")


def _decide(application: Application, form: DecideForm) -> None:
    decision = Decision(form.decision.data)
    points = form.points() if decision is Decision.DENIED else None
    services.decide(current_user, application, decision, form.reason.data or "", points)


def _complete(application: Application, form: CompleteForm) -> None:
    services.complete(current_user, application, form.delivery.data)


def _visit(application: Application, form: VisitForm) -> None:
    services.record_visit(current_user, application, form.note.data or "")


def _reply(application: Application, form: ReplyForm) -> None:
    services.reply_to_rating(current_user, application, form.reply.data or "", form.rectified.data)


@dataclass(frozen=True)
class _Action:
    form: Callable[..., FlaskForm]
    run: Callable[[Application, Any], None]


ACTIONS: dict[str, _Action] = {
    "accept": _Action(AcceptForm, _accept),
    "reject_accept": _Action(RejectForm, _reject),
    "supplement_request": _Action(SupplementForm.for_application, _supplement),
    "review": _Action(ReviewForm, _review),
    "decide": _Action(DecideForm, _decide),
    "complete": _Action(CompleteForm, _complete),
    "visit": _Action(VisitForm, _visit),
    "reply": _Action(ReplyForm, _reply),
}


@blueprint.post("/applications/<int:application_id>/<action>")
def act(application_id: int, action: str):
    """Take one action on an application; refused here when the page would not offer it."""
    if action not in ACTIONS:
        abort(404)
    casefile = services.open_casefile(current_user, application_id, _today())
    if action not in casefile.permitted:
        raise NotAuthorized()
    if action not in casefile.actions:
        return _handled_meanwhile(application_id)
    form = ACTIONS[action].form(casefile.application, prefix=action)
    if form.validate_on_submit():
        try:
            ACTIONS[action].run(casefile.application, form)
        except ValueError as refusal:
            _show_refusal(form, refusal)
        else:
            flash(labels.DONE[action])
            return redirect(url_for(".application", application_id=application_id), 303)
    return _render_casefile(casefile, {action: form}, 400)


@blueprint.post("/applications/<int:application_id>/reveal-id")
def reveal_id(application_id: int):
    """The application's page showing the applicant's full ID number, for a reason (audited).

    Rendered, not redirected: the number must not wait in the session for the next page.
    """
    casefile = services.open_casefile(current_user, application_id, _today())
    form = RevealIdForm(prefix="reveal")
    if form.validate_on_submit():
        try:
            number = services.reveal_applicant_id_number(
                current_user, application_id, form.reason.data or ""
            )
        except ValueError as refusal:
            _show_refusal(form, refusal)
        else:
            page, status = _render_casefile(casefile, reveal_form=form, revealed_id=number)
            return page, status, {"Cache-Control": "private, no-store"}
    return _render_casefile(casefile, status=400, reveal_form=form)


def _render_counter(chosen: services.CounterItem, form: CounterForm, answers: FlaskForm):
    return render_template(
        "workbench/counter.html", version=chosen.version, form=form, answers=answers
    )


def _answer_form(chosen: services.CounterItem, **kwargs: Any) -> FlaskForm:
    return form_class(chosen.version.form_fields)(prefix="answer", meta={"csrf": False}, **kwargs)


@blueprint.get("/counter")
def counter():
    """Counter intake: choose the item, then register who came and what they brought."""
    code = request.args.get("item", "")
    if not code:
        items = services.counter_items(current_user)
        choice = CounterChoiceForm(items, formdata=None)
        return render_template("workbench/counter_choose.html", form=choice, items=items)
    chosen = services.counter_item(current_user, code)
    form = CounterForm(chosen.version, chosen.units, formdata=None, data={"item": code})
    return _render_counter(chosen, form, _answer_form(chosen, formdata=None))


@blueprint.post("/counter")
def counter_submit():
    """Register an application that arrived at the window, with the applicant's visit."""
    chosen = services.counter_item(current_user, request.form.get("item", ""))
    form = CounterForm(chosen.version, chosen.units)
    answers = _answer_form(chosen)
    if all([form.validate_on_submit(), answers.validate()]):
        applicant = services.CounterApplicant(
            name=form.applicant_name.data.strip(),
            id_number=form.id_number.data.strip(),
            phone=form.phone.data.strip(),
            enterprise_name=(form.enterprise_name.data or "").strip(),
        )
        try:
            received = services.receive_at_counter(
                current_user,
                chosen.version.code,
                form.unit.data,
                applicant,
                stored_answers(answers, chosen.version.form_fields),
                form.paper.data or [],
            )
        except ValueError as refusal:
            _show_refusal(form, refusal)
        else:
            flash(f"{labels.DONE['counter']}，办件编号 {received.number}")
            return redirect(url_for(".application", application_id=received.id), 303)
    return _render_counter(chosen, form, answers), 400
