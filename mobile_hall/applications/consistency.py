"""The consistency check of applications (`flask applications check`): the process records of
every application, replayed through the state machine, must lead to its stored status.

A record the state machine would have refused (an `accept` after a `withdraw`), a status the
records do not reach, a second `complete` or `deliver`, or a rating without its `evaluate`
record means two changes raced past each other: the official record contradicts itself.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from .constants import ApplicationStatus, Stage
from .lifecycle import TRANSITIONS, Transition
from .models import Application, ProcessRecord, Rating

_BY_STAGE: dict[Stage, Transition] = {t.stage: t for t in TRANSITIONS.values()}


@dataclass(frozen=True)
class Contradiction:
    """One way an application's records contradict its status (Chinese, for the operator)."""

    application_id: int
    number: str | None
    problem: str

    def __str__(self) -> str:
        return f"办件 {self.number or '-'}（id {self.application_id}）：{self.problem}"


def _replay(stages: list[Stage]) -> tuple[ApplicationStatus, list[str]]:
    """The status the records lead to from a draft, and the records the machine would refuse."""
    status, resume, problems = ApplicationStatus.DRAFT, None, []
    for stage in stages:
        if stage is Stage.EVALUATE and status is not ApplicationStatus.COMPLETED:
            problems.append(f"评价记录出现在状态 {status} 之时")
        transition = _BY_STAGE.get(stage)
        if transition is None:
            continue  # deliver, visit, evaluate: no change of state
        if status not in transition.sources:
            problems.append(f"记录 {stage} 出现在状态 {status} 之后")
            continue
        if transition.target is None:
            status, resume = resume or ApplicationStatus.SUBMITTED, None
        else:
            if transition.target is ApplicationStatus.SUPPLEMENT_PENDING:
                resume = status
            status = transition.target
    return status, problems


def _problems(status: ApplicationStatus, stages: list[Stage], rated: bool) -> list[str]:
    replayed, problems = _replay(stages)
    discarded_draft = status is ApplicationStatus.WITHDRAWN and not stages
    if replayed is not status and not discarded_draft:
        problems.append(f"状态为 {status}，记录却到 {replayed}")
    counts = Counter(stages)
    if counts[Stage.COMPLETE] > 1 or counts[Stage.DELIVER] != counts[Stage.COMPLETE]:
        problems.append(
            f"办结记录 {counts[Stage.COMPLETE]} 条、送达记录 {counts[Stage.DELIVER]} 条"
        )
    if counts[Stage.EVALUATE] != int(rated):
        problems.append(f"评价 {int(rated)} 条、评价记录 {counts[Stage.EVALUATE]} 条")
    return problems


def find_contradictions() -> list[Contradiction]:
    """Every contradiction between an application's records and its status, by application id."""
    stages: dict[int, list[Stage]] = defaultdict(list)
    records = db.session.execute(
        # In the order written: changes of one application are serialised by its row lock.
        sa.select(ProcessRecord.application_id, ProcessRecord.stage).order_by(
            ProcessRecord.application_id, ProcessRecord.id
        )
    )
    for application_id, stage in records:
        stages[application_id].append(stage)
    rated = set(db.session.scalars(sa.select(Rating.application_id)))
    applications = db.session.execute(
        sa.select(Application.id, Application.number, Application.status).order_by(Application.id)
    )
    return [
        Contradiction(application_id, number, problem)
        for application_id, number, status in applications
        for problem in _problems(status, stages[application_id], application_id in rated)
    ]


def count_applications() -> int:
    """How many applications the check looked at."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Application)) or 0
