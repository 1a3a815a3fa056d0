"""Loading the demo data: the district's reference data (through the same import a deployment
uses), staff roles, recommendation rules, the catalog and the demo history."""

from __future__ import annotations

import json
from pathlib import Path

from ..authoring.services import upsert_review_routes
from ..catalog.services import ImportReport, import_catalog
from ..extensions import db
from ..identity.services import upsert_staff_roles
from ..licenses.services import load_demo_licenses
from ..monitoring.demo import load_demo_monitoring
from ..pages.services import load_demo_enterprise_pages, load_rules
from ..registry.importing import import_reference
from .history import load_history

DATA_DIR = Path(__file__).parent / "data"


def load_reference_data() -> None:
    """Create or refresh the reference data by code (`flask reference import`'s own path), then
    the staff roles and recommendation rules, in a second transaction."""
    raw = json.loads((DATA_DIR / "reference.json").read_text(encoding="utf-8"))
    import_reference(raw, actor="cli:demo-load")
    try:
        staff = json.loads((DATA_DIR / "staff.json").read_text(encoding="utf-8"))
        upsert_staff_roles(staff["staff"])
        routes = json.loads((DATA_DIR / "review_routes.json").read_text(encoding="utf-8"))
        upsert_review_routes(routes["review_routes"])
        rules = json.loads((DATA_DIR / "recommendations.json").read_text(encoding="utf-8"))
        load_rules(rules["rules"])
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def load_demo() -> ImportReport:
    """Load every demo dataset; running it again changes nothing."""
    load_reference_data()
    catalog = json.loads((DATA_DIR / "catalog.json").read_text(encoding="utf-8"))
    report = import_catalog(catalog, actor="cli:demo-load")
    load_demo_licenses()
    load_history()
    pages = json.loads((DATA_DIR / "enterprise_pages.json").read_text(encoding="utf-8"))
    load_demo_enterprise_pages(pages)
    load_demo_monitoring()
    return report
