"""Opening and closing the two pages, and the opening counts the ratios divide."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..audit.services import record_event
from ..clock import now
from ..common.errors import NotAuthorized
from ..common.freshness import account_scope, mark_changed
from ..extensions import db
from ..identity.constants import OrgRole
from ..identity.models import Account
from ..organisations.constants import UnitLevel
from ..organisations.models import Unit
from ..organisations.services import figures_for
from .constants import PageKind
from .enterprise import forget_enterprise, profile_of
from .models import FavouriteItem, PageOpening, RecentView, RecommendationDismissal
from .scope import acts_for_nothing


def towns() -> list[Unit]:
    """The district's towns, in their usual order (the residence choice)."""
    return list(
        db.session.scalars(
            sa.select(Unit).where(Unit.level == UnitLevel.TOWN).order_by(Unit.position)
        )
    )


def _owner_key(account: Account, kind: PageKind) -> str:
    if kind is PageKind.ENTERPRISE:
        # A removed agent is refused the page as applications and licences refuse them.
        if (
            not account.is_legal_person
            or account.enterprise_id is None
            or acts_for_nothing(account)
        ):
            raise NotAuthorized()
        return f"enterprise:{account.enterprise_id}"
    if account.is_legal_person:
        raise NotAuthorized()
    return f"account:{account.id}"


def opening_of(account: Account, kind: PageKind) -> PageOpening | None:
    """The page's opening record (open or closed), or None if it was never opened.

    :raises NotAuthorized: a legal person's personal page, a person's enterprise page, or the
        enterprise page for an agent the legal representative removed.
    """
    key = _owner_key(account, kind)
    return db.session.scalar(sa.select(PageOpening).where(PageOpening.owner_key == key))


def _require_owner(account: Account, kind: PageKind) -> None:
    # Only the legal representative opens, closes and shapes the enterprise's page.
    if kind is PageKind.ENTERPRISE and account.org_role is not OrgRole.LEGAL_REPRESENTATIVE:
        raise NotAuthorized()


def _town(town_code: str | None) -> Unit | None:
    if not town_code:
        return None
    town = db.session.scalar(
        sa.select(Unit).where(Unit.code == town_code, Unit.level == UnitLevel.TOWN)
    )
    if town is None:
        raise ValueError("town")
    return town


def open_page(account: Account, kind: PageKind, town_code: str | None) -> PageOpening:
    """Open the page once its owner accepted the notice; the town is where the ratio counts it.

    Opening an open page again only updates the town. Audited (``pages.open``).

    :raises NotAuthorized: the wrong kind of account, or an agent for the enterprise's page.
    :raises ValueError: ``town`` for a code that is not one of the district's towns.
    """
    _require_owner(account, kind)
    opening = opening_of(account, kind)
    town = _town(town_code)
    if opening is None:
        opening = PageOpening(
            kind=kind,
            owner_key=_owner_key(account, kind),
            account_id=account.id,
            enterprise_id=account.enterprise_id if kind is PageKind.ENTERPRISE else None,
            opened_at=now(),
        )
        db.session.add(opening)
    elif not opening.is_open:
        opening.opened_at, opening.closed_at = now(), None
    opening.town = town
    if kind is PageKind.ENTERPRISE and account.enterprise is not None:
        profile_of(account.enterprise).town = town
    db.session.flush()
    record_event(
        f"account:{account.id}",
        "pages.open",
        target=opening.owner_key,
        kind=kind.value,
        town=town.code if town else "",
    )
    db.session.commit()
    return opening


def _forget_person(account: Account) -> None:
    for model in (FavouriteItem, RecentView, RecommendationDismissal):
        db.session.execute(sa.delete(model).where(model.account_id == account.id))
    mark_changed(account_scope(account.id))  # bulk deletes: the ORM does not see them


def close_page(account: Account, kind: PageKind) -> None:
    """Close the page and delete its personalisation data, audited (``pages.close``).

    A person's favourites, recently viewed items, dismissed recommendations and town go; an
    enterprise's policy subscriptions and town (its profile and agents are business records and
    stay).

    :raises NotAuthorized: the wrong kind of account, or an agent for the enterprise's page.
    """
    _require_owner(account, kind)
    opening = opening_of(account, kind)
    if opening is None or not opening.is_open:
        return
    opening.closed_at, opening.town = now(), None
    if kind is PageKind.PERSON:
        _forget_person(account)
    elif account.enterprise_id is not None:
        forget_enterprise(account.enterprise_id)
    record_event(f"account:{account.id}", "pages.close", target=opening.owner_key)
    db.session.commit()


# --- the ratios -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PageRate:
    """Opened pages in a town, the town's base figure, and their ratio (None: no base)."""

    opened: int
    base: int
    rate: float | None


def page_opening_counts(kind: PageKind) -> dict[int, int]:
    """How many pages of `kind` are open now, by the town (unit id) they count in."""
    rows = db.session.execute(
        sa.select(PageOpening.town_id, sa.func.count())
        .where(
            PageOpening.kind == kind,
            PageOpening.closed_at.is_(None),
            PageOpening.town_id.is_not(None),
        )
        .group_by(PageOpening.town_id)
    )
    return {town_id: count for town_id, count in rows if town_id is not None}


def page_rates(kind: PageKind) -> dict[str, PageRate]:
    """Per town code: open pages ÷ population (citizens) or ÷ enterprise count (enterprises),
    by this year's figures of the office's registry.

    `citizen_page_rate` and `enterprise_page_rate` of metrics.md; a zero or missing denominator
    gives ``rate=None`` (shown as "—").
    """
    counts = page_opening_counts(kind)
    figures = figures_for(now().year)
    rates = {}
    for town in towns():
        figure = figures.get(town.id)
        base = 0
        if figure is not None:
            base = figure.population if kind is PageKind.PERSON else figure.enterprise_count
        opened = counts.get(town.id, 0)
        rates[town.code] = PageRate(opened, base, opened / base if base else None)
    return rates
