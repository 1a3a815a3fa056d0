"""Field encryption with a rotating key ring, keyed hashes, and the key-ring configuration."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from mobile_hall.common.crypto import (
    DecryptionError,
    FieldCipher,
    generate_key,
    keyed_hash,
    parse_key_ring,
)

CONTEXT = "account.id_number"
ID_NUMBER = "11010519491231002X"
K1 = bytes(range(32))
K2 = bytes(range(32, 64))
# Standard base64 ("+" and "/"), as `openssl rand -base64 32` prints: not accepted.
STANDARD_BASE64_KEY = base64.b64encode(b"\xfb" * 32).decode()
BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher({"k1": K1}, "k1")


@pytest.fixture
def token(cipher: FieldCipher) -> str:
    return cipher.encrypt(ID_NUMBER, CONTEXT)


# --- encrypting and decrypting ---


@pytest.mark.parametrize("plaintext", [ID_NUMBER, "", "张三 广东省韶关市曲江区", "x" * 1000])
def test_a_value_decrypts_to_itself(cipher: FieldCipher, plaintext: str) -> None:
    assert cipher.decrypt(cipher.encrypt(plaintext, CONTEXT), CONTEXT) == plaintext


def test_a_token_is_ascii_version_key_id_and_nonce_plus_ciphertext(token: str) -> None:
    version, key_id, payload = token.split(".")
    assert (version, key_id) == ("v1", "k1")
    assert token.isascii() and ID_NUMBER not in token
    assert len(unb64(payload)) == 12 + len(ID_NUMBER) + 16


def test_two_encryptions_of_one_value_differ(cipher: FieldCipher) -> None:
    tokens = {cipher.encrypt(ID_NUMBER, CONTEXT) for _ in range(20)}
    nonces = {unb64(t.split(".")[2])[:12] for t in tokens}
    assert len(tokens) == len(nonces) == 20


def test_changing_any_character_of_the_token_is_refused(cipher: FieldCipher, token: str) -> None:
    for position, original in enumerate(token):
        for replacement in {"A", "B", "k", "2", ".", "="} - {original}:
            altered = token[:position] + replacement + token[position + 1 :]
            with pytest.raises(DecryptionError):
                cipher.decrypt(altered, CONTEXT)


def test_flipping_any_bit_of_nonce_or_ciphertext_is_refused(
    cipher: FieldCipher, token: str
) -> None:
    head, payload = token.rsplit(".", 1)
    raw = unb64(payload)
    for index in range(len(raw)):
        for bit in range(8):
            flipped = raw[:index] + bytes([raw[index] ^ (1 << bit)]) + raw[index + 1 :]
            with pytest.raises(DecryptionError, match="altered"):
                cipher.decrypt(f"{head}.{b64(flipped)}", CONTEXT)


@pytest.mark.parametrize("cut", [1, 2, 16, 17])
def test_a_shortened_or_lengthened_token_is_refused(
    cipher: FieldCipher, token: str, cut: int
) -> None:
    with pytest.raises(DecryptionError):
        cipher.decrypt(token[:-cut], CONTEXT)
    with pytest.raises(DecryptionError):
        cipher.decrypt(token + token[-cut:], CONTEXT)


def test_a_non_canonical_spelling_of_the_same_bytes_is_refused(cipher: FieldCipher) -> None:
    # 12 + 18 + 16 = 46 bytes: the last base64 character carries 4 spare bits.
    token = cipher.encrypt(ID_NUMBER, CONTEXT)
    last = BASE64URL.index(token[-1])
    respelt = token[:-1] + BASE64URL[last | 1]
    assert unb64(respelt.split(".")[2]) == unb64(token.split(".")[2])
    with pytest.raises(DecryptionError, match="canonical"):
        cipher.decrypt(respelt, CONTEXT)


def test_a_token_moved_to_another_column_is_refused(cipher: FieldCipher, token: str) -> None:
    for other in ["account.phone", "account.id_number ", "ACCOUNT.ID_NUMBER"]:
        with pytest.raises(DecryptionError, match="another context"):
            cipher.decrypt(token, other)


@pytest.mark.parametrize(
    "malformed",
    [
        "",
        "v1",
        "v1.k1",
        "v1.k1.",
        "v1.k1.AAAA",
        "v2.k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "v1.k1.AAAA.AAAA",
        "v1.k1.AAAA AAAA",
        "v1.k1.AA+/AAAA",
        "v1.k1.AAAAA",
        "v1.k1.不是令牌",
        ID_NUMBER,
        None,
        b"v1.k1.AAAA",
    ],
)
def test_a_malformed_token_is_refused(cipher: FieldCipher, malformed: object) -> None:
    with pytest.raises(DecryptionError):
        cipher.decrypt(malformed, CONTEXT)  # type: ignore[arg-type]


def test_decryption_errors_do_not_repeat_the_token(cipher: FieldCipher, token: str) -> None:
    payload = token.split(".")[2]
    for altered in [token[:-1], token + "A", token.replace("k1", "k9"), payload]:
        with pytest.raises(DecryptionError) as refused:
            cipher.decrypt(altered, CONTEXT)
        assert payload[:8] not in str(refused.value)


def test_an_empty_context_is_a_programming_error(cipher: FieldCipher, token: str) -> None:
    with pytest.raises(ValueError, match="context"):
        cipher.encrypt(ID_NUMBER, "")
    with pytest.raises(ValueError, match="context"):
        cipher.decrypt(token, "")


# --- the key ring ---


def test_after_rotation_old_tokens_decrypt_and_new_ones_use_the_new_key() -> None:
    old_token = FieldCipher({"k1": K1}, "k1").encrypt(ID_NUMBER, CONTEXT)
    rotated = FieldCipher({"k2": K2, "k1": K1}, "k2")
    new_token = rotated.encrypt(ID_NUMBER, CONTEXT)
    assert rotated.decrypt(old_token, CONTEXT) == ID_NUMBER
    assert new_token.split(".")[1] == rotated.current_key_id == "k2"
    assert rotated.decrypt(new_token, CONTEXT) == ID_NUMBER


def test_a_token_of_a_retired_key_is_refused() -> None:
    old_token = FieldCipher({"k1": K1}, "k1").encrypt(ID_NUMBER, CONTEXT)
    with pytest.raises(DecryptionError, match="not in the key ring"):
        FieldCipher({"k2": K2}, "k2").decrypt(old_token, CONTEXT)


def test_a_token_relabelled_with_another_key_id_of_the_ring_is_refused() -> None:
    ring = FieldCipher({"k2": K2, "k1": K1}, "k2")
    relabelled = ring.encrypt(ID_NUMBER, CONTEXT).replace("v1.k2.", "v1.k1.")
    with pytest.raises(DecryptionError, match="altered"):
        ring.decrypt(relabelled, CONTEXT)


def test_a_key_id_reused_for_a_different_key_does_not_decrypt_the_old_tokens() -> None:
    old_token = FieldCipher({"k1": K1}, "k1").encrypt(ID_NUMBER, CONTEXT)
    with pytest.raises(DecryptionError, match="altered"):
        FieldCipher({"k1": K2}, "k1").decrypt(old_token, CONTEXT)


@pytest.mark.parametrize(
    ("keys", "current", "message"),
    [
        ({}, "k1", "empty"),
        ({"k1": K1}, "k2", "not in the key ring"),
        ({"k1": K1[:16]}, "k1", "exactly 32 bytes"),
        ({"k1": K1 + b"\0"}, "k1", "exactly 32 bytes"),
        ({"k1": K1.hex()}, "k1", "exactly 32 bytes"),
        ({"k.1": K1}, "k.1", "key id"),
        ({"": K1}, "", "key id"),
        ({"k" * 33: K1}, "k" * 33, "key id"),
        ({"钥匙": K1}, "钥匙", "key id"),
    ],
)
def test_a_bad_key_ring_is_refused(keys: dict, current: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FieldCipher(keys, current)


def test_the_repr_names_the_key_ids_but_not_the_keys() -> None:
    shown = repr(FieldCipher({"k2": K2, "k1": K1}, "k2"))
    assert "k1" in shown and "k2" in shown
    assert K1.hex() not in shown and b64(K1) not in shown and str(K1) not in shown


# --- keyed hashes ---


def test_a_keyed_hash_is_hmac_sha256_in_hex() -> None:
    expected = hmac.new(K1, ID_NUMBER.encode(), hashlib.sha256).hexdigest()
    assert keyed_hash(ID_NUMBER, K1) == expected
    assert len(expected) == 64 and expected == expected.lower()


def test_a_keyed_hash_is_stable() -> None:
    assert keyed_hash(ID_NUMBER, K1) == keyed_hash(ID_NUMBER, bytes(K1))


def test_a_keyed_hash_depends_on_the_key_and_on_the_value() -> None:
    assert keyed_hash(ID_NUMBER, K1) != keyed_hash(ID_NUMBER, K2)
    assert keyed_hash(ID_NUMBER, K1) != keyed_hash(ID_NUMBER.lower(), K1)
    assert keyed_hash(ID_NUMBER, K1) != hashlib.sha256(ID_NUMBER.encode()).hexdigest()


def test_a_short_hashing_key_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        keyed_hash(ID_NUMBER, K1[:31])


# --- configuration ---


def test_a_generated_key_is_unpadded_base64url_of_32_random_bytes() -> None:
    keys = {generate_key() for _ in range(10)}
    assert len(keys) == 10
    for key in keys:
        assert len(key) == 43 and set(key) <= set(BASE64URL)
        assert len(unb64(key)) == 32


def test_the_first_entry_of_a_key_ring_is_the_current_key() -> None:
    keys, current = parse_key_ring(f"k2:{b64(K2)},k1:{b64(K1)}")
    assert keys == {"k2": K2, "k1": K1}
    assert current == "k2"


def test_a_single_generated_key_makes_a_working_ring() -> None:
    cipher = FieldCipher(*parse_key_ring(f"dev:{generate_key()}"))
    assert cipher.decrypt(cipher.encrypt(ID_NUMBER, CONTEXT), CONTEXT) == ID_NUMBER


def test_spaces_line_breaks_and_padding_in_a_key_ring_are_tolerated() -> None:
    padded = base64.urlsafe_b64encode(K1).decode()
    keys, current = parse_key_ring(f"  k2 : {b64(K2)} ,\n k1:{padded}\n")
    assert keys == {"k2": K2, "k1": K1} and current == "k2"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "empty"),
        ("  \n", "empty"),
        (f"k1:{b64(K1)},", "entry 2"),
        (f"k1:{b64(K1)},,k2:{b64(K2)}", "entry 2"),
        (b64(K1), "entry 1"),
        (f":{b64(K1)}", "entry 1"),
        (f"k1:{b64(K1)},k1:{b64(K2)}", "'k1' appears more than once"),
        (f"k1:{b64(K1[:16])}", "exactly 32 bytes"),
        (f"k1:{b64(K1 + K2)}", "exactly 32 bytes"),
        ("k1:", "exactly 32 bytes"),
        (f"k1:{STANDARD_BASE64_KEY}", "not base64url"),
        ("k1:not a key!", "not base64url"),
        (f"k.1:{b64(K1)}", "key id"),
    ],
)
def test_a_bad_key_ring_spec_is_refused_with_a_clear_message(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as refused:
        parse_key_ring(spec)
    assert b64(K1) not in str(refused.value) and b64(K2) not in str(refused.value)
