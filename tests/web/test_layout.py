"""What every page shares: mobile basics, modes, headers and the Chinese error pages."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import abort, g, render_template_string

PUBLIC_PAGES = ["/", "/items", "/items?q=yyzz", "/units", "/units/QJ-MB", "/registration-points"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_page_is_chinese_mobile_html_with_a_top_bar(client, path):
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.startswith("<!doctype html>")
    assert '<html lang="zh-CN">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert 'class="topbar"' in html
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "http://" not in html and "https://" not in html  # no third-party origin


def test_embedded_mode_hides_the_top_bar_for_the_rest_of_the_visit(client):
    first = client.get("/?embed=1").get_data(as_text=True)
    assert 'class="topbar"' not in first and 'class="footer"' not in first
    later = client.get("/items").get_data(as_text=True)
    assert 'class="topbar"' not in later


def test_host_marker_header_also_switches_to_embedded_mode(client):
    html = client.get("/", headers={"X-Gd-Embed": "1"}).get_data(as_text=True)
    assert 'class="topbar"' not in html


def test_elder_mode_is_switched_from_a_page_and_remembered(client):
    assert 'class="elder' not in client.get("/items").get_data(as_text=True)
    response = client.get("/preferences/elder-mode?on=1&next=/items")
    assert response.status_code == 303 and response.headers["Location"] == "/items"
    assert 'class="elder' in client.get("/").get_data(as_text=True)
    client.get("/preferences/elder-mode?on=0&next=/")
    assert 'class="elder' not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil"])
def test_mode_switch_never_redirects_off_site(client, target):
    response = client.get("/preferences/elder-mode", query_string={"on": "1", "next": target})
    assert response.headers["Location"] == "/"


def test_allowed_embedding_origins_go_into_frame_ancestors(make_app):
    allowed = make_app(EMBED_ALLOWED_ORIGINS=["https://mobile.gdzwfw.example"])
    response = allowed.test_client().get("/registration-points")
    assert (
        "frame-ancestors https://mobile.gdzwfw.example"
        in response.headers["Content-Security-Policy"]
    )


def test_stylesheet_is_fingerprinted(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/static/css/hall.css?v=' in html


def test_an_unexpected_error_gives_the_chinese_500_page(make_app):
    broken = make_app(PROPAGATE_EXCEPTIONS=False)

    @broken.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = broken.test_client().get("/boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "系统繁忙" in html and 'lang="zh-CN"' in html


def test_method_not_allowed_is_chinese(client):
    response = client.post("/items")
    assert response.status_code in (400, 405)
    assert 'lang="zh-CN"' in response.get_data(as_text=True)


def test_abort_403_is_chinese(make_app):
    guarded = make_app()

    @guarded.get("/secret")
    def secret():
        abort(403)

    html = guarded.test_client().get("/secret").get_data(as_text=True)
    assert "没有权限" in html


def test_each_page_has_its_own_title_and_switch_link(client):
    seen = {}
    for path in ("/units", "/registration-points", "/items?q=yyzz"):
        html = client.get(path).get_data(as_text=True)
        title = re.search(r"<title>(.*?)</title>", html)[1]
        switch = re.search(r'<p class="mode-switch">\s*<a class="link" href="([^"]+)"', html)[1]
        assert parse_qs(urlsplit(unescape(switch)).query)["next"][0].rstrip("?") == path
        seen[path] = title
    assert len(set(seen.values())) == 3


def test_the_blocks_of_base_fill_the_top_bar_and_are_escaped(app):
    page = (
        '{% extends "base.html" %}{% block title %}{{ name }}{% endblock %}'
        "{% block back_url %}{{ url_for('catalog.home', q='a&b') }}{% endblock %}"
        "{% block body_class %}workbench{% endblock %}{% block content %}<p>正文</p>{% endblock %}"
    )
    with app.test_request_context("/units"):
        g.elder, g.embed = True, False
        html = render_template_string(page, name="<b>标题</b>")
    assert "<title>&lt;b&gt;标题&lt;/b&gt; - 曲江区网上办事分厅</title>" in html
    assert '<h1 class="topbar-title">&lt;b&gt;标题&lt;/b&gt;</h1>' in html
    assert '<a class="topbar-back" href="/?q=a%26b">' in html
    assert '<body class="workbench elder">' in html and "<p>正文</p>" in html


def test_a_page_without_a_way_back_has_no_back_link(app):
    with app.test_request_context("/"):
        g.elder, g.embed = False, False
        page = '{% extends "base.html" %}{% block title %}首页{% endblock %}'
        html = render_template_string(page)
    assert 'class="topbar-back"' not in html and '<body class="">' in html
