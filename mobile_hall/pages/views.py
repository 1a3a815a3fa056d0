"""The citizen's page (/me), the enterprise's page (/enterprise) and the office's pages for
recommendation rules and policies (/staff/recommendations, /staff/policies).

Views parse, call one service function, render or redirect (303). Another person's or
enterprise's id is "not found"; the wrong kind of account is refused (403).
"""

from __future__ import annotations

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

from ..applications.labels import STATUS
from ..applications.numbering import display_application_number
from ..common.errors import NotAuthorized
from ..common.freshness import CATALOG, PAGES
from ..common.pagecache import cached_personal_page
from ..identity.constants import OrgRole
from ..identity.forms import EmptyForm
from ..identity.models import own_scopes
from ..identity.services import is_staff
from ..identity.web import login_required
from . import labels, services
from .constants import LIST_SHOWN, PageKind
from .forms import (
    AgentForm,
    OpenPageForm,
    PolicyForm,
    ProfileForm,
    RuleForm,
    SubscriptionForm,
)

blueprint = Blueprint("pages", __name__)
staff_blueprint = Blueprint("pages_staff", __name__, url_prefix="/staff")


@blueprint.context_processor
@staff_blueprint.context_processor
def _texts() -> dict[str, object]:
    return {
        "page_labels": labels,
        "status_label": STATUS,
        "display_number": display_application_number,
        "shown": LIST_SHOWN,
    }


@staff_blueprint.before_request
@login_required
def _staff_only() -> None:
    # As for every route under /staff: no staff role, no page (the services check the office).
    if not is_staff(current_user):
        raise NotAuthorized()


# --- the citizen's page ---------------------------------------------------------------------


def _notice(kind: PageKind, form: OpenPageForm, status: int = 200):
    return render_template(
        "pages/notice.html", kind=kind, form=form, can_open=_representative()
    ), status


def _person_scopes() -> tuple[str, ...]:
    # The citizen's page shows what their account did and what they hold by ID number.
    own = own_scopes(current_user)
    return tuple(scope for scope in (own.account, own.person) if scope)


def _enterprise_scopes() -> tuple[str, ...]:
    # The enterprise's page shows its record, agents and applications, and its licences.
    own = own_scopes(current_user)
    return tuple(scope for scope in (own.account, own.enterprise, own.credit) if scope)


@blueprint.get("/me")
@login_required
@cached_personal_page(_person_scopes, CATALOG, PAGES)
def me():
    """The citizen's page, or the personalisation notice until it is opened."""
    if current_user.is_legal_person:  # e.g. the home page's 个人办事 entry
        return redirect(url_for("pages.enterprise"), 303)
    try:
        page = services.person_page(current_user)
    except LookupError:
        return _notice(PageKind.PERSON, OpenPageForm(services.towns()))
    return render_template(
        "pages/me.html",
        page=page,
        account=current_user,
        form=EmptyForm(),
    )


def _open(kind: PageKind, target: str, empty: str):
    form = OpenPageForm(services.towns(), empty=empty)
    if not form.validate_on_submit():
        return _notice(kind, form, 400)
    try:
        services.open_page(current_user, kind, form.town.data or None)
    except ValueError:
        form.town.errors = ["请从列表中选择"]
        return _notice(kind, form, 400)
    flash("已开通，欢迎使用")
    return redirect(url_for(target), 303)


@blueprint.post("/me/open")
@login_required
def open_me():
    """Accept the notice and open the citizen's page."""
    return _open(PageKind.PERSON, "pages.me", labels.NOT_IN_DISTRICT)


def _close(kind: PageKind, target: str):
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.close_page(current_user, kind)
    flash("已关闭，个性化数据已删除")
    return redirect(url_for(target), 303)


@blueprint.post("/me/close")
@login_required
def close_me():
    """Close the citizen's page, deleting its personalisation data."""
    return _close(PageKind.PERSON, "catalog.home")


def _posted() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


@blueprint.post("/me/favourites/<code>")
@login_required
def add_favourite(code: str):
    """Star an item from its guide."""
    _posted()
    services.add_favourite(current_user, code)
    flash("已收藏")
    return redirect(url_for("catalog.guide", code=code), 303)


@blueprint.post("/me/favourites/<code>/remove")
@login_required
def remove_favourite(code: str):
    """Unstar an item (from the guide or the page)."""
    _posted()
    services.remove_favourite(current_user, code)
    flash("已取消收藏")
    on_guide = request.form.get("back") == "guide"
    return redirect(url_for("catalog.guide", code=code) if on_guide else url_for("pages.me"), 303)


@blueprint.post("/me/recommendations/<int:rule_id>/dismiss")
@login_required
def dismiss(rule_id: int):
    """Stop showing one recommendation."""
    _posted()
    services.dismiss_recommendation(current_user, rule_id)
    return redirect(url_for("pages.me"), 303)


# --- the enterprise's page ------------------------------------------------------------------


@blueprint.get("/enterprise")
@login_required
@cached_personal_page(_enterprise_scopes, CATALOG, PAGES)
def enterprise():
    """The enterprise's page, or the notice until the legal representative opens it."""
    if not current_user.is_legal_person:
        return redirect(url_for("pages.me"), 303)
    opening = services.opening_of(current_user, PageKind.ENTERPRISE)
    if opening is None or not opening.is_open:
        town = (
            services.profile_of(current_user.enterprise).town if current_user.enterprise else None
        )
        form = OpenPageForm(services.towns(), empty="不在曲江区", town=town.code if town else "")
        return _notice(PageKind.ENTERPRISE, form)
    page = services.enterprise_page(current_user, opening)
    themes = services.enterprise_themes()
    return render_template(
        "pages/enterprise.html",
        page=page,
        themes=themes,
        form=EmptyForm(),
        profile_form=ProfileForm(services.towns(), data=_profile_data(page.profile)),
        agent_form=AgentForm(themes),
        subscription_form=SubscriptionForm(themes, themes=page.profile.subscribed_themes),
    )


