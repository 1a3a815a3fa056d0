"""Enumerations of the license library, stored by value."""

from enum import StrEnum


class HolderKind(StrEnum):
    """Who holds a license: a natural person (by ID number hash) or an enterprise (credit code)."""

    PERSON = "person"
    ENTERPRISE = "enterprise"


class LicenseStatus(StrEnum):
    """What is stored; "expired" is never stored but read from the dates (`LicenseState`)."""

    VALID = "valid"
    REVOKED = "revoked"


class LicenseState(StrEnum):
    """What a license is on a given day, and what a verification can conclude."""

    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    FORGED = "forged"  # only a verification says this: no license behind the token


class LicenseSource(StrEnum):
    """How a license came into the library."""

    ISSUED = "issued"  # at the completion of an application in the hall
    IMPORTED = "imported"  # stock conversion of a paper license (存量证照转化)
    API = "api"  # a department's own system, through the API


# Format tag of the signed form (`issuance.signed_form`); a change of the form is a new tag.
SIGNED_FORM_FORMAT = "qj-license/1"
