"""Every workbench action through its page, and the refusals of the page and of the service."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mobile_hall.applications.constants import ApplicationStatus, Channel, Decision, Stage
from mobile_hall.applications.models import Application, Message, ProcessRecord, SupplementRequest
from mobile_hall.clock import now
from mobile_hall.extensions import db
from mobile_hall.workbench import services as workbench
from mobile_hall.workdays import add_working_days
from tests.support.workbench import Hall, csrf_token, number_of, queue_numbers


@pytest.fixture
def hall(app, sign_in, monkeypatch, tmp_path) -> Hall:
    """The demo people and their applications, uploads kept under `tmp_path`."""
    return Hall(app, sign_in, monkeypatch, tmp_path)


def act(client, application_id: int, action: str, **fields):
    """Post one action's form as the page would (its fields carry the action as prefix)."""
    data = {f"{action}-csrf_token": csrf_token(client)}
    data.update({f"{action}-{name}": value for name, value in fields.items()})
    return client.post(f"/workbench/applications/{application_id}/{action}", data=data)


def _page(client, application_id: int) -> str:
    return client.get(f"/workbench/applications/{application_id}").get_data(as_text=True)


def _status(hall: Hall, application_id: int) -> ApplicationStatus:
    return hall.read(application_id, lambda a: a.status)


def test_accepting_starts_the_clock_and_tells_the_applicant(hall):
    application_id = hall.apply()
    clerk = hall.client("clerk")
    response = act(clerk, application_id, "accept")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/workbench/applications/{application_id}"
    page = _page(clerk, application_id)
    assert "已受理" in page and "剩余" in page
    assert hall.read(application_id, lambda a: (a.status, a.accepted_on)) == (
        ApplicationStatus.ACCEPTED,
        now().date(),
    )
    assert hall.read(application_id, lambda a: a.due_on) == add_working_days(now().date(), 1)
    assert hall.stages(application_id) == ["submit", "accept"]
    with hall.app.app_context():
        titles = db.session.scalars(
            sa.select(Message.title).where(Message.application_id == application_id)
        ).all()
    assert "申请已受理" in titles


def test_a_tolerant_acceptance_names_the_missing_materials_and_a_deadline(hall):
    application_id = hall.at_counter(paper=[0, 1])
    deadline = add_working_days(now().date(), 2)
    clerk = hall.client("clerk")
    response = act(clerk, application_id, "accept", missing=["2", "3"], deadline=str(deadline))
    assert response.status_code == 303
    assert hall.read(
        application_id, lambda a: (a.tolerance.missing_positions, a.tolerance.deadline)
    ) == (
        [2, 3],
        deadline,
    )
    assert hall.read(application_id, lambda a: a.records[-1].note) == "容缺受理"
    page = _page(clerk, application_id)
    assert "容缺材料：与食品经营相适应的主要设备设施" in page and "申请人尚未签署容缺承诺" in page


