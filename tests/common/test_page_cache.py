"""The page cache: pages served from memory until something they show changes, on any node."""

from __future__ import annotations

import gzip

import sqlalchemy as sa
from flask import render_template_string

from mobile_hall.catalog.models import ItemVersion, ServiceItem
from mobile_hall.catalog.services import export_catalog, import_catalog
from mobile_hall.common.freshness import CATALOG, is_watched, tokens_of
from mobile_hall.common.models import ChangeToken
from mobile_hall.common.pagecache import cached_page
from mobile_hall.extensions import Base, db
from mobile_hall.organisations.models import Unit
from tests.support.queries import queries_of

GUIDE = "/items/QJ-MZ-0009"


def _rename(code: str, name: str) -> None:
    document = export_catalog()
    record = next(r for r in document["items"] if r["code"] == code)
    record["name"] = name
    import_catalog(document, actor="test")


def test_a_public_page_is_served_from_memory_after_its_first_view(client, count_queries):
    first = client.get("/items?q=yyzz")
    with count_queries() as counter:
        second = client.get("/items?q=yyzz")
    assert second.status_code == 200 and second.data == first.data
    # Only the catalog's change token is read (the test config re-reads it every time).
    assert len(queries_of(counter)) == 1 and "change_token" in queries_of(counter)[0]


def test_publishing_a_guide_changes_the_pages_at_once(client, app, app_context):
    old_guide, old_list = (
        client.get(GUIDE).data.decode(),
        client.get("/items?q=优待证").data.decode(),
    )
    _rename("QJ-MZ-0009", "老年人优待证办理（缓存测试）")
    guide, listing = client.get(GUIDE).data.decode(), client.get("/items?q=优待证").data.decode()
    assert "缓存测试" not in old_guide and "缓存测试" in guide
    assert "缓存测试" not in old_list and "缓存测试" in listing
    assert "第 2 版" in client.get("/items/QJ-MZ-0009/versions").data.decode()


def test_a_unit_change_reaches_the_unit_pages(client, app_context):
    assert "马坝镇" in client.get("/units").data.decode()
    unit = db.session.scalars(sa.select(Unit).where(Unit.code == "QJ-MB")).one()
    unit.name = "马坝镇（改名测试）"
    db.session.commit()
    assert "改名测试" in client.get("/units").data.decode()
    assert "改名测试" in client.get("/units/QJ-MB").data.decode()


def test_the_token_changes_with_the_commit_and_never_for_a_rollback(app_context):
    before = tokens_of([CATALOG])
    unit = db.session.scalars(sa.select(Unit).where(Unit.code == "QJ-MB")).one()
    unit.phone = "0751-0000000"
    db.session.flush()
    db.session.rollback()
    assert tokens_of([CATALOG]) == before
    unit = db.session.scalars(sa.select(Unit).where(Unit.code == "QJ-MB")).one()
    unit.phone = "0751-0000001"
    db.session.commit()
    assert tokens_of([CATALOG]) != before


def test_elderly_and_embedded_pages_are_kept_apart(client):
    normal = client.get("/").data.decode()
    client.set_cookie("elder_mode", "1")
    elder = client.get("/").data.decode()
    assert 'class="elder' in elder and 'class="elder' not in normal
    client.delete_cookie("elder_mode")
    assert client.get("/").data.decode() == normal
    embedded = client.get("/?embed=1").data.decode()
    assert 'class="topbar"' in normal and 'class="topbar"' not in embedded
    assert 'class="topbar"' not in client.get("/").data.decode()  # the embedded session stays


