"""Policies and notices the district office pushes to enterprises (政策推送), by tags."""

from __future__ import annotations

import sqlalchemy as sa

from ..audit.services import record_event
from ..clock import now
from ..extensions import db
from ..identity.constants import StaffRoleKind
from ..identity.models import Account
from ..identity.services import require_role
from .models import EnterpriseProfile, Policy


class PolicyInvalid(Exception):
    """A policy could not be published; `field` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _fits(tags: list[str], value: str | None) -> bool:
    return not tags or (value is not None and value in tags)


def policies_for(profile: EnterpriseProfile) -> list[Policy]:
    """The policies that match the enterprise's industry, size and town, newest first.

    A policy tagged with themes shows only when the enterprise follows one of them, or follows
    none (then every theme).
    """
    town = profile.town.code if profile.town else None
    followed = set(profile.subscribed_themes or [])
    policies = db.session.scalars(sa.select(Policy).order_by(Policy.published_at.desc()))
    return [
        policy
        for policy in policies
        if _fits(policy.industries, profile.industry)
        and _fits(policy.sizes, profile.size)
        and _fits(policy.town_codes, town)
        and (not policy.theme_codes or not followed or followed & set(policy.theme_codes))
    ]


def list_policies(actor: Account) -> list[Policy]:
    """Every published policy, newest first (district office only).

    :raises NotAuthorized: for anyone else.
    """
    require_role(actor, StaffRoleKind.DISTRICT_OFFICE)
    return list(db.session.scalars(sa.select(Policy).order_by(Policy.published_at.desc())))


def publish_policy(
    actor: Account,
    *,
    title: str,
    body: str,
    industries: list[str],
    sizes: list[str],
    town_codes: list[str],
    theme_codes: list[str],
) -> Policy:
    """Publish a policy or notice to the enterprises its tags match, audited (district office).

    :raises NotAuthorized: for anyone but the district office.
    :raises PolicyInvalid: an empty title or body.
    """
    require_role(actor, StaffRoleKind.DISTRICT_OFFICE)
    if not title.strip():
        raise PolicyInvalid("title", "请填写标题")
    if not body.strip():
        raise PolicyInvalid("body", "请填写内容")
    policy = Policy(
        title=title.strip()[:200],
        body=body.strip(),
        industries=sorted(set(industries)),
        sizes=sorted(set(sizes)),
        town_codes=sorted(set(town_codes)),
        theme_codes=sorted(set(theme_codes)),
        published_at=now(),
        published_by=f"account:{actor.id}",
    )
    db.session.add(policy)
    db.session.flush()
    record_event(f"account:{actor.id}", "pages.policy_publish", target=f"policy:{policy.id}")
    db.session.commit()
    return policy
