"""Two people acting on one application at the same moment: the record never contradicts itself.

Each test reads the application in two threads (their own connections, real commits), releases
them together with a barrier, and lets both act. Without the row lock both passed the state
check on what they had read, and both wrote; with it the second waits for the first to commit,
sees the new state and is refused. Runs on SQLite and on PostgreSQL (`TEST_DATABASE_URL`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from mobile_hall.applications import services as applicant
from mobile_hall.applications.constants import ApplicationStatus, Decision, Stage
from mobile_hall.applications.lifecycle import IllegalTransition
from mobile_hall.applications.models import Application, Message, ProcessRecord, Rating
from mobile_hall.extensions import db
from mobile_hall.identity.models import Account
from mobile_hall.workbench import services as workbench
from tests.support.applications import account, submitted
from tests.support.builders import make_account
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
