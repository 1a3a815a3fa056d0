"""What the applicant does once the application is under way: answer a supplement request,
sign a tolerant acceptance's commitment, rate the result."""

from __future__ import annotations

from ...clock import now
from ...extensions import db
from ...identity.models import Account
from ..constants import ActorType, ApplicationStatus, Stage
from ..lifecycle import (
    IllegalTransition,
    apply_transition,
    load_for_change,
    refresh_due_date,
    write_record,
)
from ..models import Application, Rating
from .access import version_of
from .materials import current_materials, pending_supplement


def submit_supplement(account: Account, application: Application) -> None:
    """Hand in what the supplement request asked for; the clock runs again.

    :raises IllegalTransition: when no supplement is pending.
    :raises ValueError: ``materials`` when a requested material still has nothing attached.
    """
    load_for_change(application)
    pending = pending_supplement(application)
    if pending is None:
        raise IllegalTransition("supplement_submit", application.status)
    present = current_materials(application)
    asked = [
        item["position"] for item in pending.requested_items if item.get("position") is not None
    ]
    fresh = {
        m.position
        for m in application.materials
        if m.replaced_at is None and m.added_at >= pending.requested_at
    }
    if any(position not in present or position not in fresh for position in asked):
        raise ValueError("materials")
    pending.answered_on = now().date()
    apply_transition(application, "supplement_submit", ActorType.APPLICANT, application.channel)
    refresh_due_date(application, now().date())
    db.session.commit()


def commit_to_tolerance(account: Account, application: Application) -> None:
    """Sign the commitment to hand in the missing minor materials by the deadline (容缺承诺).

    :raises IllegalTransition: when there is nothing to commit to.
    """
    load_for_change(application)
    tolerance = application.tolerance
    if tolerance is None or tolerance.committed_at is not None:
        raise IllegalTransition("commit", application.status)
    tolerance.committed_at = now()
    db.session.commit()


def rate(account: Account, application: Application, score: int, comment: str) -> Rating:
    """Rate a completed application once (好差评); 1–2 becomes a complaint in the unit's queue.

    :raises IllegalTransition: before completion or when already rated.
    :raises ValueError: for a score outside 1–5.
    """
    load_for_change(application)
    if application.status is not ApplicationStatus.COMPLETED or application.rating is not None:
        raise IllegalTransition("evaluate", application.status)
    if score not in range(1, 6):
        raise ValueError("score")
    rating = Rating(
        application=application, score=score, comment=comment.strip()[:500], created_at=now()
    )
    db.session.add(rating)
    write_record(
        application, Stage.EVALUATE, ActorType.APPLICANT, application.channel, result=str(score)
    )
    db.session.commit()
    return rating


def visits_still_needed(application: Application) -> int:
    """How many more on-site visits the guide needs beyond those already recorded."""
    made = sum(1 for record in application.records if record.stage is Stage.VISIT)
    return max(0, version_of(application).required_visits - made)
