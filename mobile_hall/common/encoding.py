"""Unpadded base64url (RFC 4648 §5): how JOSE, the field cipher and the licence records spell
bytes in text."""

from __future__ import annotations

import base64
import re

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64url_encode(data: bytes) -> str:
    """``data`` as base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """The bytes of unpadded base64url ``text``, canonical spelling only.

    The last character of a length not divisible by 4 has spare bits; refusing them unless they
    are zero gives every byte string exactly one spelling, so changing any character of a token
    changes its bytes.

    :raises ValueError: for padding, a character outside the alphabet, an impossible length or a
        non-canonical spelling.
    """
    if not isinstance(text, str) or not _BASE64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url_encode(data) != text:
        raise ValueError("not the canonical base64url spelling")
    return data
