"""The citizen's page: what needs them, their applications, licences, messages, favourites,
recently viewed items and recommendations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, defer, joinedload

from ..applications.constants import TERMINAL_STATUSES, ApplicationStatus
from ..applications.models import Application, Message
from ..applications.services import list_own_applications, pending_supplement
from ..catalog.models import ItemVersion, ServiceItem
from ..clock import as_local, now
from ..common.errors import NotFound
from ..common.freshness import account_scope, mark_changed
from ..extensions import db
from ..identity.models import Account
from ..licenses.constants import LicenseState
from ..licenses.models import License
from ..licenses.services import held_licenses
from .constants import (
    EXPIRY_WARNING_DAYS,
    PICKUP_REMINDER_DAYS,
    RECENT_VIEW_REFRESH,
    RECENT_VIEWS_KEPT,
    PageKind,
)
from .models import FavouriteItem, PageOpening, RecentView
from .openings import _owner_key, opening_of
from .recommendations import Recommendation, recommendations_for


class ItemNotFound(NotFound):
    """No published item with that code (shown as 404)."""


# --- favourites and recently viewed -------------------------------------------------------


def _item(code: str) -> ServiceItem:
    item = db.session.scalar(
        sa.select(ServiceItem).where(
            ServiceItem.code == code, ServiceItem.current_version_id.is_not(None)
        )
    )
    if item is None:
        raise ItemNotFound(code)
    return item


def is_favourite(account: Account | None, item_id: int) -> bool:
    """Whether the person starred the item."""
    if account is None:
        return False
    return bool(
        db.session.scalar(
            sa.select(
                sa.exists().where(
                    FavouriteItem.account_id == account.id, FavouriteItem.item_id == item_id
                )
            )
        )
    )


def add_favourite(account: Account, code: str) -> None:
    """Star an item (收藏); starring it again changes nothing.

    :raises ItemNotFound: for an unknown code.
    """
    item = _item(code)
    if not is_favourite(account, item.id):
        db.session.add(FavouriteItem(account_id=account.id, item_id=item.id, created_at=now()))
        db.session.commit()


def remove_favourite(account: Account, code: str) -> None:
    """Unstar an item; an item not starred is left alone.

    :raises ItemNotFound: for an unknown code.
    """
    item = _item(code)
    db.session.execute(
        sa.delete(FavouriteItem).where(
            FavouriteItem.account_id == account.id, FavouriteItem.item_id == item.id
        )
    )
    mark_changed(account_scope(account.id))  # a bulk delete: the ORM does not see it
    db.session.commit()


def record_view(account: Account, item_id: int) -> None:
    """Remember that the person read the item's guide; only the last few are kept.

    Only once the person opened their page (accepting the notice): nothing is collected before.
    """
    if account.is_legal_person:
        return
    opening = opening_of(account, PageKind.PERSON)
    if opening is None or not opening.is_open:
        return
    view = db.session.scalar(
        sa.select(RecentView).where(
            RecentView.account_id == account.id, RecentView.item_id == item_id
        )
    )
    moment = now()
    if view is not None and moment - as_local(view.viewed_at) < RECENT_VIEW_REFRESH:
        return  # read again just now: no write (and no new version of the personal page)
    if view is None:
        db.session.add(RecentView(account_id=account.id, item_id=item_id, viewed_at=moment))
    else:
        view.viewed_at = moment
    db.session.flush()
    kept = (
        sa.select(RecentView.id)
        .where(RecentView.account_id == account.id)
        .order_by(RecentView.viewed_at.desc(), RecentView.id.desc())
        .limit(RECENT_VIEWS_KEPT)
    )
    db.session.execute(
        sa.delete(RecentView).where(
            RecentView.account_id == account.id, RecentView.id.not_in(kept.scalar_subquery())
        )
    )
    db.session.commit()


def _favourites_and_recent(account: Account) -> tuple[list[FavouriteItem], list[RecentView]]:
    """The starred items (newest first) and the last few viewed (latest first), each item with
    its current version (the page shows its name), in one statement: a row per item the person
    starred or viewed, with the star, the view or both."""
    mine = sa.union(
        sa.select(FavouriteItem.item_id).where(FavouriteItem.account_id == account.id),
        sa.select(RecentView.item_id).where(RecentView.account_id == account.id),
    )
    rows = db.session.execute(
        sa.select(FavouriteItem, RecentView)
        .select_from(ServiceItem)
        .outerjoin(
            FavouriteItem,
            sa.and_(
                FavouriteItem.item_id == ServiceItem.id, FavouriteItem.account_id == account.id
            ),
        )
        .outerjoin(
            RecentView,
            sa.and_(RecentView.item_id == ServiceItem.id, RecentView.account_id == account.id),
        )
        .outerjoin(ItemVersion, ItemVersion.id == ServiceItem.current_version_id)
        .where(ServiceItem.id.in_(mine))
        .options(
            contains_eager(FavouriteItem.item).contains_eager(ServiceItem.current_version),
            contains_eager(RecentView.item).contains_eager(ServiceItem.current_version),
        )
    ).all()
    favourites = sorted(
        (star for star, _view in rows if star is not None),
        key=lambda star: (as_local(star.created_at), star.id),
        reverse=True,
    )
    recent = sorted(
        (view for _star, view in rows if view is not None),
        key=lambda view: (as_local(view.viewed_at), view.id),
        reverse=True,
    )
    return favourites, recent[:RECENT_VIEWS_KEPT]


def _opening_and_messages(account: Account) -> tuple[PageOpening | None, int, Message | None]:
    """The page's opening record (as `opening_of`) with the message centre's summary: how many
    of the person's messages are unread, and the latest. One statement.

    :raises NotAuthorized: for a legal person's account.
    """
    mine = sa.orm.aliased(Message)  # the subqueries' own, never the outer join's
    latest = sa.select(sa.func.max(mine.id)).where(mine.account_id == account.id)
    unread = sa.select(sa.func.count(mine.id)).where(
        mine.account_id == account.id, mine.read_at.is_(None)
    )
    row = db.session.execute(
        sa.select(PageOpening, Message, unread.scalar_subquery())
        .outerjoin(Message, Message.id == latest.scalar_subquery())
        .where(PageOpening.owner_key == _owner_key(account, PageKind.PERSON))
    ).first()
    if row is None:
        return None, 0, None
    opening, latest_message, unread_count = row
    return opening, unread_count, latest_message


# --- the citizen's page ---------------------------------------------------------------------


@dataclass
class ToDo:
    """What needs the person now (需要我处理)."""

    supplements: list[Application] = field(default_factory=list)
    pickups: list[Application] = field(default_factory=list)
    ratings: list[Application] = field(default_factory=list)
    drafts: list[Application] = field(default_factory=list)
    expiring: list[License] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many things are waiting."""
        return sum(
            len(group)
            for group in (
                self.supplements,
                self.pickups,
                self.ratings,
                self.drafts,
                self.expiring,
            )
        )


