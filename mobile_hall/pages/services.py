"""The two pages' public API, the one module other domains import: opening and closing
(`openings.py`), the citizen's page with favourites and recently viewed items (`person.py`),
recommendations (`recommendations.py`), the enterprise's page (`enterprise.py`), and the opening
counts the monitoring divides by the towns' figures.
"""

from __future__ import annotations

from ..common.errors import NotAuthorized
from .enterprise import (
    AgentInvalid,
    AgentNotFound,
    EnterprisePage,
    ProfileInvalid,
    add_agent,
    enterprise_page,
    enterprise_themes,
    load_demo_enterprise_pages,
    profile_of,
    remove_agent,
    set_subscriptions,
    update_profile,
)
from .openings import (
    PageRate,
    close_page,
    open_page,
    opening_of,
    page_opening_counts,
    page_rates,
    towns,
)
from .person import (
    ItemNotFound,
    PersonPage,
    add_favourite,
    is_favourite,
    person_page,
    record_view,
    remove_favourite,
)
from .policies import PolicyInvalid, list_policies, publish_policy
from .recommendations import (
    Recommendation,
    RuleInvalid,
    RuleNotFound,
    dismiss_recommendation,
    get_rule,
    list_rules,
    load_rules,
    rule_parameters_text,
    update_rule,
)

__all__ = [
    "AgentInvalid",
    "AgentNotFound",
    "EnterprisePage",
    "ItemNotFound",
    "NotAuthorized",
    "PageRate",
    "PersonPage",
    "PolicyInvalid",
    "ProfileInvalid",
    "Recommendation",
    "RuleInvalid",
    "RuleNotFound",
    "add_agent",
    "add_favourite",
    "close_page",
    "dismiss_recommendation",
    "enterprise_page",
    "enterprise_themes",
    "get_rule",
    "is_favourite",
    "list_policies",
    "list_rules",
    "load_demo_enterprise_pages",
    "load_rules",
    "open_page",
    "opening_of",
    "page_opening_counts",
    "page_rates",
    "person_page",
    "profile_of",
    "publish_policy",
    "record_view",
    "remove_agent",
    "remove_favourite",
    "rule_parameters_text",
    "set_subscriptions",
    "towns",
    "update_profile",
    "update_rule",
]
