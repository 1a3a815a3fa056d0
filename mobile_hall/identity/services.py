"""Identity's public API: signing in from the platform's claims, sessions, staff roles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app

from ..audit.services import record_event
from ..clock import now
from ..common.errors import NotAuthorized
from ..extensions import db
from ..operations.metrics import count_sign_in_refusal
from ..organisations.models import Unit
from . import oidc
from .constants import REAL_NAME_LEVELS, OrgRole, StaffRoleKind, UserType
from .identifiers import (
    is_valid_credit_code,
    is_valid_id_number,
    mask_id_number,
    normalise_credit_code,
    normalise_id_number,
    normalise_phone,
)
from .models import Account, Enterprise, SeenLogoutToken, StaffRole, WebSession
from .oidc import SignInRefused, SilentSignInFailed
from .protection import decrypt_id_token, encrypt_id_number, encrypt_id_token, id_number_hash
from .sessions import idle_limit

__all__ = [
    "NotAuthorized",
    "SignInRefused",
    "SilentSignInFailed",
    "StaffRoleInvalid",
    "VerifiedClaims",
    "accept_logout_token",
    "complete_sign_in",
    "grant_staff_role",
    "id_token_hint",
    "is_staff",
    "list_staff_roles",
    "meets_real_name_level",
    "purge_expired_sessions",
    "record_refusal",
    "register_account",
    "require_role",
    "revoke_staff_role",
    "sign_out",
    "staff_roles_of",
    "upsert_staff_roles",
    "verify_claims",
]


@dataclass(frozen=True)
class VerifiedClaims:
    """The platform's claims after every check of identity.md."""

    subject: str
    name: str
    user_type: UserType
    id_number: str
    real_name_level: int
    phone: str
    credit_code: str | None
    org_name: str | None
    org_role: OrgRole | None
    provider_session_id: str | None


def _text(mapped: dict[str, Any], name: str, limit: int) -> str:
    value = mapped.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise SignInRefused("claim_invalid", name)
    return value.strip()


def _level(mapped: dict[str, Any]) -> int:
    value = mapped.get("real_name_level")
    try:  # a number or its digits; anything else (true, 3.0, a list) is no level
        level = int(value) if isinstance(value, int | str) and not isinstance(value, bool) else 0
    except ValueError:
        level = 0
    if level not in REAL_NAME_LEVELS or str(value).strip() != str(level):
        raise SignInRefused("claim_invalid", "real_name_level")
    return level


def _enterprise_claims(mapped: dict[str, Any]) -> tuple[str, str, OrgRole]:
    code = normalise_credit_code(_text(mapped, "uscc", 18))
    if not is_valid_credit_code(code):
        raise SignInRefused("claim_invalid", "uscc")
    role = mapped.get("org_role")
    if role not in {r.value for r in OrgRole}:
        raise SignInRefused("claim_invalid", "org_role")
    return code, _text(mapped, "org_name", 200), OrgRole(role)


def verify_claims(mapped: dict[str, Any]) -> VerifiedClaims:
    """Check every claim the hall reads (identity.md); nothing is written.

    :raises SignInRefused: ``claim_invalid`` naming the first bad or missing claim.
    """
    user_type = mapped.get("user_type")
    if user_type not in {t.value for t in UserType}:
        raise SignInRefused("claim_invalid", "user_type")
    id_number = _text(mapped, "id_card", 18)
    if not is_valid_id_number(id_number):
        raise SignInRefused("claim_invalid", "id_card")
    credit_code = org_name = org_role = None
    if user_type == UserType.LEGAL_PERSON:
        credit_code, org_name, org_role = _enterprise_claims(mapped)
    return VerifiedClaims(
        subject=_text(mapped, "sub", 255),
        name=_text(mapped, "name", 100),
        user_type=UserType(user_type),
        id_number=normalise_id_number(id_number),
        real_name_level=_level(mapped),
        phone=normalise_phone(_text(mapped, "phone_number", 20)),
        credit_code=credit_code,
        org_name=org_name,
        org_role=org_role,
        provider_session_id=mapped.get("sid") if isinstance(mapped.get("sid"), str) else None,
    )


def _enterprise(credit_code: str, name: str) -> Enterprise:
    enterprise = db.session.scalar(
        sa.select(Enterprise).where(Enterprise.credit_code == credit_code)
    )
    if enterprise is None:
        enterprise = Enterprise(credit_code=credit_code, name=name, created_at=now())
        db.session.add(enterprise)
    enterprise.name, enterprise.updated_at = name, now()
    return enterprise


def _upsert_account(issuer: str, claims: VerifiedClaims) -> Account:
    account = db.session.scalar(
        sa.select(Account).where(Account.issuer == issuer, Account.subject == claims.subject)
    )
    moment = now()
    if account is None:
        account = Account(issuer=issuer, subject=claims.subject, created_at=moment)
        db.session.add(account)
    account.user_type, account.name = claims.user_type, claims.name
    account.id_number_cipher = encrypt_id_number(claims.id_number)
    account.id_number_hash = id_number_hash(claims.id_number)
    account.id_number_masked = mask_id_number(claims.id_number)
    account.phone, account.real_name_level = claims.phone, claims.real_name_level
    account.last_sign_in_at = moment
    if claims.credit_code and claims.org_name:
        account.enterprise = _enterprise(claims.credit_code, claims.org_name)
        account.org_role = claims.org_role
    else:
        account.enterprise, account.org_role = None, None
    return account


