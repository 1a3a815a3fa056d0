"""The license an approved application produces, issued when the application is completed.

Holder: the applicant's enterprise when they applied for one (or, at the counter, the credit
code they gave as ``uscc``); otherwise the applicant in person, by the hash and mask of their ID
number. A legal person without a credit code gets no license (``license_holder``).

Data: each field of the result's license type takes, in order,

1. what the decision fixes: ``issuing_authority`` and ``registration_authority`` (the issuing
   unit's name), ``issued_on`` and ``valid_from`` (the completion day), ``valid_until``;
2. the answer of the same name, then the answers named in `ANSWER_SOURCES`
   (``enterprise_name`` → ``name``, ``business_place`` → ``address``, …);
3. ``registered_on``: the completion day; ``uscc``: the holder's credit code; the name fields
   (`HOLDER_NAME_FIELDS`): the holder's name;
4. otherwise empty.

Identity numbers among the answers are carried masked, never in clear.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from ..audit.services import record_event
from ..catalog.models import LicenseType
from ..clock import now
from ..extensions import db
from ..identity.constants import UserType
from ..identity.identifiers import is_valid_credit_code
from .constants import HolderKind, LicenseSource
from .issuance import Holder, LicenseRefused, default_valid_until, field_text, issue_license
from .models import License

if TYPE_CHECKING:
    from ..applications.models import Application

# License field → the answers (other than its own name) that fill it, in order.
ANSWER_SOURCES: dict[str, tuple[str, ...]] = {
    "name": ("enterprise_name", "company_name", "shop_name"),
    "operator_name": ("enterprise_name", "company_name"),
    "operator": ("operator_name",),
    "workshop_name": ("enterprise_name",),
    "developer": ("enterprise_name",),
    "address": ("business_place", "residence"),
    "scope": ("business_scope",),
    "legal_representative": ("legal_rep_name",),
    "location": ("project_location", "project_address"),
    "production_place": ("workshop_address",),
    "food_categories": ("food_category",),
    "sex": ("newborn_sex",),
    "born_at": ("born_on",),
    "institution": ("hospital",),
    "mother_id_number": ("mother_id",),
    "father_id_number": ("father_id",),
}
HOLDER_NAME_FIELDS = frozenset({"name", "holder_name", "operator_name", "developer"})
LONG_TERM = "长期"


def holder_of(application: Application) -> Holder:
    """The holder of the license an application produces (see the module docstring).

    :raises LicenseRefused: ``license_holder`` for a legal person without a credit code.
    """
    if application.enterprise is not None:
        return Holder.enterprise(application.enterprise.name, application.enterprise.credit_code)
    answers = application.answers or {}
    uscc = answers.get("uscc")
    if isinstance(uscc, str) and is_valid_credit_code(uscc):
        return Holder.enterprise(answers.get("enterprise_name") or application.applicant_name, uscc)
    if application.applicant_type != UserType.PERSON:
        raise LicenseRefused("license_holder")
    return Holder(
        HolderKind.PERSON,
        application.applicant_name,
        id_hash=application.applicant_id_hash,
        id_masked=application.applicant_id_masked,
    )


def _answered(answers: dict[str, Any], name: str) -> Any:
    for source in (name, *ANSWER_SOURCES.get(name, ())):
        if answers.get(source) not in (None, "", []):
            return answers[source]
    return None


def application_data(
    application: Application,
    license_type: LicenseType,
    holder: Holder,
    valid_from: date,
    valid_until: date | None,
) -> dict[str, str]:
    """The license's data from the application's answers and the decision."""
    unit_name = license_type.issuing_unit.name
    decided = {
        "issuing_authority": unit_name,
        "registration_authority": unit_name,
        "issued_on": valid_from.isoformat(),
        "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat() if valid_until else LONG_TERM,
    }
    fallback = {"registered_on": valid_from.isoformat(), "uscc": holder.credit_code}
    answers = application.answers or {}
    data: dict[str, str] = {}
    for spec in license_type.fields:
        name = spec["name"]
        value = decided.get(name)
        if value is None:
            value = _answered(answers, name)
        if value in (None, ""):
            value = fallback.get(name) or (holder.name if name in HOLDER_NAME_FIELDS else None)
        data[name] = field_text(value)
    return data


def issue_for_application(application: Application, *, actor: str = "system") -> License:
    """Issue the license of an approved application (the completion commits it, audited here).

    Idempotent: an application that already produced its license returns that license.

    :raises LicenseRefused: ``license_type`` when the item names no license type,
        ``license_holder`` (see `holder_of`), or a refusal of `issuance.issue_license`.
    """
    existing = db.session.scalar(sa.select(License).where(License.application_id == application.id))
    if existing is not None:
        return existing
    license_type = application.version.result_license_type
    if license_type is None:
        raise LicenseRefused("license_type")
    holder = holder_of(application)
    start = now().date()
    end = default_valid_until(license_type, start)
    license = issue_license(
        license_type,
        license_type.issuing_unit,
        holder,
        application_data(application, license_type, holder, start, end),
        source=LicenseSource.ISSUED,
        valid_from=start,
        valid_until=end,
        application_id=application.id,
    )
    record_event(
        actor,
        "licenses.issue",
        target=f"license:{license.identifier}",
        application=application.number,
        source=LicenseSource.ISSUED.value,
    )
    return license
