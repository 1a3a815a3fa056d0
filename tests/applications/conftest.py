"""The applicant's pages keep their uploads in a temporary directory."""

from __future__ import annotations

import pytest

from mobile_hall.storage.files import LocalFileStorage


@pytest.fixture(autouse=True)
def _uploads_in_tmp(request, tmp_path, monkeypatch) -> None:
    """Keep this directory's uploads out of instance/ (only for tests that use the app)."""
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        store = LocalFileStorage(tmp_path / "uploads")
        monkeypatch.setitem(app.extensions, "upload_storage", store)
