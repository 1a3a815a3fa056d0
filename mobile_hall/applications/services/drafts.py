"""Starting an application and filling in its draft: who may apply, the draft, its answers, and
a new draft from a refused application."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import load_only

from ...catalog.constants import Audience
from ...catalog.constants import Stage as ItemStage
from ...catalog.services import PublishedVersion, current_published_version, suspension_of
from ...clock import now
from ...common.errors import NotAuthorized
from ...extensions import db
from ...identity.constants import UserType
from ...identity.models import Account
from ...identity.services import meets_real_name_level
from ...pages.scope import may_act_for
from ..answers import protect
from ..constants import ApplicationStatus, Channel
from ..formbuilder import groups_of
from ..lifecycle import IllegalTransition, load_for_change
from ..models import Application, ApplicationMaterial
from .access import NOT_JOINED, OWNERS, unit_of, version_of
from .errors import ApplicationNotFound, ItemSuspended, LevelTooLow, NotOnline, WrongAudience


def _channel() -> Channel:
    return Channel.MOBILE


def _current_version(code: str) -> PublishedVersion:
    version = current_published_version(code)
    if version is None:
        raise ApplicationNotFound(code)
    return version


def check_can_apply(account: Account, version: PublishedVersion) -> None:
    """Refuse an applicant who cannot apply online for this version.

    :raises ItemSuspended: the item is suspended (暂停办理), with the reason.
    :raises NotOnline: the item has no online application.
    :raises WrongAudience: an enterprise item for a person's account, or the reverse.
    :raises LevelTooLow: the person's real-name level is too low (checked again at submit).
    """
    suspension = suspension_of(version.item_id)
    if suspension is not None:
        raise ItemSuspended(version.code, suspension.reason)
    if ItemStage.APPLY not in version.online_stages:
        raise NotOnline(version.code)
    if version.audience != Audience.BOTH and (
        (version.audience == Audience.ENTERPRISE) != (account.user_type == UserType.LEGAL_PERSON)
    ):
        raise WrongAudience(version.code, version.audience)
    if not meets_real_name_level(account, version.min_real_name_level):
        raise LevelTooLow(version.min_real_name_level)


@dataclass(frozen=True)
class ItemToApply:
    """The item someone is about to apply for, and their open draft of it if there is one."""

    version: PublishedVersion
    draft: Application | None


def _open_draft(account: Account, item_id: int) -> Application | None:
    return db.session.scalar(
        sa.select(Application)
        .where(
            Application.account_id == account.id,
            Application.item_id == item_id,
            Application.status == ApplicationStatus.DRAFT,
        )
        .options(
            *NOT_JOINED, load_only(*OWNERS, Application.item_version_id, Application.updated_at)
        )
    )


def _lock_applicant(account: Account) -> None:
    """Lock the person's account row until the caller commits: openings of drafts queue."""
    db.session.execute(sa.select(Account.id).where(Account.id == account.id).with_for_update())


def _check_agent_may_act(account: Account, version: PublishedVersion) -> None:
    if not may_act_for(account, version.item_id):
        raise NotAuthorized()


def item_to_apply_for(account: Account, code: str) -> ItemToApply:
    """The current version of the item, once the person may apply for it, with their draft.

    :raises ApplicationNotFound: for an unknown code.
    :raises NotOnline, LevelTooLow: see `check_can_apply`.
    :raises NotAuthorized: an agent whose legal representative did not allow this item.
    """
    version = _current_version(code)
    check_can_apply(account, version)
    _check_agent_may_act(account, version)
    return ItemToApply(version, _open_draft(account, version.item_id))


def start_application(
    account: Account,
    code: str,
    unit_code: str | None = None,
    *,
    checked: ItemToApply | None = None,
) -> Application:
    """Open a draft for the item, or return the person's open draft for it (no duplicates).

    ``checked`` is what `item_to_apply_for(account, code)` returned in this same transaction,
    so the item is not looked up and checked twice.

    :raises ApplicationNotFound: unknown item or a unit that does not implement it.
    :raises NotOnline, LevelTooLow: see `check_can_apply`.
    :raises NotAuthorized: an agent whose legal representative did not allow this item.
    """
    if checked is None or checked.version.code != code:
        checked = item_to_apply_for(account, code)
    existing = _open_draft_or_lock(account, checked)
    if existing is not None:
        return existing
    application = _new_draft(account, checked.version, unit_code)
    db.session.commit()
    return application


