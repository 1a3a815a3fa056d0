"""The two pages cost a few statements whatever the history they show (no query per row).

Each page is counted rendered, not served from the page cache (turned off here), on the demo
account, then again after more applications in every status, licences, messages, favourites,
recently viewed items and agents: the count must not move.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from mobile_hall.applications.constants import TERMINAL_STATUSES, ApplicationStatus
from mobile_hall.applications.models import Application, Message, Rating, SupplementRequest
from mobile_hall.catalog.constants import Audience
from mobile_hall.catalog.models import ItemVersion, ServiceItem
from mobile_hall.clock import now
from mobile_hall.extensions import db
from mobile_hall.identity.models import Account
from mobile_hall.licenses.constants import HolderKind
from mobile_hall.licenses.models import License
from mobile_hall.pages.constants import LIST_SHOWN
from mobile_hall.pages.models import EnterpriseAgent
from mobile_hall.pages.services import add_favourite, record_view
from tests.support.pages import account_named

MOST = 12  # statements for one page, whatever the history
MORE = 20  # rows of each kind added to the history
# Every status in turn, withdrawn ones (not shown) included.
STATUSES = list(ApplicationStatus)


@pytest.fixture
def uncached(app, monkeypatch):
    """Render each page: a page served from the cache would say nothing of the services."""
    monkeypatch.setitem(app.config, "PAGE_CACHE_ENTRIES", 0)


def _statements(client, path: str, count_queries) -> int:
    client.get(path)  # the first view after opening also shows (and drops) a flashed notice
    with count_queries() as counter:
        response = client.get(path)
    assert response.status_code == 200
    assert any("FROM application" in s for s in counter.statements), "not rendered"
    return counter.count


def _copy(row: db.Model, **changes: object) -> db.Model:
    """A new row with `row`'s columns but its id, and `changes`; added to the session."""
    columns = sa.inspect(type(row)).column_attrs
    values = {c.key: getattr(row, c.key) for c in columns if c.key != "id"}
    copy = type(row)(**{**values, **changes})
    db.session.add(copy)
    return copy


def _versions(audience: Audience) -> list[ItemVersion]:
    """Current versions of distinct items not only for `audience`'s opposite."""
    return list(
        db.session.scalars(
            sa.select(ItemVersion)
            .join(ServiceItem, ServiceItem.current_version_id == ItemVersion.id)
            .where(ItemVersion.audience != audience)
            .order_by(ServiceItem.code)
            .limit(MORE)
        )
    )


def _add_applications(template: Application, versions: list[ItemVersion], accounts) -> None:
    """One application per version, in every status: supplements pending, results to collect,
    ratings given and not, drafts; filed by `accounts` in turn."""
    moment = now()
    for i, version in enumerate(versions):
        status = STATUSES[i % len(STATUSES)]
        done = status is ApplicationStatus.COMPLETED
        application = _copy(
            template,
            number=None,
            item_id=version.item_id,
            item_version_id=version.id,
            account_id=accounts[i % len(accounts)],
            status=status,
            updated_at=moment - timedelta(minutes=i),
            submitted_at=None if status is ApplicationStatus.DRAFT else moment,
            due_on=moment.date() + timedelta(days=i) if i % 3 else None,
            completed_at=moment if done else None,
            delivery="pickup" if done else None,
        )
        db.session.flush()
        if status is ApplicationStatus.SUPPLEMENT_PENDING:
            db.session.add(
                SupplementRequest(
                    application=application,
                    requested_items=[{"position": 1, "name": "身份证", "reason": "不清晰"}],
                    requested_on=moment.date(),
                    requested_at=moment,
                    pauses_clock=False,
                )
            )
        if done and i % 2:
            db.session.add(Rating(application=application, score=5, created_at=moment))


def _add_licences(template: License) -> None:
    """Licences of the same holder: expiring soon, later, expired, without end."""
    today = now().date()
    for i in range(MORE):
        _copy(
            template,
            identifier=f"{template.identifier}-more-{i}",
            serial=template.serial + 1000 + i,
            application_id=None,
            valid_until=None if i % 4 == 3 else today + timedelta(days=15 * i - 20),
        )


