"""Check characters shared by the hall's identifiers (application numbers, license identifiers).

ISO/IEC 7064 MOD 37,36 is the hybrid system over the 36 characters ``0-9A-Z``: one check
character, also drawn from ``0-9A-Z``, that catches every single-character substitution and
every transposition of two adjacent characters.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_MODULUS = len(ALPHABET)  # M = 36; the hybrid system also works modulo M + 1 = 37
_VALUES = {character: value for value, character in enumerate(ALPHABET)}


def _value(character: str) -> int:
    try:
        return _VALUES[character]
    except KeyError:
        raise ValueError(f"{character!r} is not one of 0-9A-Z") from None


def _running_product(text: str) -> tuple[int, int]:
    """Run the hybrid recursion over ``text``: the last sum ``s`` and the product ``p`` after it."""
    product, total = _MODULUS, _MODULUS
    for character in text:
        total = (product + _value(character)) % _MODULUS or _MODULUS
        product = (2 * total) % (_MODULUS + 1)
    return total, product


def iso7064_mod37_36_check(payload: str) -> str:
    """The ISO 7064 MOD 37,36 check character to append to ``payload``.

    ``payload`` is taken as is: callers strip separators and fold case first.

    :raises ValueError: if ``payload`` is empty or holds a character outside ``0-9A-Z``.
    """
    if not payload:
        raise ValueError("an empty payload has no check character")
    _, product = _running_product(payload)
    return ALPHABET[(_MODULUS + 1 - product) % _MODULUS]


def iso7064_mod37_36_is_valid(text: str) -> bool:
    """Whether ``text`` (payload followed by its check character) passes MOD 37,36.

    A text with fewer than two characters or a character outside ``0-9A-Z`` is not valid.
    """
    if len(text) < 2 or any(character not in _VALUES for character in text):
        return False
    total, _ = _running_product(text)
    return total == 1
