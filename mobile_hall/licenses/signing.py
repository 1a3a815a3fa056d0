"""Signing licenses, publishing the keys, and the compact signed tokens carried by QR codes.

A license's data is signed in a canonical form (:func:`canonical_json`) so that anyone holding
the hall's public keys (a JWKS at ``/licenses/keys``) can check it without calling the hall.
Keys, algorithms and tokens are joserfc's: the default signer holds an Ed25519
``joserfc.jwk.OKPKey``; tokens are compact JWS (``joserfc.jws``) with the header
``{"alg":"EdDSA","kid":…,"typ":"license+jws"}`` and the canonical JSON of the claims as payload.

The hall signs under the name ``EdDSA`` (RFC 8037), which every JOSE library in use knows
(PyJWT 2.x does not know RFC 9864's ``Ed25519`` yet), and accepts both names when verifying.
Another signer (SM2, say) holds a joserfc key of its kind whose algorithm is registered with
``joserfc.jws.JWSRegistry.register`` and named in :data:`ACCEPTED_ALGORITHMS`.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Literal, Protocol, cast

from joserfc import jwk, jws
from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import OKPKey
from joserfc.jws import JWSAlgModel

JWS_TYP = "license+jws"
SIGNING_ALGORITHM = "EdDSA"
ACCEPTED_ALGORITHMS = ("EdDSA", "Ed25519")
# RFC 9864 renamed "EdDSA" on an Ed25519 key to "Ed25519": one signature under two names.
_SAME_AS = {"Ed25519": "EdDSA"}
_MAX_TOKEN_LENGTH = 4096
_SAFE_INTEGER = 2**53 - 1  # beyond this, JavaScript verifiers would read another number
_REGISTRY = jws.JWSRegistry(algorithms=ACCEPTED_ALGORITHMS)


class ForgedToken(Exception):
    """A token that must not be believed; ``reason`` is for the log, never for the page."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"forged token: {reason}")
        self.reason = reason


class Signer(Protocol):
    """Something that signs with a private joserfc key the hall keeps and publishes as a JWK."""

    # Read-only members, so that an implementation may hold a narrower key type (`OKPKey`).
    @property
    def key_id(self) -> str: ...

    @property
    def algorithm(self) -> str: ...  # the JOSE "alg" name

    @property
    def key(self) -> jwk.Key: ...  # with its private half

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

    algorithm = SIGNING_ALGORITHM

    def __init__(self, key: OKPKey, key_id: str | None = None) -> None:
        if not key.is_private or key.curve_name != "Ed25519":
            raise ValueError("not an Ed25519 private key")
        key_id = key.thumbprint()[:16] if key_id is None else key_id
        if not key_id or not key_id.isascii() or not key_id.isprintable():
            raise ValueError(f"a key id is printable ASCII, not {key_id!r}")
        self.key = key
        self.key_id = key_id

    @classmethod
    def generate(cls, key_id: str | None = None) -> Ed25519Signer:
        """A signer with a new random key. :raises ValueError: for an empty or odd key id."""
        return cls(OKPKey.generate_key("Ed25519"), key_id)

    @classmethod
    def from_pem(cls, pem: bytes | str, key_id: str | None = None) -> Ed25519Signer:
        """A signer from an unencrypted PKCS#8 PEM private key (as :meth:`to_pem` writes it),
        named ``key_id`` or, without one, by the first 16 characters of its RFC 7638 thumbprint.

        :raises ValueError: if the PEM is unreadable, encrypted, or not an Ed25519 private key.
        """
        try:
            key = OKPKey.import_key(pem)
        except (JoseError, TypeError) as error:  # TypeError: an encrypted key
            raise ValueError(str(error)) from error
        return cls(key, key_id)

    def to_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM: keep it with the other secrets."""
        return self.key.as_pem(private=True)

    def sign(self, data: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``data``."""
        with _eddsa_name_allowed():
            return _REGISTRY.get_alg(self.algorithm).sign(data, self.key)

    def public_jwk(self) -> dict:
        """The public key as a JWK (RFC 8037) with its key id, ready for a JWKS."""
        public = self.key.as_dict(private=False)
        return {**public, "kid": self.key_id, "alg": self.algorithm, "use": "sig"}


def public_jwks(signers: Iterable[Signer]) -> dict:
    """The JWKS to publish: the current key and the retired ones whose licenses are still held."""
    return {"keys": [signer.public_jwk() for signer in signers]}


def verify_signature(jwks: dict, key_id: str, data: bytes, signature: bytes) -> bool:
    """Whether ``signature`` over ``data`` was made with the key ``key_id`` of ``jwks``.

    False, never an exception, for an unknown or duplicated key id, a key of an algorithm not
    accepted, a malformed key, or a bad signature.
    """
    published = _find_key(jwks, key_id)
    if published is None or not isinstance(data, bytes) or not isinstance(signature, bytes):
        return False
    try:
        algorithm, key = _published_key(published)
        algorithm.check_key(key)
        return algorithm.verify(data, signature, key)
    except (JoseError, ValueError, TypeError):
        return False