def _add_messages(account_ids: list[int]) -> None:
    moment = now()
    for i in range(MORE):
        db.session.add(
            Message(
                account_id=account_ids[i % len(account_ids)],
                title=f"测试消息{i}",
                body="正文",
                created_at=moment,
                read_at=moment if i % 2 else None,
            )
        )


def test_the_citizens_page_costs_the_same_statements_with_more_history(
    opened, in_db, uncached, count_queries
):
    client = opened("citizen", "QJ-MB")
    before = _statements(client, "/me", count_queries)
    with in_db():
        citizen = account_named("张晓明")
        versions = _versions(Audience.ENTERPRISE)
        template = db.session.scalars(
            sa.select(Application).where(Application.account_id == citizen.id)
        ).first()
        _add_applications(template, versions, [citizen.id])
        _add_licences(
            db.session.scalars(
                sa.select(License).where(License.holder_id_hash == citizen.id_number_hash)
            ).first()
        )
        _add_messages([citizen.id])
        db.session.commit()
        for version in versions[: MORE // 2]:
            add_favourite(citizen, version.item.code)
        for version in versions:  # more than the page keeps
            record_view(citizen, version.item_id)
        names = {version.name for version in versions}
    html = client.get("/me").get_data(as_text=True)
    assert "测试消息19" in html and "条未读" in html
    assert "证照将到期" in html and "领取结果" in html and "补正材料" in html
    assert sum(name in html for name in names) >= MORE // 2
    after = _statements(client, "/me", count_queries)
    assert after == before <= MOST


def test_the_enterprises_page_costs_the_same_statements_with_more_history(
    opened, sign_in, app, in_db, uncached, count_queries
):
    sign_in("agent", app.test_client())  # the agent's account, to file applications
    client = opened("enterprise", "QJ-MB", path="/enterprise/open")
    before = _statements(client, "/enterprise", count_queries)
    with in_db():
        representative = account_named("刘建华")
        enterprise = representative.enterprise
        members = list(
            db.session.scalars(sa.select(Account.id).where(Account.enterprise_id == enterprise.id))
        )
        assert len(members) == 2
        template = db.session.scalars(
            sa.select(Application).where(Application.enterprise_id == enterprise.id)
        ).first()
        _add_applications(template, _versions(Audience.PERSON), [*members, None])
        _add_licences(
            db.session.scalars(
                sa.select(License).where(
                    License.holder_kind == HolderKind.ENTERPRISE,
                    License.holder_credit_code == enterprise.credit_code,
                )
            ).first()
        )
        _add_messages(members)
        for i in range(MORE // 2):
            db.session.add(
                EnterpriseAgent(
                    enterprise_id=enterprise.id,
                    name=f"经办人{i}",
                    id_number_hash=f"more-agent-{i}",
                    id_number_masked="440***********0000",
                    theme_codes=[],
                    item_codes=["QJ-SCJG-0001"] if i % 2 else [],
                    added_at=now(),
                )
            )
        db.session.commit()
    html = client.get("/enterprise").get_data(as_text=True)
    assert "经办人9" in html and "测试消息19" in html and " 经办 · " in html
    after = _statements(client, "/enterprise", count_queries)
    assert after == before <= MOST


def test_a_long_history_shows_the_latest_rows_and_the_way_to_the_rest(opened, in_db):
    client = opened("citizen", "QJ-MB")
    with in_db():
        citizen = account_named("张晓明")
        template = db.session.scalars(
            sa.select(Application).where(Application.account_id == citizen.id)
        ).first()
        _add_applications(template, _versions(Audience.ENTERPRISE), [citizen.id])
        db.session.commit()
        in_progress = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Application)
            .where(
                Application.account_id == citizen.id,
                Application.status.not_in([ApplicationStatus.DRAFT, *TERMINAL_STATUSES]),
            )
        )
    assert in_progress > LIST_SHOWN
    html = client.get("/me").get_data(as_text=True)
    listed = html.split('id="applications"')[1].split("</ul>")[0]
    assert listed.count("<li") == LIST_SHOWN
    assert f"办理中共 {in_progress} 件，这里显示最近的 {LIST_SHOWN} 件" in html
    assert "全部办件" in html
