"""Odd input never answers 500: huge page numbers, control characters in `next=`, NUL bytes
anywhere a view reads (PostgreSQL cannot store them), each gets a 400 or a clean page."""

from __future__ import annotations

import pytest

HUGE = "9" * 400


@pytest.mark.parametrize("page", [HUGE, "0" * 300 + "2", "-1", "1e9", "１２"])
def test_any_page_number_on_the_item_list_gives_a_page(client, page):
    response = client.get(f"/items?page={page}")
    assert response.status_code == 200 and "事项" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/applications", "/messages"])
def test_a_huge_page_number_on_a_personal_list_gives_the_last_page(sign_in, path):
    response = sign_in("citizen").get(f"{path}?page={HUGE}")
    assert response.status_code == 200
