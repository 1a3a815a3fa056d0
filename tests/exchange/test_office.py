"""What operators see: the office's page (/staff/exchange) and `flask exchange status`."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mobile_hall.audit.models import AuditEvent
from mobile_hall.exchange.delivery import RetryPolicy, deliver_batch
from mobile_hall.exchange.log import assign_sequences
from mobile_hall.extensions import db
from tests.support.exchange import write_records
from tests.support.province import courier, province


@pytest.fixture
def office(sign_in, app):
    return sign_in("office", app.test_client())


def _fail_once() -> None:
    write_records(3)
    db.session.commit()
    with province() as down:
        assign_sequences()
        deliver_batch(courier(down.url, "secret"), 10, RetryPolicy(600, 600))


@pytest.mark.parametrize("username", ["citizen", "clerk", "reviewer"])
def test_anyone_but_the_office_is_refused(sign_in, app, username):
    assert sign_in(username, app.test_client()).get("/staff/exchange").status_code == 403


def test_the_office_sees_the_backlog_and_the_last_error(office, caught_up):
    _fail_once()
    page = office.get("/staff/exchange")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="backlog">3 条' in html and "HTTP 503" in html and "立即重试" in html


def test_retrying_now_ends_the_backoff_and_is_audited(office, caught_up):
    _fail_once()
    html = office.get("/staff/exchange").get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = office.post("/staff/exchange/retry", data={"csrf_token": token})
    assert response.status_code == 303
    page = office.get("/staff/exchange").get_data(as_text=True)
    assert "已安排立即重试" in page and "立即重试</button>" not in page
    event = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.target) == ("exchange.retry_now", "exchange:delivery")


def test_a_retry_without_the_form_token_changes_nothing(office, caught_up):
    _fail_once()
    office.post("/staff/exchange/retry")
    assert "立即重试</button>" in office.get("/staff/exchange").get_data(as_text=True)


def test_the_status_command_reports_backlog_and_error(runner, caught_up):
    _fail_once()
    output = runner.invoke(args=["exchange", "status"]).output
    assert "待推送记录：3" in output and "HTTP 503" in output and "连续失败次数：1" in output


def test_deliver_refuses_to_start_without_a_province(runner, app, monkeypatch):
    monkeypatch.setitem(app.config, "PROVINCE_EXCHANGE_URL", "")
    result = runner.invoke(args=["exchange", "deliver", "--once"])
    assert result.exit_code == 2 and "PROVINCE_EXCHANGE_URL" in result.output
