"""The one place that reads the time, so that every timestamp carries the district's offset."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


def now() -> datetime:
    """The current moment, aware, in China Standard Time."""
    return datetime.now(CHINA_STANDARD_TIME)


def as_local(moment: datetime) -> datetime:
    """A stored timestamp in China Standard Time (SQLite hands back naive local times)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=CHINA_STANDARD_TIME)
    return moment.astimezone(CHINA_STANDARD_TIME)
