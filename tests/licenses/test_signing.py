"""Canonical license data, Ed25519 signatures, the published keys and the QR tokens."""

import base64
import hashlib
import hmac
import json
from datetime import date

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mobile_hall.licenses.signing import (
    Ed25519Signer,
    ForgedToken,
    canonical_json,
    make_token,
    public_jwks,
    read_token,
    verify_signature,
)

LICENSE = {
    "identifier": "1.2.156.3005.2.11440205MB2C31477C003.11440205MB2C31477C.42.001.G",
    "holder": "曲江区好味道餐饮店",
    "valid_until": "2030-11-02",
    "scope": ["热食类食品制售", "冷食类食品制售"],
    "revoked": False,
    "version": 1,
}
CLAIMS = {"lid": LICENSE["identifier"], "iat": 1762128000}


@pytest.fixture(scope="module")
def signer():
    return Ed25519Signer.generate("hall-2025")


@pytest.fixture(scope="module")
def jwks(signer):
    return public_jwks([signer])


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _token(header, payload, signature=b"\x00" * 64):
    parts = [_b64(json.dumps(header).encode()), _b64(json.dumps(payload).encode())]
    return ".".join([*parts, _b64(signature)])


# --- canonical form ------------------------------------------------------------------------


def test_canonical_json_sorts_keys_drops_whitespace_and_keeps_chinese():
    data = {"b": [1, True, None], "a": {"z": "证照", "c": ""}}
    assert canonical_json(data) == '{"a":{"c":"","z":"证照"},"b":[1,true,null]}'.encode()


def test_canonical_json_is_the_same_whatever_the_insertion_order():
    assert canonical_json(LICENSE) == canonical_json(dict(reversed(list(LICENSE.items()))))


def test_canonical_json_escapes_only_what_json_requires():
    assert canonical_json({"s": 'a"\\\n/\u2028'}) == b'{"s":"a\\"\\\\\\n/\xe2\x80\xa8"}'


@pytest.mark.parametrize(
    "data",
    [{"amount": 1.5}, {"day": date(2025, 11, 3)}, {"pair": (1, 2)}, {1: "a"}, {"s": {1, 2}}],
)
def test_canonical_json_refuses_what_is_not_plain_json(data):
    with pytest.raises(TypeError):
        canonical_json(data)


@pytest.mark.parametrize("data", [{"n": 2**53}, {"n": -(2**53)}, {"s": "\ud800"}])
def test_canonical_json_refuses_unsafe_integers_and_lone_surrogates(data):
    with pytest.raises(ValueError):
        canonical_json(data)


def test_canonical_json_is_made_of_an_object():
    with pytest.raises(TypeError):
        canonical_json([1, 2])


# --- signatures and keys -------------------------------------------------------------------


def test_a_signature_verifies_against_the_published_key(signer, jwks):
    data = canonical_json(LICENSE)
    assert verify_signature(jwks, "hall-2025", data, signer.sign(data))


def test_altered_data_does_not_verify(signer, jwks):
    signature = signer.sign(canonical_json(LICENSE))
    altered = canonical_json(LICENSE | {"valid_until": "2035-11-02"})
    assert not verify_signature(jwks, "hall-2025", altered, signature)


def test_a_one_bit_change_in_the_signature_does_not_verify(signer, jwks):
    data = canonical_json(LICENSE)
    signature = bytearray(signer.sign(data))
    signature[10] ^= 0x01
    assert not verify_signature(jwks, "hall-2025", data, bytes(signature))


def test_an_unknown_or_ambiguous_key_id_does_not_verify(signer, jwks):
    data = canonical_json(LICENSE)
    signature = signer.sign(data)
    assert not verify_signature(jwks, "hall-2024", data, signature)
    doubled = {"keys": [*jwks["keys"], Ed25519Signer.generate("hall-2025").public_jwk()]}
    assert not verify_signature(doubled, "hall-2025", data, signature)


@pytest.mark.parametrize(
    "broken",
    [
        {"x": "not base64!"},
        {"x": _b64(b"short")},
        {"crv": "Ed448"},
        {"alg": "ES256"},
        {"alg": "none"},
        {"alg": ["EdDSA"]},
        {"x": 1},
        {"kty": "EC"},
        {"use": "enc"},
        {"d": _b64(bytes(32))},
    ],
)
def test_a_malformed_published_key_does_not_verify(signer, jwks, broken):
    data = canonical_json(LICENSE)
    keys = {"keys": [jwks["keys"][0] | broken]}
    assert not verify_signature(keys, "hall-2025", data, signer.sign(data))
    with pytest.raises(ForgedToken):
        read_token(keys, make_token(signer, CLAIMS))


