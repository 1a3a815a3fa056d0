"""A unit's own approval system pulls its applications and takes their steps through the API,
through the workbench's services: scoped to its items, audited, idempotent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import time_machine

from mobile_hall.api.constants import Capability
from mobile_hall.api.keys import revoke_api_key
from mobile_hall.api.models import ApiKey, IdempotentRequest
from mobile_hall.applications.constants import ApplicationStatus
from mobile_hall.audit.models import AuditEvent
from mobile_hall.clock import now
from mobile_hall.extensions import db
from mobile_hall.licenses.models import License
from tests.support.api import PROBLEM, apply, make_department, post_step, stages_of


def test_a_pull_gives_new_applications_with_answers_masked_applicant_and_file_links(
    client, app_context
):
    department = make_department()
    application_id = apply(department)
    apply(department, ApplicationStatus.DRAFT)  # a draft is nobody's business yet
    response = client.get("/api/v1/applications", headers=department.headers)
    assert response.status_code == 200, response.get_json()
    page = response.get_json()
    assert [a["id"] for a in page["applications"]] == [application_id]
    pulled = page["applications"][0]
    assert pulled["status"] == "submitted" and pulled["item_code"] == department.item
    assert pulled["applicant"]["masked"] is True and "*" in pulled["applicant"]["id_number"]
    assert pulled["answers"]["name"] and pulled["allowed_steps"][0] == "accept"
    link = pulled["materials"][0]["download_url"]
    download = client.get(link)
    assert download.status_code == 200 and download.data.startswith(b"\x89PNG")
    download.close()
    again = client.get(
        "/api/v1/applications", query_string={"after": page["cursor"]}, headers=department.headers
    )
    assert again.get_json()["applications"] == []


def test_a_step_moves_the_cursor_and_the_application_comes_again(client, app_context):
    department = make_department()
    application_id = apply(department)
    cursor = client.get("/api/v1/applications", headers=department.headers).get_json()["cursor"]
    assert post_step(client, department, application_id, "accept").status_code == 200
    page = client.get(
        "/api/v1/applications", query_string={"after": cursor}, headers=department.headers
    ).get_json()
    assert [(a["id"], a["status"]) for a in page["applications"]] == [(application_id, "accepted")]
    assert page["cursor"] > cursor


def test_the_whole_matter_through_the_api_issues_the_licence_as_department_system(
    client, app_context
):
    department = make_department()
    application_id = apply(department)
    for step, body in (
        ("accept", {}),
        ("review", {"opinion": "材料齐全，符合条件"}),
        ("decide", {"decision": "approved"}),
        ("complete", {"delivery": "electronic"}),
    ):
        response = post_step(client, department, application_id, step, body)
        assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "completed"
    stages = stages_of(application_id)
    assert stages[0] == ("submit", "web") or stages[0][0] == "submit"
    assert stages[1:] == [
        ("accept", "department_system"),
        ("review", "department_system"),
        ("decide", "department_system"),
        ("complete", "department_system"),
        ("deliver", "department_system"),
    ]
    issued = db.session.scalars(sa.select(License).where(License.application_id == application_id))
    assert issued.one().issuing_unit.code == department.unit


def test_another_units_key_can_neither_see_nor_change_the_application(client, app_context):
    owner, other = make_department(), make_department()
    application_id = apply(owner)
    pulled = client.get("/api/v1/applications", headers=other.headers).get_json()
    assert pulled["applications"] == []
    assert (
        client.get(f"/api/v1/applications/{application_id}", headers=other.headers).status_code
        == 404
    )
    refused = post_step(client, other, application_id, "accept")
    assert refused.status_code == 404 and refused.mimetype == PROBLEM
    assert stages_of(application_id) == [("submit", stages_of(application_id)[0][1])]


def test_a_revoked_key_or_none_is_401_and_a_key_without_the_capability_403(client, app_context):
    department = make_department()
    application_id = apply(department)
    prefix = db.session.scalars(sa.select(ApiKey.prefix).order_by(ApiKey.id.desc())).first()
    assert client.get("/api/v1/applications").status_code == 401
    revoke_api_key(prefix, actor="test")
    refused = client.get("/api/v1/applications", headers=department.headers)
    assert refused.status_code == 401 and refused.mimetype == PROBLEM
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert post_step(client, department, application_id, "accept").status_code == 401
    licences_only = make_department(capabilities=[Capability.LICENSES])
    assert client.get("/api/v1/applications", headers=licences_only.headers).status_code == 403


def test_an_illegal_transition_is_409_problem_in_chinese(client, app_context):
    department = make_department()
    application_id = apply(department)
    response = post_step(client, department, application_id, "review", {"opinion": "同意"})
    assert response.status_code == 409 and response.mimetype == PROBLEM
    problem = response.get_json()
    assert problem["status"] == 409 and problem["type"].endswith("illegal_transition")
    assert problem["detail"] == "该办件当前状态为“待受理”，不能进行“审查意见”"


def test_invalid_content_is_422_naming_fields_and_refusals_are_422_with_the_reason(
    client, app_context
):
    department = make_department()
    application_id = apply(department)
    invalid = post_step(client, department, application_id, "accept", {"surprise": 1})
    assert invalid.status_code == 422 and invalid.mimetype == PROBLEM
    assert invalid.get_json()["errors"] == [{"field": "surprise", "type": "extra_forbidden"}]
    post_step(client, department, application_id, "accept")
    post_step(client, department, application_id, "review", {"opinion": "不符合条件"})
    denied = post_step(client, department, application_id, "decide", {"decision": "denied"})
    assert denied.status_code == 422
    assert (denied.get_json()["reason"], denied.get_json()["detail"]) == ("reason", "请写明理由")
    assert [s for s, _ in stages_of(application_id)][-1] == "review"


def test_a_replayed_post_takes_one_step_and_gets_the_first_answer(client, app_context):
    department = make_department()
    application_id = apply(department)
    first = post_step(client, department, application_id, "accept", idempotency_key="k-1")
    again = post_step(client, department, application_id, "accept", idempotency_key="k-1")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert [s for s, _ in stages_of(application_id)].count("accept") == 1
    other_body = post_step(
        client, department, application_id, "accept", {"missing_positions": [0]}, "k-1"
    )
    assert other_body.status_code == 422
    assert other_body.get_json()["type"].endswith("idempotency_key_reused")
    headers = department.headers
    missing = client.post(
        f"/api/v1/applications/{application_id}/review", json={"opinion": "可"}, headers=headers
    )
    assert missing.status_code == 400 and missing.get_json()["type"].endswith(
        "idempotency_key_missing"
    )


def test_a_retried_refusal_gets_the_stored_refusal_even_once_the_step_is_allowed(
    client, app_context
):
    department = make_department()
    application_id = apply(department)
    review = {"opinion": "同意"}
    early = post_step(client, department, application_id, "review", review, "k-review")
    assert early.status_code == 409 and "Idempotent-Replayed" not in early.headers
    assert post_step(client, department, application_id, "accept").status_code == 200
    retried = post_step(client, department, application_id, "review", review, "k-review")
    assert retried.status_code == 409 and retried.mimetype == PROBLEM
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.get_json() == early.get_json()
    assert [s for s, _ in stages_of(application_id)][-1] == "accept"

    post_step(client, department, application_id, "review", {"opinion": "不符合条件"})
    denied = {"decision": "denied"}
    refused = post_step(client, department, application_id, "decide", denied, "k-decide")
    again = post_step(client, department, application_id, "decide", denied, "k-decide")
    assert (refused.status_code, again.status_code) == (422, 422)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == refused.get_json() and again.get_json()["reason"] == "reason"
    assert [s for s, _ in stages_of(application_id)][-1] == "review"


def test_every_call_is_audited_under_the_keys_prefix(client, app_context):
    department = make_department()
    application_id = apply(department)
    client.get("/api/v1/applications", headers=department.headers)
    post_step(client, department, application_id, "accept")
    key = db.session.scalars(sa.select(ApiKey).order_by(ApiKey.id.desc())).first()
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.actor == f"api-key:{key.prefix}")
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.target) for e in events] == [
        ("api.call", "GET /api/v1/applications"),
        ("api.call", f"POST /api/v1/applications/{application_id}/accept"),
        ("workbench.accept", f"application:{application_id}"),
    ]
    assert key.last_used_at is not None


def test_the_full_record_scope_gives_the_number_in_clear_and_is_audited(client, app_context):
    department = make_department(capabilities=[Capability.APPLICATIONS, Capability.FULL_RECORD])
    apply(department)
    pulled = client.get("/api/v1/applications", headers=department.headers).get_json()
    applicant = pulled["applications"][0]["applicant"]
    assert applicant["masked"] is False and "*" not in applicant["id_number"]
    assert len(applicant["id_number"]) == 18
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "api.full_record")
    ).all()[-1]
    assert event.details["applications"] == [pulled["applications"][0]["number"]]


def full_record_reads() -> list[dict]:
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "api.full_record").order_by(AuditEvent.id)
    )
    return [event.details for event in events]


def test_a_step_answered_with_the_full_record_is_audited_and_so_is_its_replay(client, app_context):
    department = make_department(capabilities=[Capability.APPLICATIONS, Capability.FULL_RECORD])
    application_id = apply(department)
    before = full_record_reads()
    early = post_step(client, department, application_id, "review", {"opinion": "可"}, "k-early")
    again_early = post_step(
        client, department, application_id, "review", {"opinion": "可"}, "k-early"
    )
    assert (early.status_code, again_early.status_code) == (409, 409)
    assert full_record_reads() == before  # a refusal shows no record

    first = post_step(client, department, application_id, "accept", idempotency_key="k-full")
    assert first.status_code == 200 and first.get_json()["applicant"]["masked"] is False
    number = first.get_json()["number"]
    assert full_record_reads() == [*before, {"applications": [number]}]

    again = post_step(client, department, application_id, "accept", idempotency_key="k-full")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert full_record_reads() == [
        *before,
        {"applications": [number]},
        {"applications": [number], "replayed": True},
    ]


def test_a_stored_answer_keeps_no_personal_data_in_clear_and_replays_the_same(client, app_context):
    department = make_department(capabilities=[Capability.APPLICATIONS, Capability.FULL_RECORD])
    application_id = apply(department)
    first = post_step(client, department, application_id, "accept", idempotency_key="k-stored")
    applicant = first.get_json()["applicant"]
    assert applicant["masked"] is False and len(applicant["id_number"]) == 18
    stored = db.session.scalars(
        sa.select(IdempotentRequest).where(IdempotentRequest.idempotency_key == "k-stored")
    ).one()
    for personal in (applicant["id_number"], applicant["phone"], applicant["name"]):
        assert personal not in stored.response_body
    again = post_step(client, department, application_id, "accept", idempotency_key="k-stored")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_data() == first.get_data()

    # An answer stored in clear before answers were encrypted is still given again.
    stored.response_body = first.get_data(as_text=True)
    db.session.commit()
    legacy = post_step(client, department, application_id, "accept", idempotency_key="k-stored")
    assert legacy.get_data() == first.get_data()


def test_the_nightly_purge_deletes_stored_requests_only_past_their_day(client, app_context, runner):
    department = make_department()
    application_id = apply(department)
    first = post_step(client, department, application_id, "accept", idempotency_key="k-day")
    assert first.status_code == 200

    def purge(after: timedelta) -> list[str]:
        with time_machine.travel(now() + after, tick=False):
            result = runner.invoke(args=["sessions", "purge"])
        assert result.exit_code == 0 and "超过保留期的接口重试记录" in result.output
        db.session.expire_all()
        return list(
            db.session.scalars(
                sa.select(IdempotentRequest.idempotency_key).where(
                    IdempotentRequest.idempotency_key == "k-day"
                )
            )
        )

    assert purge(timedelta(hours=23, minutes=59)) == ["k-day"]
    replayed = post_step(client, department, application_id, "accept", idempotency_key="k-day")
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert purge(timedelta(hours=24, seconds=1)) == []


def test_a_file_link_expires_and_a_forged_one_is_refused(client, app_context, time_machine):
    department = make_department()
    apply(department)
    link = client.get("/api/v1/applications", headers=department.headers).get_json()[
        "applications"
    ][0]["materials"][0]["download_url"]
    assert client.get(link[:-3] + "abc").status_code == 404
    time_machine.move_to(datetime.now(UTC) + timedelta(seconds=601))
    expired = client.get(link)
    assert expired.status_code == 404 and expired.get_json()["type"].endswith("link_expired")
