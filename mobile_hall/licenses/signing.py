"""Signing licenses, publishing the keys, and the compact signed tokens carried by QR codes.

A license's data is signed in a canonical form (:func:`canonical_json`) so that anyone holding
the hall's public keys (a JWKS at ``/licenses/keys``) can check it without calling the hall.
Signers are pluggable (:class:`Signer`): Ed25519 through ``cryptography`` by default. An SM2
signer (e.g. on ``gmssl``) would implement the same protocol with its own ``algorithm`` name
and JWK, and its check would be added with :func:`register_verifier` under that name; nothing
else changes, and keys of both kinds can sit in one JWKS during a change-over.

Tokens are compact JWS (RFC 7515): ``base64url(header).base64url(payload).base64url(signature)``
with the header ``{"alg":"EdDSA","kid":…,"typ":"license+jws"}``, built by hand because the JOSE
library at hand refuses ``EdDSA`` as deprecated (RFC 9864 names it ``Ed25519``).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

JWS_TYP = "license+jws"
_MAX_TOKEN_LENGTH = 4096
_SAFE_INTEGER = 2**53 - 1  # beyond this, JavaScript verifiers would read another number
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")

Verifier = Callable[[dict, bytes, bytes], bool]


class ForgedToken(Exception):
    """A token that must not be believed; ``reason`` is for the log, never for the page."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"forged token: {reason}")
        self.reason = reason


class Signer(Protocol):
    """Something that signs with a private key the hall keeps and publishes as a JWK."""

    key_id: str
    algorithm: str  # the JOSE "alg" name

    def sign(self, data: bytes) -> bytes: ...

    def public_jwk(self) -> dict: ...


def canonical_json(data: dict) -> bytes:
    """The one byte form of ``data`` that is signed, in the manner of RFC 8785 (JCS).

    UTF-8; object keys sorted by code point; no whitespace; non-ASCII characters as themselves;
    only JSON types: objects with string keys, arrays (lists), strings, integers within
    ±(2**53 - 1), true, false, null. Floats are refused, since their text differs between
    implementations: carry amounts and decimals as strings.

    :raises TypeError: if ``data`` holds a value or key that is not one of those types.
    :raises ValueError: for an integer out of range or a string with a lone surrogate.
    """
    if not isinstance(data, dict):
        raise TypeError("canonical JSON is made of an object")
    _check_json(data)
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode("utf-8")


class Ed25519Signer:
    """An Ed25519 signing key with its key id; its JWK is ``OKP``/``Ed25519``/``EdDSA``."""

    algorithm = "EdDSA"

    def __init__(self, private_key: Ed25519PrivateKey, key_id: str) -> None:
        if not key_id or not key_id.isascii() or not key_id.isprintable():
            raise ValueError(f"a key id is printable ASCII, not {key_id!r}")
        self._private_key = private_key
        self.key_id = key_id

    @classmethod
    def generate(cls, key_id: str) -> Ed25519Signer:
        """A signer with a new random key. :raises ValueError: for an empty or odd key id."""
        return cls(Ed25519PrivateKey.generate(), key_id)

    @classmethod
    def from_pem(cls, pem: bytes | str, key_id: str) -> Ed25519Signer:
        """A signer from an unencrypted PKCS#8 PEM private key (as :meth:`to_pem` writes it).

        :raises ValueError: if the PEM is unreadable, encrypted, or not an Ed25519 private key.
        """
        data = pem.encode("ascii") if isinstance(pem, str) else pem
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except TypeError as error:  # an encrypted key
            raise ValueError(str(error)) from error
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("not an Ed25519 private key")
        return cls(key, key_id)

    def to_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM: keep it with the other secrets."""
        return self._private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def sign(self, data: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``data``."""
        return self._private_key.sign(data)

    def public_jwk(self) -> dict:
        """The public key as a JWK (RFC 8037) with its key id, ready for a JWKS."""
        raw = self._private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": _encode(raw),
            "kid": self.key_id,
            "alg": self.algorithm,
            "use": "sig",
        }


def public_jwks(signers: Iterable[Signer]) -> dict:
    """The JWKS to publish: the current key and the retired ones whose licenses are still held."""
    return {"keys": [signer.public_jwk() for signer in signers]}


def register_verifier(algorithm: str, verify: Verifier) -> None:
    """Teach :func:`verify_signature` another algorithm: ``verify(jwk, data, signature)``."""
    _VERIFIERS[algorithm] = verify


def verify_signature(jwks: dict, key_id: str, data: bytes, signature: bytes) -> bool:
    """Whether ``signature`` over ``data`` was made with the key ``key_id`` of ``jwks``.

    False, never an exception, for an unknown or duplicated key id, a key of an algorithm no
    verifier is registered for, a malformed key, or a bad signature.
    """
    jwk = _find_key(jwks, key_id)
    verify = _VERIFIERS.get(jwk.get("alg")) if jwk is not None else None
    return verify is not None and verify(jwk, data, signature)


