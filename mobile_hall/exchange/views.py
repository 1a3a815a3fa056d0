"""The district office's page over the delivery to the province (/staff/exchange)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from ..clock import now
from ..identity.forms import EmptyForm
from ..identity.web import login_required
from . import labels, services

blueprint = Blueprint("exchange", __name__, url_prefix="/staff/exchange")


@blueprint.before_request
@login_required
def _signed_in() -> None:
    """Every page needs a signed-in person; the services decide who may see it."""


@blueprint.get("")
def status():
    """Backlog, oldest waiting record, last success and error, records delivered per day."""
    state = services.status_for_office(current_user)
    return render_template(
        "exchange/status.html",
        state=state,
        oldest_age=state.oldest_age(now()),
        sl=labels,
        form=EmptyForm(),
    )


@blueprint.post("/retry")
def retry():
    """Let the worker try again now rather than at the end of its backoff."""
    if EmptyForm().validate_on_submit():
        services.retry_delivery_now(current_user)
        flash(labels.RETRIED)
    return redirect(url_for("exchange.status"), 303)
