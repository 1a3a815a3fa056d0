"""`flask applications check`: an application's records must not contradict its status."""

from __future__ import annotations

from mobile_hall.applications import services as applicant
from mobile_hall.applications.constants import ActorType, Channel, Decision, Stage
from mobile_hall.applications.lifecycle import write_record
from mobile_hall.applications.models import Application
from mobile_hall.extensions import db
from mobile_hall.workbench import services as workbench
from tests.support.applications import account, submitted
from tests.support.workbench import SCJG_ONLINE


def _check(runner):
    return runner.invoke(args=["applications", "check"])


def _number(app, application_id: int) -> str:
    with app.app_context():
        return db.session.get(Application, application_id).number


def test_the_check_passes_applications_moved_only_through_the_services(app, runner):
    withdrawn = submitted(app, "citizen", *SCJG_ONLINE)
    accepted = submitted(app, "citizen", *SCJG_ONLINE)
    with app.app_context():
        applicant.withdraw(account("citizen"), db.session.get(Application, withdrawn))
        workbench.accept(account("clerk"), db.session.get(Application, accepted))

    result = _check(runner)

    assert result.exit_code == 0, result.output
    assert "记录与状态一致" in result.output


def test_the_check_lists_an_accept_written_after_a_withdrawal_and_fails(app, runner):
    good = submitted(app, "citizen", *SCJG_ONLINE)
    raced = submitted(app, "citizen", *SCJG_ONLINE)
    with app.app_context():
        application = db.session.get(Application, raced)
        applicant.withdraw(account("citizen"), application)
        # What a clerk's accept racing the withdrawal used to leave behind.
        write_record(application, Stage.ACCEPT, ActorType.CLERK, Channel.WEB)
        db.session.commit()

    result = _check(runner)

    assert result.exit_code == 1
    assert f"办件 {_number(app, raced)}" in result.output
    assert "记录 accept 出现在状态 withdrawn 之后" in result.output
    assert f"办件 {_number(app, good)}" not in result.output


def test_the_check_lists_a_second_completion(app, runner):
    application_id = submitted(app, "citizen", *SCJG_ONLINE)
    with app.app_context():
        application = db.session.get(Application, application_id)
        clerk, reviewer = account("clerk"), account("reviewer")
        workbench.accept(clerk, application)
        workbench.review(reviewer, application, "符合条件")
        workbench.decide(reviewer, application, Decision.APPROVED)
        workbench.complete(clerk, application, application.version.result_delivery[0])
        write_record(application, Stage.COMPLETE, ActorType.CLERK, Channel.WEB)
        write_record(application, Stage.DELIVER, ActorType.CLERK, Channel.WEB)
        db.session.commit()

    result = _check(runner)

    assert result.exit_code == 1
    assert "办结记录 2 条、送达记录 2 条" in result.output
