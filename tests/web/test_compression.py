"""Compressed responses (Flask-Compress): the encoding a client asks for, the body it can
decode, the tags, and what is never compressed."""

from __future__ import annotations

import gzip

import brotli
import pytest


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip, deflate, br", "br"),
        ("gzip", "gzip"),
        ("br;q=0.5, gzip", "gzip"),
        ("identity", None),
        ("", None),
    ],
)
def test_the_encoding_follows_the_clients_preferences(client, header, expected):
    response = client.get("/items", headers={"Accept-Encoding": header})
    assert response.headers.get("Content-Encoding") == expected


def test_a_page_made_for_one_request_decodes_to_the_page(client):
    plain = client.get("/progress").get_data()
    for encoding, decode in (("gzip", gzip.decompress), ("br", brotli.decompress)):
        response = client.get("/progress", headers={"Accept-Encoding": encoding})
        assert response.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in response.headers["Vary"]
        body = decode(response.get_data())
        # Each page carries its own form token; everything before it is the same page.
        assert body[:200] == plain[:200] and "办件进度查询".encode() in body


def test_a_cached_page_carries_its_encoding_in_its_etag_and_answers_304(client):
    first = client.get("/items", headers={"Accept-Encoding": "gzip"})
    etag = first.headers["ETag"]
    assert etag.endswith(':gzip"')
    assert b"<html" in gzip.decompress(first.get_data())
    again = client.get("/items", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304 and not again.get_data()


def test_small_bodies_go_uncompressed(make_app):
    node = make_app()

    @node.get("/_sized/<int:size>")
    def sized(size: int):
        return "字" * size

    client = node.test_client()
    small = client.get("/_sized/100", headers={"Accept-Encoding": "gzip"})
    large = client.get("/_sized/1000", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers and small.get_data() == "字".encode() * 100
    assert large.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(large.get_data()) == "字".encode() * 1000
