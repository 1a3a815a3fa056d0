"""The whole round trip over real HTTP: a browser, the hall and the province's platform.

This test commits (the hall serves from its own threads), so it removes the sessions it made.
"""

from __future__ import annotations

import re

import pytest
import requests
import sqlalchemy as sa

from mobile_hall.extensions import db
from mobile_hall.identity.models import SeenLogoutToken, WebSession

TIMEOUT = 10


@pytest.fixture
def live_browser(app, hall_server, identity_provider):
    with requests.Session() as browser:
        yield browser
    with app.app_context():
        # The demo's accounts are refreshed by these sign-ins; only sessions are new.
        db.session.execute(sa.delete(WebSession))
        db.session.execute(sa.delete(SeenLogoutToken))
        db.session.commit()


def _sign_in(browser, hall: str, username: str) -> requests.Response:
    login_page = browser.get(f"{hall}/auth/login?next=/items", timeout=TIMEOUT)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login_page.text).group(1)
    return browser.post(
        login_page.url,
        data={"csrf_token": token, "username": username, "password": "demo"},
        timeout=TIMEOUT,
    )


def test_sign_in_then_sign_out_at_the_province_signs_out_of_the_hall(
    live_browser, hall_server, identity_provider
):
    hall = hall_server.url
    landed = _sign_in(live_browser, hall, "citizen")
    assert landed.url == f"{hall}/items"
    assert "张晓明" in live_browser.get(f"{hall}/", timeout=TIMEOUT).text

    # Signing out at the platform (another tab, another service): it calls the hall back.
    confirm = live_browser.get(f"{identity_provider}/end-session", timeout=TIMEOUT)
    if "csrf_token" in confirm.text:
        token = re.search(r'name="csrf_token" value="([^"]+)"', confirm.text).group(1)
        live_browser.post(confirm.url, data={"csrf_token": token}, timeout=TIMEOUT)

    home = live_browser.get(f"{hall}/", timeout=TIMEOUT).text
    assert "张晓明" not in home and ">登录<" in home


def test_signing_out_of_the_hall_ends_the_platform_session_too(
    live_browser, hall_server, identity_provider
):
    hall = hall_server.url
    _sign_in(live_browser, hall, "citizen")
    page = live_browser.get(f"{hall}/auth/logout", timeout=TIMEOUT)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    finished = live_browser.post(f"{hall}/auth/logout", data={"csrf_token": token}, timeout=TIMEOUT)
    assert finished.status_code == 200 and finished.url.startswith(f"{hall}/")
    # The platform forgot the person: the next sign-in asks for the password again.
    again = live_browser.get(f"{hall}/auth/login", timeout=TIMEOUT)
    assert 'name="password"' in again.text
