"""The district office searches the audit trail at /staff/audit; everyone else gets 403."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine

from mobile_hall.audit.search import PER_PAGE
from mobile_hall.audit.services import record_event
from mobile_hall.clock import CHINA_STANDARD_TIME
from mobile_hall.extensions import db


@pytest.fixture
def office(sign_in, app):
    return sign_in("office", app.test_client())


def records(action: str, count: int = 1, **fields: str) -> None:
    for _ in range(count):
        record_event(fields.get("actor", "cli:test"), action, target=fields.get("target", ""))
    db.session.commit()


def listed(response) -> str:
    """The list of records on the page (the page's own links repeat the query)."""
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    start = html.index('id="audit-events"')
    return html[start : html.index("</ul>", start)]


@pytest.mark.parametrize("username", ["citizen", "clerk", "town-clerk", "reviewer"])
def test_anyone_but_the_office_is_refused(sign_in, app, username):
    assert sign_in(username, app.test_client()).get("/staff/audit").status_code == 403


def test_a_visitor_is_sent_to_sign_in(client):
    assert client.get("/staff/audit").status_code in (302, 303)


def test_the_office_finds_records_by_action_prefix_and_object(office, app_context):
    records("test.search.alpha", target="application:424242")
    records("test.search.beta", target="application:434343")
    html = listed(office.get("/staff/audit?action=test.search."))
    assert "application:424242" in html and "application:434343" in html
    html = listed(office.get("/staff/audit?target=application:424242"))
    assert "test.search.alpha" in html and "test.search.beta" not in html


def test_the_office_finds_a_persons_records_by_name(office, app_context):
    html = listed(office.get("/staff/audit?person=钟国平"))
    assert "identity.sign_in" in html  # the office's own sign-in, audited
    assert "登录" in html and "钟国平" in html
    assert "identity.sign_in" not in listed(office.get("/staff/audit?person=无此人"))


def test_the_office_narrows_by_date(office, app_context):
    with time_machine.travel(datetime(2020, 5, 4, 23, 30, tzinfo=CHINA_STANDARD_TIME)):
        records("test.search.dated")
    html = listed(office.get("/staff/audit?action=test.search.dated&occurred_from=2020-05-04"))
    assert "test.search.dated" in html
    html = listed(office.get("/staff/audit?action=test.search.dated&occurred_to=2020-05-03"))
    assert "test.search.dated" not in html
    html = listed(office.get("/staff/audit?action=test.search.dated&occurred_from=2020-05-05"))
    assert "test.search.dated" not in html


def test_the_trail_is_paged_and_the_pager_keeps_the_filters(office, app_context):
    records("test.search.many", PER_PAGE + 1)
    first = office.get("/staff/audit?action=test.search.many").get_data(as_text=True)
    assert "共 31 条" in first and "第 1/2 页" in first
    assert 'href="/staff/audit?page=2&amp;action=test.search.many"' in first
    second = listed(office.get("/staff/audit?action=test.search.many&page=2"))
    assert second.count('class="cell-title"') == 1


def test_a_bad_date_narrows_nothing_and_says_why(office):
    html = office.get("/staff/audit?occurred_from=not-a-date").get_data(as_text=True)
    assert "请按“年-月-日”填写日期" in html
