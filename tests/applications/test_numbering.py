"""Application numbers and the ISO 7064 MOD 37,36 check character behind them."""

import random
from datetime import date

import pytest

from mobile_hall.applications.numbering import (
    display_application_number,
    format_application_number,
    is_valid_application_number,
    normalise_application_number,
)
from mobile_hall.common.checksums import (
    ALPHABET,
    iso7064_mod37_36_check,
    iso7064_mod37_36_is_valid,
)

SAMPLE = format_application_number(date(2025, 11, 3), 42)
SAMPLES = [
    SAMPLE,
    format_application_number(date(2024, 2, 29), 1),
    format_application_number(date(2025, 12, 31), 999_999),
    format_application_number(date(2026, 1, 1), 314_159),
]


def _substitutions(text):
    for position, original in enumerate(text):
        for replacement in ALPHABET:
            if replacement != original:
                yield text[:position] + replacement + text[position + 1 :]


def _adjacent_transpositions(text):
    for position in range(len(text) - 1):
        first, second = text[position], text[position + 1]
        if first != second:
            yield text[:position] + second + first + text[position + 2 :]


# --- the check character -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "check"),
    [
        # The GRid standard's own example, A1-2425G-ABC1234002-M, uses MOD 37,36.
        ("A12425GABC1234002", "M"),
        # Worked by hand: p=36; "0": s=36, p=72%37=35; check=(37-35)%36=2.
        ("0", "2"),
        # "Q"=26: s=(36+26)%36=26, p=52%37=15; "J"=19: s=34, p=68%37=31; check=(37-31)%36=6.
        ("QJ", "6"),
    ],
)
def test_check_character_matches_known_values(payload, check):
    assert iso7064_mod37_36_check(payload) == check
    assert iso7064_mod37_36_is_valid(payload + check)


def test_exactly_one_check_character_fits_any_payload():
    generator = random.Random(20251103)  # noqa: S311 - reproducible test data, no secret
    for _ in range(200):
        payload = "".join(generator.choices(ALPHABET, k=generator.randint(1, 30)))
        fitting = [c for c in ALPHABET if iso7064_mod37_36_is_valid(payload + c)]
        assert fitting == [iso7064_mod37_36_check(payload)]


@pytest.mark.parametrize("payload", ["", "qj", "QJ-1", "ＱＪ", "Q J"])
def test_check_character_refuses_payloads_outside_the_alphabet(payload):
    with pytest.raises(ValueError):
        iso7064_mod37_36_check(payload)


@pytest.mark.parametrize("text", ["", "M", "a12425gabc1234002m", "A1-2425G-ABC1234002-M"])
def test_validity_needs_a_bare_upper_case_payload_and_check(text):
    assert not iso7064_mod37_36_is_valid(text)


# --- application numbers -------------------------------------------------------------------


def test_format_is_prefix_day_sequence_and_check():
    assert SAMPLE[:16] == "QJ20251103000042"
    assert SAMPLE[16] == iso7064_mod37_36_check("QJ20251103000042")
    assert len(SAMPLE) == 17


@pytest.mark.parametrize("sequence", [0, -1, 1_000_000])
def test_a_sequence_outside_six_digits_is_refused(sequence):
    with pytest.raises(ValueError, match="sequence"):
        format_application_number(date(2025, 11, 3), sequence)


@pytest.mark.parametrize("number", SAMPLES)
def test_every_single_substitution_is_caught(number):
    assert is_valid_application_number(number)
    for mistyped in _substitutions(number):
        assert not is_valid_application_number(mistyped), mistyped
        assert not iso7064_mod37_36_is_valid(mistyped), mistyped


@pytest.mark.parametrize("number", SAMPLES)
def test_every_adjacent_transposition_is_caught(number):
    swapped = list(_adjacent_transpositions(number))
    assert len(swapped) >= 10
    for mistyped in swapped:
        assert not is_valid_application_number(mistyped), mistyped
        assert not iso7064_mod37_36_is_valid(mistyped), mistyped


@pytest.mark.parametrize("number", SAMPLES)
def test_numbers_round_trip_through_their_display_form(number):
    shown = display_application_number(number)
    assert shown == f"{number[:10]} {number[10:16]} {number[16]}"
    assert normalise_application_number(shown) == number


def test_typed_forms_normalise_to_the_canonical_number():
    body, check = SAMPLE[2:16], SAMPLE[16]
    typed = [
        f"qj {body[:8]}-{body[8:]}-{check.lower()}",
        f"  {SAMPLE.lower()}\n",
        f"QJ-{body[:8]}-{body[8:]}-{check}",
        f"QJ {body[:4]} {body[4:8]} {body[8:]} {check}",
        "".join(chr(ord(c) + 0xFEE0) for c in SAMPLE),  # full-width, as Chinese IMEs type
        f"QJ\u3000{body}\u3000{check}",
        f"QJ{body}—{check}",
    ]
    for text in typed:
        assert normalise_application_number(text) == SAMPLE, text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "QJ",
        SAMPLE[:-1],
        SAMPLE + "0",
        "XX" + SAMPLE[2:],
        "QJ20251103/000042" + SAMPLE[16],
        "Q J" + "x" * 100,
    ],
)
def test_malformed_numbers_are_refused(text):
    assert normalise_application_number(text) is None
    assert not is_valid_application_number(text)


def test_an_impossible_day_is_refused_even_with_a_fitting_check_character():
    payload = "QJ20250230000042"
    assert not is_valid_application_number(payload + iso7064_mod37_36_check(payload))


def test_sequence_zero_is_refused_even_with_a_fitting_check_character():
    payload = "QJ20251103000000"
    assert not is_valid_application_number(payload + iso7064_mod37_36_check(payload))


def test_non_ascii_digits_are_refused():
    arabic_indic = SAMPLE[:2] + "".join(chr(0x0660 + int(d)) for d in SAMPLE[2:16]) + SAMPLE[16]
    assert not is_valid_application_number(arabic_indic)


def test_a_non_string_is_not_a_number():
    assert not is_valid_application_number(None)
    assert normalise_application_number(2025110300004) is None


def test_display_refuses_an_invalid_number():
    with pytest.raises(ValueError, match="not a valid application number"):
        display_application_number(SAMPLE[:-1] + ("0" if SAMPLE[-1] != "0" else "1"))
