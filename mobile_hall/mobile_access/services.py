"""The access manifest, generated from the published catalog (never written by hand)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, request, url_for
from sqlalchemy.orm import joinedload, selectinload

from ..catalog.constants import Audience
from ..catalog.models import ItemVersion, ServiceItem
from ..clock import as_local
from ..common.freshness import CATALOG, shared_tokens
from ..common.web import asset_url
from ..extensions import db

FORMAT = "qujiang-mobile-access/1"
HALL_NAME = "韶关市曲江区网上办事分厅"
ICON = "icons/service.svg"
AUDIENCES = {
    Audience.PERSON: ["person"],
    Audience.ENTERPRISE: ["enterprise"],
    Audience.BOTH: ["person", "enterprise"],
}


@dataclass(frozen=True)
class Manifest:
    """The manifest's JSON body and its strong ETag (a hash of exactly that body)."""

    body: bytes
    etag: str


def _absolute(path: str) -> str:
    return url_for("catalog.home", _external=True).rstrip("/") + path


def _entry(version: ItemVersion, icon: str) -> dict:
    units = version.units
    return {
        "id": version.item.code,
        "title": version.name,
        "category": [theme.name for theme in version.themes],
        "icon_url": icon,
        "entry_url": url_for("catalog.guide", code=version.item.code, _external=True),
        "apply_url": url_for("applications.start", code=version.item.code, _external=True),
        "audience": AUDIENCES[version.audience],
        "sign_in_required": True,  # reading the guide is open; applying needs sign-in
        "min_real_name_level": version.min_real_name_level,
        "department": units[0].name if units else "",
        "updated_on": as_local(version.published_at).date().isoformat(),
    }


def mobile_versions() -> list[ItemVersion]:
    """The current version of every item that can be handled on the mobile site, by code."""
    return list(
        db.session.scalars(
            sa.select(ItemVersion)
            .join(ServiceItem, ServiceItem.current_version_id == ItemVersion.id)
            .where(ItemVersion.mobile_enabled.is_(True))
            .options(
                joinedload(ItemVersion.item),
                selectinload(ItemVersion.themes),
                selectinload(ItemVersion.units),
            )
            .order_by(ServiceItem.code)
        )
    )


def build_manifest() -> Manifest:
    """Every mobile service as the province reads it; the ETag changes exactly with the body."""
    icon = _absolute(asset_url(ICON))
    services = [_entry(version, icon) for version in mobile_versions()]
    document = {
        "format": FORMAT,
        "hall": HALL_NAME,
        "home_url": url_for("catalog.home", _external=True),
        "services": services,
    }
    body = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    encoded = body.encode()
    return Manifest(body=encoded, etag=hashlib.sha256(encoded).hexdigest()[:32])


def current_manifest() -> Manifest:
    """The manifest, built once per catalog change (per host name) in each process."""
    memo: dict[tuple, Manifest] = current_app.extensions.setdefault("access_manifest", {})
    key = (request.host_url, shared_tokens([CATALOG]))
    manifest = memo.get(key)
    if manifest is None:
        memo.clear()  # one entry: the Host header is the client's to choose
        manifest = memo[key] = build_manifest()
    return manifest
