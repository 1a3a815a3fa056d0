"""Licence verification is cheap and still fresh: one statement reads the licence with the keys
of the token and of the record, a repeat check is served from the page cache until a licence
or key changes, and what was checked before proves nothing about a record changed since."""

from __future__ import annotations

import html

import sqlalchemy as sa

from mobile_hall.clock import now
from mobile_hall.extensions import db
from mobile_hall.licenses import keys, services, signing
from mobile_hall.licenses.models import License, SigningKey
from mobile_hall.licenses.signing import Ed25519Signer
from tests.support import builders


def _state(client, token: str) -> str:
    page = html.unescape(client.get(f"/licenses/verify?token={token}").get_data(as_text=True))
    return page.split('data-state="', 1)[1].split('"', 1)[0]


def _selects(counter) -> list[str]:
    return [s for s in counter.statements if s.lstrip().upper().startswith("SELECT")]


def test_a_check_is_one_statement_and_a_repeat_only_reads_the_change_token(
    app, client, count_queries
):
    _license_id, token = builders.licence_with_token(app)
    with count_queries() as counter:
        assert _state(client, token) == "valid"
    assert len([s for s in _selects(counter) if "change_token" not in s]) == 1
    with count_queries() as counter:
        response = client.get(f"/licenses/verify?token={token}")
    assert response.headers["Cache-Control"] == "no-store"  # kept by the hall, not by browsers
    assert [s for s in _selects(counter)] == [
        s for s in counter.statements if "change_token" in s
    ] and len(_selects(counter)) == 1


def test_every_check_reads_the_record_again(app, client):
    license_id, token = builders.licence_with_token(app)
    assert _state(client, token) == "valid"
    with app.app_context():
        services.revoke_license(db.session.get(License, license_id), "被依法吊销", actor="test")
    assert _state(client, token) == "revoked"


def test_a_record_changed_after_a_good_check_is_forged(app, client):
    license_id, token = builders.licence_with_token(app)
    assert _state(client, token) == "valid"  # its signatures were checked
    with app.app_context():
        license = db.session.get(License, license_id)
        license.data = {**license.data, "name": "别的公司"}
        db.session.commit()
    assert _state(client, token) == "forged"


def test_the_keys_a_check_needs_resolve_as_in_the_whole_jwks(app_context, monkeypatch):
    from flask import current_app

    builders.issue_licence()  # the current key is stored
    earlier = Ed25519Signer.generate("hall-earlier")
    db.session.add(
        SigningKey(
            key_id="hall-earlier",
            algorithm="EdDSA",
            jwk=earlier.public_jwk(),
            first_used_at=now(),
        )
    )
    db.session.flush()
    current = keys.current_signer().key_id
    whole = keys.hall_jwks()
    stored = dict(db.session.execute(sa.select(SigningKey.key_id, SigningKey.jwk)).all())
    for key_id in (current, "hall-earlier", "never-used"):
        part = keys.jwks_naming({key_id: stored.get(key_id)})
        assert signing._find_key(part, key_id) == signing._find_key(whole, key_id)
    # A new current key (not stored yet) is named first, as in the whole JWKS.
    monkeypatch.setitem(current_app.extensions, "license_signer", Ed25519Signer.generate("next"))
    assert signing._find_key(keys.jwks_naming({}), "next") == keys.hall_jwks()["keys"][0]
