"""The application's state machine, process records and working-day clock, at the service layer."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from mobile_hall.applications import services as applicant
from mobile_hall.applications.constants import ActorType, ApplicationStatus, Channel, Decision
from mobile_hall.applications.lifecycle import (
    TRANSITIONS,
    IllegalTransition,
    apply_transition,
    clock_of,
)
from mobile_hall.applications.models import (
    Application,
    ProcessRecord,
    SupplementRequest,
)
from mobile_hall.catalog.models import ItemVersion, ServiceItem
from mobile_hall.extensions import db
from mobile_hall.identity.models import Account
from mobile_hall.organisations.models import Unit
from mobile_hall.workbench import services as workbench
from tests.support.answers import answer_everything
from tests.support.samples import PNG


def _transient(status: ApplicationStatus) -> Application:
    return Application(
        status=status,
        number="QJ202511030000427",
        item=ServiceItem(code="QJ-TEST-0001"),
        unit=Unit(code="QJ-TEST"),
        applicant_type="person",
        channel=Channel.MOBILE,
    )


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
@pytest.mark.parametrize("status", list(ApplicationStatus))
def test_every_transition_is_allowed_exactly_from_its_sources(app, isolated_db, action, status):
    application = _transient(status)
    allowed = status in TRANSITIONS[action].sources
    with app.app_context():
        if allowed:
            record = apply_transition(application, action, ActorType.CLERK, Channel.WEB)
            assert record.stage == TRANSITIONS[action].stage
            assert application.status != status or TRANSITIONS[action].target is None
        else:
            with pytest.raises(IllegalTransition):
                apply_transition(application, action, ActorType.CLERK, Channel.WEB)
            assert application.status == status
        db.session.rollback()


def test_answering_a_supplement_returns_to_where_the_application_was(app, isolated_db):
    with app.app_context():
        for before in (ApplicationStatus.SUBMITTED, ApplicationStatus.ACCEPTED):
            application = _transient(before)
            apply_transition(application, "supplement_request", ActorType.CLERK, Channel.WEB)
            assert application.status is ApplicationStatus.SUPPLEMENT_PENDING
            apply_transition(application, "supplement_submit", ActorType.APPLICANT, Channel.MOBILE)
            assert application.status is before
        db.session.rollback()


def _clocked(accepted_on: date, pauses: list[tuple[date, date | None]]) -> Application:
    application = Application(accepted_on=accepted_on)
    application.version = ItemVersion(promised_time_limit_days=5)
    application.supplements = [
        SupplementRequest(requested_on=start, answered_on=end, pauses_clock=True)
        for start, end in pauses
    ]
    return application


def test_the_clock_skips_the_national_day_holiday_and_counts_its_make_up_days():
    # Accepted on Friday 26 September 2025: Sunday 28 September is a make-up working day,
    # 1–8 October are the holiday.
    clock = clock_of(_clocked(date(2025, 9, 26), []), today=date(2025, 9, 29))
    assert clock.due_on == date(2025, 10, 10)
    assert clock.days_left == 3 and not clock.paused


def test_a_supplement_pauses_the_clock_and_the_make_up_saturday_counts(app):
    pending = clock_of(_clocked(date(2025, 9, 26), [(date(2025, 9, 29), None)]), date(2025, 10, 9))
    assert pending.paused and pending.due_on is None and pending.days_left == 4
    answered = clock_of(
        _clocked(date(2025, 9, 26), [(date(2025, 9, 29), date(2025, 9, 30))]), date(2025, 10, 9)
    )
    # 28 Sep (make-up Sunday), 9 Oct, 10 Oct, 11 Oct (make-up Saturday), 13 Oct.
    assert answered.due_on == date(2025, 10, 13) and not answered.paused


def test_overdue_shows_negative_days():
    # Due 10 October; 11 October (make-up Saturday), 13 and 14 October have passed since.
    clock = clock_of(_clocked(date(2025, 9, 26), []), today=date(2025, 10, 14))
    assert clock.overdue and clock.days_left == -3


def _account(name: str) -> Account:
    return db.session.scalars(sa.select(Account).where(Account.name == name)).one()


def _online_item(unit_code: str) -> ItemVersion:
    return db.session.scalars(
        sa.select(ItemVersion)
        .join(ServiceItem, ServiceItem.current_version_id == ItemVersion.id)
        .where(ItemVersion.units.any(Unit.code == unit_code), ItemVersion.min_real_name_level <= 3)
        .order_by(ServiceItem.code)
    ).all()


def _people(app, sign_in) -> None:
    for username in ("citizen", "clerk", "reviewer"):
        sign_in(username, app.test_client())


def _complete_draft(citizen: Account) -> Application:
    """A citizen's draft for a 区市场监管局 item, every question answered and material attached."""
    version = next(
        v
        for v in _online_item("QJ-SCJGJ")
        if "apply" in v.online_stages and v.audience in ("person", "both")
    )
    draft = applicant.start_application(citizen, version.item.code, "QJ-SCJGJ")
    answer_everything(citizen, draft)
    for material in version.materials:
        applicant.attach_upload(citizen, draft, material.position, io.BytesIO(PNG), "a.png")
    return draft


