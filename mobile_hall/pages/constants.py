"""Enumerations of the two pages: page kinds, recommendation conditions, enterprise tags."""

from datetime import timedelta
from enum import StrEnum


class PageKind(StrEnum):
    """Which of the two pages (两页) an opening is for."""

    PERSON = "person"  # 市民个人网页
    ENTERPRISE = "enterprise"  # 企业专属网页


class ConditionKind(StrEnum):
    """What a recommendation rule looks at; its parameters say against what."""

    AGE_AT_LEAST = "age_at_least"  # {"years": 60}
    AGE_BELOW = "age_below"  # {"years": 18}
    SEX = "sex"  # {"sex": "female"}
    TOWN = "town"  # {"towns": ["QJ-DT", ...]}
    HOLDS_LICENSE = "holds_license"  # {"license_type": "<type code>"}
    LICENSE_EXPIRING = "license_expiring"  # {"license_type": "<type code>", "days": 90}
    USED_THEME = "used_theme"  # {"theme": "birth"}


class Industry(StrEnum):
    """The enterprise's industry, as the policies are tagged."""

    AGRICULTURE = "agriculture"
    MANUFACTURING = "manufacturing"
    CONSTRUCTION = "construction"
    TRADE = "trade"
    CATERING = "catering"
    LOGISTICS = "logistics"
    TOURISM = "tourism"
    SERVICES = "services"


class EnterpriseSize(StrEnum):
    """Enterprise size classes (大型、中型、小型、微型)."""

    LARGE = "large"
    MEDIUM = "medium"
    SMALL = "small"
    MICRO = "micro"


# How long an expiring licence stays on the "needs me" list, and how many views are remembered.
EXPIRY_WARNING_DAYS = 90
RECENT_VIEWS_KEPT = 10
# A guide read again within this time is not recorded again: reading is the hottest path, and
# each record is a write and a new version of the personal page.
RECENT_VIEW_REFRESH = timedelta(minutes=5)
# Rows a list on the two pages shows; the rest is one tap away (全部办件), so a long history
# never makes a heavy page on a phone.
LIST_SHOWN = 10
# A result to collect at the counter stays on the list this many days after completion.
PICKUP_REMINDER_DAYS = 30
