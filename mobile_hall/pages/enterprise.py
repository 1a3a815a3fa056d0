"""The enterprise's dedicated page (企业专属网页): profile, agents (经办人) and policies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import defer, joinedload

from ..applications.models import Application, Message
from ..applications.services import list_own_applications
from ..audit.services import record_event
from ..catalog.constants import Audience
from ..catalog.models import ItemVersion, ServiceItem, Theme
from ..clock import now
from ..common.errors import NotAuthorized, NotFound
from ..extensions import db
from ..identity.constants import OrgRole
from ..identity.identifiers import is_valid_id_number, mask_id_number, normalise_id_number
from ..identity.models import Account, Enterprise
from ..identity.protection import id_number_hash
from ..licenses.models import License
from ..licenses.services import held_licenses
from ..organisations.constants import UnitLevel
from ..organisations.models import Unit
from .constants import EnterpriseSize, Industry
from .models import EnterpriseAgent, EnterpriseProfile, PageOpening, Policy
from .policies import policies_for
from .scope import acts_for_nothing


class AgentNotFound(NotFound):
    """No agent with that id in this enterprise (shown as 404)."""


class FieldInvalid(Exception):
    """An input was refused; `field` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class AgentInvalid(FieldInvalid):
    """An agent could not be added."""


class ProfileInvalid(FieldInvalid):
    """The profile could not be saved."""


def _actor(account: Account) -> str:
    return f"account:{account.id}"


def _require_representative(account: Account) -> Enterprise:
    if account.org_role is not OrgRole.LEGAL_REPRESENTATIVE or account.enterprise is None:
        raise NotAuthorized()
    return account.enterprise


def enterprise_themes() -> dict[str, str]:
    """The enterprise themes (code → name): agents' limits, subscriptions and policy tags."""
    themes = db.session.scalars(
        sa.select(Theme).where(Theme.audience != Audience.PERSON).order_by(Theme.position)
    )
    return {theme.code: theme.name for theme in themes}


def profile_of(enterprise: Enterprise) -> EnterpriseProfile:
    """The enterprise's profile, made empty the first time (the caller commits)."""
    profile = db.session.scalar(
        sa.select(EnterpriseProfile).where(EnterpriseProfile.enterprise_id == enterprise.id)
    )
    if profile is None:
        profile = EnterpriseProfile(
            enterprise=enterprise, subscribed_themes=[], agents_managed=False, updated_at=now()
        )
        db.session.add(profile)
        db.session.flush()
    return profile


@dataclass
class EnterprisePage:
    """Everything the enterprise's page shows."""

    enterprise: Enterprise
    opening: PageOpening | None
    profile: EnterpriseProfile
    licenses: list[License]
    applications: list[Application]
    messages: list[Message]
    unread: int
    agents: list[EnterpriseAgent]
    policies: list[Policy]
    is_representative: bool
    limits: EnterpriseAgent | None


def _messages(account: Account) -> list[Message]:
    # The legal representative reads every account's messages of the enterprise; an agent, theirs.
    query = sa.select(Message).order_by(Message.id.desc()).limit(20)
    if account.org_role is OrgRole.LEGAL_REPRESENTATIVE:
        members = sa.select(Account.id).where(Account.enterprise_id == account.enterprise_id)
        return list(db.session.scalars(query.where(Message.account_id.in_(members))))
    return list(db.session.scalars(query.where(Message.account_id == account.id)))


def _agents(enterprise_id: int) -> list[EnterpriseAgent]:
    return list(
        db.session.scalars(
            sa.select(EnterpriseAgent)
            .where(EnterpriseAgent.enterprise_id == enterprise_id)
            .order_by(EnterpriseAgent.id)
        )
    )


def _profile_and_agents(enterprise: Enterprise) -> tuple[EnterpriseProfile, list[EnterpriseAgent]]:
    """The enterprise's profile and its agents in one statement; a missing profile is made and
    committed first (as `profile_of`), before anything is read that the commit would expire."""
    rows = db.session.execute(
        sa.select(EnterpriseProfile, EnterpriseAgent)
        .outerjoin(
            EnterpriseAgent, EnterpriseAgent.enterprise_id == EnterpriseProfile.enterprise_id
        )
        .where(EnterpriseProfile.enterprise_id == enterprise.id)
        .order_by(EnterpriseAgent.id)
    ).all()
    if not rows:
        profile = profile_of(enterprise)
        db.session.commit()  # the profile made on first sight
        return profile, _agents(enterprise.id)
    return rows[0][0], [agent for _profile, agent in rows if agent is not None]


