"""Every route and method of the hall, asked by every kind of person, against one table.

The table (`route_matrix.txt`) has one row per endpoint and method of `app.url_map` (a row may
be repeated with an ``@variant`` naming whose object the URL points to) and one column per role.
A route the table does not cover fails, and so does any answer that differs from its cell.

The URLs point at real objects of citizen A, of enterprise E and of unit A, made by the
builders, so "another person's" and "another unit's" cells are real refusals. Each role's
session is signed in and holds a CSRF token: a POST is refused for authorization, never for
CSRF. Every request runs in a savepoint rolled back after it, so no cell changes the next.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask, current_app

from mobile_hall.api import departments
from mobile_hall.api.constants import Capability
from mobile_hall.api.keys import create_api_key
from mobile_hall.applications import services as applicant
from mobile_hall.applications.constants import ApplicationStatus
from mobile_hall.applications.models import ApplicationMaterial, Message
from mobile_hall.authoring.models import ReviewRoute
from mobile_hall.catalog.constants import ItemKind
from mobile_hall.extensions import db
from mobile_hall.identity.constants import OrgRole, StaffRoleKind, UserType
from mobile_hall.identity.models import StaffRole
from mobile_hall.licenses.issuance import Holder
from mobile_hall.organisations.constants import UnitLevel
from mobile_hall.organisations.models import Unit
from mobile_hall.pages import enterprise as enterprise_pages
from mobile_hall.pages.models import RecommendationRule
from mobile_hall.storage.files import LocalFileStorage
from tests.support import builders
from tests.support.browser import token_of
from tests.support.samples import PNG
from tests.support.sessions import signed_in_token
from tests.support.transactions import rolled_back, undone

TABLE = Path(__file__).with_name("route_matrix.txt")
# Everyone asks from a public address but `ops`, the operator's network (METRICS_ALLOWED_NETWORKS).
PUBLIC_ADDRESS = "203.0.113.7"
OPERATOR_ADDRESS = "127.0.0.1"
QUARTER = "2026Q3"
# Methods every rule answers by itself (HEAD as GET, OPTIONS from Flask): not the views' own.
AUTOMATIC_METHODS = {"HEAD", "OPTIONS"}
REDIRECTS = {301, 302, 303, 307, 308}
# The departments' steps on an application, each with a body that passes validation (and
# `complete`, the item's first way of delivery).
DEPARTMENT_STEPS: dict[str, dict[str, Any]] = {
    "accept": {},
    "reject_accept": {"reason": "材料不齐"},
    "supplement_request": {"items": [{"position": 0, "name": "测试材料1", "reason": "不清晰"}]},
    "review": {"opinion": "符合条件"},
    "decide": {"decision": "approved"},
    "complete": {},
}


@dataclass(frozen=True)
class Row:
    """One line of the table: a route and method, whose object its URL names, each role's
    answer."""

    method: str
    endpoint: str
    variant: str
    cells: dict[str, str]

    @property
    def name(self) -> str:
        """How a difference names the row: `GET applications.detail @enterprise`."""
        return " ".join(
            filter(None, (self.method, self.endpoint, self.variant and f"@{self.variant}"))
        )


def read_table() -> tuple[list[str], list[Row]]:
    """The roles (the header's columns) and the rows of the table file."""
    lines = [
        line.split("#", 1)[0].split()
        for line in TABLE.read_text(encoding="utf-8").splitlines()
        if line.split("#", 1)[0].strip()
    ]
    header, body = lines[0], lines[1:]
    assert header[:2] == ["method", "endpoint"], header
    roles = header[2:]
    rows = []
    for words in body:
        method, endpoint, *rest = words
        variant = rest.pop(0)[1:] if rest and rest[0].startswith("@") else ""
        assert len(rest) == len(roles), f"{method} {endpoint}: {len(rest)} cells for {roles}"
        rows.append(Row(method, endpoint, variant, dict(zip(roles, rest, strict=True))))
    return roles, rows


def routes(app: Flask) -> set[tuple[str, str]]:
    """(method, endpoint) of every rule of the URL map."""
    return {
        (method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) - AUTOMATIC_METHODS
    }


@dataclass
class World:
    """The objects the URLs name and each role's way in (cookie, CSRF token, API key)."""

    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)
    forms: dict[str, dict[str, str]] = field(default_factory=dict)


