"""Which units, applications and items a clerk's roles reach: an application of another unit
is "not found", whatever id a URL or form carries."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ...applications.constants import ApplicationStatus
from ...applications.models import Application
from ...applications.services import ApplicationNotFound
from ...catalog.models import ItemVersion, ServiceItem
from ...common.errors import NotAuthorized
from ...extensions import db
from ...identity.constants import StaffRoleKind
from ...identity.models import Account, StaffRole
from ...identity.services import staff_roles_of
from ...organisations.models import Unit

# A unit's roles that handle its applications (the district office reaches every unit). A
# guide editor or reviewer (catalog_editor, catalog_reviewer) works on the unit's guides and
# sees none of its applicants.
HANDLING_ROLES = (
    StaffRoleKind.WINDOW_CLERK,
    StaffRoleKind.REVIEWER,
    StaffRoleKind.APPROVER,
    StaffRoleKind.UNIT_ADMIN,
)


def is_office(roles: list[StaffRole]) -> bool:
    """Whether the roles include the district office's, which reaches every unit."""
    return any(role.role is StaffRoleKind.DISTRICT_OFFICE for role in roles)


def with_villages(unit_ids: set[int]) -> list[int]:
    """The units and their villages: a town's staff handle its villages' applications too."""
    villages = db.session.scalars(sa.select(Unit.id).where(Unit.parent_id.in_(unit_ids)))
    return sorted(unit_ids | set(villages))


def units_of(staff: Account) -> list[int] | None:
    """Ids of the units whose applications the person handles (a town includes its villages);
    None for the district office, which sees every unit; none for a guide editor or reviewer.

    :raises NotAuthorized: for someone with no staff role.
    """
    roles = staff_roles_of(staff)
    if not roles:
        raise NotAuthorized()
    if is_office(roles):
        return None
    return with_villages({role.unit_id for role in roles if role.role in HANDLING_ROLES})


def holds_role(roles: list[StaffRole], application: Application, kinds: tuple) -> bool:
    """Whether one of `roles` is of `kinds` in the application's unit (or its town)."""
    if is_office(roles):
        return True
    # The unit itself, not `unit_id`: an application being registered has no ids yet.
    unit_ids = {application.unit.id, application.unit.parent_id}
    return any(role.role in kinds and role.unit_id in unit_ids for role in roles)


def require_role(staff: Account, application: Application, *kinds: StaffRoleKind) -> None:
    """Refuse a clerk without a role of `kinds` in the application's unit.

    :raises NotAuthorized: otherwise.
    """
    if not holds_role(staff_roles_of(staff), application, kinds):
        raise NotAuthorized()


def applications_within(unit_ids: list[int] | None) -> sa.Select:
    """The submitted applications of those units (of every unit for None)."""
    query = sa.select(Application).where(Application.status != ApplicationStatus.DRAFT)
    if unit_ids is not None:
        query = query.where(Application.unit_id.in_(unit_ids))
    return query


def get_for_staff(staff: Account, application_id: int) -> Application:
    """An application of the person's units.

    :raises ApplicationNotFound: for any other id.
    :raises NotAuthorized: for someone with no staff role.
    """
    application = db.session.scalar(
        applications_within(units_of(staff)).where(Application.id == application_id)
    )
    if application is None:
        raise ApplicationNotFound(application_id)
    return application


def current_versions(unit_ids: list[int] | None) -> list[ItemVersion]:
    """The current versions of the items those units implement (every item for None), by code."""
    query = sa.select(ItemVersion).join(
        ServiceItem, ServiceItem.current_version_id == ItemVersion.id
    )
    if unit_ids is not None:
        query = query.where(ItemVersion.units.any(Unit.id.in_(unit_ids)))
    query = query.options(selectinload(ItemVersion.item)).order_by(ServiceItem.code)
    return list(db.session.scalars(query))
