"""Protecting personal identifiers at rest (MLPS level 3, PIPL).

A column holding an ID number stores two things: a `FieldCipher` token, so the number can be
read back by the service that needs it, and a `keyed_hash`, so an account can be found by its
number without the number being stored in clear or the token being decrypted row by row.

Tokens read ``v1.<key id>.<base64url(nonce + ciphertext)>``. The key id lets keys rotate: the
first key of the ring encrypts, every key of the ring decrypts, and a re-encryption job can
move old tokens to the current key at its own pace.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .encoding import b64url_decode, b64url_encode

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
FORMAT_VERSION = "v1"
# A key id appears in every token and in configuration: short, and free of "." , ":" and ",".
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


class DecryptionError(Exception):
    """A token that cannot be turned back into its plaintext.

    Its message never contains the token or any part of the plaintext.
    """


def _check_key(key_id: str, key: bytes) -> None:
    if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
        raise ValueError(f"key id {key_id!r} must be 1 to 32 letters, digits, '-' or '_' (ASCII)")
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        raise ValueError(f"key {key_id!r} must be exactly {KEY_BYTES} bytes")


def _associated_data(context: str) -> bytes:
    if not context:
        raise ValueError("the context (for example 'account.id_number') must not be empty")
    return context.encode("utf-8")


class FieldCipher:
    """AES-256-GCM for single database fields, with a ring of keys told apart by id."""

    def __init__(self, keys: Mapping[str, bytes], current_key_id: str) -> None:
        """Hold ``keys`` and encrypt with the one named ``current_key_id``.

        :raises ValueError: if ``keys`` is empty, a key id is not 1–32 ASCII letters, digits,
            ``-`` or ``_``, a key is not exactly 32 bytes, or ``current_key_id`` is not in ``keys``.
        """
        if not keys:
            raise ValueError("the key ring is empty")
        for key_id, key in keys.items():
            _check_key(key_id, key)
        if current_key_id not in keys:
            raise ValueError(f"the current key {current_key_id!r} is not in the key ring")
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._current_key_id = current_key_id

    def __repr__(self) -> str:
        # Never the keys themselves: a repr ends up in logs and tracebacks.
        return f"FieldCipher(key_ids={sorted(self._ciphers)!r}, current={self._current_key_id!r})"

    @property
    def current_key_id(self) -> str:
        """The id of the key that new tokens are encrypted with."""
        return self._current_key_id

    def encrypt(self, plaintext: str, context: str) -> str:
        """A token ``v1.<key id>.<base64url nonce+ciphertext>`` for ``plaintext``.

        A fresh random 96-bit nonce makes two tokens of one value differ. ``context`` (the
        column, such as ``"account.id_number"``) is authenticated, so a token copied into
        another column does not decrypt there.

        :raises ValueError: if ``context`` is empty.
        """
        associated_data = _associated_data(context)
        nonce = secrets.token_bytes(NONCE_BYTES)
        cipher = self._ciphers[self._current_key_id]
        sealed = cipher.encrypt(nonce, plaintext.encode("utf-8"), associated_data)
        return f"{FORMAT_VERSION}.{self._current_key_id}.{b64url_encode(nonce + sealed)}"

    def decrypt(self, token: str, context: str) -> str:
        """The plaintext of a token made by `encrypt` with any key of the ring and ``context``.

        :raises DecryptionError: if the token is malformed, names a key not in the ring, was
            made for another context, or was altered in any way.
        :raises ValueError: if ``context`` is empty.
        """
        associated_data = _associated_data(context)
        key_id, nonce, sealed = self._parse(token)
        try:
            plaintext = self._ciphers[key_id].decrypt(nonce, sealed, associated_data)
        except InvalidTag:
            raise DecryptionError(
                "the token was altered, or made with another key or for another context"
            ) from None
        return plaintext.decode("utf-8")

    def _parse(self, token: str) -> tuple[str, bytes, bytes]:
        parts = token.split(".") if isinstance(token, str) else []
        if len(parts) != 3 or parts[0] != FORMAT_VERSION:
            raise DecryptionError(f"the token is not of the form {FORMAT_VERSION}.<key>.<data>")
        key_id, payload = parts[1], parts[2]
        if key_id not in self._ciphers:
            raise DecryptionError("the token's key is not in the key ring")
        try:
            raw = b64url_decode(payload)
        except ValueError:
            raise DecryptionError("the token's data is not canonical base64url") from None
        if len(raw) < NONCE_BYTES + TAG_BYTES:
            raise DecryptionError("the token's data is too short")
        return key_id, raw[:NONCE_BYTES], raw[NONCE_BYTES:]


def keyed_hash(value: str, key: bytes) -> str:
    """HMAC-SHA256 of ``value`` (UTF-8) as 64 lower-case hex digits, for equality look-ups.

    Normalise the value first (``normalise_id_number``): the hash matches exact strings only.
    Use a key of its own, not one of the cipher's.

    :raises ValueError: if ``key`` is shorter than 32 bytes.
    """
    if len(key) < KEY_BYTES:
        raise ValueError(f"the hashing key must be at least {KEY_BYTES} bytes")
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def generate_key() -> str:
    """A new random 32-byte key as unpadded base64url, ready for a key-ring entry.

    Refuses nothing.
    """
    return b64url_encode(secrets.token_bytes(KEY_BYTES))


def _parse_key(position: int, entry: str) -> tuple[str, bytes]:
    key_id, separator, encoded = (part.strip() for part in entry.partition(":"))
    if not separator or not key_id:
        raise ValueError(f"key ring entry {position} must read '<key id>:<base64url key>'")
    try:
        key = b64url_decode(encoded.rstrip("="))
    except ValueError:
        raise ValueError(f"key {key_id!r} is not base64url") from None
    _check_key(key_id, key)
    return key_id, key


def parse_key_ring(spec: str) -> tuple[dict[str, bytes], str]:
    """The keys and the current key id of a spec such as ``"k2:<key>,k1:<key>"``.

    The first entry is the current key. Keys are base64url, padded or not, of exactly 32 bytes.
    Messages name the entry or key id at fault, never the key material.

    :raises ValueError: if the spec is empty, an entry is empty or lacks ``:``, a key id is not
        1–32 ASCII letters, digits, ``-`` or ``_``, a key is not base64url or not 32 bytes, or
        a key id appears twice.
    """
    if not spec or not spec.strip():
        raise ValueError("the key ring is empty: expected '<key id>:<base64url key>,...'")
    keys: dict[str, bytes] = {}
    for position, entry in enumerate(spec.split(","), start=1):
        key_id, key = _parse_key(position, entry)
        if key_id in keys:
            raise ValueError(f"key id {key_id!r} appears more than once in the key ring")
        keys[key_id] = key
    return keys, next(iter(keys))