def _open_draft_or_lock(account: Account, checked: ItemToApply) -> Application | None:
    """The person's open draft of the item; else None, their account row locked (the caller
    makes the draft and commits)."""
    if checked.draft is not None:
        return checked.draft
    # Two taps on 在线申办 (or 重新申请) at once both found no draft: the second waits here for
    # the first to commit, then finds the draft it made.
    _lock_applicant(account)
    return _open_draft(account, checked.version.item_id)


def _new_draft(account: Account, version: PublishedVersion, unit_code: str | None) -> Application:
    """A new draft of `version` at the chosen unit (the only one if it has one), added to the
    session; the caller commits.

    :raises ApplicationNotFound: a unit that does not implement the version.
    """
    units = {unit.code: unit for unit in version.units}
    unit = units.get(unit_code) if unit_code else (version.units[0] if len(units) == 1 else None)
    if unit is None:
        raise ApplicationNotFound(unit_code or "")
    moment = now()
    application = Application(
        item_id=version.item_id,
        item_version_id=version.id,
        unit_id=unit.id,
        # The id, not the relationship: the change tokens are noted before the flush fills it.
        account_id=account.id,
        enterprise_id=account.enterprise_id,
        applicant_type=account.user_type,
        applicant_name=account.enterprise.name if account.enterprise else account.name,
        applicant_id_masked=account.id_number_masked,
        applicant_id_hash=account.id_number_hash,
        applicant_phone=account.phone,
        channel=_channel(),
        status=ApplicationStatus.DRAFT,
        answers={},
        created_at=moment,
        updated_at=moment,
    )
    db.session.add(application)
    return application


def _require_status(application: Application, *statuses: ApplicationStatus) -> None:
    if application.status not in statuses:
        raise IllegalTransition("edit", application.status)


def save_answers(account: Account, application: Application, answers: dict[str, Any]) -> None:
    """Keep the answers of one form page in the draft (already validated by its form).

    Identity numbers are stored encrypted and masked (`answers.protect`, idempotent).

    :raises IllegalTransition: once the application is submitted.
    """
    load_for_change(application)
    _require_status(application, ApplicationStatus.DRAFT)
    fields = version_of(application).form_fields
    names = {field["name"] for field in fields}
    application.answers = {
        **application.answers,
        **protect(fields, {k: v for k, v in answers.items() if k in names}),
    }
    application.updated_at = now()
    db.session.commit()


def missing_answers(application: Application) -> list[tuple[int, str]]:
    """Required questions left unanswered, as (form page number from 1, label)."""
    fields = version_of(application).form_fields
    pages = {group: number for number, group in enumerate(groups_of(fields), start=1)}
    return [
        (pages[spec.get("group", "基本信息")], spec["label"])
        for spec in fields
        if spec.get("required", True) and application.answers.get(spec["name"]) in (None, "", [])
    ]


def reapply(account: Account, application: Application) -> Application:
    """Start a new draft from a refused or denied application, carrying over what still holds.

    Answers are copied; materials are copied except those the refusal named. The draft and
    its copies are committed together. An open draft of the item the person already has (the
    one a first press made, on a double tap or the back button, or one of their own) is
    returned as it is: copying into it again would add every material a second time and
    overwrite its answers.

    :raises IllegalTransition: unless the application was refused or denied.
    :raises NotOnline, LevelTooLow: as for a new application.
    :raises ApplicationNotFound: the application's unit no longer implements the item.
    """
    if not (application.status is ApplicationStatus.REJECTED or application.decision == "denied"):
        raise IllegalTransition("reapply", application.status)
    checked = item_to_apply_for(account, version_of(application).code)
    existing = _open_draft_or_lock(account, checked)
    if existing is not None:
        return existing
    fresh = _new_draft(account, checked.version, unit_of(application).code)
    checklist = len(checked.version.materials)
    named = set(application.reason_points.get("materials", []))
    fresh.answers = dict(application.answers)
    fresh.reapplied_from_id = application.id
    for material in application.materials:
        if (
            material.replaced_at is None
            and material.position not in named
            and material.position < checklist
        ):
            fresh.materials.append(
                ApplicationMaterial(
                    position=material.position,
                    source=material.source,
                    file_key=material.file_key,
                    content_type=material.content_type,
                    size=material.size,
                    sha256=material.sha256,
                    filename=material.filename,
                    license_reference=material.license_reference,
                    added_at=now(),
                )
            )
    db.session.commit()
    return fresh
