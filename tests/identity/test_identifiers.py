"""Resident ID numbers (GB 11643-1999) and unified social credit codes (GB 32100-2015)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mobile_hall import clock
from mobile_hall.identity.identifiers import (
    age_on,
    birth_date_of,
    is_valid_credit_code,
    is_valid_id_number,
    mask_id_number,
    mask_phone,
    normalise_credit_code,
    normalise_id_number,
    normalise_phone,
    sex_of,
)

# The example printed in many explanations of the standard. Checked by hand: the weighted sum
# of the first 17 digits is 167, 167 mod 11 = 2, and 2 maps to X. Born 1949-12-31, female.
KNOWN_ID_NUMBER = "11010519491231002X"
# The example given in GB 32100-2015 itself.
KNOWN_CREDIT_CODE = "91350100M000100Y43"

TODAY = date(2024, 6, 1)
PROVINCES = {
    *range(11, 16),
    *range(21, 24),
    *range(31, 38),
    *range(41, 47),
    *range(50, 55),
    *range(61, 66),
    71,
    81,
    82,
}
CREDIT_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
FORBIDDEN_LETTERS = "IOZSV"


def with_id_check(first_seventeen: str) -> str:
    """The test's own ISO 7064 MOD 11-2 (weights 2^(18-i) mod 11), not the module's."""
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    total = sum(int(d) * w for d, w in zip(first_seventeen, weights, strict=True))
    return first_seventeen + "10X98765432"[total % 11]


def with_credit_check(first_seventeen: str) -> str:
    """The test's own GB 32100 check (weights 3^(i-1) mod 31), not the module's."""
    weights = [3**i % 31 for i in range(17)]
    values = [CREDIT_CHARACTERS.index(c) for c in first_seventeen]
    check = 31 - sum(v * w for v, w in zip(values, weights, strict=True)) % 31
    return first_seventeen + CREDIT_CHARACTERS[check % 31]


def id_number(area: str = "440205", born: str = "19900101", sequence: str = "123") -> str:
    return with_id_check(area + born + sequence)


def born_on(day: date) -> str:
    return id_number(born=day.strftime("%Y%m%d"))


def test_the_test_oracles_agree_with_the_hand_checked_examples() -> None:
    assert with_id_check(KNOWN_ID_NUMBER[:17]) == KNOWN_ID_NUMBER
    assert with_credit_check(KNOWN_CREDIT_CODE[:17]) == KNOWN_CREDIT_CODE


# --- resident ID numbers: what is accepted ---


def test_the_known_example_id_number_is_valid() -> None:
    assert is_valid_id_number(KNOWN_ID_NUMBER, today=TODAY)


@pytest.mark.parametrize(
    "number",
    [
        id_number(),
        id_number(area="110105", born="19491231", sequence="001"),
        id_number(area="650102", born="20000229", sequence="452"),
        id_number(area="710000", born="19700615", sequence="000"),
        id_number(area="810000", born="19880808", sequence="031"),
        id_number(area="820000", born="19991220", sequence="998"),
        id_number(born="19000101"),
        born_on(TODAY),
    ],
)
def test_a_well_formed_id_number_is_valid(number: str) -> None:
    assert is_valid_id_number(number, today=TODAY)


@pytest.mark.parametrize(
    "typed",
    [
        "11010519491231002x",
        "  11010519491231002X\t",
        "１１０１０５１９４９１２３１００２ｘ",  # full-width, as typed on a Chinese keyboard
    ],
)
def test_a_lower_case_x_spaces_and_full_width_characters_are_accepted(typed: str) -> None:
    assert is_valid_id_number(typed, today=TODAY)
    assert normalise_id_number(typed) == KNOWN_ID_NUMBER


def test_normalising_does_not_validate() -> None:
    assert normalise_id_number(" abc ") == "ABC"


def test_by_default_the_birth_date_is_checked_against_china_s_today() -> None:
    today = clock.now().date()
    assert is_valid_id_number(born_on(today))
    assert not is_valid_id_number(born_on(today + timedelta(days=1)))


# --- resident ID numbers: what is refused ---


@pytest.mark.parametrize("check", [c for c in "0123456789X" if c != KNOWN_ID_NUMBER[17]])
def test_every_other_check_character_is_refused(check: str) -> None:
    assert not is_valid_id_number(KNOWN_ID_NUMBER[:17] + check, today=TODAY)


@pytest.mark.parametrize(
    "number",
    [
        "",
        KNOWN_ID_NUMBER[:17],
        KNOWN_ID_NUMBER + "0",
        "110105491231002",  # a first-generation 15-digit number
        "1101051949123100 2X",
    ],
)
def test_a_number_of_the_wrong_length_is_refused(number: str) -> None:
    assert not is_valid_id_number(number, today=TODAY)


@pytest.mark.parametrize(
    "number",
    [
        "1101051949123100XX",
        "X10105194912310021",
        "11010A19491231002X",
        "11010519491231002Y",
        "٣" + KNOWN_ID_NUMBER[1:],  # an Arabic-Indic three, which NFKC does not fold
    ],
)
def test_a_character_outside_digits_and_a_final_x_is_refused(number: str) -> None:
    assert not is_valid_id_number(number, today=TODAY)


@pytest.mark.parametrize("value", [None, 11010519491231002, b"11010519491231002X"])
def test_a_value_that_is_not_a_string_is_refused(value: object) -> None:
    assert not is_valid_id_number(value, today=TODAY)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "born",
    ["19900230", "19990229", "19000229", "19901301", "19900001", "19900100", "19900431"],
)
def test_a_birth_date_the_calendar_does_not_have_is_refused(born: str) -> None:
    assert not is_valid_id_number(id_number(born=born), today=TODAY)


def test_a_birth_date_after_today_is_refused() -> None:
    assert not is_valid_id_number(born_on(TODAY + timedelta(days=1)), today=TODAY)


@pytest.mark.parametrize("number", [id_number(born="18991231"), "440524188001010014"])
def test_a_birth_date_before_1900_is_refused(number: str) -> None:
    # 440524188001010014 is an often-quoted example whose check digit is right.
    assert number[17] == with_id_check(number[:17])[17]
    assert not is_valid_id_number(number, today=TODAY)


def test_exactly_the_province_codes_are_accepted_as_the_first_two_digits() -> None:
    accepted = {
        code for code in range(100) if is_valid_id_number(id_number(area=f"{code:02d}0101"))
    }
    assert accepted == PROVINCES


# --- masking ---


def test_masking_shows_the_first_three_and_the_last_four_characters() -> None:
    assert mask_id_number(KNOWN_ID_NUMBER) == "110***********002X"


@pytest.mark.parametrize(
    "number", [KNOWN_ID_NUMBER, id_number(), id_number(area="820000", born="20000229")]
)
def test_masking_keeps_the_length_and_hides_area_birth_date_and_sequence(number: str) -> None:
    masked = mask_id_number(number)
    assert len(masked) == len(number) == 18
    assert masked[3:14] == "*" * 11
    assert number[6:14] not in masked


def test_masking_normalises_a_lower_case_x() -> None:
    assert mask_id_number(" 11010519491231002x ") == "110***********002X"


@pytest.mark.parametrize("value", ["", "110105", KNOWN_ID_NUMBER[:17] + "0"])
def test_masking_refuses_an_invalid_number_without_repeating_it(value: str) -> None:
    with pytest.raises(ValueError, match="not a valid resident ID number") as refused:
        mask_id_number(value)
    assert not value or value not in str(refused.value)


# --- what an ID number tells ---


def test_the_birth_date_is_read_from_characters_7_to_14() -> None:
    assert birth_date_of(KNOWN_ID_NUMBER) == date(1949, 12, 31)
    assert birth_date_of(id_number(born="20000229")) == date(2000, 2, 29)


@pytest.mark.parametrize("sequence", ["000", "002", "004", "006", "008"])
def test_an_even_17th_digit_means_female(sequence: str) -> None:
    assert sex_of(id_number(sequence=sequence)) == "female"


@pytest.mark.parametrize("sequence", ["001", "003", "005", "007", "009"])
def test_an_odd_17th_digit_means_male(sequence: str) -> None:
    assert sex_of(id_number(sequence=sequence)) == "male"


def test_the_known_example_is_a_woman() -> None:
    assert sex_of(KNOWN_ID_NUMBER) == "female"


@pytest.mark.parametrize(
    ("day", "age"),
    [
        (date(1949, 12, 31), 0),
        (date(1950, 12, 30), 0),
        (date(1950, 12, 31), 1),
        (date(2019, 12, 30), 69),
        (date(2019, 12, 31), 70),
        (date(2020, 1, 1), 70),
    ],
)
def test_a_year_of_age_is_completed_on_the_birthday_not_the_day_before(day: date, age: int) -> None:
    assert age_on(KNOWN_ID_NUMBER, day) == age


@pytest.mark.parametrize(
    ("day", "age"),
    [
        (date(2001, 2, 28), 0),
        (date(2001, 3, 1), 1),
        (date(2004, 2, 28), 3),
        (date(2004, 2, 29), 4),
    ],
)
def test_someone_born_on_29_february_ages_on_1_march_in_common_years(day: date, age: int) -> None:
    assert age_on(id_number(born="20000229"), day) == age


def test_an_age_before_the_birth_date_is_refused() -> None:
    with pytest.raises(ValueError, match="before the holder's birth date"):
        age_on(KNOWN_ID_NUMBER, date(1949, 12, 30))


@pytest.mark.parametrize("derive", [birth_date_of, sex_of, lambda n: age_on(n, TODAY)])
def test_nothing_is_derived_from_an_invalid_number(derive) -> None:
    with pytest.raises(ValueError, match="not a valid resident ID number"):
        derive(KNOWN_ID_NUMBER[:17] + "0")


# --- unified social credit codes ---


def test_the_standard_s_example_credit_code_is_valid() -> None:
    assert is_valid_credit_code(KNOWN_CREDIT_CODE)


def test_a_shenzhen_style_code_is_valid_only_with_its_computed_check_character() -> None:
    assert with_credit_check("91440300MA5DC6QX2") == "91440300MA5DC6QX2N"
    assert is_valid_credit_code("91440300MA5DC6QX2N")
    assert not is_valid_credit_code("91440300MA5DC6QX2R")


@pytest.mark.parametrize("authority", list(CREDIT_CHARACTERS))
def test_any_registration_authority_of_the_character_set_is_accepted(authority: str) -> None:
    assert is_valid_credit_code(with_credit_check(authority + "1440300MA5DC6QX2"))


@pytest.mark.parametrize(
    "typed", ["91350100m000100y43", " 91350100M000100Y43\n", "９１３５０１００Ｍ０００１００Ｙ４３"]
)
def test_lower_case_spaces_and_full_width_characters_are_accepted_in_a_credit_code(
    typed: str,
) -> None:
    assert is_valid_credit_code(typed)
    assert normalise_credit_code(typed) == KNOWN_CREDIT_CODE


@pytest.mark.parametrize("check", [c for c in CREDIT_CHARACTERS if c != KNOWN_CREDIT_CODE[17]])
def test_every_other_credit_check_character_is_refused(check: str) -> None:
    assert not is_valid_credit_code(KNOWN_CREDIT_CODE[:17] + check)


@pytest.mark.parametrize("letter", list(FORBIDDEN_LETTERS))
@pytest.mark.parametrize("position", [0, 1, 8, 12, 16, 17])
def test_the_letters_i_o_z_s_v_are_refused_whatever_the_check_character(
    letter: str, position: int
) -> None:
    code = KNOWN_CREDIT_CODE[:position] + letter + KNOWN_CREDIT_CODE[position + 1 :]
    candidates = [code[:17] + c for c in CREDIT_CHARACTERS] if position < 17 else [code]
    assert not any(is_valid_credit_code(candidate) for candidate in candidates)
    assert not is_valid_credit_code(code.lower())


@pytest.mark.parametrize("position", range(2, 8))
def test_a_letter_in_the_area_code_is_refused_even_with_a_right_check(position: int) -> None:
    base = KNOWN_CREDIT_CODE[:position] + "A" + KNOWN_CREDIT_CODE[position + 1 : 17]
    assert not is_valid_credit_code(with_credit_check(base))


@pytest.mark.parametrize(
    "code", ["", KNOWN_CREDIT_CODE[:17], KNOWN_CREDIT_CODE + "0", "91350100-M000100Y43"]
)
def test_a_credit_code_of_the_wrong_length_or_with_punctuation_is_refused(code: str) -> None:
    assert not is_valid_credit_code(code)


@pytest.mark.parametrize("value", [None, 91350100, b"91350100M000100Y43"])
def test_a_credit_code_that_is_not_a_string_is_refused(value: object) -> None:
    assert not is_valid_credit_code(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("phone", "shown"),
    [("13800000005", "138****0005"), ("0751-8888888", "****"), ("1380000", "****"), ("", "****")],
)
def test_a_phone_shows_its_first_three_and_last_four_digits_or_nothing(
    phone: str, shown: str
) -> None:
    assert mask_phone(phone) == shown


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("13800000001", "13800000001"),
        ("+86 138 0000 0001", "13800000001"),
        ("+86-138-0000-0001", "13800000001"),
        ("0086 13800000001", "13800000001"),
        ("８６１３８０００００００１", "13800000001"),
        ("0751-8888888", "0751-8888888"),
        (" +1 (425) 555-1212 ", "+1 (425) 555-1212"),
    ],
)
def test_a_chinese_mobile_number_is_kept_as_its_eleven_digits(sent: str, kept: str) -> None:
    assert normalise_phone(sent) == kept
