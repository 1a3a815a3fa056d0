"""The personal pages: kept per session while nothing they show changes, never kept by a browser,
each session's own."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mobile_hall.applications.constants import ApplicationStatus
from mobile_hall.applications.models import Application, Message
from mobile_hall.clock import now
from mobile_hall.common.freshness import MISSING, account_scope, tokens_of
from mobile_hall.extensions import db
from tests.support.applications import pick_item
from tests.support.browser import csrf_token
from tests.support.catalog import current_versions
from tests.support.pages import account_named, post
from tests.support.queries import queries_of


@pytest.fixture
def citizen(opened):
    """The demo citizen, signed in with the personal page open."""
    return opened("citizen", "QJ-MB")


def test_the_form_token_of_the_page_works_and_is_the_sessions_own(citizen, sign_in, app):
    citizen.get("/me")
    token = csrf_token(citizen.get("/me").data.decode())
    other = sign_in("senior", on=app.test_client())
    post(other, "/me/open", town="QJ-DT")
    other_token = csrf_token(other.get("/me").data.decode())
    assert token != other_token
    assert other.post("/me/close", data={"csrf_token": token}).status_code == 400
    assert citizen.post("/me/close", data={"csrf_token": token}).status_code == 303


def test_a_second_view_is_served_from_the_sessions_cache(citizen, count_queries):
    citizen.get("/me")  # shows the flashed welcome: never stored
    first = citizen.get("/me").data.decode()  # rendered and stored
    with count_queries() as counter:
        second = citizen.get("/me").data.decode()
    queries = queries_of(counter)
    # The session row, the shared change tokens and the person's own: the page is not built.
    assert len(queries) == 3, queries
    assert "web_session" in queries[0] and all("change_token" in q for q in queries[1:])
    assert second == first


def test_another_session_of_the_same_person_gets_its_own_page_and_token(citizen, sign_in, app):
    citizen.get("/me")
    token = csrf_token(citizen.get("/me").data.decode())
    again = sign_in("citizen", on=app.test_client())
    again.get("/me")
    own = csrf_token(again.get("/me").data.decode())
    assert again.post("/me/close", data={"csrf_token": token}).status_code == 400
    assert again.post("/me/close", data={"csrf_token": own}).status_code == 303


def test_what_a_clerk_or_the_hall_does_reaches_the_page_at_once(citizen, app_context):
    assert "生育登记" in citizen.get("/me").data.decode()
    person = account_named("张晓明")
    before = tokens_of([account_scope(person.id)])
    application = db.session.scalars(
        sa.select(Application).where(
            Application.account_id == person.id,
            Application.status == ApplicationStatus.SUPPLEMENT_PENDING,
        )
    ).first()
    application.status = ApplicationStatus.ACCEPTED  # as the workbench would
    db.session.add(
        Message(
            account_id=person.id,
            application_id=application.id,
            title="缓存测试消息",
            body="正文",
            created_at=now(),
        )
    )
    db.session.commit()
    assert tokens_of([account_scope(person.id)]) != before != (MISSING,)
    html = citizen.get("/me").data.decode()
    assert "缓存测试消息" in html
    assert f"补正材料：{application.version.name}" not in html


def test_a_favourite_removed_by_a_bulk_delete_leaves_the_page(citizen):
    post(citizen, "/me/favourites/QJ-MZ-0009")
    assert "老年人优待证办理" in citizen.get("/me").data.decode().split('id="favourites"')[1]
    post(citizen, "/me/favourites/QJ-MZ-0009/remove")
    favourites = citizen.get("/me").data.decode().split('id="favourites"')[1]
    assert "老年人优待证办理" not in favourites.split("</section>")[0]


def test_a_flashed_message_is_shown_once(sign_in):
    client = sign_in("citizen")
    client.get("/me")  # the notice
    response = post(client, "/me/open", town="QJ-MB")
    assert "已开通，欢迎使用" in client.get(response.headers["Location"]).data.decode()
    assert "已开通，欢迎使用" not in client.get("/me").data.decode()


def test_a_new_draft_reaches_the_page_at_once(citizen, app):
    code = pick_item(app, units=2, audience="both", groups=2)
    with app.app_context():
        entry = "继续填写：" + next(v.name for v in current_versions() if v.item.code == code)
    citizen.get("/me")
    assert entry not in citizen.get("/me").data.decode()
    start = citizen.get(f"/apply/{code}").data.decode()
    chosen = {"csrf_token": csrf_token(start), "unit": "QJ-SCJGJ"}
    assert citizen.post(f"/apply/{code}", data=chosen).status_code == 303
    assert entry in citizen.get("/me").data.decode()


@pytest.mark.parametrize("path", ["/me", "/enterprise"])
def test_personal_pages_are_never_stored_by_browsers_or_proxies(opened, path):
    client = opened("citizen", "QJ-MB")
    for response in (client.get(path), client.get(path), post(client, "/me/close")):
        assert response.headers["Cache-Control"] == "private, no-store"