def _representative() -> bool:
    return current_user.org_role is OrgRole.LEGAL_REPRESENTATIVE


def _profile_data(profile) -> dict[str, str]:
    return {
        "legal_representative": profile.legal_representative,
        "address": profile.address,
        "industry": profile.industry or "",
        "size": profile.size or "",
        "town": profile.town.code if profile.town else "",
    }


@blueprint.post("/enterprise/open")
@login_required
def open_enterprise():
    """Accept the notice and open the enterprise's page (legal representative)."""
    return _open(PageKind.ENTERPRISE, "pages.enterprise", "不在曲江区")


@blueprint.post("/enterprise/close")
@login_required
def close_enterprise():
    """Close the enterprise's page (legal representative)."""
    return _close(PageKind.ENTERPRISE, "catalog.home")


@blueprint.post("/enterprise/profile")
@login_required
def save_profile():
    """Save the enterprise's profile."""
    form = ProfileForm(services.towns())
    if not form.validate_on_submit():
        abort(400)
    try:
        services.update_profile(
            current_user,
            legal_representative=form.legal_representative.data or "",
            address=form.address.data or "",
            industry=form.industry.data or "",
            size=form.size.data or "",
            town_code=form.town.data or "",
        )
    except services.ProfileInvalid as invalid:
        flash(invalid.message)
        return redirect(url_for("pages.enterprise"), 303)
    flash("企业信息已保存")
    return redirect(url_for("pages.enterprise"), 303)


@blueprint.post("/enterprise/agents")
@login_required
def add_agent():
    """Register an agent (经办人)."""
    form = AgentForm(services.enterprise_themes())
    if form.validate_on_submit():
        try:
            services.add_agent(
                current_user,
                form.name.data,
                form.id_number.data,
                form.themes.data or [],
                form.item_codes(),
            )
        except services.AgentInvalid as invalid:
            flash(invalid.message)
        else:
            flash("已添加经办人")
    else:
        flash(next(iter(form.errors.values()))[0])
    return redirect(url_for("pages.enterprise") + "#agents", 303)


@blueprint.post("/enterprise/agents/<int:agent_id>/remove")
@login_required
def remove_agent(agent_id: int):
    """Remove an agent."""
    _posted()
    services.remove_agent(current_user, agent_id)
    flash("已移除经办人")
    return redirect(url_for("pages.enterprise") + "#agents", 303)


@blueprint.post("/enterprise/subscriptions")
@login_required
def subscribe():
    """Choose the themes whose policies the enterprise follows."""
    form = SubscriptionForm(services.enterprise_themes())
    if not form.validate_on_submit():
        abort(400)
    services.set_subscriptions(current_user, form.themes.data or [])
    flash("订阅已更新")
    return redirect(url_for("pages.enterprise") + "#policies", 303)


# --- the district office --------------------------------------------------------------------


@staff_blueprint.get("/recommendations")
def rules():
    """Every recommendation rule."""
    return render_template("pages/staff_rules.html", rules=services.list_rules(current_user))


def _render_rule(rule, form: RuleForm, status: int = 200):
    return render_template("pages/staff_rule.html", rule=rule, form=form), status


@staff_blueprint.route("/recommendations/<int:rule_id>", methods=["GET", "POST"])
def edit_rule(rule_id: int):
    """Edit a rule's reason, parameters and whether it is active."""
    rule = services.get_rule(current_user, rule_id)
    if request.method == "GET":
        form = RuleForm(obj=rule, parameters=services.rule_parameters_text(rule))
        return _render_rule(rule, form)
    form = RuleForm()
    if not form.validate_on_submit():
        return _render_rule(rule, form, 400)
    try:
        services.update_rule(
            current_user,
            rule_id,
            reason=form.reason.data,
            active=bool(form.active.data),
            parameters=form.parameters.data,
        )
    except services.RuleInvalid as invalid:
        form[invalid.field].errors = [*form[invalid.field].errors, invalid.message]
        return _render_rule(rule, form, 400)
    flash("规则已保存")
    return redirect(url_for("pages_staff.rules"), 303)


def _render_policies(form: PolicyForm, status: int = 200):
    return render_template(
        "pages/staff_policies.html", policies=services.list_policies(current_user), form=form
    ), status


@staff_blueprint.route("/policies", methods=["GET", "POST"])
def policies():
    """Every published policy, and the form to publish one."""
    form = PolicyForm(services.towns(), services.enterprise_themes())
    if request.method == "GET":
        return _render_policies(form)
    if not form.validate_on_submit():
        services.list_policies(current_user)  # refuse non-office staff before saying more
        return _render_policies(form, 400)
    services.publish_policy(
        current_user,
        title=form.title.data,
        body=form.body.data,
        industries=form.industries.data or [],
        sizes=form.sizes.data or [],
        town_codes=form.towns.data or [],
        theme_codes=form.themes.data or [],
    )
    flash("已发布")
    return redirect(url_for("pages_staff.policies"), 303)
