"""Compressed responses: the encoding a client asks for, the body it can decode, the tags."""

from __future__ import annotations

import gzip

import brotli
import pytest
from flask import Response, request

from mobile_hall.common.compression import chosen_encoding, compress_response


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip, deflate, br", "br"),
        ("gzip", "gzip"),
        ("br;q=0.5, gzip", "gzip"),
        ("br;q=0, gzip;q=0.1", "gzip"),
        ("*", "br"),
        ("*;q=0.2, br;q=0", "gzip"),
        ("identity", None),
        ("", None),
        ("gzip;q=x", None),
        ("GZIP", "gzip"),
    ],
)
def test_the_encoding_follows_the_clients_preferences(header, expected):
    assert chosen_encoding(header) == expected


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


def test_small_bodies_go_uncompressed(app):
    with app.test_request_context("/", headers={"Accept-Encoding": "gzip"}):
        small = Response("小" * 100, mimetype="text/html")
        compress_response(small, request)
        large = Response("大" * 1000, mimetype="text/html")
        compress_response(large, request)
    assert "Content-Encoding" not in small.headers and small.get_data() == "小".encode() * 100
    assert large.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(large.get_data()) == "大".encode() * 1000
