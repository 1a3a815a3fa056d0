"""The anonymous progress lookup reads, in one statement, the application with its item, unit and
process records; the visitor's session is in its cookie and costs no query."""

from __future__ import annotations

from tests.support.applications import load, pick_item, submitted
from tests.support.browser import token_of


def test_a_lookup_is_one_statement(app, sign_in, count_queries):
    sign_in("citizen")
    number = load(app, submitted(app, "citizen", pick_item(app, units=2, audience="both"))).number
    visitor = app.test_client()
    form = {"csrf_token": token_of(visitor), "number": number, "phone_last4": "0001"}
    with count_queries() as counter:
        page = visitor.post("/progress", data=form).get_data(as_text=True)
    assert "已提交，待受理" in page and "提交申请" in page
    selects = [s for s in counter.statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1, selects
    assert "process_record" in selects[0]
