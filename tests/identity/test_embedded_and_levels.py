"""Silent sign-in for the embedding app, and real-name levels at the item."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

from mobile_hall.catalog.models import ItemVersion, ServiceItem
from mobile_hall.extensions import db
from tests.support.browser import HTTP_TIMEOUT


def test_embedded_pages_try_a_silent_sign_in_then_fall_back_to_asking(browser):
    browser.client.get("/?embed=1")
    authorize = browser.start("/auth/login?next=/items")
    assert parse_qs(urlsplit(authorize).query)["prompt"] == ["none"]
    # No session at the provider: it answers login_required without showing anything.
    answer = browser.provider.get(authorize, allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert "error=login_required" in answer.headers["Location"]
    fallback = browser.callback(answer.headers["Location"])
    assert fallback.status_code == 303
    interactive = browser.start(fallback.headers["Location"])
    assert "prompt" not in parse_qs(urlsplit(interactive).query)
    done = browser.callback(browser.authenticate(interactive, "citizen"))
    assert done.headers["Location"] == "/items"


def test_embedded_silent_sign_in_succeeds_when_the_platform_knows_the_person(browser):
    browser.sign_in("citizen")  # signs in at the provider too
    browser.client.delete_cookie("hall_session")
    browser.client.get("/?embed=1")
    authorize = browser.start("/auth/login?next=/items")
    assert parse_qs(urlsplit(authorize).query)["prompt"] == ["none"]
    answer = browser.provider.get(authorize, allow_redirects=False, timeout=HTTP_TIMEOUT)
    assert "code=" in answer.headers["Location"]
    assert browser.callback(answer.headers["Location"]).headers["Location"] == "/items"
    assert "张晓明" in browser.client.get("/").get_data(as_text=True)


def _item_needing_level(app, level: int) -> str:
    with app.app_context():
        return db.session.scalars(
            sa.select(ServiceItem.code)
            .join(ItemVersion, ServiceItem.current_version_id == ItemVersion.id)
            .where(ItemVersion.min_real_name_level == level)
            .order_by(ServiceItem.code)
        ).first()


def test_a_person_below_the_items_level_is_stopped_politely(browser, app):
    code = _item_needing_level(app, 3)
    browser.sign_in("citizen-l1")
    html = browser.client.get(f"/items/{code}").get_data(as_text=True)
    assert "您当前为实名一级" in html and "暂不能在线申办" in html
    assert 'href="/registration-points"' in html


def test_a_person_at_the_items_level_is_not_stopped(browser, app):
    code = _item_needing_level(app, 3)
    browser.sign_in("citizen")
    assert "暂不能在线申办" not in browser.client.get(f"/items/{code}").get_data(as_text=True)


def test_anonymous_readers_see_the_guide_without_a_level_notice(client, app):
    code = _item_needing_level(app, 3)
    html = client.get(f"/items/{code}").get_data(as_text=True)
    assert "暂不能在线申办" not in html and "三级" in html
