"""Public pages of the district's organisations and service points."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from ..catalog import services as catalog
from ..common.freshness import CATALOG
from ..common.pagecache import cached_page
from . import services
from .constants import UnitLevel

blueprint = Blueprint("organisations", __name__)


@blueprint.get("/units")
@cached_page(CATALOG)
def unit_index():
    """The district's departments and towns."""
    return render_template(
        "organisations/index.html",
        departments=services.district_departments(),
        towns=services.list_units(UnitLevel.TOWN, with_children=True),
    )


@blueprint.get("/units/<code>")
@cached_page(CATALOG)
def unit_page(code: str):
    """A unit's page: contact, service points, villages and the items it handles."""
    try:
        unit = services.get_unit(code)
    except services.UnitNotFound:
        abort(404)
    items = catalog.items_of_units(services.unit_and_descendant_ids(unit))
    return render_template("organisations/unit.html", unit=unit, items=items)


@blueprint.get("/registration-points")
@cached_page(CATALOG)
def registration_points():
    """Where to register or upgrade a real-name account (实名账户注册办理点)."""
    return render_template(
        "organisations/registration_points.html", points=services.registration_points()
    )