def _unit(level: UnitLevel) -> Unit:
    return db.session.scalars(sa.select(Unit).where(Unit.level == level).limit(1)).one()


def _build() -> tuple[World, dict[str, Any]]:
    """Inside an app context: the people, their objects and the URL values of every route."""
    unit_a, unit_b = builders.make_unit(), builders.make_unit()
    town = builders.make_unit(UnitLevel.TOWN)
    person_licence_type = builders.make_license_type(unit_a, holder_type="person")
    enterprise_licence_type = builders.make_license_type(unit_a)
    other_licence_type = builders.make_license_type(unit_b)
    item = builders.make_item(unit_a, result=person_licence_type)
    builders.make_item(unit_b)  # so that unit B's key may pull applications too
    drafted_item = builders.make_item(unit_a)
    reviewed_item = builders.make_item(unit_a)
    enterprise_item = builders.make_item(unit_a, audience="enterprise")
    agents_item = builders.make_item(unit_a, audience="enterprise")

    number_a = builders.id_number()
    citizen_a = builders.make_account(number=number_a)
    citizen_b = builders.make_account()
    draft = builders.make_application(citizen_a, item, ApplicationStatus.DRAFT)
    applicant.attach_upload(citizen_a, draft, 0, io.BytesIO(PNG), "a.png")
    submitted = builders.make_application(citizen_a, item)
    completed = builders.make_application(citizen_a, item, ApplicationStatus.COMPLETED)
    licence = builders.issue_licence(
        person_licence_type, Holder.person(citizen_a.name, number_a), {"name": citizen_a.name}
    )

    representative = builders.make_account(user_type=UserType.LEGAL_PERSON)
    company = representative.enterprise
    company_application = builders.make_application(representative, enterprise_item)
    agents_application = builders.make_application(representative, agents_item)
    company_licence = builders.issue_licence(
        enterprise_licence_type, Holder.enterprise(company.name, company.credit_code)
    )
    agents = {}
    for role in ("agent-limited", "agent-removed"):
        number = builders.id_number()
        agents[role] = builders.make_account(
            user_type=UserType.LEGAL_PERSON,
            enterprise=company,
            org_role=OrgRole.AGENT,
            number=number,
        )
        agents[role + "-record"] = enterprise_pages.add_agent(
            representative, agents[role].name, number, [], [agents_item.item.code]
        ).id
    enterprise_pages.remove_agent(representative, agents["agent-removed-record"])

    district = _unit(UnitLevel.DISTRICT)
    # The unit that reviews the guides of licence items like the builders' (data, not code).
    reviewer_unit = db.session.scalars(
        sa.select(Unit)
        .join(ReviewRoute, ReviewRoute.unit_id == Unit.id)
        .where(ReviewRoute.item_kind == ItemKind.ADMINISTRATIVE_LICENSE)
    ).one()
    people = {
        "citA": citizen_a,
        "citB": citizen_b,
        "rep": representative,
        "agLim": agents["agent-limited"],
        "agRm": agents["agent-removed"],
        "clkA": builders.make_staff(unit_a, StaffRoleKind.WINDOW_CLERK),
        "clkB": builders.make_staff(unit_b, StaffRoleKind.WINDOW_CLERK),
        "town": builders.make_staff(town, StaffRoleKind.WINDOW_CLERK),
        "revA": builders.make_staff(unit_a, StaffRoleKind.REVIEWER),
        "office": builders.make_staff(district, StaffRoleKind.DISTRICT_OFFICE),
        "edA": builders.make_staff(unit_a, StaffRoleKind.CATALOG_EDITOR),
        "edB": builders.make_staff(unit_b, StaffRoleKind.CATALOG_EDITOR),
        "cRev": builders.make_staff(reviewer_unit, StaffRoleKind.CATALOG_REVIEWER),
    }
    draft_of_a = builders.make_guide_draft(people["edA"], drafted_item.item.code)
    submitted_draft = builders.make_guide_draft(
        people["edA"], reviewed_item.item.code, submitted=True
    )
    location = builders.make_location(unit_a)
    entry = builders.make_one_stop_link()

    def material_of(application_id: int) -> int:
        return db.session.scalars(
            sa.select(ApplicationMaterial.id).where(
                ApplicationMaterial.application_id == application_id
            )
        ).first()

    message = db.session.scalars(
        sa.select(Message.id).where(Message.account_id == citizen_a.id).limit(1)
    ).one()
    clerk_b_role = db.session.scalars(
        sa.select(StaffRole.id).where(StaffRole.unit_id == unit_b.id).limit(1)
    ).one()
    rule = db.session.scalars(sa.select(RecommendationRule.id).limit(1)).one()

    world = World()
    # Unit A's key may do all its unit has, and pull the record log; unit B's key reaches its
    # own items and licence types, not the log.
    key_a, secret_a = create_api_key(
        unit_a.code,
        actor="test",
        capabilities=[Capability.LICENSES, Capability.APPLICATIONS, Capability.EXCHANGE_RECORDS],
        license_types=[person_licence_type.code],
    )
    _key_b, secret_b = create_api_key(
        unit_b.code, actor="test", license_types=[other_licence_type.code]
    )
    world.keys = {"keyA": secret_a, "keyB": secret_b}
    with current_app.test_request_context():
        shown = departments.show_application(key_a, submitted.id)
    file_token = urlsplit(shown.materials[0].download_url or "").path.rsplit("/", 1)[1]
    db.session.commit()
    on_draft = {"application_id": draft.id}
    on_submitted = {"application_id": submitted.id}
    world.values = {
        "applications.detail": on_submitted,
        "applications.detail@enterprise": {"application_id": company_application.id},
        "applications.detail@agents-item": {"application_id": agents_application.id},
        "applications.check": on_draft,
        "applications.form_page": {**on_draft, "page": 1},
        "applications.materials": on_draft,
        "applications.remove_material": {**on_draft, "material_id": material_of(draft.id)},
        "applications.submit": on_draft,
        "applications.file": {**on_submitted, "material_id": material_of(submitted.id)},
        "applications.withdraw": on_submitted,
        "applications.submit_supplement": on_submitted,
        "applications.commit_tolerance": on_submitted,
        "applications.rate": {"application_id": completed.id},
        "applications.reapply": {"application_id": completed.id},
        "applications.start": {"code": item.item.code},
        "applications.message": {"message_id": message},
        "catalog.guide": {"code": item.item.code},
        "catalog.versions": {"code": item.item.code},
        "catalog.guide_version": {"code": item.item.code, "number": 1},
        "licenses.detail": {"license_id": licence.id},
        "licenses.detail@enterprise": {"license_id": company_licence.id},
        "license_api.look_up": {"identifier": licence.identifier},
        "license_api.revoke": {"identifier": licence.identifier},
        "pages.add_favourite": {"code": item.item.code},
        "pages.remove_favourite": {"code": item.item.code},
        "pages.dismiss": {"rule_id": rule},
        "pages.remove_agent": {"agent_id": agents["agent-limited-record"]},
        "pages_staff.edit_rule": {"rule_id": rule},
        "staff.revoke_role": {"role_id": clerk_b_role},
        "monitoring.self_check": {"quarter_name": QUARTER, "code": unit_a.code},
        "monitoring.self_check_sheet": {"quarter_name": QUARTER, "code": unit_a.code},
        "monitoring.send_notices": {"quarter_name": QUARTER},
        "monitoring.summary_sheet": {"quarter_name": QUARTER},
        "monitoring.unit": {"code": unit_a.code},
        "monitoring.applications": {"code": unit_a.code, "item_code": item.item.code},
        "organisations.unit_page": {"code": unit_a.code},
        "static": {"filename": "css/hall.css"},
        "workbench.application": on_submitted,
        "workbench.act": {**on_submitted, "action": "accept"},
        "workbench.reveal_id": on_submitted,
        "workbench.material_file": {**on_submitted, "material_id": material_of(submitted.id)},
        "authoring.open_draft": {"code": item.item.code},
        "authoring.suspend": {"code": item.item.code},
        "authoring.resume": {"code": item.item.code},
        **{
            f"authoring.{name}": {"draft_id": draft_of_a.id}
            for name in ("draft", "save", "submit", "preview")
        },
        "authoring.preview_step": {"draft_id": draft_of_a.id, "step": 1},
        **{
            f"authoring.{name}": {"draft_id": submitted_draft.id}
            for name in ("review", "approve", "return_")
        },
        "registry.edit_unit": {"code": unit_a.code},
        "registry.new_location": {"code": unit_a.code},
        "registry.edit_location": {"code": unit_a.code, "location_id": location.id},
        "registry.delete_location": {"code": unit_a.code, "location_id": location.id},
        "registry.edit_figure": {"code": town.code, "year": 2000},
        "registry.edit_theme": {"code": item.themes[0].code},
        "registry.edit_license_type": {"code": person_licence_type.code},
        "registry.edit_entry": {"code": entry.code},
        "catalog.one_stop": {"code": entry.code},
        "catalog.one_stop_go": {"code": entry.code},
        "api.revoke_key": {"prefix": key_a.prefix},
        "api_departments.material_file": {"token": file_token},
        **{f"api_departments.{step}": on_submitted for step in ("show", *DEPARTMENT_STEPS)},
    }
    world.bodies = {
        "license_api.issue": {
            "type": person_licence_type.code,
            "holder": {"kind": "person", "name": citizen_b.name, "id_number": builders.id_number()},
            "data": {"name": citizen_b.name},
        },
        "license_api.revoke": {"reason": "测试撤销"},
        **{f"api_departments.{step}": body for step, body in DEPARTMENT_STEPS.items()},
        "api_departments.complete": {"delivery": item.result_delivery[0]},
    }
    # Forms that pass validation, so that the service's own authorization answers.
    world.forms = {
        "pages.add_agent": {"name": "测试经办人", "id_number": builders.id_number()},
        "authoring.new_item": {"unit": unit_a.code},
        "authoring.return_": {"reason": "请补充设定依据"},
    }
    return world, people


