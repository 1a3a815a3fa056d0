"""Enumerations of identity: who signs in and what staff may do."""

from enum import StrEnum


class UserType(StrEnum):
    """The platform's account types (统一身份认证平台用户类型)."""

    PERSON = "person"
    LEGAL_PERSON = "legal_person"


class OrgRole(StrEnum):
    """A legal person's role in the enterprise it signs in for."""

    LEGAL_REPRESENTATIVE = "legal_representative"
    AGENT = "agent"


class StaffRoleKind(StrEnum):
    """Roles the hall assigns to staff, per unit (district office: the whole district)."""

    WINDOW_CLERK = "window_clerk"
    REVIEWER = "reviewer"
    APPROVER = "approver"
    UNIT_ADMIN = "unit_admin"
    DISTRICT_OFFICE = "district_office"
    # Guides (issue 19): a unit's editor drafts its own items; a reviewer unit approves them.
    CATALOG_EDITOR = "catalog_editor"
    CATALOG_REVIEWER = "catalog_reviewer"


# The real-name levels of identity.md, lowest to highest.
REAL_NAME_LEVELS = (1, 2, 3, 4)
