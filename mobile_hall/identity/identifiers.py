"""Checks on the identifiers people and organisations give the hall.

Resident ID numbers follow GB 11643-1999, unified social credit codes GB 32100-2015. Every
function here is pure (apart from reading today's date through `mobile_hall.clock`), and no
error message repeats the value it refused: an ID number is personal information (PIPL) and
must not end up in a log through an exception.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Literal

from .. import clock

Sex = Literal["male", "female"]

# GB/T 2260 province-level codes: the first two digits of every resident ID number.
PROVINCE_CODES = frozenset(
    f"{code:02d}"
    for span in (
        range(11, 16),
        range(21, 24),
        range(31, 38),
        range(41, 47),
        range(50, 55),
        range(61, 66),
        (71, 81, 82),
    )
    for code in span
)
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
MASK_CHARACTER = "*"
MASK_VISIBLE_HEAD = 3
MASK_VISIBLE_TAIL = 4

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARACTERS = "10X98765432"
# [0-9], not \d: \d would also accept Arabic-Indic and other Unicode digits.
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")

# GB 32100-2015 leaves out I, O, S, V and Z, which are easily misread as 1, 0, 5, U and 2.
CREDIT_CODE_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CHARACTER = f"[{CREDIT_CODE_CHARACTERS}]"
_CREDIT_SHAPE = re.compile(f"{_CREDIT_CHARACTER}{{2}}[0-9]{{6}}{_CREDIT_CHARACTER}{{10}}")


def _fold(value: str) -> str:
    # NFKC folds the full-width digits and letters that Chinese keyboards type.
    return unicodedata.normalize("NFKC", value).strip().upper()


def normalise_id_number(value: str) -> str:
    """The ID number as stored and compared: NFKC-folded, stripped, with an upper-case ``X``.

    It does not validate; use `is_valid_id_number` for that.

    :raises TypeError: if ``value`` is not a string.
    """
    return _fold(value)


def _id_check_character(first_seventeen: str) -> str:
    total = sum(
        int(digit) * weight for digit, weight in zip(first_seventeen, _ID_WEIGHTS, strict=True)
    )
    return _ID_CHECK_CHARACTERS[total % 11]


def _birth_date_field(number: str) -> date:
    # Raises ValueError for a date the calendar does not have (0230, 1301, ...).
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def is_valid_id_number(value: str, *, today: date | None = None) -> bool:
    """Whether ``value`` is a resident ID number under GB 11643-1999, after normalising.

    Refused (``False``): anything but a string; not 17 ASCII digits and a check character
    (digit or ``X``); a first two digits outside the province codes (11–15, 21–23, 31–37, 41–46,
    50–54, 61–65, 71, 81, 82); a birth date that is not a calendar date, is before 1900-01-01
    or after ``today`` (China Standard Time's today by default); a wrong ISO 7064 MOD 11-2 check
    character. The 15-digit numbers of the first generation are refused too.
    """
    if not isinstance(value, str):
        return False
    number = normalise_id_number(value)
    if not _ID_SHAPE.fullmatch(number) or number[:2] not in PROVINCE_CODES:
        return False
    if _id_check_character(number[:17]) != number[17]:
        return False
    try:
        born = _birth_date_field(number)
    except ValueError:
        return False
    return EARLIEST_BIRTH_DATE <= born <= (today or clock.now().date())


def _valid_id_number(value: str) -> str:
    if not is_valid_id_number(value):
        raise ValueError("not a valid resident ID number")
    return normalise_id_number(value)


def mask_id_number(value: str) -> str:
    """The ID number for display: the first 3 and last 4 characters, ``*`` in between.

    ``11010519491231002X`` becomes ``110***********002X``: same length (18), so it still reads as
    an ID number, and the area, birth date and sequence are hidden.

    :raises ValueError: if ``value`` is not a valid ID number (so a stray value is never shown
        half-hidden).
    """
    number = _valid_id_number(value)
    hidden = len(number) - MASK_VISIBLE_HEAD - MASK_VISIBLE_TAIL
    return number[:MASK_VISIBLE_HEAD] + MASK_CHARACTER * hidden + number[-MASK_VISIBLE_TAIL:]


_CHINA_MOBILE = re.compile(r"(?:\+?86|0086)?(1[3-9][0-9]{9})")
_PHONE_SEPARATORS = re.compile(r"[\s()\-]")


def normalise_phone(value: str) -> str:
    """A mobile number as the hall keeps it: ``13800000001``. A provider may release it in
    E.164 form (``+86 138 0000 0001``, as OpenID Connect recommends) or with full-width digits;
    anything that is not a Chinese mobile number is kept as sent, folded and stripped."""
    folded = unicodedata.normalize("NFKC", value).strip()
    mobile = _CHINA_MOBILE.fullmatch(_PHONE_SEPARATORS.sub("", folded))
    return mobile.group(1) if mobile else folded


def mask_phone(phone: str) -> str:
    """A mobile number for display and logs: ``138****0005``, its middle four digits hidden;
    anything that is not an 11-digit number is hidden whole."""
    return phone[:3] + "****" + phone[7:] if len(phone) == 11 else "****"


def birth_date_of(id_number: str) -> date:
    """The holder's date of birth (characters 7–14).

    :raises ValueError: if ``id_number`` is not a valid ID number.
    """
    return _birth_date_field(_valid_id_number(id_number))


def sex_of(id_number: str) -> Sex:
    """The holder's sex: the 17th character is odd for men, even for women.

    :raises ValueError: if ``id_number`` is not a valid ID number.
    """
    return "male" if int(_valid_id_number(id_number)[16]) % 2 else "female"


def age_on(id_number: str, day: date) -> int:
    """The holder's age in whole years on ``day``; a year is completed on the birthday.

    Someone born on 29 February completes a year on 1 March in common years.

    :raises ValueError: if ``id_number`` is not a valid ID number, or ``day`` is before the
        birth date.
    """
    born = birth_date_of(id_number)
    if day < born:
        raise ValueError("the day is before the holder's birth date")
    birthday_to_come = (day.month, day.day) < (born.month, born.day)
    return day.year - born.year - birthday_to_come


def normalise_credit_code(value: str) -> str:
    """The credit code as stored and compared: NFKC-folded, stripped and upper-cased.

    It does not validate; use `is_valid_credit_code` for that.

    :raises TypeError: if ``value`` is not a string.
    """
    return _fold(value)


def _credit_check_character(first_seventeen: str) -> str:
    total = sum(
        CREDIT_CODE_CHARACTERS.index(character) * weight
        for character, weight in zip(first_seventeen, _CREDIT_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARACTERS[(31 - total % 31) % 31]


def is_valid_credit_code(value: str) -> bool:
    """Whether ``value`` is a unified social credit code under GB 32100-2015, after normalising.

    Layout: registration authority (1 character), organisation category (1), administrative
    area code (6 digits), organisation code (9), check character (1). The authority may be any
    character of the code's set: besides 1 (机构编制), 5 (民政), 9 (工商) and Y (其他) the
    standard lets other authorities (2–4, 6–8, A, N) issue codes. The check character is the
    only checksum tested; the organisation code's own GB 11714 check digit is not.

    Refused (``False``): anything but a string; not 18 characters; a character outside
    ``0-9`` and ``A-Z`` without I, O, S, V and Z; a non-digit in positions 3–8; a wrong check
    character (MOD 31, weights 3^i mod 31).
    """
    if not isinstance(value, str):
        return False
    code = normalise_credit_code(value)
    if not _CREDIT_SHAPE.fullmatch(code):
        return False
    return _credit_check_character(code[:17]) == code[17]
