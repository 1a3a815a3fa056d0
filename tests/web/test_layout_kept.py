"""The layout's head and foot, rendered once per what they show and kept
(`common.web.remembered_layout`): each page still gets its own title, way back, modes and path."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit


def _title_and_switch(html: str) -> tuple[str, str]:
    title = re.search(r"<title>(.*?)</title>", html)[1]
    switch = re.search(r'<p class="mode-switch">\s*<a class="link" href="([^"]+)"', html)[1]
    return title, switch


def test_each_page_keeps_its_own_title_and_switch_link(client):
    seen = {}
    for path in ("/units", "/registration-points", "/units", "/items?q=yyzz"):
        html = client.get(path).get_data(as_text=True)
        seen[path] = _title_and_switch(html)
        query = parse_qs(urlsplit(unescape(seen[path][1])).query)
        assert query["next"][0].rstrip("?") == path
    assert seen["/units"][0] != seen["/registration-points"][0]


def test_the_modes_change_what_is_kept(client):
    normal = client.get("/units").get_data(as_text=True)
    client.set_cookie("elder_mode", "1")
    elder = client.get("/units").get_data(as_text=True)
    assert "长辈模式（大字）" in normal and 'class="elder' not in normal
    assert "退出长辈模式" in elder and 'class="elder' in elder
    embedded = client.get("/units?embed=1").get_data(as_text=True)
    assert 'class="topbar"' not in embedded and '<h1 class="sr">' in embedded


def test_a_title_is_escaped_in_the_kept_head(app, client):
    from flask import g, render_template_string

    with app.test_request_context("/units"):
        g.elder, g.embed = False, False
        page = '{% extends "base.html" %}{% set title = "<b>标题</b>" %}'
        html = render_template_string(page + "{% block content %}{% endblock %}")
    assert "&lt;b&gt;标题&lt;/b&gt;" in html and "<b>标题</b>" not in html
