"""The mobile access profile's page rules (1, 4, 5, 8 and 9), checked on one page at a time."""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

LIMIT = 30 * 1024  # rule 5: the HTML, and all CSS and script together, compressed
HOST = "localhost"
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
URL_ATTRIBUTE = re.compile(r'\b(?:src|href|action|srcset|poster|formaction)\s*=\s*"([^"]*)"', re.I)
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)")
STYLESHEET = re.compile(r'<link\b[^>]*rel="stylesheet"[^>]*href="([^"]+)"', re.I)
SCRIPT = re.compile(r'<script\b[^>]*src="([^"]+)"', re.I)


@dataclass
class Report:
    """What the crawl checked, and every way a page broke the profile."""

    checked: dict[str, str] = field(default_factory=dict)  # endpoint -> a URL that passed
    problems: list[str] = field(default_factory=list)
    asset_sizes: dict[str, int] = field(default_factory=dict)


def external_urls(text: str) -> list[str]:
    """The URLs of another origin that a page or a stylesheet refers to."""
    urls = URL_ATTRIBUTE.findall(text) + CSS_URL.findall(text)
    external = []
    for url in urls:
        url = url.strip().replace("&amp;", "&")
        parts = urlsplit(url)
        if (parts.scheme in ("http", "https") or url.startswith("//")) and parts.netloc != HOST:
            external.append(url)
    return external


def asset_size(client, url: str, report: Report) -> int:
    """The compressed size of a stylesheet or script (checked and counted once per report)."""
    if url not in report.asset_sizes:
        with client.get(url, headers={"Accept-Encoding": "gzip"}) as response:
            assert response.status_code == 200, url
            body = response.data
            if response.headers.get("Content-Encoding") != "gzip":
                body = gzip.compress(body)  # rule 5 counts compressed bytes
            text = gzip.decompress(body).decode()
            if external_urls(text):
                report.problems.append(f"{url}: external origin {external_urls(text)}")
            if response.headers.get("Cache-Control") != "public, max-age=31536000, immutable":
                report.problems.append(f"{url}: not cached as a fingerprinted file")
        report.asset_sizes[url] = len(body)
    return report.asset_sizes[url]


def check_page(client, url: str, response, report: Report) -> None:
    """Rules 1, 4, 5, 8 and 9 on one page: its problems are added to ``report``."""
    problems = report.problems
    html = response.get_data(as_text=True)
    content_type = response.headers["Content-Type"].lower().replace(" ", "")
    if "charset=utf-8" not in content_type or '<meta charset="utf-8">' not in html:
        problems.append(f"{url}: not declared UTF-8")
    if not html.startswith("<!doctype html>") or '<html lang="zh-CN">' not in html:
        problems.append(f'{url}: not HTML5 with <html lang="zh-CN">')
    if VIEWPORT not in html:
        problems.append(f"{url}: no viewport meta")
    if 'class="topbar"' not in html:
        problems.append(f"{url}: no top bar")
    if "frame-ancestors" not in response.headers.get("Content-Security-Policy", ""):
        problems.append(f"{url}: no CSP frame-ancestors")
    if external := external_urls(html):
        problems.append(f"{url}: external origin {external}")
    compressed = client.get(url, headers={"Accept-Encoding": "gzip"})
    if compressed.headers.get("Content-Encoding") != "gzip":
        problems.append(f"{url}: HTML not compressed")
    if len(compressed.data) > LIMIT:
        problems.append(f"{url}: HTML {len(compressed.data)} bytes compressed > {LIMIT}")
    assets = STYLESHEET.findall(html) + SCRIPT.findall(html)
    for asset in assets:
        if "?v=" not in asset:
            problems.append(f"{url}: {asset} not fingerprinted")
    total = sum(asset_size(client, asset.replace("&amp;", "&"), report) for asset in assets)
    if total > LIMIT:
        problems.append(f"{url}: CSS and script {total} bytes compressed > {LIMIT}")
