"""The access manifest (profile rule 11) and the compression and cache headers it relies on."""

from __future__ import annotations

import gzip
import json

import sqlalchemy as sa

from mobile_hall.catalog.models import ItemVersion, ServiceItem
from mobile_hall.extensions import db

MANIFEST = "/mobile-access/manifest.json"


def _mobile_codes(app) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(ServiceItem.code)
                .join(ItemVersion, ServiceItem.current_version_id == ItemVersion.id)
                .where(ItemVersion.mobile_enabled.is_(True))
                .order_by(ServiceItem.code)
            )
        )


def test_manifest_lists_every_mobile_item_from_the_catalog(app, client):
    response = client.get(MANIFEST)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    document = response.get_json()
    codes = [service["id"] for service in document["services"]]
    assert codes == _mobile_codes(app) and codes
    for service in document["services"]:
        assert set(service) >= {
            "id",
            "title",
            "category",
            "icon_url",
            "entry_url",
            "apply_url",
            "audience",
            "sign_in_required",
            "min_real_name_level",
            "department",
            "updated_on",
        }
        assert service["entry_url"] == f"http://localhost/items/{service['id']}"
        assert service["apply_url"] == f"http://localhost/apply/{service['id']}"
        assert service["icon_url"].startswith("http://localhost/static/icons/service.svg?v=")
        assert set(service["audience"]) <= {"person", "enterprise"} and service["audience"]
        assert service["sign_in_required"] is True
        assert 1 <= service["min_real_name_level"] <= 4
        assert service["department"] and service["title"]
        assert len(service["updated_on"]) == 10


def test_manifest_entry_matches_the_guide(app, client):
    service = client.get(MANIFEST).get_json()["services"][0]
    with app.app_context():
        version = db.session.scalar(
            sa.select(ItemVersion)
            .join(ServiceItem, ServiceItem.current_version_id == ItemVersion.id)
            .where(ServiceItem.code == service["id"])
        )
        assert service["title"] == version.name
        assert service["category"] == [theme.name for theme in version.themes]
        assert service["department"] == version.units[0].name
        assert service["min_real_name_level"] == version.min_real_name_level
    guide = client.get(service["entry_url"].removeprefix("http://localhost"))
    assert guide.status_code == 200 and service["title"] in guide.get_data(as_text=True)
    with client.get(service["icon_url"].removeprefix("http://localhost")) as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"


def test_manifest_has_a_strong_etag_and_answers_304_without_a_body(client):
    first = client.get(MANIFEST)
    etag = first.headers["ETag"]
    assert not etag.startswith("W/")
    again = client.get(MANIFEST, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "public, max-age=300"
    assert client.get(MANIFEST, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_compressed_manifest_also_answers_304(client):
    first = client.get(MANIFEST, headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(first.data))["services"]
    again = client.get(
        MANIFEST, headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""


def test_etag_changes_when_a_mobile_item_changes(app, client):
    before = client.get(MANIFEST).headers["ETag"]
    with app.app_context():
        version = db.session.scalar(
            sa.select(ItemVersion)
            .join(ServiceItem, ServiceItem.current_version_id == ItemVersion.id)
            .where(ItemVersion.mobile_enabled.is_(True))
            .order_by(ServiceItem.code)
        )
        version.name = version.name + "（新）"
        db.session.commit()
    response = client.get(MANIFEST, headers={"If-None-Match": before})
    assert response.status_code == 200 and response.headers["ETag"] != before
    assert "（新）" in response.get_data(as_text=True)


def test_html_is_compressed_with_gzip_and_brotli(client):
    for encoding in ("gzip", "br"):
        response = client.get("/items", headers={"Accept-Encoding": encoding})
        assert response.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in response.headers["Vary"]
    assert "Content-Encoding" not in client.get("/items").headers


def test_fingerprinted_static_files_are_immutable_and_sent_as_they_are(client):
    html = client.get("/").get_data(as_text=True)
    start = html.index('href="/static/css/hall.css?v=') + len('href="')
    url = html[start : html.index('"', start)]
    with client.get(url, headers={"Accept-Encoding": "gzip"}) as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "Content-Encoding" not in response.headers  # nginx compresses /static/
        assert b"body" in response.data


def test_unfingerprinted_or_stale_static_urls_are_cached_briefly(client):
    for url in ("/static/css/hall.css", "/static/css/hall.css?v=0000stale000"):
        with client.get(url) as response:
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == "public, max-age=300"


def test_images_are_never_compressed(client):
    with client.get("/static/icons/service.svg", headers={"Accept-Encoding": "gzip, br"}) as icon:
        assert icon.status_code == 200 and "Content-Encoding" not in icon.headers