@dataclass
class PersonPage:
    """Everything the citizen's page shows, read in one go."""

    opening: PageOpening
    todo: ToDo
    in_progress: list[Application]
    finished: list[Application]
    licenses: list[License]
    unread: int
    latest_message: Message | None
    favourites: list[FavouriteItem]
    recent: list[RecentView]
    recommendations: list[Recommendation]
    today: date


def _is_pickup_waiting(application: Application, today: date) -> bool:
    return (
        application.status is ApplicationStatus.COMPLETED
        and application.delivery == "pickup"
        and application.completed_at is not None
        and as_local(application.completed_at).date() >= today - timedelta(PICKUP_REMINDER_DAYS)
    )


def _expiring(licenses: list[License], today: date) -> list[License]:
    horizon = today + timedelta(EXPIRY_WARNING_DAYS)
    return [
        lic
        for lic in licenses
        if lic.valid_until is not None
        and today <= lic.valid_until <= horizon
        and lic.state_on(today) is LicenseState.VALID
    ]


def to_do(applications: list[Application], licenses: list[License], today: date) -> ToDo:
    """Sort the person's applications and licences into what needs them now."""
    todo = ToDo(expiring=_expiring(licenses, today))
    for application in applications:
        if application.status is ApplicationStatus.DRAFT:
            todo.drafts.append(application)
        elif application.status is ApplicationStatus.SUPPLEMENT_PENDING and pending_supplement(
            application
        ):
            todo.supplements.append(application)
        elif application.status is ApplicationStatus.COMPLETED and application.rating is None:
            todo.ratings.append(application)
        if _is_pickup_waiting(application, today):
            todo.pickups.append(application)
    return todo


def person_page(account: Account) -> PersonPage:
    """The citizen's page (市民个人网页), once it is open.

    :raises NotAuthorized: for a legal person's account.
    :raises LookupError: when the page is not open (the view shows the notice instead).
    """
    opening, unread, latest_message = _opening_and_messages(account)
    if opening is None or not opening.is_open:
        raise LookupError("page not open")
    today = now().date()
    # What the page, its to-do list and the recommendations read of each application, and no
    # more (not the answers, not the whole guide: hundreds of rows would decode them all); the
    # themes come in one more statement for the distinct versions, not by joining them to
    # every row.
    applications = list_own_applications(
        account,
        joinedload(Application.supplements),
        joinedload(Application.rating),
        defer(Application.answers),
        defer(Application.reason_points),
        joinedload(Application.version)
        .load_only(ItemVersion.item_id, ItemVersion.name, ItemVersion.form_fields)
        .selectinload(ItemVersion.themes),
    )
    licenses = held_licenses(account)
    favourites, recent = _favourites_and_recent(account)
    return PersonPage(
        opening=opening,
        todo=to_do(applications, licenses, today),
        in_progress=[
            a
            for a in applications
            if a.status is not ApplicationStatus.DRAFT and a.status not in TERMINAL_STATUSES
        ],
        finished=[a for a in applications if a.status in TERMINAL_STATUSES],
        licenses=licenses,
        unread=unread,
        latest_message=latest_message,
        favourites=favourites,
        recent=recent,
        recommendations=recommendations_for(account, opening, applications, licenses, today),
        today=today,
    )
