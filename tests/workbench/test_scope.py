"""A clerk sees only their units' applications: any other id is "not found", on every route."""

from __future__ import annotations

import re

import pytest

from mobile_hall.workbench.services import ACTION_ROLES, QUEUES
from tests.support.workbench import (
    SCJG_ONLINE,
    SCJG_TOLERANT,
    TOWN_ONLINE,
    VALID_ID,
    Hall,
    csrf_token,
    number_of,
    queue_numbers,
)


@pytest.fixture
def hall(app, sign_in, monkeypatch, tmp_path) -> Hall:
    """The demo people and their applications, uploads kept under `tmp_path`."""
    return Hall(app, sign_in, monkeypatch, tmp_path)


def test_a_town_clerk_gets_not_found_for_another_units_application_everywhere(hall):
    foreign = hall.apply(SCJG_ONLINE)
    material_id = hall.read(foreign, lambda a: a.materials[0].id)
    town = hall.client("town-clerk")
    refused = town.get(f"/workbench/applications/{foreign}")
    assert refused.status_code == 404 and "页面不存在" in refused.get_data(as_text=True)
    assert town.get(f"/workbench/applications/{foreign}/files/{material_id}").status_code == 404
    token = csrf_token(town)
    for action in ACTION_ROLES:
        response = town.post(
            f"/workbench/applications/{foreign}/{action}",
            data={f"{action}-csrf_token": token, f"{action}-reason": "x", f"{action}-note": "x"},
        )
        assert response.status_code == 404, action
    assert hall.stages(foreign) == ["submit"]


def test_a_town_clerk_never_sees_another_units_application_in_a_queue(hall):
    foreign, own = hall.apply(SCJG_ONLINE), hall.apply(TOWN_ONLINE)
    town = hall.client("town-clerk")
    for queue in QUEUES:
        assert number_of(hall, foreign) not in queue_numbers(town, f"?queue={queue}"), queue
    assert number_of(hall, own) in queue_numbers(town, "?queue=new")
    filtered = queue_numbers(town, f"?queue=new&item={SCJG_ONLINE[0]}")
    assert number_of(hall, foreign) not in filtered


def test_a_town_clerk_handles_the_towns_villages_but_not_the_reverse(hall):
    village = hall.apply((TOWN_ONLINE[0], "QJ-MB-01"))
    assert hall.client("town-clerk").get(f"/workbench/applications/{village}").status_code == 200
    assert hall.client("clerk").get(f"/workbench/applications/{village}").status_code == 404
    assert number_of(hall, village) not in queue_numbers(hall.client("clerk"))


def test_the_district_office_sees_every_unit(hall):
    department, town = hall.apply(SCJG_ONLINE), hall.apply(TOWN_ONLINE)
    office = hall.client("office")
    html = queue_numbers(office)
    assert number_of(hall, department) in html and number_of(hall, town) in html
    for application_id in (department, town):
        assert office.get(f"/workbench/applications/{application_id}").status_code == 200


def test_the_counter_of_a_town_offers_and_takes_only_its_own_items(hall):
    town = hall.client("town-clerk")
    choose = town.get("/workbench/counter").get_data(as_text=True)
    offered = set(re.findall(r'<option value="(QJ-[A-Z]+-\d{4})"', choose))
    assert TOWN_ONLINE[0] in offered and SCJG_TOLERANT not in offered
    assert town.get(f"/workbench/counter?item={SCJG_TOLERANT}").status_code == 404
    response = town.post(
        "/workbench/counter",
        data={
            "csrf_token": csrf_token(town),
            "item": SCJG_TOLERANT,
            "unit": "QJ-SCJGJ",
            "applicant_name": "李四",
            "id_number": VALID_ID,
            "phone": "13900000000",
        },
    )
    assert response.status_code == 404