@pytest.fixture(scope="module")
def world(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One dataset for the module, signed-in sessions with a CSRF token for every role."""
    storage = app.extensions["upload_storage"]
    app.extensions["upload_storage"] = LocalFileStorage(tmp_path_factory.mktemp("uploads"))
    try:
        with rolled_back(app) as connection:
            with app.app_context():
                world, people = _build()
                cookies = {role: signed_in_token(account) for role, account in people.items()}
            name = app.config["SESSION_COOKIE_NAME"]
            for role in ("anon", "ops", "keyA", "keyB", *people):
                client = app.test_client()
                if role in cookies:
                    client.set_cookie(name, cookies[role])
                world.tokens[role] = token_of(client)
                world.cookies[role] = client.get_cookie(name).value
            yield world, connection
    finally:
        app.extensions["upload_storage"] = storage


def ask(app: Flask, world: World, row: Row, role: str) -> Any:
    """The hall's answer to `role` asking the row's route."""
    values = world.values.get(f"{row.endpoint}@{row.variant}" if row.variant else row.endpoint)
    with app.test_request_context():
        path = app.url_for(row.endpoint, **(values or {}))
    client = app.test_client()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], world.cookies[role])
    headers = {"Authorization": f"Bearer {world.keys[role]}"} if role in world.keys else {}
    if row.endpoint in world.bodies:
        headers["Idempotency-Key"] = f"matrix-{role}-{row.endpoint}"
    address = OPERATOR_ADDRESS if role == "ops" else PUBLIC_ADDRESS
    options: dict[str, Any] = {"headers": headers, "environ_base": {"REMOTE_ADDR": address}}
    if row.method == "POST":
        if row.endpoint in world.bodies:
            options["json"] = world.bodies[row.endpoint]
        else:
            options["data"] = {
                "csrf_token": world.tokens[role],
                **world.forms.get(row.endpoint, {}),
            }
    return client.open(path, method=row.method, **options)


def outcome(response: Any) -> str:
    """A cell: the status, or `login` for a redirect to the sign-in."""
    location = response.headers.get("Location", "")
    if response.status_code in REDIRECTS and urlsplit(location).path == "/auth/login":
        return "login"
    return str(response.status_code)


def test_the_table_covers_every_route_and_method(app):
    _, rows = read_table()
    covered = {(row.method, row.endpoint) for row in rows}
    assert sorted(routes(app) - covered) == [], "routes missing from route_matrix.txt"
    assert sorted(covered - routes(app)) == [], "rows for routes that no longer exist"
    names = [row.name for row in rows]
    assert len(names) == len(set(names)), "a row is written twice"


def test_every_role_gets_what_the_table_says(app, world):
    built, connection = world
    roles, rows = read_table()
    assert set(roles) == set(built.cookies)
    differences = []
    for row in rows:
        for role in roles:
            with undone(connection):
                response = ask(app, built, row, role)
                got = outcome(response)
                response.close()
            if got != row.cells[role]:
                differences.append(f"{row.name} as {role}: table {row.cells[role]}, got {got}")
    assert differences == []
