"""The workbench's pages: queues and their filters, the application page, counter intake."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from mobile_hall.applications.constants import ApplicationStatus, Channel, Stage
from mobile_hall.applications.models import Application
from mobile_hall.clock import now
from mobile_hall.extensions import db
from mobile_hall.workbench import services as workbench
from mobile_hall.workbench.labels import QUEUE
from mobile_hall.workdays import add_working_days
from tests.support.workbench import (
    PNG,
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


def _rows(html: str) -> int:
    return html.count('class="cell-title"')


def _tab_count(html: str, label: str) -> int:
    return int(re.search(rf">{label}<span class=\"wb-count\">(\d+)<", html).group(1))


def test_a_new_application_is_queued_with_its_applicant_masked(hall):
    application_id = hall.apply()
    html = queue_numbers(hall.client("clerk"))
    assert number_of(hall, application_id) in html
    assert "个体工商户营业执照办理（设立登记）" in html
    assert "张晓明" in html and "440***********1231" in html
    assert "440205198506121231" not in html
    assert f"{now().date():%Y-%m-%d}提交" in html and ">手机<" in html
    assert "受理后开始计时" in html


def test_every_queue_holds_exactly_the_applications_in_its_state(hall):
    made = {
        "new": hall.apply(),
        "review": hall.apply(),
        "decide": hall.apply(),
        "supplement": hall.apply(),
        "overdue": hall.apply(),
        "complaint": hall.apply(),
        "tolerance": hall.at_counter(paper=[0, 1]),
    }
    hall.step(made["review"], "accept")
    hall.step(made["decide"], "accept", "review")
    hall.step(made["supplement"], "accept", "supplement")
    hall.step(made["overdue"], "accept")
    hall.accepted_days_ago(made["overdue"], 30)
    hall.step(made["complaint"], "accept", "review", "approve", "complete")
    hall.rate(made["complaint"], 1)
    hall.client("clerk")
    with hall.app.app_context():
        tolerant = db.session.get(Application, made["tolerance"])
        workbench.accept(
            hall.account("clerk"),
            tolerant,
            missing_positions=[2, 3],
            deadline=add_working_days(now().date(), 2),
        )
    hall.tolerance_lapsed(made["tolerance"])
    numbers = {key: number_of(hall, application_id) for key, application_id in made.items()}
    expected = {
        "new": {"new"},
        "review": {"review", "overdue", "tolerance"},
        "decide": {"decide"},
        "supplement": {"supplement"},
        # A one-day limit is near due from acceptance; the food licence's five days are not.
        "near_due": {"review", "decide"},
        "overdue": {"overdue"},
        "complaints": {"complaint"},
        "tolerance": {"tolerance"},
    }
    clerk = hall.client("clerk")
    for queue, members in expected.items():
        html = queue_numbers(clerk, f"?queue={queue}")
        shown = {key for key, number in numbers.items() if number in html}
        assert shown == members, queue
        assert _tab_count(html, QUEUE[queue]) == _rows(html), queue
    assert "暂停" in queue_numbers(clerk, "?queue=supplement")
    assert "已超期" in queue_numbers(clerk, "?queue=overdue")


def test_an_unknown_queue_is_not_found(hall):
    assert hall.client("clerk").get("/workbench?queue=everything").status_code == 404


def test_the_filters_narrow_by_item_channel_and_submission_date(hall):
    online, counter, older = hall.apply(), hall.at_counter(), hall.apply()
    long_ago = now().date() - timedelta(days=10)
    hall.submitted_on(older, long_ago)
    numbers = {key: number_of(hall, i) for key, i in (("online", online), ("counter", counter))}
    numbers["older"] = number_of(hall, older)
    clerk = hall.client("clerk")

    def shown(query: str) -> set[str]:
        html = queue_numbers(clerk, "?queue=new&" + query)
        return {key for key, number in numbers.items() if number in html}

    assert shown(f"item={SCJG_TOLERANT}") == {"counter"}
    assert shown(f"item={SCJG_ONLINE[0]}") == {"online", "older"}
    assert shown("channel=counter") == {"counter"}
    assert shown("channel=mobile") == {"online", "older"}
    assert shown(f"submitted_from={now().date()}") == {"online", "counter"}
    assert shown(f"submitted_to={long_ago}") == {"older"}
    assert shown(f"submitted_from={long_ago}&submitted_to={long_ago}") == {"older"}
    html = queue_numbers(clerk, "?queue=new&submitted_from=yesterday&channel=counter")
    assert 'id="submitted_from-error">请按“年-月-日”填写日期' in html
    assert numbers["counter"] in html and numbers["online"] not in html
    # The item filter offers the unit's own items only.
    assert f'value="{SCJG_TOLERANT}"' in html and f'value="{TOWN_ONLINE[0]}"' not in html


def test_the_application_page_shows_answers_materials_timeline_clock_and_manual(hall):
    application_id = hall.apply()
    hall.step(application_id, "accept")
    html = (
        hall.client("clerk").get(f"/workbench/applications/{application_id}").get_data(as_text=True)
    )
    assert "经营者姓名" in html and "日用百货零售" in html and "440***********1231" in html
    assert "个体工商户登记（备案）申请书" in html
    links = re.findall(rf'href="(/workbench/applications/{application_id}/files/\d+)"', html)
    assert len(links) == 3
    assert "提交申请" in html and "受理" in html  # the timeline
    assert "剩余" in html and "个工作日" in html  # the clock
    assert "业务手册" in html and "窗口受理" in html and "审查" in html
    assert "440205198506121231" not in html


def test_a_material_opens_inline_and_never_sniffed(hall):
    application_id = hall.apply()
    client = hall.client("clerk")
    page = client.get(f"/workbench/applications/{application_id}").get_data(as_text=True)
    link = re.search(r'href="(/workbench/applications/\d+/files/\d+)"', page).group(1)
    response = client.get(link)
    try:
        assert response.status_code == 200
        assert response.data == PNG
        assert response.mimetype == "image/png"
        assert response.headers["Content-Disposition"].startswith("inline")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response.headers["Cache-Control"]
    finally:
        response.close()
    assert client.get(f"/workbench/applications/{application_id}/files/999999").status_code == 404


def test_the_page_offers_only_the_actions_of_the_state_and_the_persons_roles(hall):
    application_id = hall.apply()
    url = f"/workbench/applications/{application_id}"
    clerk = hall.client("clerk").get(url).get_data(as_text=True)
    for action in ("accept", "reject_accept", "supplement_request", "visit"):
        assert f'id="action-{action}"' in clerk
    for action in ("review", "decide", "complete", "reply"):
        assert f'id="action-{action}"' not in clerk
    reviewer = hall.client("reviewer").get(url).get_data(as_text=True)
    assert 'id="action-supplement_request"' in reviewer
    assert 'id="action-accept"' not in reviewer and 'id="action-review"' not in reviewer
    hall.step(application_id, "accept")
    reviewer = hall.client("reviewer").get(url).get_data(as_text=True)
    assert 'id="action-review"' in reviewer and 'id="action-decide"' not in reviewer


def test_counter_intake_offers_the_clerks_items_and_registers_a_counter_application(hall):
    clerk = hall.client("clerk")
    choose = clerk.get("/workbench/counter").get_data(as_text=True)
    assert f'value="{SCJG_TOLERANT}"' in choose and f'value="{TOWN_ONLINE[0]}"' not in choose
    form = clerk.get(f"/workbench/counter?item={SCJG_TOLERANT}").get_data(as_text=True)
    assert "统一社会信用代码" in form and "食品经营许可申请书" in form
    assert 'name="unit"' in form and 'type="hidden" name="unit" value="QJ-SCJGJ"' in form
    response = clerk.post("/workbench/counter", data=_counter_form(clerk, VALID_ID))
    assert response.status_code == 303
    application_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert hall.read(application_id, lambda a: (a.channel, a.status, a.applicant_id_masked)) == (
        Channel.COUNTER,
        ApplicationStatus.SUBMITTED,
        "440***********1234",
    )
    assert hall.stages(application_id) == [Stage.SUBMIT.value, Stage.VISIT.value]
    assert hall.read(application_id, lambda a: sorted(m.position for m in a.materials)) == [0, 1]
    assert hall.read(application_id, lambda a: a.answers["business_items"]) == ["散装食品销售"]
    page = clerk.get(response.headers["Location"]).get_data(as_text=True)
    assert "已登记窗口收件" in page and "曲江某某食品店" in page


def _counter_form(client, id_number: str) -> dict:
    return {
        "csrf_token": csrf_token(client),
        "item": SCJG_TOLERANT,
        "unit": "QJ-SCJGJ",
        "applicant_name": "李四",
        "id_number": id_number,
        "phone": "13900000000",
        "enterprise_name": "曲江某某食品店",
        "paper": ["0", "1"],
        "answer-enterprise_name": "曲江某某食品店",
        "answer-uscc": "91440205MA4W3K7B95",
        "answer-agent_name": "李四",
        "answer-agent_phone": "13900000000",
        "answer-business_place": "马坝镇人民路1号",
        "answer-main_format": "食品销售经营者",
        "answer-business_items": ["散装食品销售"],
        "answer-place_area": "50",
    }


def test_identity_numbers_typed_at_the_counter_are_stored_protected_and_shown_masked(hall):
    clerk = hall.client("clerk")
    data = {
        "csrf_token": csrf_token(clerk),
        "item": SCJG_ONLINE[0],
        "applicant_name": "李四",
        "id_number": VALID_ID,
        "phone": "13900000000",
        "answer-operator_name": "李四",
        "answer-operator_id": VALID_ID,
        "answer-operator_phone": "13900000000",
        "answer-organization_form": "个人经营",
        "answer-business_place": "马坝镇人民路1号",
        "answer-business_scope": "日用百货零售",
    }
    response = clerk.post("/workbench/counter", data=data)
    assert response.status_code == 303
    application_id = int(response.headers["Location"].rsplit("/", 1)[1])
    stored = hall.read(application_id, lambda a: a.answers["operator_id"])
    assert stored["masked"] == "440***********1234" and VALID_ID not in str(stored)
    page = clerk.get(response.headers["Location"]).get_data(as_text=True)
    assert "440***********1234" in page and VALID_ID not in page


def test_a_bad_id_number_at_the_counter_is_named_next_to_it_and_the_rest_is_kept(hall):
    clerk = hall.client("clerk")
    data = {**_counter_form(clerk, "440205199001011235"), "answer-place_area": "abc"}
    response = clerk.post("/workbench/counter", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="id_number-error">身份证号码有误' in html
    assert 'id="answer-place_area-error">请填写数字' in html
    assert 'value="440205199001011235"' in html and 'value="李四"' in html
    assert 'value="马坝镇人民路1号"' in html
    assert '<input checked id="paper-1"' in html and '<input id="paper-2"' in html


def test_a_town_clerk_chooses_among_the_town_and_its_villages(hall):
    html = hall.client("town-clerk").get(f"/workbench/counter?item={TOWN_ONLINE[0]}")
    page = html.get_data(as_text=True)
    assert '<select id="unit" name="unit">' in page
    assert 'value="QJ-MB"' in page and 'value="QJ-MB-01"' in page and 'value="QJ-DT"' not in page


def test_a_reviewer_without_a_window_cannot_register_at_the_counter(hall):
    assert hall.client("reviewer").get("/workbench/counter").status_code == 403


def test_the_queue_costs_the_same_queries_however_many_rows_it_shows(hall, count_queries):
    hall.apply()
    clerk = hall.client("clerk")
    with count_queries() as few:
        clerk.get("/workbench")
    for _ in range(3):
        hall.rate(_completed(hall), 1)
        hall.apply()
    with count_queries() as many:
        assert clerk.get("/workbench").status_code == 200
    with count_queries() as complaints:
        clerk.get("/workbench?queue=complaints")
    assert many.count == few.count == complaints.count


def _completed(hall: Hall) -> int:
    application_id = hall.apply()
    hall.step(application_id, "accept", "review", "approve", "complete")
    return application_id
