"""Fault injection for the relying party's negative tests (only with DEVIDP_FAULTS_ENABLED).

Faults are set with ``POST /_faults`` and apply once: the token faults to the next token
response, ``discovery_issuer`` to the next discovery document, ``callback_iss`` to the next
authorization redirect. With ``"persist": true`` they stay until ``DELETE /_faults``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading

TOKEN_FAULTS = ("id_token_claims", "id_token_alg", "tamper_signature")
_ALGORITHMS = ("none", "HS256", "RS256")


class FaultError(ValueError):
    """A fault description that cannot be applied."""


class Faults:
    """The faults pending on one provider instance (thread-safe)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._pending: dict = {}
        self._persist = False

    def set(self, data: object) -> None:
        """Replace the pending faults with ``data`` (the JSON body of ``POST /_faults``).

        :raises FaultError: on an unknown fault name or a value of the wrong type.
        """
        faults = validate_faults(data)
        with self._lock:
            self._persist = bool(faults.pop("persist", False))
            self._pending = faults

    def clear(self) -> None:
        """Drop every pending fault."""
        self.set({})

    def describe(self) -> dict:
        """The pending faults, as ``GET /_faults`` shows them."""
        with self._lock:
            return {**self._pending, "persist": self._persist}

    def take(self, *names: str) -> dict:
        """Return the pending faults among ``names``, consuming them unless they persist."""
        with self._lock:
            taken = {name: self._pending[name] for name in names if name in self._pending}
            if not self._persist:
                for name in taken:
                    del self._pending[name]
            return taken


def validate_faults(data: object) -> dict:
    """Check a fault description and return a copy of it.

    :raises FaultError: on an unknown fault name or a value of the wrong type.
    """
    if not isinstance(data, dict):
        raise FaultError("faults must be a JSON object")
    checks = {
        "id_token_claims": lambda v: isinstance(v, dict),
        "id_token_alg": lambda v: v in _ALGORITHMS,
        "tamper_signature": lambda v: isinstance(v, bool),
        "discovery_issuer": lambda v: isinstance(v, str),
        "callback_iss": lambda v: isinstance(v, str),
        "persist": lambda v: isinstance(v, bool),
    }
    for name, value in data.items():
        if name not in checks:
            raise FaultError(f"unknown fault {name!r}; known: {sorted(checks)}")
        if not checks[name](value):
            raise FaultError(f"bad value for fault {name!r}: {value!r}")
    return dict(data)


def rewrite_jwt(token: str, faults: dict, keys, secret: str, typ: str | None = None) -> str:
    """Return ``token`` re-issued with the given faults applied.

    ``id_token_claims`` overrides claims (``None`` deletes one); ``id_token_alg`` re-signs with
    ``none``, ``HS256`` (keyed with the client ``secret``) or ``RS256`` (our key);
    ``tamper_signature`` flips bits of the final signature.
    """
    header_part, payload_part, _ = token.split(".")
    header = json.loads(_b64decode(header_part))
    claims = json.loads(_b64decode(payload_part))
    for name, value in faults.get("id_token_claims", {}).items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    alg = faults.get("id_token_alg", header["alg"])
    token = _sign(claims, alg, keys, secret, typ or header.get("typ", "JWT"))
    if faults.get("tamper_signature"):
        token = _tamper(token)
    return token


def _sign(claims: dict, alg: str, keys, secret: str, typ: str) -> str:
    if alg == "RS256":
        return keys.sign(claims, typ=typ)
    header = {"alg": alg, "typ": typ}
    signing_input = f"{_b64encode(json.dumps(header))}.{_b64encode(json.dumps(claims))}"
    signature = b""
    if alg == "HS256":
        signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64encode(signature)}"


def _tamper(token: str) -> str:
    signing_input, _, signature = token.rpartition(".")
    raw = bytearray(_b64decode(signature) or b"\0")
    raw[len(raw) // 2] ^= 0xFF
    return f"{signing_input}.{_b64encode(bytes(raw))}"


def _b64encode(data: str | bytes) -> str:
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
