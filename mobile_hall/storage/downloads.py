"""Sending a stored upload back: under a name the hall builds, never the name it came with.

An applicant chooses the name of what they upload; served under it, a PDF named ``x.html``
or a name with a right-to-left override (``U+202E``) would mislead the clerk who saves or
opens it. The name sent is the material's own name with the extension of the type read from
the bytes (``营业执照-1.pdf``), in RFC 6266's ``filename*=UTF-8''…`` form with an ASCII
fallback, and browsers are told not to guess the type.
"""

from __future__ import annotations

from typing import BinaryIO
from urllib.parse import quote

from flask import Response, send_file

EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}
# What a browser shows itself; anything else (there should be nothing) is only downloaded.
SHOWN_INLINE = frozenset(EXTENSIONS)


def download_name(stem: str, content_type: str | None) -> str:
    """``stem`` with the extension of the detected ``content_type`` (none if unknown)."""
    return f"{stem}{EXTENSIONS.get(content_type or '', '')}"


def content_disposition(disposition: str, name: str, fallback: str) -> str:
    """A Content-Disposition value: ``fallback`` (ASCII) for old clients, ``name`` in UTF-8."""
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def send_stored(stream: BinaryIO, content_type: str | None, name: str, fallback: str) -> Response:
    """The stored bytes under the built ``name``: inline for images and PDF, an attachment
    for any other type; ``nosniff``, never cached, never compressed (see config)."""
    shown = content_type in SHOWN_INLINE
    response = send_file(
        stream,
        mimetype=content_type if shown else "application/octet-stream",
        etag=False,
        max_age=0,
    )
    disposition = "inline" if shown else "attachment"
    response.headers["Content-Disposition"] = content_disposition(disposition, name, fallback)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