def register_account(issuer: str, mapped_claims: dict[str, Any]) -> Account:
    """Create or refresh an account from claims without a sign-in (demo data, migrations).

    The caller commits.

    :raises SignInRefused: ``claim_invalid`` for a bad claim, as at sign-in.
    """
    account = _upsert_account(issuer.rstrip("/"), verify_claims(mapped_claims))
    db.session.flush()
    return account


def record_refusal(reason: str, detail: str = "") -> None:
    """Audit a refused sign-in (never a half account: nothing else is written)."""
    count_sign_in_refusal(reason)
    db.session.rollback()
    record_event("anonymous", "identity.sign_in_refused", reason=reason, detail=detail)
    db.session.commit()


def complete_sign_in(arguments: dict[str, str]) -> tuple[Account, VerifiedClaims, str]:
    """Finish the platform's code flow and create or refresh the account, audited.

    Returns the account, its verified claims and the ID token encrypted for the session row
    (kept only for RP-initiated logout, `id_token_hint`).

    :raises SilentSignInFailed: `prompt=none` could not sign the person in.
    :raises SignInRefused: anything untrustworthy; the refusal is already audited.
    """
    try:
        claims, token = oidc.finish(arguments)
        verified = verify_claims(oidc.mapped_claims(claims, token))
    except SignInRefused as refused:
        record_refusal(refused.reason, refused.detail)
        raise
    issuer = current_app.config["OIDC_ISSUER"].rstrip("/")
    account = _upsert_account(issuer, verified)
    db.session.flush()
    record_event(
        f"account:{account.id}",
        "identity.sign_in",
        target=f"account:{account.id}",
        level=verified.real_name_level,
        user_type=verified.user_type.value,
    )
    db.session.commit()
    return account, verified, encrypt_id_token(token["id_token"])


def id_token_hint(record: WebSession | None) -> str | None:
    """The ID token a session kept for RP-initiated logout, in clear; None without one."""
    return decrypt_id_token(record.id_token_cipher) if record is not None else None


def sign_out(record: WebSession) -> None:
    """End a signed-in session: delete its row and audit the sign-out, in one transaction (the
    session layer then only clears the cookie). Should the commit fail, neither happened: the
    audit trail never says signed out while the cookie still works."""
    actor = f"account:{record.account_id}"
    db.session.delete(record)
    record_event(actor, "identity.sign_out", target=actor)
    db.session.commit()


def accept_logout_token(raw: str) -> int:
    """Validate a back-channel logout token and end the sessions it names; returns how many.

    :raises SignInRefused: if the token fails any check or its `jti` was seen before.
    """
    claims = oidc.verify_logout_token(raw)
    issuer = current_app.config["OIDC_ISSUER"].rstrip("/")
    if db.session.get(SeenLogoutToken, claims["jti"]) is not None:
        raise SignInRefused("logout_replayed")
    db.session.add(SeenLogoutToken(jti=claims["jti"], issuer=issuer, seen_at=now()))
    query = sa.delete(WebSession)
    if claims.get("sid"):
        query = query.where(WebSession.provider_session_id == claims["sid"])
    else:
        subjects = sa.select(Account.id).where(
            Account.issuer == issuer, Account.subject == claims["sub"]
        )
        query = query.where(WebSession.account_id.in_(subjects))
    ended = _deleted(query)
    record_event("platform", "identity.backchannel_logout", sessions_ended=ended)
    db.session.commit()
    return ended


def _deleted(statement: sa.Delete) -> int:
    """Run a DELETE; how many rows it removed. (`Session.execute` is typed to return a plain
    `Result`; what a DML statement returns is a `CursorResult`, which has the row count.)"""
    result = cast(sa.CursorResult[Any], db.session.execute(statement))
    return result.rowcount or 0


# A logout token is accepted only within LOGOUT_TOKEN_MAX_AGE of its `iat` (either way): its
# `jti` must be remembered at least that long after it was seen; a day leaves ample margin.
SEEN_LOGOUT_TOKEN_KEPT = timedelta(days=1)


def purge_expired_sessions() -> tuple[int, int]:
    """Delete the session rows past their idle or absolute limit (nobody came back to end
    them) and the seen logout tokens too old to be replayed; returns how many of each.

    Refuses nothing.
    """
    moment = now()
    expired = sa.or_(
        WebSession.expires_at <= moment,
        sa.and_(
            WebSession.is_staff.is_(False),
            WebSession.last_seen_at <= moment - idle_limit(is_staff=False),
        ),
        sa.and_(
            WebSession.is_staff.is_(True),
            WebSession.last_seen_at <= moment - idle_limit(is_staff=True),
        ),
    )
    sessions = _deleted(sa.delete(WebSession).where(expired))
    old_tokens = SeenLogoutToken.seen_at <= moment - SEEN_LOGOUT_TOKEN_KEPT
    tokens = _deleted(sa.delete(SeenLogoutToken).where(old_tokens))
    db.session.commit()
    return sessions, tokens


