"""The district office makes a unit's API key on a page: shown once, listed by name and
prefix with its last use, revocable; nobody else reaches the page."""

from __future__ import annotations

import html
import re

import sqlalchemy as sa

from mobile_hall.api.models import ApiKey
from mobile_hall.extensions import db
from tests.support.workbench import csrf_token


def test_the_office_makes_a_key_sees_it_once_and_it_works(app, client, sign_in):
    sign_in("office")
    response = client.post(
        "/staff/api-keys",
        data={
            "csrf_token": csrf_token(client),
            "unit": "QJ-SCJGJ",
            "name": "市场监管审批系统",
            "capabilities": ["applications"],
        },
    )
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    key = re.search(r"<code data-new-key>(qjk_[^<]+)</code>", page).group(1)
    assert response.headers["Cache-Control"] == "no-store"
    listed = html.unescape(client.get("/staff/api-keys").get_data(as_text=True))
    assert key not in listed and key[:12] in listed and "市场监管审批系统" in listed
    assert "尚未使用" in listed
    pulled = client.get("/api/v1/applications", headers={"Authorization": f"Bearer {key}"})
    assert pulled.status_code == 200
    with app.app_context():
        stored = db.session.scalars(sa.select(ApiKey).where(ApiKey.prefix == key[:12])).one()
        assert stored.key_hash != key and stored.last_used_at is not None
        assert stored.item_codes and stored.capabilities == ["applications"]
    revoked = client.post(
        f"/staff/api-keys/{key[:12]}/revoke", data={"csrf_token": csrf_token(client)}
    )
    assert revoked.status_code == 303
    refused = client.get("/api/v1/applications", headers={"Authorization": f"Bearer {key}"})
    assert refused.status_code == 401


def test_a_key_without_a_name_or_capability_is_refused_beside_the_field(client, sign_in):
    sign_in("office")
    response = client.post(
        "/staff/api-keys", data={"csrf_token": csrf_token(client), "unit": "QJ-SCJGJ", "name": ""}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "请填写密钥名称" in page and "请至少选择一项接口权限" in page


def test_a_clerk_cannot_reach_the_key_page(client, sign_in):
    sign_in("clerk")
    assert client.get("/staff/api-keys").status_code == 403
    assert (
        client.post("/staff/api-keys", data={"csrf_token": csrf_token(client)}).status_code == 403
    )