def make_token(signer: Signer, claims: dict) -> str:
    """A compact JWS of ``claims`` signed by ``signer``, short enough for a QR code.

    :raises TypeError, ValueError: as :func:`canonical_json`, for claims that are not plain JSON.
    """
    header = {"alg": signer.algorithm, "kid": signer.key_id, "typ": JWS_TYP}
    signing_input = f"{_encode(canonical_json(header))}.{_encode(canonical_json(claims))}"
    return f"{signing_input}.{_encode(signer.sign(signing_input.encode('ascii')))}"


def peek_token(token: str) -> tuple[str | None, dict[str, Any]]:
    """The key id and claims a token *says* it has, NOT verified: only to know what to fetch
    before :func:`read_token` proves them. ``(None, {})`` for anything malformed; never raises.
    """
    try:
        header_part, payload_part, _signature = _split(token)
        kid = _decode_json(header_part).get("kid")
        return (kid if isinstance(kid, str) else None), _decode_json(payload_part)
    except ForgedToken:
        return None, {}


def read_token(jwks: dict, token: str) -> dict[str, Any]:
    """The claims of a token made by :func:`make_token`, once its signature is proven.

    :raises ForgedToken: if the token is malformed, names a key not in ``jwks``, names an
        algorithm other than that key's (``none`` included), or its signature does not verify.
    """
    header_part, payload_part, signature_part = _split(token)
    header = _decode_json(header_part)
    _check_header(header, jwks)
    signing_input = f"{header_part}.{payload_part}".encode("ascii")
    if not verify_signature(jwks, header["kid"], signing_input, _decode_part(signature_part)):
        raise ForgedToken("signature")
    return _decode_json(payload_part)


def _check_json(value: object) -> None:
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int):
        if abs(value) > _SAFE_INTEGER:
            raise ValueError(f"integer {value} is outside ±(2**53 - 1)")
    elif isinstance(value, list):
        for item in value:
            _check_json(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"object key {key!r} is not a string")
            _check_json(item)
    else:
        raise TypeError(f"{type(value).__name__} is not allowed in canonical JSON")


@lru_cache(maxsize=256)
def _ed25519_public_key(x: str) -> Ed25519PublicKey:
    """The parsed public key of a JWK's ``x``: parsed once per process (keyed by its bytes, so
    a key id that came to name another key could never reuse it).

    :raises ValueError: if ``x`` is not the base64url of an Ed25519 public key.
    """
    return Ed25519PublicKey.from_public_bytes(_decode(x))


@lru_cache(maxsize=1024)
def _ed25519_holds(x: str, data: bytes, signature: bytes) -> bool:
    """Whether ``signature`` over ``data`` verifies under the public key ``x``: a pure function
    of its three arguments, so a licence checked again and again (its QR code scanned, its
    record re-read) is verified once per process."""
    try:
        _ed25519_public_key(x).verify(signature, data)
    except (TypeError, ValueError, InvalidSignature):
        return False
    return True


def _verify_ed25519(jwk: dict, data: bytes, signature: bytes) -> bool:
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        return False
    x, raw = jwk.get("x"), (bytes, bytearray, memoryview)
    if not isinstance(x, str) or not isinstance(data, raw) or not isinstance(signature, raw):
        return False
    return _ed25519_holds(x, bytes(data), bytes(signature))


_VERIFIERS: dict[str, Verifier] = {Ed25519Signer.algorithm: _verify_ed25519}


def _find_key(jwks: dict, key_id: str) -> dict | None:
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    found = [key for key in keys or () if isinstance(key, dict) and key.get("kid") == key_id]
    return found[0] if len(found) == 1 else None  # two keys under one id: trust neither


def _split(token: str) -> tuple[str, str, str]:
    if not isinstance(token, str) or len(token.strip()) > _MAX_TOKEN_LENGTH:
        raise ForgedToken("malformed")
    parts = token.strip().split(".")
    if len(parts) != 3 or not all(parts):
        raise ForgedToken("malformed")
    return parts[0], parts[1], parts[2]


def _check_header(header: dict, jwks: dict) -> None:
    if header.get("typ") != JWS_TYP or "crit" in header or not isinstance(header.get("kid"), str):
        raise ForgedToken("malformed")
    jwk = _find_key(jwks, header["kid"])
    if jwk is None:
        raise ForgedToken("unknown_key")
    if header.get("alg") != jwk.get("alg"):
        raise ForgedToken("algorithm")


def _decode_json(part: str) -> dict:
    try:
        value = json.loads(_decode_part(part).decode("utf-8"))
    except (ValueError, RecursionError):
        raise ForgedToken("malformed") from None
    if not isinstance(value, dict):
        raise ForgedToken("malformed")
    return value


def _decode_part(part: str) -> bytes:
    try:
        return _decode(part)
    except ValueError:
        raise ForgedToken("malformed") from None


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    """Strict base64url without padding: one spelling per value, so no token has two."""
    if not _BASE64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _encode(data) != text:
        raise ValueError("not the canonical base64url spelling")
    return data