def meets_real_name_level(account: Account | None, required_level: int) -> bool:
    """Whether the person's real-name level reaches what an item requires."""
    return account is not None and account.real_name_level >= required_level


def staff_roles_of(account: Account | None) -> list[StaffRole]:
    """The staff roles held by the person signed in (matched by ID number)."""
    if account is None or account.user_type != UserType.PERSON:
        return []
    return list(
        db.session.scalars(
            sa.select(StaffRole).where(StaffRole.id_number_hash == account.id_number_hash)
        )
    )


def is_staff(account: Account | None) -> bool:
    """Whether the person holds any staff role."""
    return bool(staff_roles_of(account))


def require_role(account: Account | None, *roles: StaffRoleKind, unit: Unit | None = None) -> None:
    """Refuse unless the person holds one of `roles` (in `unit`, when given).

    The district office passes every check: it sees everything.

    :raises NotAuthorized: otherwise.
    """
    for held in staff_roles_of(account):
        if held.role == StaffRoleKind.DISTRICT_OFFICE:
            return
        if held.role in roles and (unit is None or held.unit_id == unit.id):
            return
    raise NotAuthorized()


def _actor(account: Account) -> str:
    return f"account:{account.id}"


def list_staff_roles(actor: Account) -> list[StaffRole]:
    """Every staff role of the district, by unit (district office only).

    :raises NotAuthorized: for anyone else.
    """
    require_role(actor, StaffRoleKind.DISTRICT_OFFICE)
    return list(
        db.session.scalars(
            sa.select(StaffRole).join(Unit).order_by(Unit.position, StaffRole.person_name)
        )
    )


class StaffRoleInvalid(Exception):
    """A role assignment was refused; `field` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def grant_staff_role(
    actor: Account, person_name: str, id_number: str, unit_code: str, role: StaffRoleKind
) -> StaffRole:
    """Give a person a role in a unit, audited (district office only).

    :raises NotAuthorized: if `actor` is not the district office.
    :raises StaffRoleInvalid: for a bad ID number, an unknown unit or a duplicate.
    """
    require_role(actor, StaffRoleKind.DISTRICT_OFFICE)
    if not is_valid_id_number(id_number):
        raise StaffRoleInvalid("id_number", "身份证号码有误，请核对")
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise StaffRoleInvalid("unit", "请选择单位")
    digest = id_number_hash(id_number)
    duplicate = db.session.scalar(
        sa.select(StaffRole).where(
            StaffRole.id_number_hash == digest, StaffRole.unit_id == unit.id, StaffRole.role == role
        )
    )
    if duplicate is not None:
        raise StaffRoleInvalid("role", "此人已在该单位担任该角色")
    granted = StaffRole(
        id_number_hash=digest,
        id_number_masked=mask_id_number(id_number),
        person_name=person_name.strip(),
        unit=unit,
        role=role,
        granted_at=now(),
        granted_by=_actor(actor),
    )
    db.session.add(granted)
    db.session.flush()
    record_event(
        _actor(actor),
        "staff.grant_role",
        target=f"staff_role:{granted.id}",
        unit=unit.code,
        role=role.value,
        person=granted.id_number_masked,
    )
    db.session.commit()
    return granted


def revoke_staff_role(actor: Account, role_id: int) -> None:
    """Take a role away, audited (district office only).

    :raises NotAuthorized: if `actor` is not the district office.
    :raises StaffRoleInvalid: if the role does not exist.
    """
    require_role(actor, StaffRoleKind.DISTRICT_OFFICE)
    role = db.session.get(StaffRole, role_id)
    if role is None:
        raise StaffRoleInvalid("role", "该角色不存在或已被撤销")
    record_event(
        _actor(actor),
        "staff.revoke_role",
        target=f"staff_role:{role.id}",
        unit=role.unit.code,
        role=role.role.value,
        person=role.id_number_masked,
    )
    db.session.delete(role)
    db.session.commit()


def upsert_staff_roles(records: list[dict[str, Any]]) -> None:
    """Create the demo's staff roles if missing (idempotent). The caller commits."""
    units = {unit.code: unit for unit in db.session.scalars(sa.select(Unit))}
    existing = {
        (r.id_number_hash, r.unit_id, r.role) for r in db.session.scalars(sa.select(StaffRole))
    }
    for record in records:
        digest = id_number_hash(record["id_number"])
        unit = units[record["unit"]]
        for role in record["roles"]:
            if (digest, unit.id, StaffRoleKind(role)) in existing:
                continue
            db.session.add(
                StaffRole(
                    id_number_hash=digest,
                    id_number_masked=mask_id_number(record["id_number"]),
                    person_name=record["name"],
                    unit=unit,
                    role=StaffRoleKind(role),
                    granted_at=now(),
                    granted_by="demo",
                )
            )
