"""Odd input never answers 500: huge page numbers, control characters in `next=`, NUL bytes
anywhere a view reads (PostgreSQL cannot store them), each gets a 400 or a clean page."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mobile_hall.applications.models import ApplicationMaterial
from mobile_hall.extensions import db
from tests.support.applications import multipart, pick_item, start_draft
from tests.support.browser import Browser, token_of
from tests.support.pages import post
from tests.support.samples import PNG

HUGE = "9" * 400
ELDER = "/preferences/elder-mode?on=1&next="


def _refused(response) -> bool:
    return response.status_code == 400 and "请求有误" in response.get_data(as_text=True)


@pytest.mark.parametrize("page", [HUGE, "0" * 300 + "2", "-1", "1e9", "１２"])
def test_any_page_number_on_the_item_list_gives_a_page(client, page):
    response = client.get(f"/items?page={page}")
    assert response.status_code == 200 and "事项" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/applications", "/messages"])
def test_a_huge_page_number_on_a_personal_list_gives_the_last_page(sign_in, path):
    response = sign_in("citizen").get(f"{path}?page={HUGE}")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/applications/{id}", "/licenses/{id}", "/messages/{id}", "/items/QJ-SCJG-0003/versions/{id}"],
)
@pytest.mark.parametrize("number", [2**31, HUGE])
def test_an_id_too_large_for_the_database_is_not_found(sign_in, path, number):
    response = sign_in("citizen").get(path.format(id=number))
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "target",
    ["/items%0d%0aSet-Cookie:%20x=1", "/items%0aX:1", "/%09/evil.example", "/%0d/evil.example"],
)
def test_control_characters_in_next_send_the_elder_switch_home(client, target):
    response = client.get(ELDER + target)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "Set-Cookie: x" not in str(response.headers)


def test_a_local_next_with_chinese_is_kept_by_the_elder_switch(client):
    response = client.get(ELDER + "/items?q=营业执照")
    assert response.status_code == 303
    assert response.headers["Location"] == "/items?q=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7"


def test_control_characters_in_next_are_dropped_at_sign_in(client, identity_provider):
    browser = Browser(client, identity_provider)
    response = browser.sign_in("citizen", path="/auth/login?next=/me%0d%0aX-Evil:%201")
    assert response.status_code == 303 and "X-Evil" not in str(response.headers)
    assert "\r" not in response.headers["Location"] and "\n" not in response.headers["Location"]


@pytest.mark.parametrize(
    "path",
    [
        "/items/QJ-SCJG-0003%00",
        "/items?q=%E8%90%A5%00",
        "/items?theme=%00",
        "/licenses/verify?token=abc%00def",
        "/progress?number=%00",
        "/items?%00=1",
    ],
)
def test_a_nul_in_a_path_or_query_is_refused(client, path):
    assert _refused(client.get(path))


def test_a_nul_in_an_agents_name_is_refused(sign_in):
    representative = sign_in("enterprise")
    assert post(representative, "/enterprise/open", town="QJ-MB").status_code == 303
    response = post(
        representative, "/enterprise/agents", name="陈\x00丽娟", id_number="44020519900115274X"
    )
    assert _refused(response)
    assert "陈" not in representative.get("/enterprise").get_data(as_text=True).split("经办人")[-1]


def test_a_nul_in_a_policy_title_is_refused(sign_in):
    office = sign_in("office")
    response = post(office, "/staff/policies", title="减\x00税", body="正文")
    assert _refused(response)


def test_a_nul_in_an_upload_name_is_refused_and_nothing_is_kept(sign_in, app):
    citizen = sign_in("citizen")
    draft = start_draft(app, "citizen", pick_item(app, audience="both"))
    page = f"/applications/{draft}/materials"
    response = citizen.post(
        page, **multipart({"csrf_token": token_of(citizen, page), "file-1": (PNG, "a\x00.png")})
    )
    assert _refused(response)
    with app.app_context():
        kept = sa.select(ApplicationMaterial).where(ApplicationMaterial.application_id == draft)
        assert db.session.scalars(kept).all() == []
