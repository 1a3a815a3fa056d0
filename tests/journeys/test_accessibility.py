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
from tests.journeys.conftest import PHONE, person

pytestmark = pytest.mark.browser

WCAG = {"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": [*sorted(WCAG), "best-practice"]},
    "resultTypes": ["violations"],
}
BLOCKING = {"serious", "critical"}
# Elderly mode promises higher contrast (profile rule 6): its text meets AAA's 7:1 as well.
ELDERLY_OPTIONS = {
    **AXE_OPTIONS,
    "runOnly": {"type": "tag", "values": [*sorted(WCAG), "best-practice", "wcag2aaa"]},
}
# Best-practice rules about the page's outline that a screen reader user navigates by: held to
# zero violations whatever their impact (axe rates most of them "moderate").
STRUCTURE = {
    "heading-order",
    "empty-heading",
    "landmark-one-main",
    "landmark-unique",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "landmark-no-duplicate-main",
    "page-has-heading-one",
    "region",
}
NARROW = {"width": 320, "height": 640}
GUIDE = "QJ-SCJG-0005"  # 食品经营许可: a long guide with materials, steps and the legal basis

# Visible controls smaller than 44 px and not inside a tappable area of at least 44 px: the
# elements are found in the page and reported as "tag.class 'text' WxH". Exempt (WCAG 2.5.8):
# links inside a sentence (a parent <p>, <li> of running text or <dd>), hidden inputs and
# controls whose label or wrapping row supplies the 44 px target.
SMALL_TARGETS_JS = """
() => {
  const small = [];
  const inline = el => el.tagName === 'A' && el.closest('p, dd, .pre, td, .cell-note, .notice')
    && getComputedStyle(el).display === 'inline';
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary')) {
    if (el.type === 'hidden') continue;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === 'hidden') continue;
    if (el.closest('.sr')) continue;
    if (box.height >= 44 || inline(el)) continue;
    // A radio/checkbox/file input whose label (or wrapping row) is the bigger target.
    let area = null;
    if (el.id) area = document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
    area = area || el.closest('label, summary, .field-check, .field li, a, button');
    if (area && area !== el && area.getBoundingClientRect().height >= 44) continue;
    const text = (el.innerText || el.value || el.name || '').trim().slice(0, 24);
    small.push(`${el.tagName.toLowerCase()}${el.className ? '.' + el.className : ''} `
      + `'${text}' ${Math.round(box.width)}x${Math.round(box.height)}`);
  }
  return small;
}
"""


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
        "/monitoring",
        "/monitoring/units/QJ-SCJGJ",
        "/monitoring/summary",
        "/monitoring/targets",
        "/monitoring/self-checks",
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


def _blocking(violation: dict, elderly: bool) -> bool:
    if violation["id"] in STRUCTURE or (elderly and violation["id"] == "color-contrast-enhanced"):
        return True
    return violation["impact"] in BLOCKING and bool(WCAG & set(violation["tags"]))


def _problems(page, where: str, elderly: bool) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    page.set_viewport_size(PHONE)
    problems = []
    options = ELDERLY_OPTIONS if elderly else AXE_OPTIONS
    for violation in Axe().run(page, options=options).response["violations"]:
        if _blocking(violation, elderly):
            for node in violation["nodes"]:
                problems.append(
                    f"{where}: {violation['id']} ({violation['impact']}) at "
                    f"{', '.join(map(str, node['target']))}: {node['html'][:120]}"
                )
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    if size < (20 if elderly else 16):
        problems.append(f"{where}: body text is {size} px")
    page.set_viewport_size(NARROW)
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > NARROW["width"]:
        problems.append(f"{where}: scrolls sideways at 320 px (scrollWidth {width})")
    for target in page.evaluate(SMALL_TARGETS_JS):
        problems.append(f"{where}: touch target under 44 px at 320 px: {target}")
    page.set_viewport_size(PHONE)
    return problems


@pytest.mark.parametrize(("who", "path"), CASES, ids=[f"{w}:{p}" for w, p in CASES])
def test_page_is_accessible_in_normal_and_elderly_mode(signed_in, demo, hall_url, who, path):
    page = signed_in(who)
    url = path.format(**demo)
    response = page.goto(f"{hall_url}/preferences/elder-mode?on=0&next={_quoted(url)}")
    assert response.url.removeprefix(hall_url) == url, f"{who} was sent elsewhere from {url}"
    problems = _problems(page, f"{who} {url} (normal)", elderly=False)
    page.goto(f"{hall_url}/preferences/elder-mode?on=1&next={_quoted(url)}")
    assert page.locator("body.elder").count() == 1
    problems += _problems(page, f"{who} {url} (elderly)", elderly=True)
    assert not problems, "\n".join(problems)


def _quoted(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")
