"""The enterprise's dedicated page (/enterprise): profile, licences, applications, messages,
agents and their limits, policies and subscriptions, opening and closing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mobile_hall.applications.models import Application
from mobile_hall.audit.models import AuditEvent
from mobile_hall.extensions import db
from mobile_hall.identity.services import register_account
from mobile_hall.licenses.models import License
from mobile_hall.pages import services
from mobile_hall.pages.models import EnterpriseAgent, EnterpriseProfile
from tests.support.pages import account_named, post, signed_in_openings

AGENT_ID_NUMBER = "44020519900115274X"  # 陈丽娟, the demo agent


def _application_id(in_db, item_code: str) -> int:
    with in_db():
        return db.session.scalar(
            sa.select(Application.id).where(
                Application.enterprise_id.is_not(None),
                Application.item.has(code=item_code),
            )
        )


def _agent_with_limits(opened, sign_in, app, **limits: str):
    """The legal representative opens the page and registers the demo agent with `limits`
    (themes=..., items=...); returns both signed-in clients."""
    representative = opened("enterprise", "QJ-MB", path="/enterprise/open")
    post(representative, "/enterprise/agents", name="陈丽娟", id_number=AGENT_ID_NUMBER, **limits)
    return representative, sign_in("agent", app.test_client())


def _licence_ids(in_db, type_name: str | None = None) -> list[int]:
    with in_db():
        query = sa.select(License.id).where(License.holder_credit_code.is_not(None))
        if type_name:
            query = query.where(License.license_type.has(name=type_name))
        return list(db.session.scalars(query))


def _actions(in_db, action: str) -> list[AuditEvent]:
    with in_db():
        return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_only_the_legal_representative_opens_the_page(sign_in, app):
    agent = sign_in("agent", app.test_client())
    html = agent.get("/enterprise").get_data(as_text=True)
    assert "请由企业的法定代表人登录后开通" in html and "同意并开通" not in html
    assert post(agent, "/enterprise/open").status_code == 403
    representative = sign_in("enterprise")
    assert "同意并开通" in representative.get("/enterprise").get_data(as_text=True)


def test_a_person_has_no_enterprise_page(sign_in):
    client = sign_in("citizen")
    response = client.get("/enterprise")
    assert response.status_code == 303 and response.headers["Location"] == "/me"
    assert post(client, "/enterprise/open").status_code == 403
    assert post(client, "/enterprise/agents/1/remove").status_code == 403


def test_the_page_shows_the_enterprises_demo_history(opened, in_db):
    client = opened("enterprise", "QJ-MB", path="/enterprise/open")
    html = client.get("/enterprise").get_data(as_text=True)
    # profile
    assert "韶关市曲江区马坝镇曲香食品有限公司" in html and "91440205MA4W3K7B95" in html
    assert "刘建华" in html and "兴业路8号" in html and "批发零售" in html and "小型" in html
    # licences: converted and issued at completion
    assert "营业执照" in html and "食品经营许可证" in html
    # every application of the enterprise, whoever filed it
    assert "食品经营许可证核发（新办）" in html and "企业营业执照办理（企业变更登记）" in html
    # messages and policies matching its industry, size and town, newest first
    assert 'id="messages"' in html and "/messages" in html
    assert "食品经营者年度食品安全自查提醒" in html and "小微企业稳岗补贴" in html
    assert "马坝镇工业园区企业用电扩容申报" in html
    assert "建筑业企业安全生产许可证延续提醒" not in html
    with in_db():
        opening = db.session.scalars(signed_in_openings()).one()
        assert opening.owner_key.startswith("enterprise:") and opening.town.code == "QJ-MB"


def test_the_page_is_small_chinese_mobile_html(opened):
    response = opened("enterprise", "QJ-MB", path="/enterprise/open").get("/enterprise")
    html = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and 'name="viewport"' in html
    assert 'class="topbar"' in html and "企业专属网页" in html
    assert "<script" not in html and len(response.data) < 60_000


def test_the_legal_representative_edits_the_profile_audited(opened, in_db):
    client = opened("enterprise", "QJ-MB", path="/enterprise/open")
    response = post(
        client,
        "/enterprise/profile",
        legal_representative="刘建华",
        address="韶关市曲江区白土镇工业大道1号",
        industry="manufacturing",
        size="medium",
        town="QJ-BT",
    )
    assert response.status_code == 303
    html = client.get("/enterprise").get_data(as_text=True)
    assert "白土镇工业大道1号" in html and "制造业" in html and "中型" in html
    with in_db():
        opening = db.session.scalars(signed_in_openings()).one()
        assert opening.town.code == "QJ-BT"  # the ratio follows the address
    assert _actions(in_db, "pages.profile_update")


def test_an_agent_cannot_edit_the_profile_or_the_agents(opened, sign_in, app):
    opened("enterprise", "QJ-MB", path="/enterprise/open")
    agent = sign_in("agent", app.test_client())
    assert "法定代表人" in agent.get("/enterprise").get_data(as_text=True)
    assert post(agent, "/enterprise/profile", address="x").status_code == 403
    response = post(agent, "/enterprise/agents", name="某人", id_number=AGENT_ID_NUMBER)
    assert response.status_code == 403
    assert post(agent, "/enterprise/close").status_code == 403


def test_an_unregistered_agent_sees_every_application_of_the_enterprise(sign_in, in_db):
    agent = sign_in("agent")
    food = _application_id(in_db, "QJ-SCJG-0005")
    assert agent.get(f"/applications/{food}").status_code == 200


def test_an_agent_limited_to_one_theme_sees_and_acts_only_there(opened, sign_in, app, in_db):
    representative = opened("enterprise", "QJ-MB", path="/enterprise/open")
    response = post(
        representative,
        "/enterprise/agents",
        name="陈丽娟",
        id_number=AGENT_ID_NUMBER,
        themes="change",
    )
    assert response.status_code == 303
    html = representative.get("/enterprise").get_data(as_text=True)
    assert "陈丽娟 · 440***********274X" in html and "只能办理：变更登记" in html
    [added] = _actions(in_db, "pages.agent_add")
    assert added.details["themes"] == ["change"]

    agent = sign_in("agent", app.test_client())
    food, change = _application_id(in_db, "QJ-SCJG-0005"), _application_id(in_db, "QJ-SCJG-0003")
    assert agent.get(f"/applications/{food}").status_code == 404
    assert agent.get(f"/applications/{change}").status_code == 200
    listed = agent.get("/applications").get_data(as_text=True)
    assert "食品经营许可证核发" not in listed and "企业变更登记" in listed
    page = agent.get("/enterprise").get_data(as_text=True)
    assert "食品经营许可证核发（新办）" not in page and "您只能办理：变更登记" in page
    # starting an application outside the limits is refused; inside, it is offered
    assert agent.get("/apply/QJ-SCJG-0005").status_code == 403
    assert post(agent, "/apply/QJ-SCJG-0005").status_code == 403
    assert agent.get("/apply/QJ-SCJG-0003").status_code == 200
    # the legal representative still sees everything
    assert representative.get(f"/applications/{food}").status_code == 200


def test_an_agent_limited_to_items_by_code(opened, sign_in, app, in_db):
    _, agent = _agent_with_limits(opened, sign_in, app, items="qj-scjg-0005， QJ-SW-0002")
    assert agent.get(f"/applications/{_application_id(in_db, 'QJ-SCJG-0005')}").status_code == 200
    assert agent.get(f"/applications/{_application_id(in_db, 'QJ-SCJG-0003')}").status_code == 404


def test_a_removed_agent_sees_nothing_of_the_enterprise(opened, sign_in, app, in_db):
    representative = opened("enterprise", "QJ-MB", path="/enterprise/open")
    post(representative, "/enterprise/agents", name="陈丽娟", id_number=AGENT_ID_NUMBER)
    with in_db():
        agent_id = db.session.scalars(sa.select(EnterpriseAgent.id)).one()
    assert post(representative, f"/enterprise/agents/{agent_id}/remove").status_code == 303
    assert _actions(in_db, "pages.agent_remove")
    agent = sign_in("agent", app.test_client())
    assert agent.get(f"/applications/{_application_id(in_db, 'QJ-SCJG-0003')}").status_code == 404
    assert agent.get("/apply/QJ-SCJG-0003").status_code == 403
    # neither the enterprise's page nor any of its licences
    assert agent.get("/enterprise").status_code == 403
    wallet = agent.get("/licenses").get_data(as_text=True)
    assert "营业执照" not in wallet and "食品经营许可证" not in wallet
    for licence_id in _licence_ids(in_db):
        assert agent.get(f"/licenses/{licence_id}").status_code == 404


def test_a_limited_agent_sees_only_the_licences_of_their_items(opened, sign_in, app, in_db):
    representative, agent = _agent_with_limits(opened, sign_in, app, themes="change")
    # 企业变更登记 issues the business licence; the food licence belongs to another theme
    wallet = agent.get("/licenses").get_data(as_text=True)
    assert "营业执照" in wallet and "食品经营许可证" not in wallet
    page = agent.get("/enterprise").get_data(as_text=True)
    assert "营业执照" in page and "食品经营许可证" not in page
    food = _licence_ids(in_db, "食品经营许可证")
    assert food and all(agent.get(f"/licenses/{i}").status_code == 404 for i in food)
    # the legal representative keeps the whole wallet
    assert "食品经营许可证" in representative.get("/licenses").get_data(as_text=True)


def test_an_agent_limited_to_an_item_sees_the_licences_it_asks_for(opened, sign_in, app):
    _, agent = _agent_with_limits(opened, sign_in, app, items="QJ-SCJG-0005")
    # the food licence it issues, and the business licence it takes as a material
    wallet = agent.get("/licenses").get_data(as_text=True)
    assert "营业执照" in wallet and "食品经营许可证" in wallet


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "陈丽娟", "id_number": "440205199001152741"}, "身份证号码有误"),
        ({"name": "陈丽娟", "id_number": AGENT_ID_NUMBER, "items": "QJ-NOPE-0001"}, "没有这个事项"),
    ],
)
def test_a_bad_agent_is_refused_with_a_reason(opened, in_db, fields, message):
    client = opened("enterprise", "QJ-MB", path="/enterprise/open")
    response = post(client, "/enterprise/agents", **fields)
    assert response.status_code == 303
    assert message in client.get("/enterprise").get_data(as_text=True)
    with in_db():
        assert db.session.scalars(sa.select(EnterpriseAgent)).all() == []


def test_another_enterprises_agent_is_not_found(opened, in_db):
    client = opened("enterprise", "QJ-MB", path="/enterprise/open")
    post(client, "/enterprise/agents", name="陈丽娟", id_number=AGENT_ID_NUMBER)
    with in_db():
        agent_id = db.session.scalars(sa.select(EnterpriseAgent.id)).one()
        other = register_account(
            "https://idp.example",
            {
                "sub": "other-rep",
                "name": "王五",
                "user_type": "legal_person",
                "id_card": "440205198804301716",
                "real_name_level": 3,
                "phone_number": "13800000077",
                "uscc": "91440205MA4W3K7B09",
                "org_name": "另一家公司",
                "org_role": "legal_representative",
            },
        )
        with pytest.raises(services.AgentNotFound):
            services.remove_agent(other, agent_id)
        assert services.enterprise_page(other, None).applications == []
        assert services.enterprise_page(other, None).licenses == []
    assert post(client, f"/enterprise/agents/{agent_id + 999}/remove").status_code == 404


def test_the_office_publishes_a_policy_that_only_matching_enterprises_see(opened, sign_in, app):
    office = sign_in("office", app.test_client())
    assert office.get("/staff/policies").status_code == 200
    response = post(
        office,
        "/staff/policies",
        title="批发零售业消费券活动报名",
        body="请于月底前报名。",
        industries="trade",
        towns="QJ-MB",
    )
    assert response.status_code == 303
    post(office, "/staff/policies", title="白土镇陶瓷企业技改补助", body="……", towns="QJ-BT")
    html = (
        opened("enterprise", "QJ-MB", path="/enterprise/open")
        .get("/enterprise")
        .get_data(as_text=True)
    )
    assert "批发零售业消费券活动报名" in html and "白土镇陶瓷企业技改补助" not in html
    assert html.index("批发零售业消费券活动报名") < html.index("食品经营者年度食品安全自查提醒")


def test_unit_staff_cannot_publish_policies(sign_in):
    clerk = sign_in("clerk")
    assert post(clerk, "/staff/policies", title="x", body="y").status_code == 403


def test_subscribing_to_themes_narrows_the_policies(opened):
    client = opened("enterprise", "QJ-MB", path="/enterprise/open")
    assert post(client, "/enterprise/subscriptions", themes="tax").status_code == 303
    html = client.get("/enterprise").get_data(as_text=True)
    assert "增值税小规模纳税人减免政策" in html
    assert "食品经营者年度食品安全自查提醒" not in html  # another theme
    assert "马坝镇工业园区企业用电扩容申报" in html  # no theme: for everyone in the town


def test_closing_the_page_deletes_its_subscriptions(opened, in_db):
    client = opened("enterprise", "QJ-MB", path="/enterprise/open")
    post(client, "/enterprise/subscriptions", themes="tax")
    assert post(client, "/enterprise/close").status_code == 303
    with in_db():
        profile = db.session.scalars(sa.select(EnterpriseProfile)).one()
        assert profile.subscribed_themes == []
        opening = db.session.scalars(signed_in_openings()).one()
        assert opening.closed_at is not None and opening.town_id is None
    assert "同意并开通" in client.get("/enterprise").get_data(as_text=True)
    assert _actions(in_db, "pages.close")


def test_the_representative_reads_the_enterprises_messages(opened, in_db):
    client = opened("enterprise", "QJ-MB", path="/enterprise/open")
    with in_db():
        representative = account_named("刘建华")
        page = services.enterprise_page(representative, None)
        assert page.messages and page.is_representative
        title = page.messages[0].title
    assert title in client.get("/enterprise").get_data(as_text=True)