def make_token(signer: Signer, claims: dict) -> str:
    """A compact JWS of ``claims`` signed by ``signer``, short enough for a QR code.

    :raises TypeError, ValueError: as :func:`canonical_json`, for claims that are not plain JSON.
    """
    header = {"alg": signer.algorithm, "kid": signer.key_id, "typ": JWS_TYP}
    with _eddsa_name_allowed():
        return jws.serialize_compact(header, canonical_json(claims), signer.key, registry=_REGISTRY)


def peek_token(token: str) -> tuple[str | None, dict[str, Any]]:
    """The key id and claims a token *says* it has, NOT verified: only to know what to fetch
    before :func:`read_token` proves them. ``(None, {})`` for anything malformed; never raises.
    """
    try:
        compact = _extract(token)
        kid = compact.headers().get("kid")
        return (kid if isinstance(kid, str) else None), _claims(compact)
    except ForgedToken:
        return None, {}


def read_token(jwks: dict, token: str) -> dict[str, Any]:
    """The claims of a token made by :func:`make_token`, once its signature is proven.

    :raises ForgedToken: if the token is malformed, names a key not in ``jwks``, names an
        algorithm other than that key's (``none`` included), or its signature does not verify.
    """
    compact = _extract(token)
    header = compact.headers()
    published = _check_header(header, jwks)
    try:
        _algorithm, key = _published_key(published)
        with _eddsa_name_allowed():
            proven = jws.validate_compact(compact, key, registry=_REGISTRY)
    except (JoseError, ValueError, TypeError):
        raise ForgedToken("signature") from None
    if not proven:
        raise ForgedToken("signature")
    return _claims(compact)


@contextmanager
def _eddsa_name_allowed() -> Iterator[None]:
    """Silence joserfc's warning that RFC 9864 deprecates ``EdDSA``: the hall signs under that
    name on purpose, so that third parties can verify offline with the libraries they have."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "EdDSA is deprecated", SecurityWarning)
        yield


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


def _find_key(jwks: dict, key_id: str) -> dict | None:
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    found = [key for key in keys or () if isinstance(key, dict) and key.get("kid") == key_id]
    return found[0] if len(found) == 1 else None  # two keys under one id: trust neither


_KeyType = Literal["oct", "RSA", "EC", "OKP"]


def _published_key(published: dict) -> tuple[JWSAlgModel, jwk.Key]:
    """The algorithm a published JWK names and the key, imported as that algorithm's key type
    (so no other kind of key is ever read) and without its ``alg``: which of an algorithm's
    names a signature may carry is :func:`_same_algorithm`'s to decide, not joserfc's key check.

    :raises JoseError, ValueError, TypeError: for an algorithm not accepted, or a JWK that is
        not a public key of its kind.
    """
    alg = published.get("alg")
    if not isinstance(alg, str):
        raise ValueError("a published key names no algorithm")
    with _eddsa_name_allowed():
        algorithm = _REGISTRY.get_alg(alg)
    if published.get("kty") != algorithm.key_type:
        raise ValueError(f"a key for {algorithm.name} is of type {algorithm.key_type}")
    members = {name: value for name, value in published.items() if name != "alg"}
    # joserfc types an algorithm's key_type as any str; its algorithms name one of these four.
    key_type = cast(_KeyType, algorithm.key_type)
    key = jwk.import_key(members, key_type)
    if key.is_private:
        raise ValueError("a published key holds its private half")
    return algorithm, key


def _same_algorithm(first: object, second: object) -> bool:
    if not isinstance(first, str) or not isinstance(second, str):
        return False
    return _SAME_AS.get(first, first) == _SAME_AS.get(second, second)


def _extract(token: str) -> jws.CompactSignature:
    if not isinstance(token, str) or len(token.strip()) > _MAX_TOKEN_LENGTH:
        raise ForgedToken("malformed")
    try:
        compact = jws.extract_compact(token.strip().encode("ascii"))
    except (JoseError, ValueError):
        raise ForgedToken("malformed") from None
    if not isinstance(compact.headers(), dict):
        raise ForgedToken("malformed")
    return compact


def _claims(compact: jws.CompactSignature) -> dict[str, Any]:
    try:
        claims = json.loads(compact.payload)
    except (ValueError, RecursionError):
        raise ForgedToken("malformed") from None
    if not isinstance(claims, dict):
        raise ForgedToken("malformed")
    return claims


def _check_header(header: dict, jwks: dict) -> dict:
    """The published key the header names, once the header is one the hall makes."""
    if header.get("typ") != JWS_TYP or "crit" in header or not isinstance(header.get("kid"), str):
        raise ForgedToken("malformed")
    published = _find_key(jwks, header["kid"])
    if published is None:
        raise ForgedToken("unknown_key")
    if header.get("alg") not in ACCEPTED_ALGORITHMS or not _same_algorithm(
        header.get("alg"), published.get("alg")
    ):
        raise ForgedToken("algorithm")
    return published
