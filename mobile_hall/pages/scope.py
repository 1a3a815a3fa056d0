"""Which items an enterprise's agent (经办人) may act for: read by the applications' services.

Kept apart from `services.py` so that the applications domain can ask without importing the
pages' services (which build on the applications' own).
"""

from __future__ import annotations

import sqlalchemy as sa

from ..catalog.models import ItemVersion, Material, ServiceItem, Theme, item_version_theme
from ..extensions import db
from ..identity.constants import OrgRole
from ..identity.models import Account
from .models import EnterpriseAgent, EnterpriseProfile


def registered_agent(account: Account) -> EnterpriseAgent | None:
    """The agent record the legal representative made for this account, if any."""
    if account.org_role is not OrgRole.AGENT or account.enterprise_id is None:
        return None
    return db.session.scalar(
        sa.select(EnterpriseAgent).where(
            EnterpriseAgent.enterprise_id == account.enterprise_id,
            EnterpriseAgent.id_number_hash == account.id_number_hash,
        )
    )


def _manages_agents(enterprise_id: int) -> bool:
    return bool(
        db.session.scalar(
            sa.select(EnterpriseProfile.agents_managed).where(
                EnterpriseProfile.enterprise_id == enterprise_id
            )
        )
    )


def _items_of(agent: EnterpriseAgent) -> sa.Select:
    themed_versions = (
        sa.select(item_version_theme.c.item_version_id)
        .join(Theme, Theme.id == item_version_theme.c.theme_id)
        .where(Theme.code.in_(agent.theme_codes))
    )
    return sa.select(ServiceItem.id).where(
        sa.or_(
            ServiceItem.code.in_(agent.item_codes),
            ServiceItem.current_version_id.in_(themed_versions),
        )
    )


def acts_for_nothing(account: Account) -> bool:
    """Whether the account is an agent the legal representative removed or never registered,
    in an enterprise that manages its agents in the hall: they see nothing of the enterprise."""
    if account.org_role is not OrgRole.AGENT or account.enterprise_id is None:
        return False
    return registered_agent(account) is None and _manages_agents(account.enterprise_id)


def allowed_item_ids(account: Account) -> sa.Select | None:
    """The ids of the items an agent may see and apply for, or None for no limit.

    Anyone but an agent, an agent without limits, and any agent of an enterprise that does not
    manage its agents in the hall (the platform's authorisation stands) has no limit. Once the
    legal representative registered an agent, an agent not on the list may act for nothing.
    """
    if account.org_role is not OrgRole.AGENT or account.enterprise_id is None:
        return None
    if acts_for_nothing(account):
        return sa.select(ServiceItem.id).where(sa.false())
    agent = registered_agent(account)
    return _items_of(agent) if agent is not None and agent.is_limited else None


def allowed_license_type_ids(account: Account) -> sa.CompoundSelect | None:
    """The licence types an agent may see of the enterprise's wallet, or None for no limit.

    The same rule as `allowed_item_ids`, carried to licences: an agent sees a licence that an
    item they may act for issues or accepts as a material, and nothing once removed.
    """
    items = allowed_item_ids(account)
    if items is None:
        return None
    versions = sa.select(ServiceItem.current_version_id).where(ServiceItem.id.in_(items))
    return sa.union(
        sa.select(ItemVersion.result_license_type_id).where(
            ItemVersion.id.in_(versions), ItemVersion.result_license_type_id.is_not(None)
        ),
        sa.select(Material.license_type_id).where(
            Material.item_version_id.in_(versions), Material.license_type_id.is_not(None)
        ),
    )


def may_act_for(account: Account, item_id: int) -> bool:
    """Whether the account may see or apply for the item (agents' limits)."""
    allowed = allowed_item_ids(account)
    if allowed is None:
        return True
    return bool(db.session.scalar(sa.select(sa.exists(allowed.where(ServiceItem.id == item_id)))))
