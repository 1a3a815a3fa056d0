"""Identity numbers, ID tokens and the API's stored answers at rest: encrypted with the hall's
key ring; ID numbers looked up by keyed hash."""

from __future__ import annotations

from flask import Flask, current_app

from ..common.crypto import DecryptionError, FieldCipher, keyed_hash, parse_key_ring
from ..common.encoding import b64url_decode
from .identifiers import normalise_id_number

ID_NUMBER_CONTEXT = "identity.id_number"
ID_TOKEN_CONTEXT = "web_session.id_token"  # noqa: S105 - an encryption context, not a secret
STORED_ANSWER_CONTEXT = "api_idempotent_request.response_body"


def init_protection(app: Flask) -> None:
    """Build the cipher and the hash key from `IDENTITY_KEYS` and `IDENTITY_HASH_KEY`."""
    keys, current = parse_key_ring(app.config["IDENTITY_KEYS"])
    app.extensions["identity_cipher"] = FieldCipher(keys, current)
    raw = app.config["IDENTITY_HASH_KEY"]
    app.extensions["identity_hash_key"] = b64url_decode(raw.rstrip("="))


def encrypt_id_number(id_number: str) -> str:
    """The ID number encrypted for its column (bound to that column by associated data)."""
    cipher: FieldCipher = current_app.extensions["identity_cipher"]
    return cipher.encrypt(normalise_id_number(id_number), ID_NUMBER_CONTEXT)


def decrypt_id_number(token: str) -> str:
    """The ID number back in clear, for the rare rule that needs it (never for display).

    :raises DecryptionError: if the token was altered or its key is gone.
    """
    cipher: FieldCipher = current_app.extensions["identity_cipher"]
    return cipher.decrypt(token, ID_NUMBER_CONTEXT)


def encrypt_id_token(id_token: str) -> str:
    """The platform's ID token encrypted for the session row, kept only to be sent back as
    RP-initiated logout's `id_token_hint`."""
    cipher: FieldCipher = current_app.extensions["identity_cipher"]
    return cipher.encrypt(id_token, ID_TOKEN_CONTEXT)


def decrypt_id_token(token: str | None) -> str | None:
    """The ID token back in clear for the logout redirect; None when there is none or it can
    no longer be read (its key left the ring): logout then goes without the hint."""
    if not token:
        return None
    cipher: FieldCipher = current_app.extensions["identity_cipher"]
    try:
        return cipher.decrypt(token, ID_TOKEN_CONTEXT)
    except DecryptionError:
        return None


def encrypt_stored_answer(body: str) -> str:
    """An API answer kept for retries, encrypted for its column: a step's answer to a key with
    the full record holds the applicant's ID number and phone in clear."""
    cipher: FieldCipher = current_app.extensions["identity_cipher"]
    return cipher.encrypt(body, STORED_ANSWER_CONTEXT)


def decrypt_stored_answer(token: str) -> str:
    """A stored API answer back in clear, to be given again to a retry.

    :raises DecryptionError: if the token was altered or its key is gone.
    """
    cipher: FieldCipher = current_app.extensions["identity_cipher"]
    return cipher.decrypt(token, STORED_ANSWER_CONTEXT)


def id_number_hash(id_number: str) -> str:
    """The keyed hash that finds an account or a staff role by ID number."""
    return keyed_hash(normalise_id_number(id_number), current_app.extensions["identity_hash_key"])
