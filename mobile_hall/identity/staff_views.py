"""Staff pages of identity: the district office assigns roles per unit."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from ..common.errors import NotAuthorized
from ..organisations.services import all_units
from . import services
from .constants import StaffRoleKind
from .forms import EmptyForm, GrantRoleForm
from .web import login_required

blueprint = Blueprint("staff", __name__, url_prefix="/staff")


@blueprint.before_request
@login_required
def _staff_only() -> None:
    # Whatever the URL under /staff, a person without any staff role gets 403.
    if not services.is_staff(current_user):
        raise NotAuthorized()


def _render_roles(form: GrantRoleForm):
    return render_template(
        "staff/roles.html",
        roles=services.list_staff_roles(current_user),
        form=form,
        revoke_form=EmptyForm(),
    )


@blueprint.get("/roles")
def roles():
    """Every staff role of the district, with the form to appoint someone."""
    return _render_roles(GrantRoleForm(all_units()))


@blueprint.post("/roles")
def grant_role():
    """Appoint a person to a role in a unit."""
    form = GrantRoleForm(all_units())
    if form.validate_on_submit():
        try:
            services.grant_staff_role(
                current_user,
                form.person_name.data,
                form.id_number.data,
                form.unit.data,
                StaffRoleKind(form.role.data),
            )
        except services.StaffRoleInvalid as invalid:
            form[invalid.field].errors = [*form[invalid.field].errors, invalid.message]
        else:
            flash("已分配角色")
            return redirect(url_for("staff.roles"), 303)
    return _render_roles(form), 400


@blueprint.post("/roles/<int:role_id>/revoke")
def revoke_role(role_id: int):
    """Take a role away."""
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("staff.roles"), 303)
    try:
        services.revoke_staff_role(current_user, role_id)
    except services.StaffRoleInvalid as invalid:
        flash(invalid.message)
    else:
        flash("已撤销角色")
    return redirect(url_for("staff.roles"), 303)
