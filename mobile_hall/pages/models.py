"""Openings of the two pages, personalisation data, recommendation rules, enterprise profiles,
agents and policies."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalog.models import ServiceItem
from ..common.freshness import PAGES, account_scope, enterprise_scope, person_scope, watch
from ..database import enum_column
from ..extensions import Model
from ..identity.models import Enterprise
from ..organisations.models import Unit
from .constants import ConditionKind, EnterpriseSize, Industry, PageKind


class PageOpening(Model):
    """A page opened by its owner after accepting the personalisation notice (开通).

    One row per owner (`owner_key`: ``account:<id>`` or ``enterprise:<id>``); closing keeps the
    row with `closed_at` set, so reopening reuses it. `town_id` is the unit the ratio counts it in.
    """

    __tablename__ = "page_opening"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PageKind] = mapped_column(enum_column(PageKind), index=True)
    owner_key: Mapped[str] = mapped_column(sa.String(40), unique=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    town_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    town: Mapped[Unit | None] = relationship(lazy="joined")

    @property
    def is_open(self) -> bool:
        """Whether the page is open now."""
        return self.closed_at is None


class FavouriteItem(Model):
    """An item a person starred on its guide (收藏)."""

    __tablename__ = "favourite_item"
    __table_args__ = (sa.UniqueConstraint("account_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id"), index=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("service_item.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))

    item: Mapped[ServiceItem] = relationship(lazy="joined")


class RecentView(Model):
    """A guide a signed-in person read lately (最近浏览); only the last few are kept."""

    __tablename__ = "recent_view"
    __table_args__ = (sa.UniqueConstraint("account_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id"), index=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("service_item.id"))
    viewed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))

    item: Mapped[ServiceItem] = relationship(lazy="joined")


class RecommendationRule(Model):
    """A rule the district office edits: when the condition holds, recommend the item, saying why.

    `reason` is Chinese with ``{name}`` placeholders filled from the parameters and the facts
    that matched (``{years}``, ``{town}``, ``{license}``, ``{valid_until}``, ``{theme}``).
    """

    __tablename__ = "recommendation_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    condition: Mapped[ConditionKind] = mapped_column(enum_column(ConditionKind))
    parameters: Mapped[dict] = mapped_column(sa.JSON)
    item_code: Mapped[str] = mapped_column(sa.String(40))
    reason: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class RecommendationDismissal(Model):
    """A recommendation the person said they do not want to see again."""

    __tablename__ = "recommendation_dismissal"
    __table_args__ = (sa.UniqueConstraint("account_id", "rule_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id"), index=True)
    rule_id: Mapped[int] = mapped_column(sa.ForeignKey("recommendation_rule.id"))
    dismissed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class EnterpriseProfile(Model):
    """What the legal representative says of the enterprise beyond the platform's name and code."""

    __tablename__ = "enterprise_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), unique=True)
    legal_representative: Mapped[str] = mapped_column(sa.String(100), default="")
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    industry: Mapped[Industry | None] = mapped_column(enum_column(Industry))
    size: Mapped[EnterpriseSize | None] = mapped_column(enum_column(EnterpriseSize))
    town_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    # Enterprise theme codes whose policies the enterprise follows (订阅); empty: all themes.
    subscribed_themes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Set when the legal representative first registers an agent: from then on the list of
    # agents is authoritative, even after the last one is removed.
    agents_managed: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))

    enterprise: Mapped[Enterprise] = relationship(lazy="joined")
    town: Mapped[Unit | None] = relationship(lazy="joined")


class EnterpriseAgent(Model):
    """An agent (经办人) the legal representative registered, with optional limits.

    Empty `theme_codes` and `item_codes`: every item. Once an enterprise manages its agents in
    the hall (`EnterpriseProfile.agents_managed`), an agent account not on the list sees nothing.
    """

    __tablename__ = "enterprise_agent"
    __table_args__ = (sa.UniqueConstraint("enterprise_id", "id_number_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    id_number_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    id_number_masked: Mapped[str] = mapped_column(sa.String(18))
    theme_codes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    item_codes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    added_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))

    @property
    def is_limited(self) -> bool:
        """Whether the agent may act only for some themes or items."""
        return bool(self.theme_codes or self.item_codes)


class Policy(Model):
    """A policy or notice the district office pushes to enterprises (政策推送).

    Each tag list empty means "all" along that dimension.
    """

    __tablename__ = "policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    industries: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    sizes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    town_codes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    theme_codes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    published_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    published_by: Mapped[str] = mapped_column(sa.String(120))


__all__ = [
    "EnterpriseAgent",
    "EnterpriseProfile",
    "FavouriteItem",
    "PageOpening",
    "Policy",
    "RecentView",
    "RecommendationDismissal",
    "RecommendationRule",
]


# What the two pages show of each row: the owner's page, or every page for what the office
# publishes.
watch(
    PageOpening,
    scopes=lambda row: (account_scope(row.account_id), enterprise_scope(row.enterprise_id)),
)
watch(
    FavouriteItem,
    RecentView,
    RecommendationDismissal,
    scopes=lambda row: (account_scope(row.account_id),),
)
watch(EnterpriseProfile, scopes=lambda row: (enterprise_scope(row.enterprise_id),))
watch(
    EnterpriseAgent,
    scopes=lambda row: (enterprise_scope(row.enterprise_id), person_scope(row.id_number_hash)),
)
watch(RecommendationRule, Policy, scopes=lambda _row: (PAGES,))
