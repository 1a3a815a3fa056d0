"""Headless Chromium (Debian's package) at a phone's size, driving the hall over real HTTP."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from mobile_hall.extensions import db
from mobile_hall.identity.models import WebSession
from tests.support.cleanup import last_application_id, remove_applications_after
from tests.support.samples import PNG

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 375, "height": 667}


@pytest.fixture(scope="session")
def hall_url(app, hall_server) -> str:
    """The hall (session database with the demo data) served on a loopback port."""
    return hall_server.url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium for the session."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is needed for the journeys: apt-get install chromium")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def phone(browser) -> Iterator[object]:
    """A fresh page in a phone-sized context with touch and a Chinese locale."""
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def journey_cleanup(app):
    """The journey commits through the live hall: remove the application it made afterwards."""
    with app.app_context():
        last = last_application_id()
    yield
    with app.app_context():
        remove_applications_after(last)
        db.session.execute(sa.delete(WebSession))
        db.session.commit()


def person(browser, hall_url: str, username: str, **context_options):
    """A phone signed in as `username`; `context_options` go to the browser context
    (e.g. `java_script_enabled=False`)."""
    context = browser.new_context(
        viewport={"width": 375, "height": 667},
        has_touch=True,
        is_mobile=True,
        locale="zh-CN",
        **context_options,
    )
    page = context.new_page()
    page.goto(f"{hall_url}/auth/login?next=/")
    page.fill("#username", username)
    page.fill("#password", "demo")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{hall_url}/**")
    return page


def upload(page, selector: str, name: str = "photo.png") -> None:
    page.set_input_files(selector, files=[{"name": name, "mimeType": "image/png", "buffer": PNG}])


def open_in_workbench(page, hall_url: str, number: str, queue: str, case_url: str) -> None:
    """Find the application in the clerk's queue, then open its page."""
    page.goto(f"{hall_url}/workbench?queue={queue}")
    assert number in page.content().replace(" ", "")
    page.goto(case_url)
    assert number in page.content().replace(" ", "")
