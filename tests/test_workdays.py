"""Working days, due dates and the paused clock, on the real 2024 and 2025 holiday calendars."""

from datetime import date, timedelta

import pytest

from mobile_hall.workdays import (
    CalendarNotCovered,
    add_working_days,
    covered_years,
    due_date_with_pauses,
    is_estimated,
    is_working_day,
    working_days_between,
    working_days_left,
)

# The State Council's arrangements: Spring Festival 2025 ran 1-28..2-04 with make-up days Sunday
# 1-26 and Saturday 2-08; National Day 2025 ran 10-01..10-08 with make-up days Sunday 9-28 and
# Saturday 10-11. In 2024: Spring Festival 2-10..2-17 (make-up Sundays 2-04 and 2-18), National
# Day 10-01..10-07 (make-up Sunday 9-29 and Saturday 10-12).
MONDAY_NOVEMBER_3_2025 = date(2025, 11, 3)  # a month with no holiday


@pytest.mark.parametrize(
    "day",
    [
        *(date(2025, 1, 26), date(2025, 2, 8), date(2025, 9, 28), date(2025, 10, 11)),
        *(date(2024, 2, 4), date(2024, 2, 18), date(2024, 9, 29), date(2024, 10, 12)),
    ],
)
def test_make_up_weekend_days_are_working_days(day):
    assert day.weekday() >= 5
    assert is_working_day(day)


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(2025, 1, 28), date(2025, 2, 4)),
        (date(2025, 10, 1), date(2025, 10, 8)),
        (date(2024, 2, 10), date(2024, 2, 17)),
        (date(2024, 10, 1), date(2024, 10, 7)),
    ],
)
def test_every_day_of_a_holiday_is_off(first, last):
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    assert not any(is_working_day(day) for day in days)


def test_ordinary_weekends_are_off_and_weekdays_on():
    assert not is_working_day(date(2025, 9, 27))  # the Saturday before the make-up Sunday
    assert not is_working_day(date(2025, 10, 12))
    assert is_working_day(date(2025, 10, 9))


def test_adding_across_national_day_lands_on_the_make_up_saturday():
    # Accepted Tuesday 9-30: Thursday 10-09 is day 1, Friday 10-10 day 2, Saturday 10-11 day 3.
    assert add_working_days(date(2025, 9, 30), 3) == date(2025, 10, 11)
    assert add_working_days(date(2025, 9, 30), 4) == date(2025, 10, 13)


def test_adding_counts_the_make_up_sunday_before_national_day():
    assert add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)
    assert add_working_days(date(2025, 9, 26), 2) == date(2025, 9, 29)


def test_adding_across_the_2025_spring_festival():
    assert add_working_days(date(2025, 1, 24), 1) == date(2025, 1, 26)
    assert add_working_days(date(2025, 1, 24), 5) == date(2025, 2, 7)
    assert add_working_days(date(2025, 1, 24), 6) == date(2025, 2, 8)


def test_adding_across_the_2024_holidays():
    assert add_working_days(date(2024, 2, 8), 2) == date(2024, 2, 18)
    assert add_working_days(date(2024, 9, 27), 3) == date(2024, 10, 8)


def test_the_day_of_acceptance_never_counts():
    assert add_working_days(MONDAY_NOVEMBER_3_2025, 1) == date(2025, 11, 4)
    assert add_working_days(date(2025, 10, 3), 1) == date(2025, 10, 9)  # accepted on a holiday


def test_zero_days_is_due_the_same_day():
    assert add_working_days(MONDAY_NOVEMBER_3_2025, 0) == MONDAY_NOVEMBER_3_2025
    assert add_working_days(date(2025, 10, 4), 0) == date(2025, 10, 4)


def test_a_negative_limit_is_refused():
    with pytest.raises(ValueError, match="negative"):
        add_working_days(MONDAY_NOVEMBER_3_2025, -1)


def test_working_days_between_counts_after_start_up_to_end():
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 11)) == 3
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 8)) == 0
    assert working_days_between(MONDAY_NOVEMBER_3_2025, date(2025, 11, 10)) == 5


def test_working_days_between_is_zero_when_end_is_not_after_start():
    assert working_days_between(MONDAY_NOVEMBER_3_2025, MONDAY_NOVEMBER_3_2025) == 0
    assert working_days_between(MONDAY_NOVEMBER_3_2025, date(2025, 10, 9)) == 0


@pytest.mark.parametrize("start", [date(2025, 9, 26), date(2025, 1, 20), date(2024, 9, 27)])
def test_between_undoes_add(start):
    for days in range(25):
        assert working_days_between(start, add_working_days(start, days)) == days


def test_a_closed_pause_moves_the_due_date_by_its_working_days():
    pause = (date(2025, 11, 5), date(2025, 11, 6))  # Wednesday to Thursday, both excluded
    assert due_date_with_pauses(MONDAY_NOVEMBER_3_2025, 5, []) == date(2025, 11, 10)
    assert due_date_with_pauses(MONDAY_NOVEMBER_3_2025, 5, [pause]) == date(2025, 11, 12)


