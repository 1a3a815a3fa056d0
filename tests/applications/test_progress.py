"""Progress lookup without signing in: the number and the phone's last four digits."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from mobile_hall.applications.models import Application
from mobile_hall.applications.numbering import (
    display_application_number,
    format_application_number,
)
from mobile_hall.common.web import ELDER_COOKIE
from mobile_hall.extensions import db
from mobile_hall.workbench import services as workbench
from tests.support.applications import account, load, pick_item, submitted
from tests.support.browser import csrf_token, token_of

NOT_FOUND = "未找到该办件。请核对办件编号和手机号码后四位后再试。"


@pytest.fixture
def number(app, sign_in) -> str:
    """The number of a submitted application of `citizen` (phone 13800000001)."""
    sign_in("citizen")
    application_id = submitted(app, "citizen", pick_item(app, units=2, audience="both"))
    return load(app, application_id).number


def _look_up(client, number: str, last4: str):
    return client.post(
        "/progress", data={"csrf_token": token_of(client), "number": number, "phone_last4": last4}
    )


def test_the_right_pair_shows_stage_and_dates_and_no_personal_data(app, number):
    visitor = app.test_client()
    typed = display_application_number(number).lower().replace(" ", "-")
    response = _look_up(visitor, typed, "0001")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "已提交，待受理" in html and "提交申请" in html and "提交日期" in html
    assert display_application_number(number) in html
    for personal in (
        "张晓明",
        "440***",
        "440205",
        "13800000001",
        "138****0001",
        "曲江区马坝镇人民路",
    ):
        assert personal not in html


def test_a_wrong_pair_says_not_found_without_saying_which_part_was_wrong(app, number):
    visitor = app.test_client()
    stranger = format_application_number(date(2025, 11, 3), 999_999)
    wrong_phone = _look_up(visitor, number, "9999").get_data(as_text=True)
    wrong_number = _look_up(visitor, stranger, "0001").get_data(as_text=True)
    for html in (wrong_phone, wrong_number):
        assert NOT_FOUND in html and "已提交，待受理" not in html


def test_a_mistyped_number_is_caught_by_its_check_character(app, number):
    visitor = app.test_client()
    mistyped = number[:-1] + ("0" if number[-1] != "0" else "1")
    response = _look_up(visitor, mistyped, "0001")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "办件编号有误" in html and NOT_FOUND not in html
    assert f'value="{mistyped}"' in html  # kept as typed


def test_lookups_past_the_limit_get_the_chinese_429_page(make_app):
    limited = make_app(RATELIMIT_ENABLED=True, PROGRESS_LOOKUP_LIMIT="2 per minute").test_client()
    stranger = format_application_number(date(2025, 11, 3), 999_999)
    answers = [_look_up(limited, stranger, "0001") for _try in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert "操作过于频繁" in answers[-1].get_data(as_text=True)
    assert limited.get("/progress").status_code == 200  # reading the form is not limited


def test_a_lookup_is_one_statement(app):
    with app.app_context():
        engine = db.engine
    visitor = app.test_client()  # the app's own sessions, no test transaction around them
    token = token_of(visitor)
    unknown = format_application_number(date(2025, 11, 3), 999_999)
    sent: list[str] = []

    def note(_connection, _cursor, statement, *_args) -> None:
        sent.append(statement.split()[0])

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        response = visitor.post(
            "/progress", data={"csrf_token": token, "number": unknown, "phone_last4": "0001"}
        )
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    assert response.status_code == 200 and NOT_FOUND in response.get_data(as_text=True)
    assert [word for word in sent if word not in ("BEGIN", "COMMIT", "ROLLBACK")] == ["SELECT"]


def test_a_repeated_lookup_shows_what_a_clerk_did_since(app, number):
    visitor = app.test_client()
    first = _look_up(visitor, number, "0001").get_data(as_text=True)
    again = _look_up(visitor, number, "0001").get_data(as_text=True)
    assert first.replace(csrf_token(first), "") == again.replace(csrf_token(again), "")
    assert "已提交，待受理" in first and "受理" not in first.split("提交申请")[1]
    with app.app_context():
        application = db.session.scalar(sa.select(Application).where(Application.number == number))
        workbench.accept(account("clerk"), application)
    after = _look_up(visitor, number, "0001").get_data(as_text=True)
    assert after != first and "已提交，待受理" not in after
    assert "已受理" in after and "受理" in after.split("提交申请")[1]


def _secret(token: str) -> str:
    return token.split(".", 1)[0]


def test_a_lookup_page_is_each_visitors_own_and_each_modes_own(app, number):
    visitor, other = app.test_client(), app.test_client()
    mine = _look_up(visitor, number, "0001").get_data(as_text=True)
    theirs = _look_up(other, number, "0001").get_data(as_text=True)
    # A form token is the session's signed secret, then the second it was signed: compare the
    # secret part, which is the same for a session whatever the second.
    assert _secret(csrf_token(mine)) == _secret(token_of(visitor))
    assert _secret(csrf_token(theirs)) == _secret(token_of(other))
    assert _secret(csrf_token(mine)) != _secret(csrf_token(theirs))
    visitor.set_cookie(ELDER_COOKIE, "1")
    elder = _look_up(visitor, number, "0001").get_data(as_text=True)
    assert "elder" in elder.split("<body", 1)[1].split(">", 1)[0]
    assert "elder" not in mine.split("<body", 1)[1].split(">", 1)[0]
    # The form is kept as typed, with its errors.
    wrong = _look_up(visitor, "QJ", "12").get_data(as_text=True)
    assert 'value="QJ"' in wrong and "请填写4位数字" in wrong
    assert 'value="QJ"' not in _look_up(visitor, number, "0001").get_data(as_text=True)
    # Nor is a lookup's page the empty form's, or a lookup with nothing typed.
    empty = visitor.get("/progress").get_data(as_text=True)
    assert "已提交，待受理" not in empty and "请填写" not in empty
    blank = visitor.post("/progress", data={"csrf_token": token_of(visitor)})
    assert blank.status_code == 400 and "请填写办件编号" in blank.get_data(as_text=True)
