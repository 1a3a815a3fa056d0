"""Headless Chromium at a phone's size: its settings, and a person signed in on it."""

from __future__ import annotations

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


def person(browser, hall_url: str, username: str, **context_options):
    """A phone signed in as `username`; `context_options` go to the browser context
    (e.g. `java_script_enabled=False`)."""
    context = browser.new_context(
        viewport=PHONE,
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
    """Choose a small PNG in the file input `selector`."""
    page.set_input_files(selector, files=[{"name": name, "mimeType": "image/png", "buffer": PNG}])


def open_in_workbench(page, hall_url: str, number: str, queue: str, case_url: str) -> None:
    """Find the application in the clerk's queue, then open its page."""
    page.goto(f"{hall_url}/workbench?queue={queue}")
    assert number in page.content().replace(" ", "")
    page.goto(case_url)
    assert number in page.content().replace(" ", "")
