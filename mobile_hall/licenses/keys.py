"""The hall's license signing key: the current signer, and every key it has signed with (JWKS).

The signer comes from the configuration: ``LICENSE_SIGNER`` when an app is given a signer
object (an SM2 signer, say: anything that follows `signing.Signer`), otherwise an Ed25519 key
from ``LICENSE_SIGNING_KEY`` (PKCS#8 PEM) named ``LICENSE_KEY_ID``, or by its RFC 7638
thumbprint when no id is set. Each key's public half is stored the first time it signs, so a
license stays verifiable after the key is replaced: the JWKS lists the current key first, then
every earlier one.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from ..clock import now
from ..extensions import db
from .models import SigningKey
from .signing import Ed25519Signer, Signer, public_jwks

_SIGNER = "license_signer"


class KeyIdConflict(Exception):
    """The configured key id already names another public key: a key id names one key forever."""


def new_signing_key() -> str:
    """A new Ed25519 private key in PKCS#8 PEM."""
    return Ed25519Signer.generate().to_pem().decode("ascii")


@cache
def generated_signing_key() -> str:
    """A new signing key, the same for the whole process: for the test suite."""
    return new_signing_key()


def local_signing_key(path: Path) -> str:
    """The development signing key kept in ``path`` (instance/), made on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(new_signing_key())
        path.chmod(0o600)
    return path.read_text()


def current_signer() -> Signer:
    """The signer new licenses and tokens are signed with (built once per app).

    :raises ValueError: if ``LICENSE_SIGNING_KEY`` is not an Ed25519 private key in PEM.
    """
    signer = current_app.extensions.get(_SIGNER)
    if signer is None:
        signer = current_app.config.get("LICENSE_SIGNER") or _configured_ed25519()
        current_app.extensions[_SIGNER] = signer
    return signer


def _configured_ed25519() -> Ed25519Signer:
    pem = current_app.config["LICENSE_SIGNING_KEY"]
    return Ed25519Signer.from_pem(pem, current_app.config.get("LICENSE_KEY_ID") or None)


def register_current_key() -> Signer:
    """The current signer, its public key stored among the keys ever used (the caller commits).

    :raises KeyIdConflict: if its key id is already stored with another public key.
    """
    signer = current_signer()
    jwk = signer.public_jwk()
    stored = _stored(signer.key_id)
    if stored is None:
        try:
            with db.session.begin_nested():
                db.session.add(
                    SigningKey(
                        key_id=signer.key_id,
                        algorithm=signer.algorithm,
                        jwk=jwk,
                        first_used_at=now(),
                    )
                )
            return signer
        except IntegrityError:  # another worker stored it first
            stored = _stored(signer.key_id)
    if stored is None or stored.jwk != jwk:
        raise KeyIdConflict(signer.key_id)
    return signer


def _stored(key_id: str) -> SigningKey | None:
    return db.session.scalar(sa.select(SigningKey).where(SigningKey.key_id == key_id))


def jwks_naming(stored: dict[str, dict | None]) -> dict:
    """The part of `hall_jwks()` that a check needs: the current key, and the stored keys of
    ``stored`` (key id → its stored JWK, None when no key is stored under that id).

    Every key id in ``stored`` or of the current key resolves in it exactly as in the whole
    JWKS (the current key first; a stored key under the current key's id is not repeated), so
    a token or a record checked against it gets the same answer, without reading every key.
    """
    current = current_signer()
    earlier = [jwk for key_id, jwk in stored.items() if jwk and key_id != current.key_id]
    return {"keys": [current.public_jwk(), *earlier]}


def hall_jwks() -> dict:
    """The JWKS published at ``/licenses/keys``: the current key first, then the earlier ones."""
    current = current_signer()
    earlier = db.session.scalars(
        sa.select(SigningKey)
        .where(SigningKey.key_id != current.key_id)
        .order_by(SigningKey.first_used_at.desc(), SigningKey.id.desc())
    )
    return {"keys": public_jwks([current])["keys"] + [key.jwk for key in earlier]}
