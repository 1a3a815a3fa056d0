"""Staff views of an applicant's personal data are audited: the workbench's application page,
a material's file, and the deliberate reveal of the applicant's full ID number."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from mobile_hall.audit.models import AuditEvent
from mobile_hall.extensions import db
from mobile_hall.identity.protection import decrypt_id_number
from tests.support.audit import audit_actions
from tests.support.workbench import TOWN_ONLINE, Hall, csrf_token


@pytest.fixture
def hall(app, sign_in, monkeypatch, tmp_path) -> Hall:
    """The demo people and their applications, uploads kept under `tmp_path`."""
    return Hall(app, sign_in, monkeypatch, tmp_path)


def last_event(hall: Hall, action: str) -> AuditEvent:
    with hall.app.app_context():
        return audit_actions(action)[-1]


def citizens_id_number(hall: Hall) -> str:
    with hall.app.app_context():
        return decrypt_id_number(hall.account("citizen").id_number_cipher)


def reveal(hall: Hall, who: str, application_id: int, reason: str):
    client = hall.client(who)
    return client.post(
        f"/workbench/applications/{application_id}/reveal-id",
        data={"reveal-reason": reason, "reveal-csrf_token": csrf_token(client)},
    )


def test_opening_an_application_is_audited_with_who_and_from_where(hall):
    application_id = hall.apply()
    response = hall.client("clerk").get(
        f"/workbench/applications/{application_id}", headers={"User-Agent": "办公电脑/1.0"}
    )
    assert response.status_code == 200
    event = last_event(hall, "workbench.view_application")
    with hall.app.app_context():
        assert event.actor == f"account:{hall.account('clerk').id}"
    assert event.target == f"application:{application_id}"
    assert event.client_address == "127.0.0.1"
    assert event.user_agent == "办公电脑/1.0"


def test_downloading_a_material_is_audited(hall):
    application_id = hall.apply()
    client = hall.client("clerk")
    page = client.get(f"/workbench/applications/{application_id}").get_data(as_text=True)
    link = re.search(r'href="(/workbench/applications/\d+/files/(\d+))"', page)
    client.get(link.group(1)).close()
    event = last_event(hall, "workbench.download")
    assert event.target == f"application:{application_id}"
    assert event.details == {"material": int(link.group(2))}


def test_another_units_clerk_opening_the_application_leaves_no_view_record(hall):
    application_id = hall.apply()
    with hall.app.app_context():
        before = len(audit_actions("workbench.view_application"))
    assert (
        hall.client("town-clerk").get(f"/workbench/applications/{application_id}").status_code
        == 404
    )
    with hall.app.app_context():
        assert len(audit_actions("workbench.view_application")) == before


def test_the_page_shows_the_masked_number_until_a_clerk_asks_with_a_reason(hall):
    application_id = hall.apply()
    full = citizens_id_number(hall)
    page = hall.client("clerk").get(f"/workbench/applications/{application_id}")
    assert full not in page.get_data(as_text=True)
    assert "查看完整号码" in page.get_data(as_text=True)

    response = reveal(hall, "clerk", application_id, "核对申请人身份证原件")
    assert response.status_code == 200
    assert f'<span id="revealed-id">{full}</span>' in response.get_data(as_text=True)
    assert "no-store" in response.headers["Cache-Control"]
    event = last_event(hall, "workbench.reveal_id_number")
    assert event.target == f"application:{application_id}"
    assert event.details == {"reason": "核对申请人身份证原件"}
    assert full not in str(event.details)


def test_a_reveal_without_a_reason_is_refused_and_shows_nothing(hall):
    application_id = hall.apply()
    with hall.app.app_context():
        before = len(audit_actions("workbench.reveal_id_number"))
    response = reveal(hall, "clerk", application_id, "  ")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "请写明查看完整证件号码的理由" in html
    assert citizens_id_number(hall) not in html
    with hall.app.app_context():
        assert len(audit_actions("workbench.reveal_id_number")) == before


def views_of(hall: Hall, application_id: int) -> int:
    with hall.app.app_context():
        return sum(
            event.target == f"application:{application_id}"
            for event in audit_actions("workbench.view_application")
        )


def test_every_page_with_the_casefile_is_one_view_record_refused_posts_too(hall):
    application_id = hall.apply()
    client = hall.client("clerk")
    before = views_of(hall, application_id)
    refused_reveal = reveal(hall, "clerk", application_id, "  ")
    assert refused_reveal.status_code == 400 and "申请材料" in refused_reveal.get_data(as_text=True)
    assert views_of(hall, application_id) == before + 1
    refused_action = client.post(
        f"/workbench/applications/{application_id}/reject_accept",
        data={"reject_accept-reason": " ", "reject_accept-csrf_token": csrf_token(client)},
    )
    assert refused_action.status_code == 400
    assert views_of(hall, application_id) == before + 2
    assert reveal(hall, "clerk", application_id, "核对申请人身份证原件").status_code == 200
    assert views_of(hall, application_id) == before + 3
    assert client.get(f"/workbench/applications/{application_id}").status_code == 200
    assert views_of(hall, application_id) == before + 4


def test_a_clerk_of_another_unit_cannot_reveal_the_number(hall):
    application_id = hall.apply()
    assert reveal(hall, "town-clerk", application_id, "核对").status_code == 404


def test_a_counter_applicant_without_an_account_has_no_number_to_reveal(hall):
    application_id = hall.at_counter()
    response = reveal(hall, "clerk", application_id, "核对")
    assert response.status_code == 400
    assert "未留存申请人的完整证件号码" in response.get_data(as_text=True)


def test_a_town_clerk_reveals_in_their_own_town(hall):
    application_id = hall.apply(TOWN_ONLINE)
    response = reveal(hall, "town-clerk", application_id, "电话核实身份")
    assert citizens_id_number(hall) in response.get_data(as_text=True)
    with hall.app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).where(
                    AuditEvent.action == "workbench.reveal_id_number",
                    AuditEvent.target == f"application:{application_id}",
                )
            )
            == 1
        )
