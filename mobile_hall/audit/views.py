"""The district office's page over the audit trail (/staff/audit)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from ..common.paging import page_number
from ..identity.web import login_required
from .forms import AuditSearchForm
from .labels import ACTION
from .search import AuditFilters, actor_names, search_events

blueprint = Blueprint("audit", __name__, url_prefix="/staff/audit")
# Query arguments the pager carries over to the next page.
FILTERS = ("person", "action", "target", "occurred_from", "occurred_to")


@blueprint.get("")
@login_required
def search():
    """Audit records by person, action, object and date range, newest first, paged."""
    form = AuditSearchForm(formdata=request.args)
    form.validate()
    filters = AuditFilters(
        person=form.valid("person") or "",
        action=form.valid("action") or "",
        target=form.valid("target") or "",
        occurred_from=form.valid("occurred_from"),
        occurred_to=form.valid("occurred_to"),
    )
    events = search_events(current_user, filters, page_number(request.args.get("page")))
    kept = {name: value for name, value in request.args.items() if name in FILTERS and value}
    return render_template(
        "audit/search.html",
        form=form,
        events=events,
        names=actor_names(events.items),
        actions=ACTION,
        kept=kept,
    )
