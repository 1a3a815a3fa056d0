"""The provider's RS256 signing keys: generated on first start, kept in a JWKS file (mode 0600)."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

log = logging.getLogger(__name__)

ALGORITHM = "RS256"


class SigningKeys:
    """A key set whose first key signs; every key is published in the JWKS."""

    def __init__(self, key_set: KeySet):
        self.key_set = key_set
        self.current = key_set.keys[0]

    @property
    def kid(self) -> str:
        """The ``kid`` of the signing key."""
        return self.current.kid

    def public_jwks(self) -> dict:
        """The public keys as a JWKS document."""
        return self.key_set.as_dict(private=False)

    def public_key_set(self) -> KeySet:
        """The public keys as a joserfc key set (to verify our own tokens)."""
        return KeySet.import_key_set(self.public_jwks())

    def sign(self, claims: dict, typ: str = "JWT") -> str:
        """Sign ``claims`` as a compact JWT with RS256 and the ``kid`` header."""
        header = {"alg": ALGORITHM, "kid": self.kid, "typ": typ}
        return jwt.encode(header, claims, self.current, [ALGORITHM])


def load_or_create_keys(path: Path) -> SigningKeys:
    """Load the private JWKS at ``path``, generating a fresh RSA key there if it is missing.

    The file is created atomically with mode 0600, so that two processes starting at once end up
    with the same key.
    """
    if not path.exists():
        _create_key_file(path)
    data = json.loads(path.read_text())
    return SigningKeys(KeySet.import_key_set(data))


def _create_key_file(path: Path) -> None:
    key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": ALGORITHM})
    key.ensure_kid()
    text = json.dumps(KeySet([key]).as_dict(private=True), indent=2)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".devidp-jwks-")
    try:
        with os.fdopen(fd, "w") as tmp:
            tmp.write(text)
        os.link(tmp_name, path)
        log.info("Generated a new signing key %s in %s", key.kid, path)
    except FileExistsError:
        pass  # another process won the race; use its key
    finally:
        os.unlink(tmp_name)
