"""Which applications a person may see (their own, their enterprise's), how the applicant's
pages load them, and 我的办件."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import joinedload, lazyload, load_only, selectinload
from sqlalchemy.orm.interfaces import ORMOption

from ...catalog.services import PublishedUnit, PublishedVersion, published_version
from ...common.paging import paginate
from ...extensions import db
from ...identity.constants import UserType
from ...identity.models import Account
from ...organisations.models import Unit
from ...pages.scope import allowed_item_ids
from ..constants import FINISHED_STATUSES, TERMINAL_STATUSES, ApplicationStatus
from ..models import Application
from .errors import ApplicationNotFound


def version_of(application: Application) -> PublishedVersion:
    """The published version the application was made on: its form, materials and units.

    Read from memory (`catalog.services.published_version`), so the applicant's pages load the
    application without its version, item and unit rows.
    """
    return published_version(application.item_version_id)


def unit_of(application: Application) -> PublishedUnit | Unit:
    """The unit handling the application: one of its version's units (from memory), or the
    application's own unit row for one that the version does not list."""
    return version_of(application).unit(application.unit_id) or application.unit


# What the applicant's pages read of an application. The item, version and unit rows, joined
# by default (the staff's queues show them), are read from the published version instead
# (`version_of`); each page loads only the columns and collections it shows or changes. The
# applicant and enterprise ids are always loaded: a change bumps their change tokens. The
# materials come joined (one statement, a row per material) rather than by a second query.
OWNERS = (Application.status, Application.account_id, Application.enterprise_id)
NOT_JOINED = (
    lazyload(Application.item),
    lazyload(Application.version),
    lazyload(Application.unit),
)
ANSWERS: tuple[ORMOption, ...] = (
    *NOT_JOINED,
    load_only(*OWNERS, Application.item_version_id, Application.answers),
)
MATERIALS: tuple[ORMOption, ...] = (
    *NOT_JOINED,
    load_only(*OWNERS, Application.item_version_id, Application.submitted_at),
    joinedload(Application.materials),
)
CHECK: tuple[ORMOption, ...] = (
    *NOT_JOINED,
    load_only(*OWNERS, Application.item_version_id, Application.unit_id, Application.answers),
    joinedload(Application.materials),
)
# Submitting rereads the whole row under a lock (`submit`): the page only checks it is theirs.
SUBMITTING: tuple[ORMOption, ...] = (*NOT_JOINED, load_only(*OWNERS))
DETAIL: tuple[ORMOption, ...] = (
    *NOT_JOINED,
    joinedload(Application.tolerance),
    joinedload(Application.materials),
    selectinload(Application.records),
)


def _sees_enterprise(account: Account) -> bool:
    return account.user_type == UserType.LEGAL_PERSON and account.enterprise_id is not None


def _visible_to(account: Account) -> sa.ColumnElement[bool]:
    own = Application.account_id == account.id
    if _sees_enterprise(account):
        visible = sa.or_(own, Application.enterprise_id == account.enterprise_id)
        allowed = allowed_item_ids(account)  # an agent limited by the legal representative
        return visible if allowed is None else sa.and_(visible, Application.item_id.in_(allowed))
    return own


def get_own_application(account: Account, application_id: int, *options: ORMOption) -> Application:
    """An application the person may see: their own, or their enterprise's.

    ``options`` load what the caller reads (`ANSWERS`, `MATERIALS`, `CHECK`, `SUBMITTING`,
    `DETAIL`); without them, the whole row with its item, version and unit.

    :raises ApplicationNotFound: for any other id (shown as 404, never 403).
    """
    found = db.session.scalars(
        sa.select(Application)
        .where(Application.id == application_id, _visible_to(account))
        .options(*options)
    )
    application = found.unique().one_or_none()  # unique: a row per joined material
    if application is None:
        raise ApplicationNotFound(application_id)
    return application


def list_own_applications(account: Account, *options: ORMOption) -> list[Application]:
    """The person's (and their enterprise's) applications, newest first.

    The item, version and unit come with each application; ``options`` load what else the
    caller reads (e.g. ``joinedload(Application.rating)``), so that a page of them takes one
    statement whatever their number.
    """
    return list(
        db.session.scalars(
            sa.select(Application)
            .where(_visible_to(account), Application.status != ApplicationStatus.WITHDRAWN)
            .order_by(Application.updated_at.desc())
            .options(*options)
        ).unique()
    )


@dataclass(frozen=True)
class OwnApplications:
    """我的办件: what is still open (drafts, in progress) in full, what is finished a page at a
    time (a person of many years has hundreds)."""

    drafts: list[Application]
    in_progress: list[Application]
    finished: Pagination  # of Application


def own_applications(account: Account, page: int = 1, per_page: int = 20) -> OwnApplications:
    """The person's (and their enterprise's) applications for 我的办件, newest first: the open
    ones on the first page only, above page `page` of the finished ones; withdrawn ones left out.
    """
    newest_first = (Application.updated_at.desc(), Application.id.desc())
    visible = sa.select(Application).where(_visible_to(account))
    finished = paginate(
        visible.where(Application.status.in_(FINISHED_STATUSES)).order_by(*newest_first),
        page,
        per_page,
    )
    still_open: list[Application] = []
    if finished.page == 1:
        still_open = list(
            db.session.scalars(
                visible.where(Application.status.not_in(sorted(TERMINAL_STATUSES))).order_by(
                    *newest_first
                )
            ).unique()
        )
    return OwnApplications(
        drafts=[a for a in still_open if a.status is ApplicationStatus.DRAFT],
        in_progress=[a for a in still_open if a.status is not ApplicationStatus.DRAFT],
        finished=finished,
    )
