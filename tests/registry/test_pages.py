"""The office's registry pages: each change validated, audited, kept in the record's history
and shown on the public pages; everyone else refused."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from mobile_hall.audit.models import AuditEvent
from mobile_hall.common.errors import NotAuthorized
from mobile_hall.extensions import db
from mobile_hall.monitoring.metrics import assessed_units
from mobile_hall.organisations.models import Unit
from mobile_hall.registry import services
from tests.support.monitoring import person
from tests.support.pages import post

UNIT = "/staff/registry/units/QJ-SCJGJ"


def _unit_form(client, **changes) -> dict[str, str]:
    """The unit's edit form as the page fills it, with `changes`."""
    html = client.get(UNIT).get_data(as_text=True)
    fields = dict(re.findall(r'<input [^>]*name="(\w+)"[^>]*value="([^"]*)"', html))
    for name in ("level", "parent"):
        select = re.search(rf'<select [^>]*name="{name}".*?</select>', html, re.S).group(0)
        fields[name] = re.search(r'<option selected value="([^"]*)"', select).group(1)
    fields.pop("csrf_token", None)
    return {**fields, **changes}


def _last_event(app) -> int:
    """The newest audit record's id: journeys on the live hall commit records the test's
    rollback cannot take back, so each test counts only what came after it started."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0


def _events(app, action: str, after: int) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action == action, AuditEvent.id > after)
            )
        )


def test_the_office_changes_a_units_phone_and_the_public_page_shows_it(client, sign_in, app):
    office = sign_in("office")
    start = _last_event(app)
    assert "0751-6652315" in client.get("/units/QJ-SCJGJ").get_data(as_text=True)
    response = post(office, UNIT, **_unit_form(office, phone="0751-6652399"))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]

    public = client.get("/units/QJ-SCJGJ").get_data(as_text=True)
    assert "0751-6652399" in public and "0751-6652315" not in public
    [event] = _events(app, "reference.unit", start)
    assert event.target == "unit:QJ-SCJGJ"
    assert event.details["before"]["phone"] == "0751-6652315"
    assert event.details["after"]["phone"] == "0751-6652399"
    history = office.get(UNIT).get_data(as_text=True)
    assert "修改记录（1）" in history and "0751-6652315 → 0751-6652399" in history
    assert "钟国平" in history


def test_a_bad_credit_code_is_refused_beside_its_field(client, sign_in, app):
    office = sign_in("office")
    start = _last_event(app)
    response = post(office, UNIT, **_unit_form(office, credit_code="11440205MB2C314770"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(r'id="credit_code-error">统一社会信用代码校验位不正确<', html), html[
        html.find("credit_code") : html.find("credit_code") + 800
    ]
    with app.app_context():
        code = db.session.scalar(sa.select(Unit.credit_code).where(Unit.code == "QJ-SCJGJ"))
    assert code == "11440205MB2C31477C"
    assert _events(app, "reference.unit", start) == []


def test_a_village_cannot_be_moved_under_a_department(client, sign_in):
    office = sign_in("office")
    path = "/staff/registry/units/QJ-MB-01"
    html = office.get(path).get_data(as_text=True)
    fields = dict(re.findall(r'<input [^>]*name="(\w+)"[^>]*value="([^"]*)"', html))
    fields.pop("csrf_token")
    response = post(office, path, **fields, level="village", parent="QJ-SCJGJ")
    assert response.status_code == 400
    assert "上级单位层级不符" in response.get_data(as_text=True)


def test_the_office_adds_a_registration_point(client, sign_in, app):
    office = sign_in("office")
    start = _last_event(app)
    response = post(
        office,
        "/staff/registry/units/QJ-DT/locations/new",
        name="大塘镇便民服务中心实名注册服务台",
        address="韶关市曲江区大塘镇大塘圩府前路1号",
        hours="周一至周五 8:30-12:00",
        phone="0751-6600123",
        registration_point="y",
    )
    assert response.status_code == 303
    assert "大塘镇便民服务中心实名注册服务台" in client.get("/registration-points").get_data(
        as_text=True
    )
    assert len(_events(app, "reference.location", start)) == 1


def test_a_towns_figures_of_a_year_feed_the_assessment(client, sign_in, app):
    office = sign_in("office")
    page = office.get("/staff/registry/figures?year=2030").get_data(as_text=True)
    assert "马坝镇" in page and "未填" in page
    response = post(
        office, "/staff/registry/figures/QJ-MB/2030", population="150000", enterprise_count="6000"
    )
    assert response.status_code == 303
    wrong = post(
        office, "/staff/registry/figures/QJ-MB/2030", population="很多", enterprise_count="1"
    )
    assert wrong.status_code == 400 and 'id="population-error">应为整数<' in wrong.get_data(
        as_text=True
    )
    with app.app_context():
        refs = {ref.code: ref for ref in assessed_units(2030)}
        earlier = {ref.code: ref for ref in assessed_units(2026)}
    assert (refs["QJ-MB"].population, refs["QJ-MB"].enterprise_count) == (150000, 6000)
    assert earlier["QJ-MB"].population != 150000
    # A year without figures of its own takes the latest earlier year's.
    with app.app_context():
        assert {ref.code: ref for ref in assessed_units(2031)}["QJ-MB"].population == 150000
    assert office.get("/staff/registry/figures/QJ-MB-01/2030").status_code == 404


def test_the_home_page_shows_the_one_stop_entries(client):
    html = client.get("/").get_data(as_text=True)
    for name in ("投资审批", "公共资源交易", "行政审批事项", "社会服务事项"):
        assert name in html
    assert 'href="/items?group=approval"' in html
    assert 'href="/items?theme=construction"' in html
    assert 'href="/one-stop/public_resource"' in html


def test_an_entrys_filter_opens_a_list_of_only_those_items(client):
    approval = client.get("/items?group=approval").get_data(as_text=True)
    service = client.get("/items?group=public_service").get_data(as_text=True)
    assert set(re.findall(r'href="/items/([A-Z0-9-]+)"', approval)).isdisjoint(
        re.findall(r'href="/items/([A-Z0-9-]+)"', service)
    )
    assert "营业执照" in approval


def test_the_office_edits_an_entry_and_the_home_page_follows(client, sign_in):
    office = sign_in("office")
    refused = post(
        office,
        "/staff/registry/entries/investment",
        name="投资审批",
        description="",
        target="theme",
        value="nope",
    )
    assert refused.status_code == 400 and "主题编码不存在：nope" in refused.get_data(as_text=True)
    response = post(
        office,
        "/staff/registry/entries/investment",
        name="投资项目审批",
        description="发改立项、用地和工程建设",
        target="unit",
        value="QJ-FGJ",
    )
    assert response.status_code == 303
    html = client.get("/").get_data(as_text=True)
    assert "投资项目审批" in html and 'href="/items?department=QJ-FGJ"' in html


def test_the_office_renames_a_theme_and_adds_one(client, sign_in):
    office = sign_in("office")
    assert (
        post(
            office,
            "/staff/registry/themes/birth",
            name="生育服务",
            audience="person",
            description="",
        ).status_code
        == 303
    )
    added = post(
        office,
        "/staff/registry/themes/new",
        code="investment",
        name="投资项目",
        audience="enterprise",
        description="",
    )
    assert added.status_code == 303
    html = client.get("/").get_data(as_text=True)
    assert "生育服务" in html and "投资项目" in html


def test_the_office_changes_a_licence_types_validity(client, sign_in, app):
    office = sign_in("office")
    start = _last_event(app)
    code = "11440205MB2C31477C001"
    response = post(
        office,
        f"/staff/registry/license-types/{code}",
        name="营业执照",
        issuing_unit="QJ-SCJGJ",
        holder_type="enterprise",
        validity_years="30",
    )
    assert response.status_code == 303
    assert "30 年有效" in office.get("/staff/registry/license-types").get_data(as_text=True)
    assert len(_events(app, "reference.license_type", start)) == 1


@pytest.mark.parametrize("username", ["clerk", "citizen"])
def test_anyone_but_the_office_is_refused(client, sign_in, username):
    someone = sign_in(username)
    for path in (
        "/staff/registry",
        "/staff/registry/units",
        UNIT,
        "/staff/registry/figures",
        "/staff/registry/entries",
    ):
        assert someone.get(path).status_code == 403, path
    assert post(someone, UNIT, phone="0751-0000000").status_code == 403


def test_the_service_refuses_a_clerk_whatever_the_page(app_context):
    with pytest.raises(NotAuthorized):
        services.save_figure(
            person("clerk"), "QJ-MB", 2030, {"population": 1, "enterprise_count": 1}
        )


def test_signing_in_is_asked_first(client):
    response = client.get("/staff/registry")
    assert response.status_code in (302, 303, 401)


def test_the_trading_centre_entry_stays_in_the_hall_until_asked(client):
    page = client.get("/one-stop/public_resource").get_data(as_text=True)
    assert "https://ygp.gdzwfw.gov.cn/" in page
    assert 'href="/one-stop/public_resource/go"' in page
    leave = client.get("/one-stop/public_resource/go")
    assert leave.status_code == 303 and leave.headers["Location"] == "https://ygp.gdzwfw.gov.cn/"
    embedded = client.get("/one-stop/public_resource?embed=1").get_data(as_text=True)
    assert "https://ygp.gdzwfw.gov.cn/" in embedded and "/go" not in embedded
    assert client.get("/one-stop/approval").status_code == 404  # a filter, not a link
    assert client.get("/one-stop/approval/go").status_code == 404
    assert client.get("/one-stop/no_such_entry/go").status_code == 404
