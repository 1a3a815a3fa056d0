"""Two people acting on one application at the same moment: the record never contradicts itself.

Each test reads the application in two threads (their own connections, real commits), releases
them together with a barrier, and lets both act. Without the row lock both passed the state
check on what they had read, and both wrote; with it the second waits for the first to commit,
sees the new state and is refused. Runs on SQLite and on PostgreSQL (`TEST_DATABASE_URL`).
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from mobile_hall.applications import services as applicant
from mobile_hall.applications.constants import ApplicationStatus, Decision, Stage
from mobile_hall.applications.lifecycle import IllegalTransition
from mobile_hall.applications.models import (
    Application,
    ApplicationMaterial,
    Message,
    ProcessRecord,
    Rating,
)
from mobile_hall.extensions import db
from mobile_hall.identity.models import Account
from mobile_hall.workbench import services as workbench
from tests.support.applications import (
    account,
    attach_required,
    start_draft,
    submitted,
    valid_answers,
)
from tests.support.builders import make_account
from tests.support.samples import PNG
from tests.support.workbench import SCJG_ONLINE

# A move: given `ready` (wait for the other thread), read the application, wait, act.
Move = Callable[[Callable[[], object]], object]


def _together(app, *moves: Move) -> list[object]:
    """Run the moves in threads released together; each one's result or its refusal."""
    ready = threading.Barrier(len(moves), timeout=30)

    def run(move: Move) -> object:
        with app.app_context():
            try:
                return move(ready.wait)
            except IllegalTransition as refused:
                db.session.rollback()
                return refused
            finally:
                db.session.remove()

    with ThreadPoolExecutor(len(moves)) as pool:
        return list(pool.map(run, moves))


def _staff_move(username: str, application_id: int, act: Callable) -> Move:
    def move(ready: Callable[[], object]) -> object:
        staff = account(username)
        application = workbench.get_for_staff(staff, application_id)
        ready()  # both have read the application as it was
        return act(staff, application)

    return move


def _applicant_move(application_id: int, act: Callable) -> Move:
    def move(ready: Callable[[], object]) -> object:
        person = account("citizen")
        application = applicant.get_own_application(person, application_id)
        ready()
        return act(person, application)

    return move


def _stages(app, application_id: int) -> list[Stage]:
    with app.app_context():
        stages = db.session.scalars(
            sa.select(ProcessRecord.stage)
            .where(ProcessRecord.application_id == application_id)
            .order_by(ProcessRecord.id)
        ).all()
        db.session.remove()
    return list(stages)


def _status(app, application_id: int) -> ApplicationStatus:
    with app.app_context():
        status = db.session.get(Application, application_id).status
        db.session.remove()
    return status


def _count(app, model, *conditions) -> int:
    with app.app_context():
        found = db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*conditions))
        db.session.remove()
    return found


def _steps(app, application_id: int, *steps: Callable) -> None:
    """Move the application along one step at a time, as the unit's staff."""
    for step in steps:
        with app.app_context():
            step(db.session.get(Application, application_id))
            db.session.remove()


def _accept(application):
    workbench.accept(account("clerk"), application)


def _review(application):
    workbench.review(account("reviewer"), application, "符合条件")


def _approve(application):
    workbench.decide(account("reviewer"), application, Decision.APPROVED)


def _complete(application):
    workbench.complete(account("clerk"), application, application.version.result_delivery[0])


def _refused(outcomes: list[object]) -> int:
    return sum(isinstance(outcome, IllegalTransition) for outcome in outcomes)


def test_two_clerks_accepting_at_once_accept_once_and_tell_the_applicant_once(app, committed):
    application_id = submitted(app, "citizen", *SCJG_ONLINE)
    accept = _staff_move("clerk", application_id, lambda s, a: workbench.accept(s, a))

    outcomes = _together(app, accept, accept)

    assert _refused(outcomes) == 1
    assert _stages(app, application_id) == [Stage.SUBMIT, Stage.ACCEPT]
    assert _count(app, Message, Message.application_id == application_id) == 2  # 已提交, 已受理


