"""Counter intake (窗口收件): the items a window clerk may register and the registration of an
application that arrived at the window."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ...applications.answers import protect
from ...applications.constants import ActorType, ApplicationStatus, Channel, MaterialSource, Stage
from ...applications.lifecycle import apply_transition, write_record
from ...applications.models import Application, ApplicationMaterial
from ...applications.services import ApplicationNotFound, next_application_number
from ...catalog.models import ItemVersion, ServiceItem
from ...clock import now
from ...common.errors import NotAuthorized
from ...extensions import db
from ...identity.constants import StaffRoleKind, UserType
from ...identity.identifiers import is_valid_id_number, mask_id_number
from ...identity.models import Account
from ...identity.protection import id_number_hash
from ...identity.services import staff_roles_of
from ...organisations.models import Unit
from .actions import audit
from .scope import current_versions, is_office, require_role, with_villages


def _window_units(staff: Account) -> list[int] | None:
    roles = staff_roles_of(staff)
    if is_office(roles):
        return None
    ids = {role.unit_id for role in roles if role.role is StaffRoleKind.WINDOW_CLERK}
    if not ids:
        raise NotAuthorized()
    return with_villages(ids)


def counter_items(staff: Account) -> list[ItemVersion]:
    """The items a window clerk can register at the counter: those their units implement.

    :raises NotAuthorized: for someone who is no window clerk (the district office may).
    """
    return current_versions(_window_units(staff))


@dataclass(frozen=True)
class CounterItem:
    """An item as the counter registers it, with the clerk's units implementing it."""

    version: ItemVersion
    units: list[Unit]


def counter_item(staff: Account, item_code: str) -> CounterItem:
    """The current version of an item and those of the clerk's units that implement it.

    :raises NotAuthorized: for someone who is no window clerk (the district office may).
    :raises ApplicationNotFound: unknown item, or one none of the clerk's units implements.
    """
    unit_ids = _window_units(staff)
    version = db.session.scalar(
        sa.select(ItemVersion)
        .join(ServiceItem, ServiceItem.current_version_id == ItemVersion.id)
        .where(ServiceItem.code == item_code)
    )
    units = [
        unit
        for unit in (version.units if version else [])
        if unit_ids is None or unit.id in unit_ids
    ]
    if version is None or not units:
        raise ApplicationNotFound(item_code)
    return CounterItem(version, units)


@dataclass(frozen=True)
class CounterApplicant:
    """Who came to the window."""

    name: str
    id_number: str
    phone: str
    enterprise_name: str = ""


def receive_at_counter(
    staff: Account,
    item_code: str,
    unit_code: str,
    applicant: CounterApplicant,
    answers: dict[str, Any],
    paper_positions: list[int],
) -> Application:
    """Register an application that arrived at the window (channel `counter`), with its visit.

    Identity numbers among the answers are stored encrypted and masked, as online.

    :raises NotAuthorized: not a window clerk of that unit.
    :raises ApplicationNotFound: unknown item, or a unit that does not implement it.
    :raises ValueError: ``id_number`` for an invalid ID number.
    """
    version = db.session.scalar(
        sa.select(ItemVersion)
        .join(ServiceItem, ServiceItem.current_version_id == ItemVersion.id)
        .where(ServiceItem.code == item_code)
    )
    unit = next((u for u in version.units if u.code == unit_code), None) if version else None
    if version is None or unit is None:
        raise ApplicationNotFound(item_code)
    if not is_valid_id_number(applicant.id_number):
        raise ValueError("id_number")
    moment = now()
    application = Application(
        item_id=version.item_id,
        version=version,
        unit=unit,
        applicant_type=UserType.LEGAL_PERSON if applicant.enterprise_name else UserType.PERSON,
        applicant_name=applicant.enterprise_name or applicant.name,
        applicant_id_masked=mask_id_number(applicant.id_number),
        applicant_id_hash=id_number_hash(applicant.id_number),
        applicant_phone=applicant.phone,
        channel=Channel.COUNTER,
        status=ApplicationStatus.DRAFT,
        answers=protect(version.form_fields, answers),
        created_at=moment,
        updated_at=moment,
    )
    require_role(staff, application, StaffRoleKind.WINDOW_CLERK)
    db.session.add(application)
    for position in sorted(set(paper_positions)):
        if 0 <= position < len(version.materials):
            application.materials.append(
                ApplicationMaterial(position=position, source=MaterialSource.PAPER, added_at=moment)
            )
    application.number = next_application_number(moment.date())
    application.submitted_at = moment
    apply_transition(application, "submit", ActorType.APPLICANT, Channel.COUNTER)
    write_record(application, Stage.VISIT, ActorType.CLERK, Channel.COUNTER, note="窗口收件")
    audit(staff, "counter_intake", application)
    db.session.commit()
    return application
