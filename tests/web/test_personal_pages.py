"""Pages that show a signed-in person's data are never kept by a browser or proxy."""

from __future__ import annotations

import pytest

from tests.support.workbench import Hall

PERSONAL = "private, no-store"


@pytest.fixture
def hall(app, sign_in, monkeypatch, tmp_path) -> Hall:
    return Hall(app, sign_in, monkeypatch, tmp_path)


@pytest.mark.parametrize(
    "path", ["/me", "/applications", "/applications/{id}", "/messages", "/catalog-page"]
)
def test_every_page_of_a_signed_in_citizen_is_private_and_not_stored(hall, path):
    application_id = hall.apply()
    url = "/items" if path == "/catalog-page" else path.format(id=application_id)
    response = hall.client("citizen").get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == PERSONAL


def test_the_workbench_application_page_with_the_full_phone_is_not_stored(hall):
    application_id = hall.apply()
    response = hall.client("clerk").get(f"/workbench/applications/{application_id}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == PERSONAL


def test_a_public_catalog_page_keeps_its_caching_for_anonymous_visitors(client):
    response = client.get("/items")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_static_files_stay_cacheable_for_a_signed_in_person(hall):
    response = hall.client("citizen").get("/static/css/hall.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers["Cache-Control"]
    response.close()
