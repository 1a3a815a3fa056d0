"""The OpenAPI document and its readable page, and the district office's page of API keys."""

from __future__ import annotations

import json

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from ..identity.forms import EmptyForm
from ..identity.web import login_required
from ..organisations.services import all_units
from . import keys
from .forms import CreateKeyForm
from .labels import CAPABILITY, KEY_REFUSED, PROBLEM
from .openapi import openapi_document

blueprint = Blueprint("api", __name__)


@blueprint.get("/api/v1/openapi.json")
def openapi_json():
    """The OpenAPI 3.1 document of every endpoint (departments' applications, licences)."""
    return jsonify(openapi_document(request.host_url))


@blueprint.get("/api/docs")
def docs():
    """The document as a page, rendered here: no script, no other origin."""
    document = openapi_document(request.host_url)
    return render_template(
        "api/docs.html",
        document=document,
        problems=PROBLEM,
        pretty=lambda value: json.dumps(value, ensure_ascii=False, indent=2),
    )


def _render_keys(form: CreateKeyForm, shown_key: str | None = None, status: int = 200):
    page = render_template(
        "api/keys.html",
        api_keys=keys.office_api_keys(current_user),
        form=form,
        revoke_form=EmptyForm(),
        capability_labels=CAPABILITY,
        shown_key=shown_key,
    )
    return page, status


@blueprint.get("/staff/api-keys")
@login_required
def api_keys():
    """Every unit's API keys (name, prefix, scope, last use) and the form to make one."""
    return _render_keys(CreateKeyForm(all_units()))


@blueprint.post("/staff/api-keys")
@login_required
def create_key():
    """Make a key; the page shows it this once."""
    form = CreateKeyForm(all_units())
    if not form.validate_on_submit():
        return _render_keys(form, status=400)
    try:
        _api_key, key = keys.office_creates_key(
            current_user, form.unit.data, form.name.data or "", form.capabilities.data or []
        )
    except keys.ApiKeyRefused as refused:
        form.capabilities.errors = [*form.capabilities.errors, KEY_REFUSED[str(refused)]]
        return _render_keys(form, status=400)
    response, status = _render_keys(CreateKeyForm(all_units()), shown_key=key)
    return response, status, {"Cache-Control": "no-store"}


@blueprint.post("/staff/api-keys/<prefix>/revoke")
@login_required
def revoke_key(prefix: str):
    """Withdraw a key at once."""
    if EmptyForm().validate_on_submit():
        try:
            keys.office_revokes_key(current_user, prefix)
        except keys.ApiKeyRefused as refused:
            flash(KEY_REFUSED[str(refused)])
        else:
            flash("密钥已停用")
    return redirect(url_for("api.api_keys"), 303)
