"""Headless Chromium (Debian's package) at a phone's size, driving the hall over real HTTP."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from mobile_hall.extensions import db
from mobile_hall.identity.models import WebSession
from tests.support.cleanup import last_application_id, remove_applications_after
from tests.support.phone import CHROMIUM_ARGS, PHONE


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
