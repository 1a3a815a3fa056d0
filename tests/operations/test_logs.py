"""One JSON line per request, with a request id, and nothing that names a person."""

from __future__ import annotations

import json
import logging
import re

from devidp.accounts import DEMO_ACCOUNTS
from mobile_hall.applications.models import Application
from mobile_hall.extensions import db
from mobile_hall.operations.logs import JsonFormatter
from mobile_hall.workbench import services as workbench
from tests.support.applications import (
    attach_required,
    csrf_token,
    fill_in,
    pick_item,
    start_draft,
    valid_answers,
)
from tests.support.builders import make_staff

REQUESTS = "mobile_hall.requests"


def _request_lines(caplog) -> list[dict]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == REQUESTS]


def test_each_request_is_one_json_line_naming_its_route_status_and_duration(client, caplog):
    caplog.set_level(logging.INFO, logger=REQUESTS)
    response = client.get("/healthz")
    (line,) = _request_lines(caplog)
    assert line["message"] == "request"
    assert line["method"] == "GET"
    assert line["endpoint"] == "operations_health.healthz"
    assert line["status"] == 200
    assert line["duration_ms"] >= 0
    assert line["request_id"] == response.headers["X-Request-ID"]


def test_the_proxys_request_id_is_kept_and_echoed(client, caplog):
    caplog.set_level(logging.INFO, logger=REQUESTS)
    response = client.get("/healthz", headers={"X-Request-ID": "nginx-7f3a.42"})
    assert response.headers["X-Request-ID"] == "nginx-7f3a.42"
    assert _request_lines(caplog)[0]["request_id"] == "nginx-7f3a.42"


def test_a_malformed_request_id_is_replaced_by_a_new_one(client):
    forged = 'x" "status": 200 ' + "a" * 200
    response = client.get("/healthz", headers={"X-Request-ID": forged})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_a_sign_in_an_application_and_its_acceptance_log_no_name_id_number_or_phone(
    app, client, sign_in, caplog
):
    caplog.set_level(logging.DEBUG)
    person = next(a["claims"] for a in DEMO_ACCOUNTS if a["username"] == "citizen")
    code = pick_item(app, audience="both")
    sign_in("citizen")
    application_id = start_draft(app, "citizen", code)
    fill_in(client, application_id, valid_answers(app, code))
    attach_required(app, "citizen", application_id)
    check = client.get(f"/applications/{application_id}/check").get_data(as_text=True)
    submitted = client.post(
        f"/applications/{application_id}/submit",
        data={"csrf_token": csrf_token(check), "declaration": "y"},
    )
    assert submitted.status_code == 303
    with app.app_context():  # the acceptance texts the applicant (SMS_SENDER=log)
        application = db.session.get(Application, application_id)
        workbench.accept(make_staff(application.unit), application)

    hall_records = [r for r in caplog.records if r.name.startswith("mobile_hall")]
    assert any(r.name == REQUESTS for r in hall_records)
    assert any(r.name == "mobile_hall.notifications.sms" for r in hall_records)
    logged = "\n".join(JsonFormatter().format(r) for r in hall_records)
    for secret in (person["name"], person["id_card"], person["phone_number"]):
        assert secret not in logged