def test_a_repeat_visit_costs_a_304_and_compressed_copies_match(client):
    first = client.get(GUIDE)
    again = client.get(GUIDE, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    zipped = client.get(GUIDE, headers={"Accept-Encoding": "gzip"})
    zipped_again = client.get(GUIDE, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" == zipped_again.headers["Content-Encoding"]
    assert gzip.decompress(zipped_again.data) == first.data


def test_signed_in_visitors_never_get_the_public_copy(client, sign_in):
    assert "收藏" not in client.get(GUIDE).data.decode()
    sign_in("citizen")
    assert "☆ 收藏" in client.get(GUIDE).data.decode()


def test_the_cache_can_be_switched_off(make_app, count_queries):
    uncached = make_app(PAGE_CACHE_ENTRIES=0).test_client()
    uncached.get("/")
    with count_queries() as counter:
        assert uncached.get("/").status_code == 200
    assert len(queries_of(counter)) > 1
    assert not any("change_token" in s for s in counter.statements)


def test_another_node_sees_a_change_within_its_recheck_interval(make_app, app_context):
    node_b_app = make_app(CHANGE_TOKEN_RECHECK_SECONDS=3600)
    node_b = node_b_app.test_client()
    assert "第二节点" not in node_b.get(GUIDE).data.decode()
    # Another node's transaction, as this node sees it: rows and the token change together,
    # without this process's ORM noticing (it would re-read at once after its own commit).
    db.session.execute(
        sa.update(ItemVersion)
        .where(
            ItemVersion.id
            == sa.select(ServiceItem.current_version_id)
            .where(ServiceItem.code == "QJ-MZ-0009")
            .scalar_subquery()
        )
        .values(name="老年人优待证办理（第二节点）")
    )
    db.session.execute(
        sa.update(ChangeToken).where(ChangeToken.scope == CATALOG).values(token="b" * 32)
    )
    db.session.commit()
    # Node B keeps its memo of the catalog's token for the interval, then sees the change.
    assert "第二节点" not in node_b.get(GUIDE).data.decode()
    node_b_app.config["CHANGE_TOKEN_RECHECK_SECONDS"] = 0
    assert "第二节点" in node_b.get(GUIDE).data.decode()


def test_tokens_live_in_the_database(app_context):
    _rename("QJ-MZ-0009", "老年人优待证办理（令牌）")
    row = db.session.get(ChangeToken, CATALOG)
    assert row is not None and len(row.token) == 32


# Models no cached page shows, so a change to them need not change a token.
UNWATCHED = {
    "ApiKey": "authenticates the API; shown only on the office's key page, never cached",
    "AuditChainHead": "where the audit trail's hash chain ends; shown on no page",
    "AuditEvent": "the audit trail; shown only on the office's search page, never cached",
    "ChangeToken": "the tokens themselves",
    "DailyCount": "the assessment's daily counts; the assessment pages are never cached",
    "GuideDraft": "a draft of a guide; staff pages only, never cached (publishing changes the "
    "watched catalog rows)",
    "IdempotentRequest": "the stored answers of retried API requests; shown on no page",
    "ExchangeState": "the delivery worker's state; shown only on the office's exchange page",
    "DailyCounter": "hands out application numbers; the numbers show through Application",
    "LicenseCounter": "hands out licence serials; the serials show through License",
    "ReviewRoute": "which unit reviews which kind of item; staff pages only, never cached",
    "Notice": "an assessment notice; the assessment pages are never cached",
    "ReferenceChange": "a reference record's history; shown only on the office's registry pages",
    "SeenLogoutToken": "refuses a replayed back-channel logout; shown on no page",
    "SelfCheck": "a unit's self-check sheet; the assessment pages are never cached",
    "Target": "the assessment's targets; the assessment pages are never cached",
    "UnitFigure": "a town's yearly figures; shown only on the registry and assessment pages",
    "WebSession": "who is signed in; a personal page is cached under the session's own secret",
}


def test_every_model_is_watched_by_a_change_token_or_listed_as_unwatched(app):
    models = {mapper.class_.__name__: mapper.class_ for mapper in Base.registry.mappers}
    unlisted = [name for name, model in models.items() if not is_watched(model)]
    assert sorted(unlisted) == sorted(UNWATCHED)


def test_a_page_that_made_a_form_token_is_never_stored(make_app):
    node = make_app()

    @node.get("/_with-a-form")
    @cached_page(CATALOG)
    def with_a_form():
        return render_template_string('<input name="csrf_token" value="{{ csrf_token() }}">')

    visitor, other = node.test_client(), node.test_client()
    mine, theirs = (c.get("/_with-a-form").get_data(as_text=True) for c in (visitor, other))
    assert mine != theirs and "ETag" not in visitor.get("/_with-a-form").headers
