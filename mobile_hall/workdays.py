"""Working-day arithmetic: the one place that counts time limits (办理时限).

Working days follow the State Council's yearly holiday arrangement, as shipped by the
``chinesecalendar`` package: Saturdays, Sundays and public holidays are off, and the make-up
working days (调休上班) on a weekend are working days. The package knows the years the State
Council has published; a date outside them raises :class:`CalendarNotCovered` (upgrade the package
when next year's arrangement is announced, usually in November).

Counting convention, as in "受理之日起N个工作日": the day of acceptance never counts; the limit is
counted from the next working day, and the due date is the N-th counted working day after the
acceptance day. A limit of 0 (即办) is due on the day of acceptance. Days are local dates in China
Standard Time.

Pauses (补正期间不计入办理时限): while a supplement is pending the clock stops. A pause runs from
the day the supplement was requested through the day it was supplied, both included; no working
day inside it counts. A pause still open (no end) stops the clock from its first day on.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from functools import cache
from itertools import count
from typing import cast

import chinese_calendar

Pause = tuple[date, date | None]
_ONE_DAY = timedelta(days=1)


class CalendarNotCovered(Exception):
    """The official working-day calendar for this date's year is not known (yet)."""

    def __init__(self, day: date) -> None:
        super().__init__(f"no official working-day calendar for {day.isoformat()} ({day.year})")
        self.day = day


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day in mainland China (make-up weekend days included).

    The year after the last one the calendar knows is estimated (Monday to Friday), because the
    State Council publishes each year's holidays only weeks before it starts and time limits
    reach into it; `is_estimated` tells such days apart.

    :raises CalendarNotCovered: for a year further ahead, or before the calendar begins.
    """
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as error:
        if is_estimated(day):
            return day.weekday() < 5
        raise CalendarNotCovered(day) from error


def is_estimated(day: date) -> bool:
    """Whether ``day`` falls in the year after the known calendar (weekdays-only estimate)."""
    return day.year == covered_years().stop


@cache
def covered_years() -> range:
    """The years with a known official calendar: upgrade ``chinesecalendar`` before they end."""
    known = chinese_calendar.holidays
    return range(min(known).year, max(known).year + 1)


def add_working_days(start: date, days: int) -> date:
    """The due date of a limit of ``days`` working days counted from the day after ``start``.

    ``start`` itself never counts (it may be a holiday); 0 days gives ``start`` (即办).

    :raises ValueError: if ``days`` is negative.
    :raises CalendarNotCovered: if the count runs into a year the calendar does not know.
    """
    # Only an open pause stops the count (None); here there is none.
    return cast(date, _nth_counted_day(start, days, pauses=()))


def working_days_between(start: date, end: date) -> int:
    """The working days strictly after ``start`` up to and including ``end`` (0 if end <= start).

    For n >= 0, ``working_days_between(start, add_working_days(start, n)) == n``.

    :raises CalendarNotCovered: if a day in between is in a year the calendar does not know.
    """
    span = max((end - start).days, 0)
    return sum(1 for offset in range(1, span + 1) if is_working_day(start + offset * _ONE_DAY))


def due_date_with_pauses(
    accepted_on: date, limit_days: int, pauses: Sequence[Pause]
) -> date | None:
    """The promised completion date of a limit of ``limit_days`` working days, pauses excluded.

    Returns None while the clock is stopped by an open pause (end None) before the limit was
    used up; a due date already reached before an open pause began stays that date.

    :raises ValueError: if ``limit_days`` is negative or a pause ends before it starts.
    :raises CalendarNotCovered: if the count runs into a year the calendar does not know.
    """
    _check_pauses(pauses)
    return _nth_counted_day(accepted_on, limit_days, pauses)


def working_days_left(
    accepted_on: date, limit_days: int, pauses: Sequence[Pause], today: date
) -> int:
    """The working days left on the clock on ``today``: negative when overdue.

    Consistent with :func:`due_date_with_pauses`: positive exactly while ``today`` is before the
    due date, 0 on the due date (and on the days off just after it), -n once n counted working
    days have passed since it. While a pause is open the value stays as it was when it began.

    :raises ValueError: if ``limit_days`` is negative or a pause ends before it starts.
    :raises CalendarNotCovered: if a day up to ``today`` is in a year the calendar does not know.
    """
    _check_limit(limit_days)
    _check_pauses(pauses)
    used = 0
    for day in _counted_days(accepted_on, pauses):
        if day > today:
            break
        used += 1
    return limit_days - used


def _nth_counted_day(start: date, days: int, pauses: Sequence[Pause]) -> date | None:
    _check_limit(days)
    if days == 0:
        return start
    for number, day in enumerate(_counted_days(start, pauses), start=1):
        if number == days:
            return day
    return None  # an open pause stopped the clock first


def _counted_days(start: date, pauses: Sequence[Pause]) -> Iterator[date]:
    """The working days after ``start`` that count, in order; ends where an open pause begins."""
    stopped_on = min((begin for begin, end in pauses if end is None), default=None)
    for day in _days_after(start):
        if stopped_on is not None and day >= stopped_on:
            return
        if is_working_day(day) and not _is_paused(day, pauses):
            yield day


def _days_after(start: date) -> Iterator[date]:
    return (start + offset * _ONE_DAY for offset in count(1))


def _is_paused(day: date, pauses: Sequence[Pause]) -> bool:
    return any(begin <= day <= end for begin, end in pauses if end is not None)


def _check_limit(days: int) -> None:
    if days < 0:
        raise ValueError(f"a time limit cannot be negative ({days} working days)")


def _check_pauses(pauses: Sequence[Pause]) -> None:
    for begin, end in pauses:
        if end is not None and end < begin:
            raise ValueError(f"a pause cannot end ({end}) before it starts ({begin})")