@pytest.mark.parametrize("jwks", [{}, {"keys": None}, {"keys": ["x"]}, None])
def test_a_malformed_key_set_does_not_verify(signer, jwks):
    data = canonical_json(LICENSE)
    assert not verify_signature(jwks, "hall-2025", data, signer.sign(data))


def test_the_jwks_holds_public_okp_keys_only(signer, jwks):
    (key,) = jwks["keys"]
    assert set(key) == {"kty", "crv", "x", "kid", "alg", "use"}
    assert key | {"x": None} == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": None,
        "kid": "hall-2025",
        "alg": "EdDSA",
        "use": "sig",
    }
    assert len(_unb64(key["x"])) == 32
    assert "d" not in key


def test_a_key_survives_a_pem_round_trip(signer, jwks):
    restored = Ed25519Signer.from_pem(signer.to_pem().decode("ascii"), "hall-2025")
    assert restored.public_jwk() == signer.public_jwk()
    data = canonical_json(LICENSE)
    assert verify_signature(jwks, "hall-2025", data, restored.sign(data))
    assert b"PRIVATE KEY" in signer.to_pem()


def test_a_pem_that_is_not_an_ed25519_private_key_is_refused():
    ec_key = ec.generate_private_key(ec.SECP256R1())
    plain = ec_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    locked = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )
    for pem in (plain, locked, b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"):
        with pytest.raises(ValueError):
            Ed25519Signer.from_pem(pem, "k")


@pytest.mark.parametrize("key_id", ["", "密钥", "a\nb"])
def test_a_key_id_is_printable_ascii(key_id):
    with pytest.raises(ValueError):
        Ed25519Signer.generate(key_id)


# --- tokens --------------------------------------------------------------------------------


def test_a_token_round_trips(signer, jwks):
    token = make_token(signer, CLAIMS)
    assert read_token(jwks, token) == CLAIMS
    assert read_token(jwks, f" {token}\n") == CLAIMS


def test_a_token_is_a_compact_jws_with_the_license_header(signer):
    header, payload, signature = make_token(signer, CLAIMS).split(".")
    assert json.loads(_unb64(header)) == {"alg": "EdDSA", "kid": "hall-2025", "typ": "license+jws"}
    assert _unb64(payload) == canonical_json(CLAIMS)
    assert len(_unb64(signature)) == 64


def test_a_token_made_by_hand_before_joserfc_still_verifies(signer, jwks):
    # The hall's first tokens were assembled by hand: canonical JSON header and claims.
    header = {"alg": "EdDSA", "kid": "hall-2025", "typ": "license+jws"}
    signing_input = f"{_b64(canonical_json(header))}.{_b64(canonical_json(CLAIMS))}"
    signature = signer.sign(signing_input.encode("ascii"))
    assert read_token(jwks, f"{signing_input}.{_b64(signature)}") == CLAIMS
    assert make_token(signer, CLAIMS) == f"{signing_input}.{_b64(signature)}"


def test_a_token_naming_the_algorithm_ed25519_verifies_too(signer, jwks):
    header = {"alg": "Ed25519", "kid": "hall-2025", "typ": "license+jws"}
    signing_input = f"{_b64(canonical_json(header))}.{_b64(canonical_json(CLAIMS))}"
    signature = signer.sign(signing_input.encode("ascii"))
    assert read_token(jwks, f"{signing_input}.{_b64(signature)}") == CLAIMS


def test_a_key_published_as_ed25519_verifies_eddsa_signatures(signer, jwks):
    renamed = {"keys": [jwks["keys"][0] | {"alg": "Ed25519"}]}
    data = canonical_json(LICENSE)
    assert verify_signature(renamed, "hall-2025", data, signer.sign(data))
    assert read_token(renamed, make_token(signer, CLAIMS)) == CLAIMS


def test_an_unnamed_key_is_named_by_its_thumbprint():
    signer = Ed25519Signer.generate()
    x = _unb64(signer.public_jwk()["x"])
    members = {"crv": "Ed25519", "kty": "OKP", "x": _b64(x)}
    digest = hashlib.sha256(canonical_json(members)).digest()  # RFC 7638
    assert signer.key_id == _b64(digest)[:16]


def test_a_token_is_small_enough_for_a_qr_code(signer):
    assert len(make_token(signer, CLAIMS)) < 400


def test_an_altered_payload_byte_is_forged(signer, jwks):
    header, payload, signature = make_token(signer, CLAIMS).split(".")
    raw = bytearray(_unb64(payload))
    raw[-3] ^= 0x01
    with pytest.raises(ForgedToken) as caught:
        read_token(jwks, f"{header}.{_b64(bytes(raw))}.{signature}")
    assert caught.value.reason == "signature"


def test_every_single_character_change_is_forged(signer, jwks):
    token = make_token(signer, CLAIMS)
    for position, original in enumerate(token):
        if original != ".":
            changed = token[:position] + ("A" if original != "A" else "B") + token[position + 1 :]
            with pytest.raises(ForgedToken):
                read_token(jwks, changed)


def test_a_token_from_another_key_with_the_same_kid_is_forged(jwks):
    impostor = Ed25519Signer.generate("hall-2025")
    with pytest.raises(ForgedToken) as caught:
        read_token(jwks, make_token(impostor, CLAIMS))
    assert caught.value.reason == "signature"


def test_a_token_from_an_unknown_key_is_forged(jwks):
    with pytest.raises(ForgedToken) as caught:
        read_token(jwks, make_token(Ed25519Signer.generate("elsewhere"), CLAIMS))
    assert caught.value.reason == "unknown_key"


def test_an_unsigned_alg_none_token_is_forged(jwks):
    header = {"alg": "none", "kid": "hall-2025", "typ": "license+jws"}
    unsigned = _token(header, CLAIMS).rsplit(".", 1)[0] + "."
    with pytest.raises(ForgedToken):
        read_token(jwks, unsigned)
    with pytest.raises(ForgedToken) as caught:
        read_token(jwks, _token(header, CLAIMS))
    assert caught.value.reason == "algorithm"


def test_a_token_macd_with_the_public_key_is_forged(jwks):
    header = {"alg": "HS256", "kid": "hall-2025", "typ": "license+jws"}
    unsigned = _token(header, CLAIMS).rsplit(".", 1)[0]
    secret = jwks["keys"][0]["x"].encode()
    mac = hmac.new(secret, unsigned.encode(), hashlib.sha256).digest()
    with pytest.raises(ForgedToken) as caught:
        read_token(jwks, f"{unsigned}.{_b64(mac)}")
    assert caught.value.reason == "algorithm"


def test_a_signature_spelled_with_other_unused_bits_is_forged(signer, jwks):
    token = make_token(signer, CLAIMS)
    last = token[-1]
    # 64 bytes end in 86 characters whose last one carries 4 unused bits.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    respelled = alphabet[alphabet.index(last) ^ 0x01]
    assert _unb64(token[:-1] + respelled) == _unb64(token[:-1] + last)
    with pytest.raises(ForgedToken):
        read_token(jwks, token[:-1] + respelled)


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "EdDSA", "kid": "hall-2025"},
        {"alg": "EdDSA", "kid": "hall-2025", "typ": "JWT"},
        {"alg": "EdDSA", "kid": 7, "typ": "license+jws"},
        {"alg": "EdDSA", "kid": "hall-2025", "typ": "license+jws", "crit": ["exp"]},
    ],
)
def test_a_header_not_made_by_the_hall_is_forged(jwks, header):
    with pytest.raises(ForgedToken) as caught:
        read_token(jwks, _token(header, CLAIMS))
    assert caught.value.reason == "malformed"


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "..",
        "e30.e30.e30=",
        "e30.e30.e3+/",
        "W10.e30.AAAA",  # header is a list
        "bm90IGpzb24.e30.AAAA",  # header is not JSON
        "A" * 5000,
        None,
    ],
)
def test_malformed_tokens_are_forged(jwks, token):
    with pytest.raises(ForgedToken):
        read_token(jwks, token)


def test_claims_must_be_plain_json(signer):
    with pytest.raises(TypeError):
        make_token(signer, {"iat": 1.5})