def test_withdrawing_while_a_clerk_accepts_leaves_records_that_match_the_status(app, committed):
    application_id = submitted(app, "citizen", *SCJG_ONLINE)

    outcomes = _together(
        app,
        _applicant_move(application_id, lambda p, a: applicant.withdraw(p, a)),
        _staff_move("clerk", application_id, lambda s, a: workbench.accept(s, a)),
    )

    assert _refused(outcomes) == 1
    withdrawn = not isinstance(outcomes[0], IllegalTransition)
    expected = (
        (ApplicationStatus.WITHDRAWN, [Stage.SUBMIT, Stage.WITHDRAW])
        if withdrawn
        else (ApplicationStatus.ACCEPTED, [Stage.SUBMIT, Stage.ACCEPT])
    )
    assert (_status(app, application_id), _stages(app, application_id)) == expected


def test_two_clerks_completing_at_once_complete_and_deliver_once(app, committed):
    application_id = submitted(app, "citizen", *SCJG_ONLINE)
    _steps(app, application_id, _accept, _review, _approve)
    complete = _staff_move(
        "clerk",
        application_id,
        lambda s, a: workbench.complete(s, a, a.version.result_delivery[0]),
    )

    outcomes = _together(app, complete, complete)

    assert _refused(outcomes) == 1
    stages = _stages(app, application_id)
    assert (stages.count(Stage.COMPLETE), stages.count(Stage.DELIVER)) == (1, 1)


def test_two_ratings_at_once_keep_one_and_refuse_the_other(app, committed):
    application_id = submitted(app, "citizen", *SCJG_ONLINE)
    _steps(app, application_id, _accept, _review, _approve, _complete)
    rate = _applicant_move(application_id, lambda p, a: applicant.rate(p, a, 5, "很快"))

    outcomes = _together(app, rate, rate)

    assert _refused(outcomes) == 1
    assert _count(app, Rating, Rating.application_id == application_id) == 1
    assert _stages(app, application_id).count(Stage.EVALUATE) == 1


def test_two_taps_on_apply_online_open_one_draft(app, committed):
    code, unit = SCJG_ONLINE
    with app.app_context():
        person_id = make_account().id  # no draft of anything yet
        db.session.remove()

    def start(ready: Callable[[], object]) -> int:
        person = db.session.get(Account, person_id)
        checked = applicant.item_to_apply_for(person, code)
        ready()  # both found no draft
        return applicant.start_application(person, code, unit, checked=checked).id

    first, second = _together(app, start, start)

    assert first == second
    assert _count(app, Application, Application.account_id == person_id) == 1


def test_two_presses_on_reapply_open_one_draft_with_each_material_once(app, committed):
    application_id = submitted(app, "citizen", *SCJG_ONLINE)
    _steps(
        app,
        application_id,
        lambda a: workbench.reject(account("clerk"), a, "场所证明不清晰", {"materials": []}),
    )
    reapply = _applicant_move(application_id, lambda p, a: applicant.reapply(p, a).id)

    first, second = _together(app, reapply, reapply)

    assert first == second
    assert _count(app, Application, Application.reapplied_from_id == application_id) == 1
    with app.app_context():
        carried = db.session.scalars(
            sa.select(ApplicationMaterial.position).where(
                ApplicationMaterial.application_id == first
            )
        ).all()
        handed_in = db.session.scalars(
            sa.select(ApplicationMaterial.position).where(
                ApplicationMaterial.application_id == application_id
            )
        ).all()
        db.session.remove()
    assert sorted(carried) == sorted(handed_in)  # each position's file once


def _complete_draft(app) -> int:
    """A draft of `citizen` ready to submit: answers and every required material, committed."""
    code, unit = SCJG_ONLINE
    application_id = start_draft(app, "citizen", code, unit)
    attach_required(app, "citizen", application_id)
    answers = valid_answers(app, code)
    with app.app_context():
        person = account("citizen")
        applicant.save_answers(
            person, applicant.get_own_application(person, application_id), answers
        )
        db.session.remove()
    return application_id


def _in_force(app, material_id: int) -> bool:
    """Whether the material is still attached (not taken back)."""
    with app.app_context():
        replaced_at = db.session.get(ApplicationMaterial, material_id).replaced_at
        db.session.remove()
    return replaced_at is None


# Who goes first in a race of taking a material back against another act, and how far it gets
# before the other acts: "finished" (the other acted on what it read before: a slower tab) or
# "committing" (it holds the row lock, its change written, while the other asks for the lock).
ORDERS = [
    pytest.param(None, None, id="together"),
    pytest.param("act", "finished", id="act-then-remove"),
    pytest.param("act", "committing", id="remove-waits-for-the-acts-lock"),
    pytest.param("remove", "finished", id="remove-then-act"),
    pytest.param("remove", "committing", id="act-waits-for-the-removes-lock"),
]


