"""What the two pages show, as change-token scopes: the page cache keys them by these."""

from __future__ import annotations

from flask_login import current_user

from ..common.freshness import (
    CATALOG,
    PAGES,
    account_scope,
    credit_scope,
    enterprise_scope,
    person_scope,
)
from ..common.pagecache import Dependencies


def _scopes(*scopes: str | None) -> tuple[str, ...]:
    return tuple(scope for scope in scopes if scope)


def person_page() -> Dependencies:
    """The citizen's page: their account, what they hold by ID number, the catalog, the rules."""
    return Dependencies(
        personal=_scopes(account_scope(current_user.id), person_scope(current_user.id_number_hash)),
        shared=(CATALOG, PAGES),
    )


def enterprise_page() -> Dependencies:
    """The enterprise's page: the representative's account, the enterprise's record, profile,
    agents, applications and licences, the catalog and the office's policies."""
    enterprise = current_user.enterprise
    return Dependencies(
        personal=_scopes(
            account_scope(current_user.id),
            enterprise_scope(current_user.enterprise_id),
            credit_scope(enterprise.credit_code if enterprise else None),
        ),
        shared=(CATALOG, PAGES),
    )
