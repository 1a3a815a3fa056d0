"""What the two pages show, as change-token scopes: the page cache keys them by these."""

from __future__ import annotations

from flask import session

from ..common.freshness import CATALOG, PAGES
from ..common.pagecache import Dependencies
from ..identity.models import OwnScopes


def _scopes(*scopes: str | None) -> tuple[str, ...]:
    return tuple(scope for scope in scopes if scope)


def _own() -> OwnScopes:
    # The signed-in account's scopes, read off the session without building the account
    # (the views are behind `login_required`).
    return session.own_scopes


def person_page() -> Dependencies:
    """The citizen's page: their account, what they hold by ID number, the catalog, the rules."""
    own = _own()
    return Dependencies(personal=_scopes(own.account, own.person), shared=(CATALOG, PAGES))


def enterprise_page() -> Dependencies:
    """The enterprise's page: the representative's account, the enterprise's record, profile,
    agents, applications and licences, the catalog and the office's policies."""
    own = _own()
    return Dependencies(
        personal=_scopes(own.account, own.enterprise, own.credit), shared=(CATALOG, PAGES)
    )
