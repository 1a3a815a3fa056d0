"""Accessibility of the mobile pages (issue 7; profile rules 3 and 6), in headless Chromium.

On a representative page of every kind, for each kind of person, in normal and in elderly mode:
axe-core (WCAG 2.1 A and AA rules, bundled by `axe-playwright-python`, nothing downloaded) finds
no serious or critical violation at 375×667; at 320 px nothing scrolls sideways and every visible
control is at least 44 px tall or sits inside a larger tappable area. See docs/accessibility.md.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from devidp.accounts import DEMO_ACCOUNTS
from mobile_hall.applications.models import Application, ApplicationStatus
from mobile_hall.extensions import db
from mobile_hall.identity.models import Account, WebSession
from mobile_hall.licenses.models import License
from mobile_hall.organisations.models import Unit
from mobile_hall.pages.models import RecentView
from tests.support.accessibility import accessibility_problems
from tests.support.phone import PHONE, person

pytestmark = pytest.mark.browser

GUIDE = "QJ-SCJG-0005"  # 食品经营许可: a long guide with materials, steps and the legal basis


def _sub(username: str) -> str:
    return next(a["claims"]["sub"] for a in DEMO_ACCOUNTS if a["username"] == username)


@pytest.fixture(scope="module")
def demo(app) -> dict[str, object]:
    """Identifiers of the demo data the pages need (read only)."""
    with app.app_context():
        citizen = Application.account.has(Account.subject == _sub("citizen"))
        draft = db.session.scalar(
            sa.select(Application.id)
            .where(citizen, Application.status == ApplicationStatus.DRAFT)
            .order_by(Application.id)
        )
        submitted = db.session.scalar(
            sa.select(Application.id)
            .where(citizen, Application.status != ApplicationStatus.DRAFT)
            .order_by(Application.id)
        )
        waiting = db.session.scalar(
            sa.select(Application.id)
            .where(Application.status != ApplicationStatus.DRAFT)
            .order_by(Application.id.desc())
        )
        license_id = db.session.scalar(
            sa.select(License.id).where(License.holder_name == "张晓明").order_by(License.id)
        )
        unit = db.session.scalar(sa.select(Unit.code).order_by(Unit.id))
        sessions = set(db.session.scalars(sa.select(WebSession.id)))
        views = db.session.scalar(sa.select(sa.func.max(RecentView.id))) or 0
    assert draft and submitted and waiting and license_id and unit
    yield {
        "draft": draft,
        "submitted": submitted,
        "waiting": waiting,
        "license": license_id,
        "unit": unit,
    }
    # Only sign-ins were written: remove the sessions this module opened.
    with app.app_context():
        db.session.execute(sa.delete(WebSession).where(WebSession.id.not_in(sessions)))
        db.session.execute(sa.delete(RecentView).where(RecentView.id > views))
        db.session.commit()


PAGES: dict[str, list[str]] = {
    "anonymous": [
        "/",
        "/items?zero_visits=y&mobile=y",
        "/items?q=yyzz",
        f"/items/{GUIDE}",
        f"/items/{GUIDE}/versions",
        "/units",
        "/units/{unit}",
        "/registration-points",
        "/progress",
        "/licenses/verify",
        "/licenses/verify?token=not-a-token",
        "/no-such-page",
    ],
    "citizen": [
        "/me",
        "/applications",
        "/applications/{submitted}",
        "/applications/{draft}/form/1",
        "/applications/{draft}/materials",
        "/applications/{draft}/check",
        "/messages",
        "/licenses",
        "/licenses/{license}",
    ],
    "enterprise": ["/enterprise"],
    "clerk": ["/workbench", "/workbench/applications/{waiting}", "/monitoring/notices"],
    "office": [
        "/staff/roles",
        "/staff/api-keys",
        "/api/docs",
        "/monitoring",
        "/monitoring/units/QJ-SCJGJ",
        "/monitoring/summary",
        "/monitoring/targets",
        "/monitoring/self-checks",
        "/staff/registry",
        "/staff/registry/units",
        "/staff/registry/units/QJ-XXZX",
        "/staff/registry/figures",
        "/staff/registry/entries/public_resource",
    ],
}
CASES = [(who, path) for who, paths in PAGES.items() for path in paths]


@pytest.fixture(scope="module")
def signed_in(browser, hall_url, demo) -> Iterator[dict[str, object]]:
    """One phone per kind of person, signed in on first use, closed at the end."""
    phones: dict[str, object] = {}

    def phone_for(who: str):
        if who not in phones:
            if who == "anonymous":
                context = browser.new_context(
                    viewport=PHONE, has_touch=True, is_mobile=True, locale="zh-CN"
                )
                phones[who] = context.new_page()
            else:
                phones[who] = person(browser, hall_url, who)
        return phones[who]

    yield phone_for
    for page in phones.values():
        page.context.close()


@pytest.mark.parametrize(("who", "path"), CASES, ids=[f"{w}:{p}" for w, p in CASES])
def test_page_is_accessible_in_normal_and_elderly_mode(signed_in, demo, hall_url, who, path):
    page = signed_in(who)
    url = path.format(**demo)
    response = page.goto(f"{hall_url}/preferences/elder-mode?on=0&next={_quoted(url)}")
    assert response.url.removeprefix(hall_url) == url, f"{who} was sent elsewhere from {url}"
    problems = accessibility_problems(page, f"{who} {url} (normal)", elderly=False)
    page.goto(f"{hall_url}/preferences/elder-mode?on=1&next={_quoted(url)}")
    assert page.locator("body.elder").count() == 1
    problems += accessibility_problems(page, f"{who} {url} (elderly)", elderly=True)
    assert not problems, "\n".join(problems)


def _quoted(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")
