"""Public mobile pages of the catalog: home, item list and search, guides and their history."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request
from flask_login import current_user

from ..common.freshness import CATALOG
from ..common.pagecache import cached_page
from ..common.paging import page_number
from ..identity.services import is_staff, meets_real_name_level
from ..licenses.services import visits_with_wallet, wallet_covers
from ..organisations.constants import UnitLevel
from ..organisations.services import list_units
from ..pages.services import is_favourite, record_view
from ..registry.services import linked_entry, one_stop_entries
from . import services
from .constants import ALL_STAGES, Audience, ItemGroup
from .forms import ItemFilterForm
from .search import query_terms

blueprint = Blueprint("catalog", __name__)


@blueprint.get("/")
@cached_page(CATALOG)
def home():
    """The hall's front page: search, themes, most-used items, entries to the two pages."""
    return render_template(
        "catalog/home.html",
        person_themes=services.list_themes(Audience.PERSON),
        enterprise_themes=services.list_themes(Audience.ENTERPRISE),
        popular=services.popular_items(),
        entries=one_stop_entries(),
        is_staff=current_user.is_authenticated and is_staff(current_user),
    )


@blueprint.get("/one-stop/<code>")
@cached_page(CATALOG)
def one_stop(code: str):
    """A one-stop entry run by another body (the public resource trading centre): what it is and
    where to go; the hall's pages link only inside the hall."""
    return render_template("catalog/one_stop.html", entry=linked_entry(code))


@blueprint.get("/one-stop/<code>/go")
def one_stop_go(code: str):
    """Leave the hall for the body's own site (the address the office keeps)."""
    return redirect(linked_entry(code).address or "/", 303)


def _filters_from(form: ItemFilterForm) -> services.ItemFilters:
    audience = form.valid_value("audience")
    group = form.valid_value("group")
    return services.ItemFilters(
        terms=tuple(query_terms(form.q.data or "", current_app.config["SEARCH_MAX_LENGTH"])),
        theme=form.valid_value("theme"),
        department=form.valid_value("department"),
        town=form.valid_value("town"),
        audience=Audience(audience) if audience else None,
        group=ItemGroup(group) if group else None,
        zero_visits=bool(form.zero_visits.data),
        mobile_only=bool(form.mobile.data),
    )


@blueprint.get("/items")
@cached_page(CATALOG)
def item_list():
    """Items matching the search words and filters, a page at a time."""
    form = ItemFilterForm(
        request.args,
        themes=services.list_themes(),
        departments=list_units(UnitLevel.DEPARTMENT),
        towns=list_units(UnitLevel.TOWN),
    )
    form.validate()
    filters = _filters_from(form)
    result = services.find_items(
        filters, page=page_number(form.page.data), per_page=current_app.config["ITEMS_PER_PAGE"]
    )
    return render_template("catalog/list.html", form=form, filters=filters, result=result)


def _guide(code: str, number: int | None):
    version = services.get_guide(code, number)
    account = current_user if current_user.is_authenticated else None
    covers = wallet_covers(account, version) if not number else {}
    if account is not None and not number:
        record_view(account, version.item_id)  # 最近浏览 on the personal page
    return render_template(
        "catalog/guide.html",
        item=version,
        covers=covers,
        my_visits=visits_with_wallet(version, set(covers)) if account else None,
        level_short=current_user.is_authenticated
        and not meets_real_name_level(current_user, version.min_real_name_level),
        units_by_level=services.units_by_level(version),
        stages=ALL_STAGES,
        is_history=number is not None,
        is_favourite=is_favourite(account, version.item_id),
    )


@blueprint.get("/items/<code>")
@cached_page(CATALOG)
def guide(code: str):
    """The current guide (办事指南) of an item."""
    return _guide(code, None)


@blueprint.get("/items/<code>/versions/<int:number>")
@cached_page(CATALOG)
def guide_version(code: str, number: int):
    """An earlier published version of a guide, kept readable."""
    return _guide(code, number)


@blueprint.get("/items/<code>/versions")
@cached_page(CATALOG)
def versions(code: str):
    """Every published version of an item's guide."""
    return render_template(
        "catalog/versions.html", code=code, versions=services.list_versions(code)
    )
