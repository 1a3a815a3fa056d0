"""Check characters of Chinese identity numbers, used to keep the demo data valid.

GB 11643-1999 gives the 18th character of a resident identity number (ISO 7064 MOD 11-2);
GB 32100-2015 gives the 18th character of a unified social credit code (MOD 31), whose
characters 9-17 are an organization code with its own GB 11714 check character.
"""

import re

_ID_CARD_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CARD_CHECK = "10X98765432"
_ID_CARD_PATTERN = re.compile(r"^\d{17}[\dX]$")

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_USCC_PATTERN = re.compile(rf"^[{USCC_CHARSET}]{{18}}$")

_ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def id_card_check_digit(first17: str) -> str:
    """Return the GB 11643 check character for the first 17 digits of an ID number."""
    total = sum(int(char) * weight for char, weight in zip(first17, _ID_CARD_WEIGHTS, strict=True))
    return _ID_CARD_CHECK[total % 11]


def is_valid_id_card(value: object) -> bool:
    """Tell whether ``value`` is an 18-character ID number with a correct check digit."""
    if not isinstance(value, str) or not _ID_CARD_PATTERN.match(value):
        return False
    return id_card_check_digit(value[:17]) == value[17]


def org_code_check_char(first8: str) -> str:
    """Return the GB 11714 check character for the 8-character body of an organization code."""
    total = sum(
        int(char, 36) * weight for char, weight in zip(first8, _ORG_CODE_WEIGHTS, strict=True)
    )
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def uscc_check_char(first17: str) -> str:
    """Return the GB 32100 check character for the first 17 characters of a credit code."""
    total = sum(
        USCC_CHARSET.index(char) * weight
        for char, weight in zip(first17, _USCC_WEIGHTS, strict=True)
    )
    return USCC_CHARSET[(31 - total % 31) % 31]


def is_valid_uscc(value: object) -> bool:
    """Tell whether ``value`` is a unified social credit code with a correct check character."""
    if not isinstance(value, str) or not _USCC_PATTERN.match(value):
        return False
    return uscc_check_char(value[:17]) == value[17]
