"""Compressed text responses: brotli or gzip, as the client's `Accept-Encoding` allows.

Flask-Compress did this before. Its per-response work (headers re-read, algorithm chosen anew,
ETag and conditional handling) cost more than compressing a small page, and it compressed
every page at one level. Here a page compressed for one request uses the fastest level (about
a third of the time of gzip's default, for some 10 % more bytes: ~300 bytes on the personal
page), while what is compressed once and kept (a cached catalog page, a stylesheet) uses the
most thorough one.
"""

from __future__ import annotations

import gzip
from functools import lru_cache

import brotli
from flask import Request, Response

ENCODINGS = ("br", "gzip")  # in the order preferred when the client likes both as much
# Below this a compressed body saves too little to matter (headers cost more).
MIN_SIZE = 500
FAST = {"br": 1, "gzip": 1}
THOROUGH = {"br": 11, "gzip": 9}


@lru_cache(maxsize=256)
def chosen_encoding(accept_encoding: str) -> str | None:
    """The encoding to send for this `Accept-Encoding` header (RFC 9110 §12.5.3), or None."""
    weights: dict[str, float] = {}
    for part in accept_encoding.lower().split(","):
        name, *parameters = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if name:
            weights[name] = weight
    best, best_weight = None, 0.0
    for encoding in ENCODINGS:
        weight = weights.get(encoding, weights.get("*", 0.0))
        if weight > best_weight:
            best, best_weight = encoding, weight
    return best


def compress(data: bytes, encoding: str, *, thorough: bool = False) -> bytes:
    """`data` compressed with `encoding` ("br" or "gzip")."""
    level = (THOROUGH if thorough else FAST)[encoding]
    if encoding == "br":
        return brotli.compress(data, quality=level)
    return gzip.compress(data, compresslevel=level, mtime=0)


def compress_response(response: Response, request: Request, *, thorough: bool = False) -> None:
    """Compress `response`'s body in place if the client accepts an encoding we offer.

    Conditional requests are answered after compression, against the tagged ETag.
    """
    response.vary.add("Accept-Encoding")
    encoding = chosen_encoding(request.headers.get("Accept-Encoding", ""))
    if encoding is None or "Content-Encoding" in response.headers:
        return
    data = response.get_data()
    if len(data) < MIN_SIZE:
        return
    tagged = set_encoded_body(response, compress(data, encoding, thorough=thorough), encoding)
    if tagged and request.method in ("GET", "HEAD") and is_conditional(request):
        response.make_conditional(request)


def set_encoded_body(response: Response, body: bytes, encoding: str) -> bool:
    """Make `body`, encoded with `encoding`, the response's body, and tag a strong ETag with the
    encoding (`"<tag>:gzip"`: the compressed body is another representation); whether the
    response has an ETag."""
    response.direct_passthrough = False
    response.set_data(body)
    response.headers["Content-Encoding"] = encoding
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(f"{etag}:{encoding}")
    return etag is not None


CONDITIONAL_HEADERS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)


def is_conditional(request: Request) -> bool:
    """Whether the request is conditional (what `make_conditional` answers, with 304 or 412):
    most are not, and answering costs a tenth of a cached page."""
    environ = request.environ
    return any(header in environ for header in CONDITIONAL_HEADERS)
