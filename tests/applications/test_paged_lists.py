"""我的办件 and 消息中心 a page at a time: a person of many years has hundreds of each, and a
phone's page has a size budget. Through the test client over the real templates and database."""

from __future__ import annotations

import re

import sqlalchemy as sa

from mobile_hall.applications.constants import (
    FINISHED_STATUSES,
    TERMINAL_STATUSES,
)
from mobile_hall.applications.models import Application, Message
from mobile_hall.clock import now
from mobile_hall.extensions import db
from tests.support.applications import account, finished_copies
from tests.support.conformance import Report, check_page

PER_PAGE = 20


def _finished_count(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count()).where(
                Application.account_id == account(username).id,
                Application.status.in_(FINISHED_STATUSES),
            )
        )


def _open_ids(app, username: str) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(Application.id).where(
                    Application.account_id == account(username).id,
                    Application.status.not_in(sorted(TERMINAL_STATUSES)),
                )
            )
        )


def _shown(html: str, ids: list[int]) -> list[int]:
    """Which of `ids` the page links to, in the page's order."""
    linked = [int(found) for found in re.findall(r'href="/applications/(\d+)"', html)]
    return [i for i in linked if i in set(ids)]


def test_my_finished_applications_come_twenty_a_page_newest_first(app, sign_in):
    client = sign_in("citizen")
    ids = finished_copies(app, "citizen", 45)
    total = _finished_count(app, "citizen")
    last = -(-total // PER_PAGE)
    newest_first = ids[::-1]

    first = client.get("/applications").get_data(as_text=True)
    assert _shown(first, ids) == newest_first[:PER_PAGE]
    assert "草稿（继续填写）" in first and "办理中" in first  # what is open, on the first page
    assert f"第 1/{last} 页，共 {total} 条" in first
    assert 'rel="next" href="/applications?page=2"' in first and 'rel="prev"' not in first

    second = client.get("/applications?page=2").get_data(as_text=True)
    assert _shown(second, ids) == newest_first[PER_PAGE : 2 * PER_PAGE]
    assert "已完成（第 2 页）" in second
    assert "办理中" not in second and "草稿（继续填写）" not in second
    assert 'rel="prev" href="/applications?page=1"' in second
    assert 'rel="next" href="/applications?page=3"' in second

    final = client.get(f"/applications?page={last}").get_data(as_text=True)
    assert 'rel="next"' not in final and f"第 {last}/{last} 页" in final
    # A page past the end (a link kept from a longer list) shows the last page.
    for beyond in ("999", "9" * 5000):  # thousands of digits too: no number Python refuses
        past_the_end = client.get(f"/applications?page={beyond}")
        assert past_the_end.status_code == 200
        html = past_the_end.get_data(as_text=True)
        assert _shown(html, ids) == _shown(final, ids) and f"第 {last}/{last} 页" in html
    # Anything but a positive whole number is the first page.
    for odd in ("0", "000", "-1", "abc", "２", ""):
        html = client.get(f"/applications?page={odd}").get_data(as_text=True)
        assert _shown(html, ids) == newest_first[:PER_PAGE], odd


def test_my_applications_page_costs_the_same_statements_whatever_the_history(
    app, sign_in, count_queries
):
    client = sign_in("citizen")
    client.get("/applications")  # warm: the published versions are read once per process
    with count_queries() as few:
        client.get("/applications")
    finished_copies(app, "citizen", 60)
    with count_queries() as many:
        html = client.get("/applications").get_data(as_text=True)
    assert many.count == few.count
    assert html.count('class="cell"') <= PER_PAGE + len(_open_ids(app, "citizen"))


def test_someone_elses_applications_never_fill_my_pages(app, sign_in):
    sign_in("enterprise", on=app.test_client())
    theirs = finished_copies(app, "enterprise", 25)
    client = sign_in("citizen")
    for page in (1, 2, 3):
        html = client.get(f"/applications?page={page}").get_data(as_text=True)
        assert not _shown(html, theirs)


def test_messages_come_twenty_a_page_newest_first_and_open_from_any_page(app, sign_in):
    client = sign_in("citizen")
    with app.app_context():
        owner = account("citizen").id
        moment = now()
        added = [
            Message(account_id=owner, title=f"测试消息{index:02d}", body="正文", created_at=moment)
            for index in range(30)
        ]
        db.session.add_all(added)
        db.session.commit()
        newest_first = [m.id for m in added][::-1]
        total = db.session.scalar(sa.select(sa.func.count()).where(Message.account_id == owner))

    def listed(html: str) -> list[int]:
        return [int(i) for i in re.findall(r'href="/messages/(\d+)"', html)]

    first = client.get("/messages").get_data(as_text=True)
    assert listed(first) == newest_first[:PER_PAGE]
    assert f"共 {total} 条" in first and 'rel="next" href="/messages?page=2"' in first
    second = client.get("/messages?page=2").get_data(as_text=True)
    assert listed(second)[: 30 - PER_PAGE] == newest_first[PER_PAGE:]
    assert 'rel="prev" href="/messages?page=1"' in second

    opened = client.get(f"/messages/{newest_first[-1]}").get_data(as_text=True)
    assert "测试消息00" in opened
    again = client.get("/messages?page=2").get_data(as_text=True)
    row = again[again.index(f'href="/messages/{newest_first[-1]}"') :]
    assert "已读" in row[: row.index("</li>")]


def test_a_short_list_has_no_pager(app, sign_in):
    client = sign_in("citizen")
    assert _finished_count(app, "citizen") <= PER_PAGE
    html = client.get("/applications").get_data(as_text=True)
    assert 'aria-label="翻页"' not in html


def test_a_long_history_still_meets_the_mobile_access_profile(app, sign_in):
    client = sign_in("citizen")
    finished_copies(app, "citizen", 300)
    with app.app_context():
        owner = account("citizen").id
        db.session.add_all(
            Message(account_id=owner, title="您的申请已办结", body="正文", created_at=now())
            for _ in range(300)
        )
        db.session.commit()
    report = Report()
    for url in ("/applications", "/applications?page=2", "/messages", "/messages?page=15"):
        response = client.get(url)
        assert response.status_code == 200, url
        check_page(client, url, response, report)  # rules 1–9, the HTML ≤ 30 KB compressed
    assert not report.problems, "\n".join(report.problems)