def _remove_racing(
    app,
    application_id: int,
    material_id: int,
    act: Callable,
    order: tuple[str | None, str | None],
    statuses: tuple[ApplicationStatus, ApplicationStatus],
) -> bool:
    """Take back a material while `act` (submit, answer a supplement) runs on the same
    application, and check the outcome; whether the act went through.

    Both threads read the application and are released together; with `first` ("remove",
    "act") the other one acts only once `first` has reached `until` (see `ORDERS`). Then
    either the act went through with the material still there (`statuses`: the one after the
    act) or the material went and the act was refused (the one before), never a mix; the
    order, where given, decides which.
    """
    first, until = order
    reached = {
        (name, stage): threading.Event()
        for name in ("remove", "act")
        for stage in ("committing", "finished")
    }

    def hold_the_lock(name: str) -> None:
        def committing(_session) -> None:
            reached[name, "committing"].set()
            time.sleep(0.5)  # the other's locking read is sent while this one holds the lock

        sa.event.listen(db.session(), "before_commit", committing, once=True)

    def move(name: str, action: Callable) -> Move:
        def run(ready: Callable[[], object]) -> object:
            try:
                person = account("citizen")
                options = applicant.MATERIALS if name == "remove" else applicant.SUBMITTING
                application = applicant.get_own_application(person, application_id, *options)
                if name == first and until == "committing":
                    hold_the_lock(name)
                ready()
                if first is not None and name != first:
                    assert reached[first, until].wait(30)
                try:
                    return action(person, application)
                except ValueError as refused:
                    db.session.rollback()
                    return refused
            finally:
                reached[name, "committing"].set()
                reached[name, "finished"].set()

        return run

    _together(
        app,
        move("remove", lambda p, a: applicant.remove_material(p, a, material_id)),
        move("act", act),
    )
    after, before = statuses
    outcome = (_status(app, application_id), _in_force(app, material_id))
    with_it, without_it = (after, True), (before, False)
    expected = {None: {with_it, without_it}, "act": {with_it}, "remove": {without_it}}[first]
    assert outcome in expected
    return outcome == with_it


@pytest.mark.parametrize(("first", "until"), ORDERS)
def test_removing_a_required_material_while_submitting_never_submits_without_it(
    app, committed, first, until
):
    application_id = _complete_draft(app)
    with app.app_context():
        application = db.session.get(Application, application_id)
        required = {m.position for m in application.version.materials if m.required}
        material_id = next(m.id for m in application.materials if m.position in required)
        db.session.remove()

    went_through = _remove_racing(
        app,
        application_id,
        material_id,
        lambda p, a: applicant.submit(p, a, declaration=True),
        (first, until),
        (ApplicationStatus.SUBMITTED, ApplicationStatus.DRAFT),
    )

    assert _stages(app, application_id) == ([Stage.SUBMIT] if went_through else [])


@pytest.mark.parametrize(("first", "until"), ORDERS)
def test_removing_a_requested_material_while_answering_the_supplement_never_answers_without_it(
    app, committed, first, until
):
    application_id = submitted(app, "citizen", *SCJG_ONLINE)
    with app.app_context():
        application = db.session.get(Application, application_id)
        position = application.version.materials[0].position
        workbench.request_supplement(
            account("clerk"),
            application,
            [{"position": position, "name": "补充材料", "reason": "照片不清晰"}],
        )
        db.session.remove()
    with app.app_context():
        person = account("citizen")
        application = applicant.get_own_application(person, application_id)
        material_id = applicant.attach_upload(
            person, application, position, io.BytesIO(PNG), "b.png"
        ).id
        db.session.remove()

    went_through = _remove_racing(
        app,
        application_id,
        material_id,
        lambda p, a: applicant.submit_supplement(p, a),
        (first, until),
        (ApplicationStatus.SUBMITTED, ApplicationStatus.SUPPLEMENT_PENDING),
    )

    answered = [Stage.SUBMIT, Stage.SUPPLEMENT_REQUEST, Stage.SUPPLEMENT_SUBMIT]
    assert _stages(app, application_id) == answered[: 3 if went_through else 2]
