"""The public catalog pages, through the test client over the real templates and database."""

from __future__ import annotations

import re

import pytest

from mobile_hall.catalog import labels
from mobile_hall.identity.labels import REAL_NAME_LEVEL


def _text(response) -> str:
    return response.get_data(as_text=True)


def _item_links(html: str) -> list[str]:
    return re.findall(r'href="/items/([A-Z0-9-]+)"', html)


def test_home_offers_search_themes_popular_items_and_entries(client, demo_items):
    html = _text(client.get("/"))
    assert 'action="/items"' in html and 'name="q"' in html
    for theme in ("生育收养", "设立开办"):
        assert theme in html
    popular = sorted((v for v in demo_items if v.popular_rank), key=lambda v: v.popular_rank)
    assert popular, "the demo ranks some items as most used"
    assert _item_links(html)[: len(popular[:8])] == [v.item.code for v in popular[:8]]
    assert "个人办事" in html and "企业办事" in html


def test_item_list_shows_every_item_across_pages(client, demo_items):
    seen: list[str] = []
    page = 1
    while True:
        html = _text(client.get(f"/items?page={page}"))
        seen += _item_links(html)
        if "下一页" not in html:
            break
        page += 1
    assert sorted(seen) == sorted(v.item.code for v in demo_items)
    assert f"共 {len(demo_items)} 个事项" in html


