"""Staff roles: the district office assigns them; nobody else reaches a staff page."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mobile_hall.extensions import db
from mobile_hall.identity.models import StaffRole
from tests.support.audit import audit_actions
from tests.support.browser import Browser, csrf_token

NON_STAFF = ["citizen", "citizen-l1", "enterprise", "agent"]
STAFF_OF_UNITS = ["clerk", "reviewer", "town-clerk"]
# Endpoints only the district office may use, whatever unit the person serves.
OFFICE_ONLY = {
    "staff.roles",
    "staff.grant_role",
    "staff.revoke_role",
    "pages_staff.rules",
    "pages_staff.edit_rule",
    "pages_staff.policies",
    "registry.index",
    "registry.units",
    "registry.new_unit",
    "registry.edit_unit",
    "registry.new_location",
    "registry.edit_location",
    "registry.delete_location",
    "registry.figures",
    "registry.edit_figure",
    "registry.themes",
    "registry.new_theme",
    "registry.edit_theme",
    "registry.license_types",
    "registry.edit_license_type",
    "registry.entries",
    "registry.new_entry",
    "registry.edit_entry",
}


def _csrf(client) -> str:
    return csrf_token(client.get("/auth/logout").get_data(as_text=True))


def _staff_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in {"staff", "workbench", "pages_staff", "registry"}:
            yield rule


def _url(app, rule) -> str:
    with app.app_context():
        role_id = db.session.scalar(sa.select(sa.func.min(StaffRole.id)))
    values = {name: role_id for name in rule.arguments}
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def _call(client, rule, url: str, token: str | None):
    if "POST" in rule.methods:
        return client.post(url, data={"csrf_token": token} if token else {})
    return client.get(url)


def test_the_office_sees_every_role_and_appoints_a_clerk(browser, app):
    browser.sign_in("office")
    page = browser.client.get("/staff/roles").get_data(as_text=True)
    assert "王志强" in page and "440***********1716" in page and "440205198804301716" not in page
    token = _csrf(browser.client)
    response = browser.client.post(
        "/staff/roles",
        data={
            "csrf_token": token,
            "person_name": "赵敏",
            "id_number": "440205199001011234",
            "unit": "QJ-DT",
            "role": "window_clerk",
        },
    )
    assert response.status_code == 303
    assert "赵敏" in browser.client.get("/staff/roles").get_data(as_text=True)
    with app.app_context():
        event = audit_actions("staff.grant_role")[-1]
        assert event.details == {
            "unit": "QJ-DT",
            "role": "window_clerk",
            "person": "440***********1234",
        }


def test_a_bad_id_number_is_named_next_to_its_field_and_kept(browser):
    browser.sign_in("office")
    response = browser.client.post(
        "/staff/roles",
        data={
            "csrf_token": _csrf(browser.client),
            "person_name": "赵敏",
            "id_number": "440205199001011230",
            "unit": "QJ-DT",
            "role": "window_clerk",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="id_number-error">身份证号码有误' in html
    assert 'value="赵敏"' in html


def test_the_office_revokes_a_role_and_the_person_loses_the_staff_pages(
    browser, app, client, identity_provider
):
    browser.sign_in("office")
    with app.app_context():
        role = db.session.scalars(
            sa.select(StaffRole).where(StaffRole.person_name == "王志强")
        ).one()
        role_id = role.id
    response = browser.client.post(
        f"/staff/roles/{role_id}/revoke", data={"csrf_token": _csrf(browser.client)}
    )
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(StaffRole, role_id) is None
        assert audit_actions("staff.revoke_role")[-1].target == f"staff_role:{role_id}"


@pytest.mark.parametrize("username", NON_STAFF)
def test_every_staff_route_refuses_every_non_staff_account(
    client, identity_provider, app, username
):
    browser = Browser(client, identity_provider)
    browser.sign_in(username)
    token = _csrf(client)
    rules = list(_staff_rules(app))
    assert rules
    for rule in rules:
        response = _call(client, rule, _url(app, rule), token)
        assert response.status_code == 403, (username, rule.rule)
        assert "没有权限" in response.get_data(as_text=True)


@pytest.mark.parametrize("username", STAFF_OF_UNITS)
def test_unit_staff_cannot_use_the_offices_pages(client, identity_provider, app, username):
    Browser(client, identity_provider).sign_in(username)
    token = _csrf(client)
    for rule in _staff_rules(app):
        if rule.endpoint in OFFICE_ONLY:
            assert _call(client, rule, _url(app, rule), token).status_code == 403, rule.rule


def test_anonymous_visitors_are_sent_to_sign_in(client, app):
    for rule in _staff_rules(app):
        if "GET" in rule.methods:
            response = client.get(_url(app, rule))
            assert response.status_code == 303
            assert response.headers["Location"].startswith("/auth/login?next=")
