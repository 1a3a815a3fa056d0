"""`mobile_hall.Hall.ensure_sync`: each view and hook is looked at once, and a function made
for one request does not stay behind."""

from __future__ import annotations

import gc

from flask import after_this_request


def test_functions_made_for_one_request_are_not_kept(make_app):
    app = make_app()
    ran: list[int] = []

    @app.get("/_after-this-request")
    def with_a_hook():
        @after_this_request
        def note(response):
            ran.append(1)
            return response

        return "ok"

    client = app.test_client()
    client.get("/units")
    gc.collect()
    kept = len(app._synced)
    for _ in range(20):
        assert client.get("/_after-this-request").get_data(as_text=True) == "ok"
    gc.collect()
    assert len(ran) == 20
    assert len(app._synced) <= kept + 2  # the new view, and at most the last request's hook


def test_a_view_is_looked_at_once(make_app, monkeypatch):
    app = make_app()
    client = app.test_client()
    client.get("/units")
    asked: list[object] = []
    original = type(app).__mro__[1].ensure_sync

    def counted(self, func):
        asked.append(func)
        return original(self, func)

    monkeypatch.setattr(type(app).__mro__[1], "ensure_sync", counted)
    for _ in range(3):
        assert client.get("/units").status_code == 200
    assert asked == []  # every view and hook of the page was already known