def test_a_whole_matter_leaves_its_process_records_in_order(app, sign_in, client):
    _people(app, sign_in)
    with app.app_context():
        citizen, clerk, reviewer = (_account(n) for n in ("张晓明", "王志强", "何淑珍"))
        draft = _complete_draft(citizen)
        version = draft.version
        submitted = applicant.submit(citizen, draft, declaration=True)
        assert applicant.submit(citizen, submitted, declaration=True) is submitted  # idempotent
        workbench.accept(clerk, submitted)
        position = version.materials[0].position if version.materials else None
        workbench.request_supplement(
            clerk, submitted, [{"position": position, "name": "补充材料", "reason": "照片不清晰"}]
        )
        if position is not None:
            applicant.attach_upload(citizen, submitted, position, io.BytesIO(PNG), "b.png")
        applicant.submit_supplement(citizen, submitted)
        workbench.review(reviewer, submitted, "材料齐全，符合条件")
        workbench.decide(reviewer, submitted, Decision.APPROVED)
        workbench.complete(
            clerk, submitted, version.result_delivery[0] if version.result_delivery else "pickup"
        )
        applicant.rate(citizen, submitted, 5, "很方便")
        stages = [
            r.stage.value
            for r in db.session.scalars(
                sa.select(ProcessRecord)
                .where(ProcessRecord.application_id == submitted.id)
                .order_by(ProcessRecord.id)
            )
        ]
        assert stages == [
            "submit",
            "accept",
            "supplement_request",
            "supplement_submit",
            "review",
            "decide",
            "complete",
            "deliver",
            "evaluate",
        ]
        assert submitted.status is ApplicationStatus.COMPLETED
        assert all(r.application_no == submitted.number for r in submitted.records)


def test_a_draft_with_unanswered_questions_cannot_be_submitted(app, sign_in):
    sign_in("citizen", app.test_client())
    with app.app_context():
        citizen = _account("张晓明")
        version = next(
            v
            for v in _online_item("QJ-SCJGJ")
            if "apply" in v.online_stages and v.audience in ("person", "both") and v.form_fields
        )
        draft = applicant.start_application(citizen, version.item.code, "QJ-SCJGJ")
        for material in version.materials:
            applicant.attach_upload(citizen, draft, material.position, io.BytesIO(PNG), "a.png")
        with pytest.raises(ValueError, match="answers"):
            applicant.submit(citizen, draft, declaration=True)
        assert draft.number is None and draft.status is ApplicationStatus.DRAFT


def test_clerks_cannot_skip_steps_or_act_outside_their_role(app, sign_in):
    _people(app, sign_in)
    with app.app_context():
        citizen, clerk, reviewer = (_account(n) for n in ("张晓明", "王志强", "何淑珍"))
        application = applicant.submit(citizen, _complete_draft(citizen), declaration=True)
        records = len(application.records)
        with pytest.raises(IllegalTransition):
            workbench.decide(reviewer, application, Decision.APPROVED)
        with pytest.raises(workbench.NotAuthorized):
            workbench.accept(reviewer, application)  # a reviewer is no window clerk
        with pytest.raises(workbench.NotAuthorized):
            workbench.review(clerk, application, "意见")
        db.session.refresh(application)
        assert application.status is ApplicationStatus.SUBMITTED
        assert len(application.records) == records


def test_a_person_cannot_apply_for_an_enterprise_only_item(app, sign_in):
    sign_in("citizen", app.test_client())
    with app.app_context():
        citizen = _account("张晓明")
        with pytest.raises(applicant.WrongAudience):
            applicant.start_application(citizen, "QJ-SCJG-0005", "QJ-SCJGJ")