def test_an_item_list_page_past_the_end_shows_the_last_page(app, client, demo_items):
    last = -(-len(demo_items) // app.config["ITEMS_PER_PAGE"])
    assert last > 1, "the demo fills more than one page"
    final = _text(client.get(f"/items?page={last}"))
    past_the_end = _text(client.get(f"/items?page={last + 5}"))
    assert _item_links(past_the_end) == _item_links(final) != []
    assert "下一页" not in past_the_end and "上一页" in past_the_end


def test_search_by_pinyin_initials_finds_business_licences(client, demo_items):
    html = _text(client.get("/items?q=yyzz"))
    codes = set(_item_links(html))
    expected = {v.item.code for v in demo_items if "营业执照" in v.name}
    assert expected and expected <= codes
    names = {v.item.code: v.name for v in demo_items}
    assert all("营业执照" in names[c] or "yyzz" in _initials_of(demo_items, c) for c in codes)


def _initials_of(demo_items, code: str) -> str:
    from mobile_hall.catalog.search import build_search_text

    version = next(v for v in demo_items if v.item.code == code)
    return build_search_text(version.name, version.keywords)


def test_search_by_chinese_words_and_full_pinyin(client, demo_items):
    target = next(v for v in demo_items if "居住证" in v.name)
    assert target.item.code in _item_links(_text(client.get("/items?q=居住证")))
    assert target.item.code in _item_links(_text(client.get("/items?q=juzhuzheng")))


def test_search_by_colloquial_keyword(client, demo_items):
    target = next(v for v in demo_items if v.keywords)
    assert target.item.code in _item_links(
        _text(client.get("/items", query_string={"q": target.keywords[0]}))
    )


def test_several_words_must_all_match(client):
    assert "共 0 个事项" in _text(client.get("/items?q=营业执照 结婚"))


@pytest.mark.parametrize(
    "query",
    [
        '"营业执照"',
        "'; DROP TABLE unit; --",
        "%",
        "_",
        "100%",
        "营" * 500,
        "😀🎉",
        "\\",
        "<script>",
    ],
)
def test_odd_search_input_is_harmless(client, query):
    response = client.get("/items", query_string={"q": query})
    assert response.status_code == 200
    html = _text(response)
    assert "<script>" not in html.split("<main", 1)[1]
    assert "办事事项" in html


def test_wildcards_do_not_match_everything(client):
    assert "共 0 个事项" in _text(client.get("/items?q=100%25"))


@pytest.mark.parametrize(
    ("query", "predicate"),
    [
        ("zero_visits=y", lambda v: v.required_visits == 0),
        ("mobile=y", lambda v: v.mobile_enabled),
        ("audience=enterprise", lambda v: v.audience in ("enterprise", "both")),
        ("audience=person", lambda v: v.audience in ("person", "both")),
        ("theme=startup", lambda v: any(t.code == "startup" for t in v.themes)),
        ("department=QJ-SCJGJ", lambda v: any(u.code == "QJ-SCJGJ" for u in v.units)),
        (
            "town=QJ-MB",
            lambda v: any(u.code == "QJ-MB" or u.code.startswith("QJ-MB-") for u in v.units),
        ),
    ],
)
def test_filters_return_exactly_the_matching_items(client, demo_items, query, predicate):
    expected = sorted(v.item.code for v in demo_items if predicate(v))
    assert expected, f"the demo data has items for {query}"
    html = _text(client.get(f"/items?{query}&page=1"))
    shown = _item_links(html)
    assert f"共 {len(expected)} 个事项" in html
    assert set(shown) <= set(expected)


def test_filters_combine(client, demo_items):
    expected = {
        v.item.code
        for v in demo_items
        if v.mobile_enabled and v.audience in ("person", "both") and v.required_visits == 0
    }
    html = _text(client.get("/items?mobile=y&zero_visits=y&audience=person"))
    assert f"共 {len(expected)} 个事项" in html


@pytest.mark.parametrize("query", ["", "?q=yyzz", "?page=2"])
def test_plain_filters_raise_no_error_and_stay_folded(client, query):
    html = _text(client.get(f"/items{query}"))
    assert "field-error" not in html and '<details class="filters">' in html


def test_unknown_filter_value_is_named_next_to_its_field(client, demo_items):
    html = _text(client.get("/items?theme=nonsense"))
    assert 'id="theme-error"' in html and "请从列表中选择" in html
    assert f"共 {len(demo_items)} 个事项" in html


def test_guide_shows_every_field_of_the_record(client, pick):
    item = pick(lambda v: v.visit and any(m.license_type_id for m in v.materials))
    html = _text(client.get(f"/items/{item.item.code}"))
    assert item.name in html
    assert labels.ITEM_KIND[item.kind] in html
    for condition in item.conditions:
        assert condition in html
    for material in item.materials:
        assert material.name in html
        assert labels.MATERIAL_FORM[material.form] in html
    assert "可用电子证照" in html
    assert (item.fee_description if not item.is_free else "本事项不收费") in html
    assert f"{item.promised_time_limit_days}个工作日" in html or item.promised_time_limit_days == 0
    assert item.visit["location"] in html and item.visit["hours"] in html
    assert item.legal_basis.splitlines()[0] in html
    assert item.contact_phone in html
    assert REAL_NAME_LEVEL[item.min_real_name_level] in html
    for stage in labels.STAGE.values():
        assert stage in html
    for unit in item.units:
        assert unit.short_name in html
    for theme in item.themes:
        assert theme.name in html


def test_guide_states_the_fee_of_a_paid_item(client, pick):
    item = pick(lambda v: not v.is_free)
    assert item.fee_description in client.get(f"/items/{item.item.code}").get_data(as_text=True)


def test_guide_names_the_license_it_issues(client, pick):
    item = pick(lambda v: v.result_type == "license")
    html = _text(client.get(f"/items/{item.item.code}"))
    assert item.result_name in html and "同步签发电子证照" in html


def test_guide_never_shows_the_internal_business_manual(client, pick):
    item = pick(lambda v: v.business_manual)
    html = _text(client.get(f"/items/{item.item.code}"))
    for step in item.business_manual:
        assert step["description"] not in html


def test_counter_only_item_sends_people_to_the_counter(client, pick):
    item = pick(lambda v: "apply" not in v.online_stages)
    html = _text(client.get(f"/items/{item.item.code}"))
    assert "本事项需到现场申请" in html and 'id="visit"' in html


def test_unknown_item_gives_the_chinese_404(client):
    response = client.get("/items/QJ-NOPE-9999")
    assert response.status_code == 404
    html = _text(response)
    assert "页面不存在" in html and 'lang="zh-CN"' in html


def test_guide_page_queries_are_bounded_whatever_the_materials(client, demo_items, count_queries):
    few = min(demo_items, key=lambda v: len(v.materials))
    many = max(demo_items, key=lambda v: len(v.materials))
    assert len(many.materials) > len(few.materials)
    counts = []
    for version in (few, many):
        with count_queries() as counter:
            assert client.get(f"/items/{version.item.code}").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1] <= 8


def test_item_list_queries_are_bounded(client, count_queries):
    with count_queries() as counter:
        assert client.get("/items").status_code == 200
    assert counter.count <= 8


def test_every_guide_and_its_history_render_for_the_demo_data(client, demo_items):
    for version in demo_items:
        code = version.item.code
        guide = client.get(f"/items/{code}")
        assert guide.status_code == 200, code
        assert version.name in guide.get_data(as_text=True)
        assert client.get(f"/items/{code}/versions").status_code == 200
