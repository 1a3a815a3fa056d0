"""License identifiers in the GB/T 36904 style and their MOD 37,36 check character."""

import pytest

from mobile_hall.common.checksums import ALPHABET, iso7064_mod37_36_check
from mobile_hall.licenses.identifiers import (
    LicenseIdentifier,
    is_valid_license_identifier,
    license_identifier,
    parse_license_identifier,
)

FOOD_PERMIT_TYPE = "11440205MB2C31477C003"  # 食品经营许可证 in the demo catalogue
MARKET_REGULATOR = "11440205MB2C31477C"
SAMPLE = "1.2.156.3005.2.11440205MB2C31477C003.11440205MB2C31477C.42.001.G"


def test_identifier_is_prefix_parts_version_and_check():
    assert license_identifier(FOOD_PERMIT_TYPE, MARKET_REGULATOR, 42) == SAMPLE


def test_check_character_covers_every_character_before_it_without_the_dots():
    body = SAMPLE[: -len(".G")]
    assert iso7064_mod37_36_check(body.replace(".", "")) == "G"
    assert body.replace(".", "").startswith("1215630052" + FOOD_PERMIT_TYPE)


def test_version_is_three_digits_and_serial_is_kept_as_given():
    identifier = license_identifier(FOOD_PERMIT_TYPE, MARKET_REGULATOR, "000042", version=12)
    assert ".000042.012." in identifier
    assert identifier != license_identifier(FOOD_PERMIT_TYPE, MARKET_REGULATOR, 42, version=12)


def test_identifiers_round_trip():
    identifier = license_identifier(FOOD_PERMIT_TYPE, MARKET_REGULATOR, "2025A0001", version=3)
    parsed = parse_license_identifier(identifier)
    assert parsed == LicenseIdentifier(
        FOOD_PERMIT_TYPE, MARKET_REGULATOR, "2025A0001", 3, identifier[-1]
    )
    assert str(parsed) == identifier


def test_parsing_ignores_blanks_and_case():
    assert str(parse_license_identifier(f"  {SAMPLE.lower()}\n")) == SAMPLE


def test_every_single_substitution_is_caught():
    for position, original in enumerate(SAMPLE):
        for replacement in ALPHABET + ".":
            if replacement != original:
                mistyped = SAMPLE[:position] + replacement + SAMPLE[position + 1 :]
                assert not is_valid_license_identifier(mistyped), mistyped


def test_every_adjacent_transposition_is_caught():
    for position in range(len(SAMPLE) - 1):
        first, second = SAMPLE[position], SAMPLE[position + 1]
        if first != second:
            swapped = SAMPLE[:position] + second + first + SAMPLE[position + 2 :]
            assert not is_valid_license_identifier(swapped), swapped


@pytest.mark.parametrize(
    "text",
    [
        "",
        SAMPLE[:-2],  # no check character
        SAMPLE + "0",  # two check characters
        SAMPLE.replace("1.2.156.3005.2.", "1.2.156.3005.3."),
        SAMPLE.replace(".001.", ".01."),
        SAMPLE.replace(".001.", ".0001."),
        SAMPLE.replace(".42.", ".."),
        SAMPLE.replace(".42.", ".4-2."),
        SAMPLE + ".X",
        SAMPLE.replace("C003", "C００３"),
        SAMPLE.replace(".11440205MB2C31477C.", ".11440205MB2C31477."),
        "1.2.156.3005.2." + "A" * 200,
    ],
)
def test_malformed_identifiers_are_refused(text):
    assert not is_valid_license_identifier(text)
    with pytest.raises(ValueError):
        parse_license_identifier(text)


def test_a_credit_code_outside_the_gb_32100_alphabet_is_refused_even_with_a_fitting_check():
    body = f"1.2.156.3005.2.{FOOD_PERMIT_TYPE}.11440205MB2C31477I.42.001"
    forged = f"{body}.{iso7064_mod37_36_check(body.replace('.', ''))}"
    assert not is_valid_license_identifier(forged)


def test_version_000_is_refused_even_with_a_fitting_check():
    body = f"1.2.156.3005.2.{FOOD_PERMIT_TYPE}.{MARKET_REGULATOR}.42.000"
    assert not is_valid_license_identifier(
        f"{body}.{iso7064_mod37_36_check(body.replace('.', ''))}"
    )


def test_a_non_string_is_not_an_identifier():
    assert not is_valid_license_identifier(None)


@pytest.mark.parametrize(
    ("type_code", "credit_code", "serial", "version"),
    [
        ("", MARKET_REGULATOR, 1, 1),
        ("11440205mb2c31477c003", MARKET_REGULATOR, 1, 1),
        ("A" * 25, MARKET_REGULATOR, 1, 1),
        (FOOD_PERMIT_TYPE, MARKET_REGULATOR[:-1], 1, 1),
        (FOOD_PERMIT_TYPE, "11440205MB2C31477O", 1, 1),
        (FOOD_PERMIT_TYPE, MARKET_REGULATOR, -1, 1),
        (FOOD_PERMIT_TYPE, MARKET_REGULATOR, "", 1),
        (FOOD_PERMIT_TYPE, MARKET_REGULATOR, "42.1", 1),
        (FOOD_PERMIT_TYPE, MARKET_REGULATOR, True, 1),
        (FOOD_PERMIT_TYPE, MARKET_REGULATOR, 1, 0),
        (FOOD_PERMIT_TYPE, MARKET_REGULATOR, 1, 1000),
        (FOOD_PERMIT_TYPE, MARKET_REGULATOR, 1, True),
    ],
)
def test_building_from_malformed_parts_is_refused(type_code, credit_code, serial, version):
    with pytest.raises(ValueError):
        license_identifier(type_code, credit_code, serial, version)
