"""Each step of the application journey costs the same statements whatever the item's units and
materials and the person's history: the published version is read once per process and each
page loads the application once, with what it shows.

The item is applied for twice through its pages, each time on a version just published (so the
version is read afresh and then served from memory): once as the demo has it, then with many
more units and materials and after many more applications of the person. Each request is
counted on its own, redirects included, on a node that re-reads the shared change tokens as in
production (not on every request, as the test config does).
"""

from __future__ import annotations

import sqlalchemy as sa

from mobile_hall.catalog.services import export_catalog, import_catalog
from mobile_hall.extensions import db
from mobile_hall.organisations.models import Unit
from tests.support.applications import multipart, pick_item, submitted, valid_answers
from tests.support.browser import csrf_token
from tests.support.queries import queries_of
from tests.support.samples import PNG

MORE = 30  # units and materials added, applications added to the history
# Statements of any one step. Submitting takes 11: it reads the materials it checks in a
# statement of their own once the row lock is held (read in the locking statement, they could
# be older than the lock on PostgreSQL: `lifecycle.load_for_change`).
MOST = 11


def _publish(app, code: str, name: str, more: int = 0) -> list[dict]:
    """Publish the next version of `code`, renamed, with `more` units and optional materials
    added; its materials."""
    with app.app_context():
        document = export_catalog()
        record = next(r for r in document["items"] if r["code"] == code)
        record["name"] = name
        others = sa.select(Unit.code).where(Unit.code.not_in(record["units"])).order_by(Unit.code)
        record["units"] += db.session.scalars(others.limit(more)).all()
        record["materials"] += [
            {"name": f"补充材料{i}", "required": False, "form": "copy", "count": 1, "notes": ""}
            for i in range(more)
        ]
        import_catalog(document, actor="test")
        return record["materials"]


def _apply(client, code: str, answers: dict, materials: list[dict], count_queries) -> dict:
    """Apply for `code` through its pages, a file for each required material; the statements
    of each step (a form page's by its number)."""
    counts: dict[str, int] = {}

    def step(name: str, send, url: str, **arguments):
        with count_queries() as counter:
            response = send(url, **arguments)
        assert response.status_code in (200, 303), (name, response.status_code)
        counts[name] = len(queries_of(counter))
        return response

    page = step("start page", client.get, f"/apply/{code}")
    token = csrf_token(page.get_data(as_text=True))
    chosen = {"csrf_token": token, "unit": "QJ-SCJGJ"}
    location = step("start", client.post, f"/apply/{code}", data=chosen).location
    filled = {"csrf_token": token, **answers}
    number = 1
    while "/form/" in location:
        step(f"form page {number}", client.get, location)
        location = step(f"answers {number}", client.post, location, data=filled).location
        number += 1
    step("materials page", client.get, location)
    files = {f"file-{i}": (PNG, "photo.png") for i, m in enumerate(materials) if m["required"]}
    upload = multipart({"csrf_token": token, "next": "check", **files})
    check = step("upload", client.post, location, **upload).location
    assert check.endswith("/check")
    step("check page", client.get, check)
    declared = {"csrf_token": token, "declaration": "y"}
    receipt = step("submit", client.post, check.removesuffix("check") + "submit", data=declared)
    assert receipt.location.endswith("?submitted=1")
    html = step("receipt", client.get, receipt.location).get_data(as_text=True)
    assert "申请已提交" in html
    return counts


def test_each_step_costs_the_same_with_more_units_materials_and_history(
    app, make_app, sign_in, count_queries
):
    code = pick_item(app, units=2, audience="both", groups=2)
    client = sign_in("citizen", make_app(CHANGE_TOKEN_RECHECK_SECONDS=3600).test_client())
    answers = valid_answers(app, code)

    materials = _publish(app, code, "计数测试事项（一）")
    client.get(f"/apply/{code}")  # the new version, read once for the process
    before = _apply(client, code, answers, materials, count_queries)

    for _ in range(MORE):
        submitted(app, "citizen", code)
    materials = _publish(app, code, "计数测试事项（二）", MORE)
    page = client.get(f"/apply/{code}").get_data(as_text=True)
    assert page.count('type="radio"') == 2 + MORE and f"需提交 {len(materials)} 项材料" in page
    after = _apply(client, code, answers, materials, count_queries)

    assert after == before
    assert max(before.values()) <= MOST, before