def enterprise_page(account: Account, opening: PageOpening | None) -> EnterprisePage:
    """The enterprise's page for one of its legal persons (opening: the page's record, if open).

    Everything the page shows is loaded here, in a few statements whatever the enterprise's
    history: the template reads no more from the database.

    :raises NotAuthorized: for a person's account, a legal person without an enterprise, or an
        agent the legal representative removed.
    """
    enterprise = account.enterprise
    if not account.is_legal_person or enterprise is None or acts_for_nothing(account):
        raise NotAuthorized()
    profile, agents = _profile_and_agents(enterprise)
    messages = _messages(account)
    is_representative = account.org_role is OrgRole.LEGAL_REPRESENTATIVE
    return EnterprisePage(
        enterprise=enterprise,
        opening=opening,
        profile=profile,
        licenses=held_licenses(account),
        # Each row names who filed it; of the rest only what a row shows (not the answers, not
        # the whole guide: hundreds of rows would decode them all for nothing).
        applications=list_own_applications(
            account,
            joinedload(Application.account),
            defer(Application.answers),
            defer(Application.reason_points),
            joinedload(Application.version).load_only(ItemVersion.item_id, ItemVersion.name),
        ),
        messages=messages,
        unread=sum(1 for m in messages if m.read_at is None),
        agents=agents if is_representative else [],
        policies=policies_for(profile),
        is_representative=is_representative,
        # As `registered_agent`, from the agents already read.
        limits=next((a for a in agents if a.id_number_hash == account.id_number_hash), None)
        if account.org_role is OrgRole.AGENT
        else None,
    )


def _choice(value: str, choices: type[Industry] | type[EnterpriseSize], field: str):
    if not value:
        return None
    try:
        return choices(value)
    except ValueError:
        raise ProfileInvalid(field, "请从列表中选择") from None


def update_profile(
    account: Account,
    *,
    legal_representative: str,
    address: str,
    industry: str,
    size: str,
    town_code: str,
) -> EnterpriseProfile:
    """Save the enterprise's profile, audited (``pages.profile_update``; legal representative).

    :raises NotAuthorized: for anyone but the enterprise's legal representative.
    :raises ProfileInvalid: for an unknown industry, size or town.
    """
    enterprise = _require_representative(account)
    profile = profile_of(enterprise)
    town = None
    if town_code:
        town = db.session.scalar(
            sa.select(Unit).where(Unit.code == town_code, Unit.level == UnitLevel.TOWN)
        )
        if town is None:
            raise ProfileInvalid("town", "请从列表中选择")
    profile.industry = _choice(industry, Industry, "industry")
    profile.size = _choice(size, EnterpriseSize, "size")
    profile.legal_representative = legal_representative.strip()[:100]
    profile.address, profile.town, profile.updated_at = address.strip()[:200], town, now()
    _count_in(enterprise, town)
    record_event(
        _actor(account),
        "pages.profile_update",
        target=f"enterprise:{enterprise.id}",
        industry=industry,
        size=size,
        town=town_code,
    )
    db.session.commit()
    return profile


def _count_in(enterprise: Enterprise, town: Unit | None) -> None:
    # The ratio counts an open enterprise page in the town of the enterprise's address.
    opening = db.session.scalar(
        sa.select(PageOpening).where(PageOpening.owner_key == f"enterprise:{enterprise.id}")
    )
    if opening is not None and opening.is_open:
        opening.town = town


def _known(codes: list[str], known: set[str], field: str) -> list[str]:
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise AgentInvalid(field, "没有这个事项或主题：" + "、".join(unknown))
    return sorted(set(codes))