def test_a_tolerance_deadline_beyond_the_time_limit_is_named_next_to_it(hall):
    application_id = hall.at_counter(paper=[0, 1])
    too_late = add_working_days(now().date(), 6)
    response = act(
        hall.client("clerk"), application_id, "accept", missing=["3"], deadline=str(too_late)
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="accept-deadline-error">补交期限须晚于今天，且不超过承诺办结期限' in html
    assert f'value="{too_late}"' in html and '<input checked id="accept-missing-3"' in html
    assert _status(hall, application_id) is ApplicationStatus.SUBMITTED
    assert hall.stages(application_id) == ["submit", "visit"]


def test_refusing_to_accept_names_the_reason_and_the_guides_points(hall):
    application_id = hall.apply()
    clerk = hall.client("clerk")
    response = act(
        clerk,
        application_id,
        "reject_accept",
        reason="经营场所不在本辖区",
        conditions=["1"],
        materials=["2", "0"],
    )
    assert response.status_code == 303
    assert hall.read(application_id, lambda a: (a.status, a.reason, a.reason_points)) == (
        ApplicationStatus.REJECTED,
        "经营场所不在本辖区",
        {"conditions": [1], "materials": [0, 2]},
    )
    page = _page(clerk, application_id)
    assert "不予受理理由" in page and "经营场所不在本辖区" in page
    assert "经营场所位于曲江区辖区内" in page and "经营场所使用证明" in page
    assert hall.stages(application_id)[-1] == "reject_accept"


def test_a_refusal_without_a_reason_is_named_next_to_the_reason(hall):
    application_id = hall.apply()
    response = act(hall.client("clerk"), application_id, "reject_accept", reason="  ")
    assert response.status_code == 400
    assert 'id="reject_accept-reason-error">请写明理由' in response.get_data(as_text=True)
    assert _status(hall, application_id) is ApplicationStatus.SUBMITTED


def test_a_supplement_request_names_everything_at_once_and_pauses_the_clock(hall):
    application_id = hall.apply()
    hall.step(application_id, "accept")
    clerk = hall.client("clerk")
    response = act(
        clerk,
        application_id,
        "supplement_request",
        material_0="y",
        reason_0="未签名",
        reason_2="租赁合同已过期",  # a typed reason names its material too
        other_name="经营者近期照片",
        other_reason="用于核验",
        note="请一并提交",
    )
    assert response.status_code == 303
    with hall.app.app_context():
        request = db.session.scalars(
            sa.select(SupplementRequest).where(SupplementRequest.application_id == application_id)
        ).one()
        assert request.requested_items == [
            {"position": 0, "name": "个体工商户登记（备案）申请书", "reason": "未签名"},
            {"position": 2, "name": "经营场所使用证明", "reason": "租赁合同已过期"},
            {"position": None, "name": "经营者近期照片", "reason": "用于核验"},
        ]
        assert request.pauses_clock and request.note == "请一并提交"
    assert hall.read(application_id, lambda a: (a.status, a.due_on)) == (
        ApplicationStatus.SUPPLEMENT_PENDING,
        None,
    )
    assert "暂停" in queue_numbers(clerk, "?queue=supplement")
    assert "经营场所使用证明：租赁合同已过期" in _page(clerk, application_id)


def test_a_named_material_without_a_reason_is_refused_next_to_it(hall):
    application_id = hall.apply()
    response = act(hall.client("clerk"), application_id, "supplement_request", material_1="y")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="supplement_request-reason_1-error">请写明需要补正的原因' in html
    assert _status(hall, application_id) is ApplicationStatus.SUBMITTED


def test_a_supplement_request_naming_nothing_is_refused(hall):
    application_id = hall.apply()
    response = act(hall.client("clerk"), application_id, "supplement_request")
    assert response.status_code == 400
    assert "请勾选需要补正的材料，并逐项写明原因" in response.get_data(as_text=True)
    assert _status(hall, application_id) is ApplicationStatus.SUBMITTED


def test_the_review_opinion_is_kept_and_an_empty_one_refused(hall):
    application_id = hall.apply()
    hall.step(application_id, "accept")
    reviewer = hall.client("reviewer")
    empty = act(reviewer, application_id, "review", opinion="")
    assert empty.status_code == 400
    assert 'id="review-opinion-error">请填写审查意见' in empty.get_data(as_text=True)
    assert act(reviewer, application_id, "review", opinion="材料齐全").status_code == 303
    assert hall.read(application_id, lambda a: (a.status, a.review_opinion)) == (
        ApplicationStatus.REVIEWED,
        "材料齐全",
    )
    assert "材料齐全" in _page(reviewer, application_id)


def test_approving_records_the_decision(hall):
    application_id = hall.apply()
    hall.step(application_id, "accept", "review")
    assert (
        act(hall.client("reviewer"), application_id, "decide", decision="approved").status_code
        == 303
    )
    assert hall.read(application_id, lambda a: (a.status, a.decision)) == (
        ApplicationStatus.DECIDED,
        Decision.APPROVED,
    )
    assert hall.read(application_id, lambda a: a.records[-1].result) == "approved"


def test_a_denial_needs_its_reason_and_names_the_guides_points(hall):
    application_id = hall.apply()
    hall.step(application_id, "accept", "review")
    reviewer = hall.client("reviewer")
    bare = act(reviewer, application_id, "decide", decision="denied", conditions=["0"])
    html = bare.get_data(as_text=True)
    assert bare.status_code == 400 and 'id="decide-reason-error">请写明理由' in html
    assert '<input checked id="decide-conditions-0"' in html
    assert _status(hall, application_id) is ApplicationStatus.REVIEWED
    denied = act(
        reviewer,
        application_id,
        "decide",
        decision="denied",
        reason="经营范围属禁止项目",
        conditions=["2"],
        materials=["1"],
    )
    assert denied.status_code == 303
    assert hall.read(application_id, lambda a: (a.decision, a.reason, a.reason_points)) == (
        Decision.DENIED,
        "经营范围属禁止项目",
        {"conditions": [2], "materials": [1]},
    )
    assert "不予批准理由" in _page(reviewer, application_id)


def test_completing_records_complete_then_deliver(hall):
    application_id = hall.apply()
    hall.step(application_id, "accept", "review", "approve")
    clerk = hall.client("clerk")
    assert act(clerk, application_id, "complete", delivery="fax").status_code == 400
    assert act(clerk, application_id, "complete", delivery="post").status_code == 303
    assert hall.stages(application_id)[-2:] == ["complete", "deliver"]
    assert hall.read(application_id, lambda a: (a.status, a.delivery, a.records[-1].result)) == (
        ApplicationStatus.COMPLETED,
        "post",
        "post",
    )
    assert "送达结果：邮寄" in _page(clerk, application_id)


def test_a_visit_is_recorded_at_the_counter_with_its_note(hall):
    application_id = hall.apply()
    assert (
        act(hall.client("clerk"), application_id, "visit", note="咨询办理进度").status_code == 303
    )
    record = hall.read(
        application_id, lambda a: (a.records[-1].stage, a.records[-1].channel, a.records[-1].note)
    )
    assert record == (Stage.VISIT, Channel.COUNTER, "咨询办理进度")


def test_a_reply_to_a_complaint_is_kept_and_takes_it_off_the_queue(hall):
    application_id = hall.apply()
    hall.step(application_id, "accept", "review", "approve", "complete")
    hall.rate(application_id, 2)
    reviewer = hall.client("reviewer")
    number = number_of(hall, application_id)
    assert number in queue_numbers(reviewer, "?queue=complaints")
    response = act(reviewer, application_id, "reply", reply="已约谈窗口人员", rectified="y")
    assert response.status_code == 303
    assert hall.read(application_id, lambda a: (a.rating.reply, a.rating.rectified)) == (
        "已约谈窗口人员",
        True,
    )
    assert number not in queue_numbers(reviewer, "?queue=complaints")
    assert "已整改" in _page(reviewer, application_id)


def test_deciding_before_review_is_refused_by_the_page_and_changes_nothing(hall):
    application_id = hall.apply()
    hall.step(application_id, "accept")
    reviewer = hall.client("reviewer")
    assert 'id="action-decide"' not in _page(reviewer, application_id)
    response = act(reviewer, application_id, "decide", decision="approved")
    assert response.status_code == 409
    assert "该办件刚刚已由他人处理，请刷新后查看" in response.get_data(as_text=True)
    assert _status(hall, application_id) is ApplicationStatus.ACCEPTED
    assert hall.stages(application_id) == ["submit", "accept"]


def test_deciding_before_review_is_refused_by_the_service(hall):
    application_id = hall.apply()
    hall.step(application_id, "accept")
    with hall.app.app_context():
        application = db.session.get(Application, application_id)
        with pytest.raises(workbench.IllegalTransition):
            workbench.decide(hall.account("reviewer"), application, Decision.APPROVED)
        count = sa.select(sa.func.count()).where(ProcessRecord.application_id == application_id)
        assert db.session.scalar(count) == 2
    assert _status(hall, application_id) is ApplicationStatus.ACCEPTED


def test_a_refused_supplement_request_leaves_nothing_in_the_session(hall):
    application_id = hall.apply()
    hall.step(application_id, "accept", "review")
    with hall.app.app_context():
        application = db.session.get(Application, application_id)
        with pytest.raises(workbench.IllegalTransition):
            workbench.request_supplement(
                hall.account("clerk"),
                application,
                [{"position": 0, "name": "申请书", "reason": "缺"}],
            )
        # A later query flushes the session: nothing of the refused request may reach the table.
        pending = sa.select(sa.func.count()).where(
            SupplementRequest.application_id == application_id
        )
        assert db.session.scalar(pending) == 0


def test_a_reviewer_cannot_accept(hall):
    application_id = hall.apply()
    refused = act(hall.client("reviewer"), application_id, "accept")
    assert refused.status_code == 403 and "没有权限" in refused.get_data(as_text=True)
    with hall.app.app_context():
        reviewer, application = (
            hall.account("reviewer"),
            db.session.get(Application, application_id),
        )
        with pytest.raises(workbench.NotAuthorized):
            workbench.accept(reviewer, application)
    assert _status(hall, application_id) is ApplicationStatus.SUBMITTED


def test_a_window_clerk_cannot_decide(hall):
    application_id = hall.apply()
    hall.step(application_id, "accept", "review")
    assert (
        act(hall.client("clerk"), application_id, "decide", decision="approved").status_code == 403
    )
    with hall.app.app_context():
        application = db.session.get(Application, application_id)
        with pytest.raises(workbench.NotAuthorized):
            workbench.decide(hall.account("clerk"), application, Decision.APPROVED)
    assert _status(hall, application_id) is ApplicationStatus.REVIEWED
    assert hall.stages(application_id) == ["submit", "accept", "review"]


def test_an_unknown_action_is_not_found(hall):
    application_id = hall.apply()
    assert act(hall.client("clerk"), application_id, "delete").status_code == 404
