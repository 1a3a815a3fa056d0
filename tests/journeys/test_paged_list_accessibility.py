"""The pager of 我的办件 (profile rules 3 and 6): axe finds no serious or critical violation on a
later page, in normal and elderly mode, at a phone's size; it shows on no page of the demo data,
so `test_accessibility` never meets it."""

from __future__ import annotations

import pytest

from tests.support.accessibility import accessibility_problems
from tests.support.applications import finished_copies
from tests.support.phone import person

pytestmark = pytest.mark.browser


def test_a_later_page_of_my_applications_is_accessible(app, browser, hall_url, journey_cleanup):
    citizen = person(browser, hall_url, "citizen")
    finished_copies(app, "citizen", 45)
    problems = []
    for elderly in (False, True):
        citizen.goto(
            f"{hall_url}/preferences/elder-mode?on={int(elderly)}&next=/applications%3Fpage%3D2"
        )
        assert citizen.locator("nav.pager a[rel=prev]").count() == 1
        assert citizen.locator("nav.pager a[rel=next]").count() == 1
        problems += accessibility_problems(
            citizen, f"/applications?page=2 (elderly={elderly})", elderly
        )
    citizen.context.close()
    assert not problems, "\n".join(problems)