def add_agent(
    account: Account, name: str, id_number: str, theme_codes: list[str], item_codes: list[str]
) -> EnterpriseAgent:
    """Register an agent (经办人), limited to some themes or items if any are given; audited.

    :raises NotAuthorized: for anyone but the enterprise's legal representative.
    :raises AgentInvalid: a missing name, a bad ID number, an unknown theme or item, or an agent
        already registered.
    """
    enterprise = _require_representative(account)
    name = name.strip()
    if not name:
        raise AgentInvalid("name", "请填写经办人姓名")
    if not is_valid_id_number(id_number):
        raise AgentInvalid("id_number", "身份证号码有误，请核对")
    number = normalise_id_number(id_number)
    themes = _known(theme_codes, set(enterprise_themes()), "themes")
    items = set(db.session.scalars(sa.select(ServiceItem.code)))
    agent = EnterpriseAgent(
        enterprise_id=enterprise.id,
        name=name[:100],
        id_number_hash=id_number_hash(number),
        id_number_masked=mask_id_number(number),
        theme_codes=themes,
        item_codes=_known([c.strip().upper() for c in item_codes if c.strip()], items, "items"),
        added_at=now(),
    )
    if any(a.id_number_hash == agent.id_number_hash for a in _agents(enterprise.id)):
        raise AgentInvalid("id_number", "此人已是本企业的经办人")
    db.session.add(agent)
    profile_of(enterprise).agents_managed = True
    db.session.flush()
    record_event(
        _actor(account),
        "pages.agent_add",
        target=f"enterprise_agent:{agent.id}",
        enterprise=enterprise.credit_code,
        person=agent.id_number_masked,
        themes=agent.theme_codes,
        items=agent.item_codes,
    )
    db.session.commit()
    return agent


def remove_agent(account: Account, agent_id: int) -> None:
    """Remove an agent: they then see nothing of the enterprise; audited.

    :raises NotAuthorized: for anyone but the enterprise's legal representative.
    :raises AgentNotFound: for an agent of another enterprise or an unknown id.
    """
    enterprise = _require_representative(account)
    agent = db.session.get(EnterpriseAgent, agent_id)
    if agent is None or agent.enterprise_id != enterprise.id:
        raise AgentNotFound(agent_id)
    record_event(
        _actor(account),
        "pages.agent_remove",
        target=f"enterprise_agent:{agent.id}",
        enterprise=enterprise.credit_code,
        person=agent.id_number_masked,
    )
    db.session.delete(agent)
    db.session.commit()


def set_subscriptions(account: Account, theme_codes: list[str]) -> None:
    """Follow the policies of some themes only (none: every theme); audited.

    :raises NotAuthorized: for anyone but the enterprise's legal representative.
    :raises AgentInvalid: ``themes`` for an unknown theme.
    """
    enterprise = _require_representative(account)
    profile = profile_of(enterprise)
    profile.subscribed_themes = _known(theme_codes, set(enterprise_themes()), "themes")
    profile.updated_at = now()
    record_event(
        _actor(account),
        "pages.subscribe",
        target=f"enterprise:{enterprise.id}",
        themes=profile.subscribed_themes,
    )
    db.session.commit()


def forget_enterprise(enterprise_id: int) -> None:
    """Delete the enterprise page's personalisation: subscriptions and town (caller commits)."""
    profile = db.session.scalar(
        sa.select(EnterpriseProfile).where(EnterpriseProfile.enterprise_id == enterprise_id)
    )
    if profile is not None:
        profile.subscribed_themes = []


def load_demo_enterprise_pages(document: dict[str, Any]) -> None:
    """The demo enterprises' profiles (if still empty) and policies (by title); idempotent.

    Enterprises not yet known (they appear at their first sign-in) are skipped. Commits.
    """
    for record in document["profiles"]:
        enterprise = db.session.scalar(
            sa.select(Enterprise).where(Enterprise.credit_code == record["credit_code"])
        )
        if enterprise is None:
            continue
        profile = profile_of(enterprise)
        if not (profile.legal_representative or profile.address):
            town = db.session.scalar(sa.select(Unit).where(Unit.code == record["town"]))
            profile.legal_representative, profile.address = (
                record["legal_representative"],
                record["address"],
            )
            profile.industry, profile.size = (
                Industry(record["industry"]),
                EnterpriseSize(record["size"]),
            )
            profile.town = town
    titles = set(db.session.scalars(sa.select(Policy.title)))
    for record in document["policies"]:
        if record["title"] not in titles:
            db.session.add(
                Policy(
                    title=record["title"],
                    body=record["body"],
                    industries=record.get("industries", []),
                    sizes=record.get("sizes", []),
                    town_codes=record.get("towns", []),
                    theme_codes=record.get("themes", []),
                    published_at=now(),
                    published_by="demo",
                )
            )
    db.session.commit()
