"""Search text and query parsing, without the database."""

from mobile_hall.catalog.search import build_search_text, query_terms


def test_search_text_holds_name_pinyin_and_initials():
    text = build_search_text("个体工商户营业执照办理", ["开店"])
    assert "营业执照" in text
    assert "yingyezhizhao" in text
    assert "yyzz" in text
    assert "kd" in text and "kaidian" in text


def test_matches_never_span_two_phrases():
    text = build_search_text("结婚登记", ["婚姻"])
    assert "djhy" not in text  # 登记 + 婚姻 initials joined across phrases


def test_query_terms_fold_case_width_and_punctuation():
    assert query_terms("ＹＹＺＺ", 100) == ["yyzz"]
    assert query_terms('  "营业执照"  开店 ', 100) == ["营业执照", "开店"]


def test_query_terms_drop_wildcards_and_emoji():
    assert query_terms("%_%", 100) == []
    assert query_terms("营业😀执照", 100) == ["营业执照"]


def test_query_terms_are_bounded():
    assert query_terms("营" * 500, 100) == ["营" * 100]
    assert len(query_terms(" ".join(["a"] * 20), 100)) == 5
