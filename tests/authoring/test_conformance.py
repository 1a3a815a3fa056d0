"""The mobile access profile's mechanical rules on the pages of a guide draft, which the crawl
of `tests/web/test_conformance.py` cannot reach (the demo has no draft)."""

from __future__ import annotations

from tests.support.authoring import DEMO_ITEM
from tests.support.conformance import Report, check_page
from tests.support.workbench import csrf_token


def test_the_draft_pages_meet_the_profile(app, client, sign_in):
    sign_in("catalog-editor")
    opened = client.post(
        f"/staff/guides/items/{DEMO_ITEM}/draft", data={"csrf_token": csrf_token(client)}
    )
    draft = opened.headers["Location"]
    pages = [
        "/staff/guides",
        draft,
        f"{draft}/preview",
        f"{draft}/preview/1",
        f"{draft}/review",
        f"/staff/guides/items/{DEMO_ITEM}/suspend",
    ]
    report = Report()
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        check_page(client, url, response, report)
    reviewer = sign_in("bb-reviewer", on=app.test_client())
    submitted = client.post(f"{draft}/submit", data={"csrf_token": csrf_token(client)})
    assert submitted.status_code == 303
    for url in ("/staff/guides", f"{draft}/review"):
        check_page(reviewer, url, reviewer.get(url), report)
    assert not report.problems, "\n".join(report.problems)
