"""Enumerations and the plan's defaults for the assessment, stored by value."""

from __future__ import annotations

from enum import StrEnum


class Figure(StrEnum):
    """The figures of metrics.md, in the order the plan lists them."""

    FULL_ONLINE = "full_online_rate"
    ONLINE_APPLY = "online_apply_rate"
    ONLINE_COMPLETE = "online_complete_rate"
    MAX_ONE_VISIT = "max_one_visit_rate"
    ZERO_VISIT = "zero_visit_rate"
    MOBILE = "mobile_rate"
    ENTERPRISE_PAGE = "enterprise_page_rate"
    CITIZEN_PAGE = "citizen_page_rate"


# Figures counted over items: shown declared (catalog) and observed (applications of the period).
ITEM_FIGURES = (Figure.FULL_ONLINE, Figure.MAX_ONE_VISIT, Figure.ZERO_VISIT, Figure.MOBILE)
# Figures that change from month to month, drawn as the trend (item figures: observed; the
# declared ones follow the catalog, not the month).
TREND_FIGURES = (
    Figure.ONLINE_APPLY,
    Figure.ONLINE_COMPLETE,
    Figure.FULL_ONLINE,
    Figure.MAX_ONE_VISIT,
    Figure.ZERO_VISIT,
)


class UnitKind(StrEnum):
    """The kinds of unit the plan sets targets for."""

    DISTRICT = "district"
    DEPARTMENT = "department"
    TOWN = "town"


class Measure(StrEnum):
    """What the office decides for a unit after a quarter (三(二) of the plan)."""

    PRAISE = "praise"  # 通报表扬
    CRITICISM = "criticism"  # 通报批评
    RECTIFICATION = "rectification"  # 整改通知
    ACCOUNTABILITY = "accountability"  # 问责


# The plan's targets (percent, and whether the value must exceed it rather than reach it);
# None where the plan sets none. The office's edits are stored per year and override these.
PLAN_TARGETS: dict[UnitKind, dict[Figure, tuple[int, bool] | None]] = {
    UnitKind.DISTRICT: {
        Figure.FULL_ONLINE: (45, False),
        Figure.ONLINE_APPLY: (45, False),
        Figure.ONLINE_COMPLETE: (40, False),
        Figure.MAX_ONE_VISIT: (55, False),
        Figure.ZERO_VISIT: (5, False),
        Figure.MOBILE: (15, False),
        Figure.ENTERPRISE_PAGE: None,
        Figure.CITIZEN_PAGE: None,
    },
    UnitKind.DEPARTMENT: {
        Figure.FULL_ONLINE: (60, False),
        Figure.ONLINE_APPLY: (60, False),
        Figure.ONLINE_COMPLETE: (50, False),
        Figure.MAX_ONE_VISIT: (85, False),
        Figure.ZERO_VISIT: (5, False),
        Figure.MOBILE: (20, False),
        Figure.ENTERPRISE_PAGE: (10, True),
        Figure.CITIZEN_PAGE: (10, True),
    },
    UnitKind.TOWN: {
        Figure.FULL_ONLINE: (35, False),
        Figure.ONLINE_APPLY: (35, False),
        Figure.ONLINE_COMPLETE: (30, False),
        Figure.MAX_ONE_VISIT: (30, False),
        Figure.ZERO_VISIT: (10, False),
        Figure.MOBILE: None,
        Figure.ENTERPRISE_PAGE: (5, True),
        Figure.CITIZEN_PAGE: (5, True),
    },
}

# A self-check is due this many legal working days after its quarter ends.
SELF_CHECK_WORKING_DAYS = 4
# A rectification notice gives the unit this many working days to report back.
RECTIFICATION_WORKING_DAYS = 20
# Missing this many figures (or more) calls for a rectification notice.
RECTIFICATION_AT_MISSED = 3
