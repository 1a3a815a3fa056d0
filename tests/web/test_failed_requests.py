"""A request that fails leaves nothing it wrote in the database, whichever handler answers it:
its error page or redirect still saves the session row, and that commit must carry nothing
else."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, session

from mobile_hall.audit.models import AuditEvent
from mobile_hall.audit.services import record_event
from mobile_hall.common.errors import NotFound
from mobile_hall.extensions import db

HALF_DONE = "test.half_done"


class Refused(Exception):
    """A refusal that the blueprint answers with a flash and a redirect."""


def _failing_routes() -> Blueprint:
    """Views that write, change the session (so that its save commits) and then fail."""
    routes = Blueprint("failing", __name__)

    def half_done(failure: str) -> None:
        record_event("test", HALF_DONE, target=failure)
        db.session.flush()
        session["failure"] = failure

    @routes.post("/failing/abort")
    def aborted():
        half_done("abort")
        abort(404)

    @routes.post("/failing/not-found")
    def not_found():
        half_done("not-found")
        raise NotFound("gone")

    @routes.post("/failing/refused")
    def refused():
        half_done("refused")
        raise Refused

    @routes.post("/failing/crash")
    def crash():
        half_done("crash")
        raise RuntimeError("a bug")

    @routes.errorhandler(Refused)
    def _refused(_error: Refused):
        flash("操作未完成")
        return redirect("/", 303)

    return routes


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/failing/abort", 404),  # the app's HTTP error page
        ("/failing/not-found", 404),  # a service's "not found"
        ("/failing/refused", 303),  # a blueprint's handler: a flash and a redirect
        ("/failing/crash", 500),  # no handler at all
    ],
)
def test_what_a_failed_request_wrote_is_not_committed_with_its_session(
    make_app, sign_in, path, status
):
    hall = make_app(WTF_CSRF_ENABLED=False, PROPAGATE_EXCEPTIONS=False)
    hall.register_blueprint(_failing_routes())
    client = sign_in("citizen", hall.test_client())
    response = client.post(path)
    assert response.status_code == status
    with hall.app_context():
        assert not db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == HALF_DONE)
        ).all()
    # The session's own change was saved: the flash shows on the next page.
    if status == 303:
        assert "操作未完成" in client.get("/").get_data(as_text=True)
