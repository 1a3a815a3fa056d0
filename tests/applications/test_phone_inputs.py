"""Every field of every demo item's form carries the keyboard and autofill a phone needs."""

from __future__ import annotations

from html.parser import HTMLParser

from mobile_hall.common.fieldinputs import FIELD_INPUTS
from mobile_hall.extensions import db
from tests.support.applications import account, current_versions, pick_item, start_draft
from tests.support.pages import post


class _Inputs(HTMLParser):
    """The attributes of each input, select and textarea of a page, by name."""

    def __init__(self) -> None:
        super().__init__()
        self.by_name: dict[str, dict[str, str | None]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in ("input", "select", "textarea") and found.get("name"):
            self.by_name.setdefault(str(found["name"]), {"tag": tag, **found})


def _inputs(html: str) -> dict[str, dict[str, str | None]]:
    parser = _Inputs()
    parser.feed(html)
    return parser.by_name


def _applicant(version) -> str:
    if version.audience.value == "enterprise":
        return "enterprise"
    return "citizen" if version.min_real_name_level <= 3 else "clerk"  # a level-4 person


def _signed_in(app, sign_in, username: str):
    client = sign_in(username, app.test_client())
    if username == "enterprise":  # two enterprise items ask for level 4 (rolled back after)
        with app.app_context():
            account(username).real_name_level = 4
            db.session.commit()
    return client


def test_every_demo_item_form_field_has_the_phone_keyboard_and_autofill_of_its_type(
    app, sign_in, isolated_db
):
    with app.app_context():
        versions = [
            (v.item.code, v.units[0].code, _applicant(v), v.form_fields)
            for v in current_versions()
            if v.form_fields and "apply" in v.online_stages
        ]
    assert len(versions) >= 50  # the demo catalog's online items
    clients, checked = {}, set()
    for code, unit, username, fields in versions:
        if username not in clients:
            clients[username] = _signed_in(app, sign_in, username)
        client = clients[username]
        application_id = start_draft(app, username, code, unit)
        groups = list(dict.fromkeys(f.get("group", "基本信息") for f in fields))
        pages = {
            page: _inputs(client.get(f"/applications/{application_id}/form/{page}").text)
            for page in range(1, len(groups) + 1)
        }
        for spec in fields:
            rendered = pages[groups.index(spec.get("group", "基本信息")) + 1][spec["name"]]
            for attribute, value in FIELD_INPUTS.get(spec["type"], {}).items():
                assert rendered.get(attribute) == value, (code, spec["name"], attribute)
            checked.add(spec["type"])
    assert {"person_name", "phone", "id_number", "credit_code", "address"} <= checked
    assert {"number", "count", "date"} <= checked


def _assert_kind(inputs: dict, name: str, kind: str) -> None:
    for attribute, value in FIELD_INPUTS[kind].items():
        assert inputs[name].get(attribute) == value, (name, attribute)


def test_the_halls_own_forms_carry_them_too(app, sign_in, client):
    lookup = _inputs(client.get("/progress").text)
    _assert_kind(lookup, "number", "code")
    _assert_kind(lookup, "phone_last4", "digits")
    assert lookup["phone_last4"]["type"] == "text"

    company = sign_in("enterprise", app.test_client())
    assert post(company, "/enterprise/open", town="QJ-MB").status_code == 303
    page = _inputs(company.get("/enterprise").text)
    _assert_kind(page, "legal_representative", "person_name")
    _assert_kind(page, "address", "address")
    _assert_kind(page, "name", "person_name")  # an agent's
    _assert_kind(page, "id_number", "id_number")

    clerk = sign_in("clerk", app.test_client())
    code = pick_item(app, units=1, tolerant=True)
    intake = _inputs(clerk.get(f"/workbench/counter?item={code}").text)
    _assert_kind(intake, "applicant_name", "person_name")
    _assert_kind(intake, "id_number", "id_number")
    _assert_kind(intake, "phone", "phone")