def test_weekend_days_inside_a_pause_change_nothing():
    pause = (date(2025, 11, 7), date(2025, 11, 10))  # Friday to Monday: two working days
    assert due_date_with_pauses(MONDAY_NOVEMBER_3_2025, 5, [pause]) == date(2025, 11, 12)


def test_several_pauses_add_up():
    pauses = [(date(2025, 11, 4), date(2025, 11, 4)), (date(2025, 11, 10), date(2025, 11, 11))]
    assert due_date_with_pauses(MONDAY_NOVEMBER_3_2025, 5, pauses) == date(2025, 11, 13)


def test_a_pause_before_acceptance_does_not_count():
    pause = (date(2025, 10, 27), date(2025, 11, 3))
    assert due_date_with_pauses(MONDAY_NOVEMBER_3_2025, 5, [pause]) == date(2025, 11, 10)


def test_an_open_pause_stops_the_clock():
    pauses = [(date(2025, 11, 5), None)]
    assert due_date_with_pauses(MONDAY_NOVEMBER_3_2025, 5, pauses) is None
    assert working_days_left(MONDAY_NOVEMBER_3_2025, 5, pauses, date(2025, 11, 4)) == 4
    assert working_days_left(MONDAY_NOVEMBER_3_2025, 5, pauses, date(2025, 12, 31)) == 4


def test_an_open_pause_after_the_due_date_keeps_that_date_and_the_overdue_days():
    pauses = [(date(2025, 11, 7), None)]
    assert due_date_with_pauses(MONDAY_NOVEMBER_3_2025, 2, pauses) == date(2025, 11, 5)
    assert working_days_left(MONDAY_NOVEMBER_3_2025, 2, pauses, date(2025, 12, 1)) == -1


def test_a_pause_ending_before_it_starts_is_refused():
    pauses = [(date(2025, 11, 6), date(2025, 11, 5))]
    with pytest.raises(ValueError, match="before it starts"):
        due_date_with_pauses(MONDAY_NOVEMBER_3_2025, 5, pauses)
    with pytest.raises(ValueError, match="before it starts"):
        working_days_left(MONDAY_NOVEMBER_3_2025, 5, pauses, MONDAY_NOVEMBER_3_2025)


def test_days_left_count_down_to_zero_on_the_due_date_then_go_negative():
    def left(today):
        return working_days_left(MONDAY_NOVEMBER_3_2025, 5, [], today)

    assert left(MONDAY_NOVEMBER_3_2025) == 5
    assert left(date(2025, 11, 7)) == 1
    assert left(date(2025, 11, 10)) == 0
    assert left(date(2025, 11, 11)) == -1
    assert left(date(2025, 11, 14)) == -4
    assert left(date(2025, 11, 15)) == -4  # a Saturday adds nothing


@pytest.mark.parametrize(
    ("accepted_on", "limit", "pauses"),
    [
        (date(2025, 9, 26), 7, []),
        (date(2025, 9, 26), 0, []),
        (date(2025, 1, 20), 10, [(date(2025, 1, 22), date(2025, 2, 5))]),
        (MONDAY_NOVEMBER_3_2025, 5, [(date(2025, 11, 5), date(2025, 11, 6))]),
    ],
)
def test_days_left_agree_with_the_due_date(accepted_on, limit, pauses):
    due = due_date_with_pauses(accepted_on, limit, pauses)
    for offset in range(60):
        today = accepted_on + timedelta(days=offset)
        left = working_days_left(accepted_on, limit, pauses, today)
        assert (left > 0) == (today < due)
        if today == due:
            assert left == 0


def test_a_year_without_an_official_calendar_is_named():
    with pytest.raises(CalendarNotCovered) as caught:
        is_working_day(date(2100, 1, 4))
    assert caught.value.day == date(2100, 1, 4)
    assert "2100" in str(caught.value)


def test_counting_into_a_year_without_a_calendar_is_refused():
    with pytest.raises(CalendarNotCovered):
        add_working_days(date(2100, 3, 1), 5)
    with pytest.raises(CalendarNotCovered):
        working_days_left(date(2100, 3, 1), 5, [], date(2100, 3, 10))


def test_the_calendar_covers_the_years_the_hall_works_in():
    assert {2024, 2025, 2026} <= set(covered_years())
    assert 2100 not in covered_years()


def test_the_year_after_the_calendar_is_estimated_as_weekdays():
    next_year = covered_years().stop
    monday = date(next_year, 3, 1)
    while monday.weekday() != 0:
        monday += timedelta(days=1)
    assert is_estimated(monday) and not is_estimated(date(next_year - 1, 6, 1))
    assert is_working_day(monday) and not is_working_day(monday + timedelta(days=5))
    assert add_working_days(monday, 5) == monday + timedelta(days=7)
