"""Application numbers (办件编号): unique, readable, and self-checking.

Canonical form, 17 characters, no separators (spaced out here only to label the parts)::

    QJ 20251103 000042 7
    │  │        │      └ check character: ISO 7064 MOD 37,36 over the 16 characters before it
    │  │        └ daily sequence, 000001-999999, allocated by the caller for that day
    │  └ day the application was submitted (YYYYMMDD, China Standard Time)
    └ Qujiang

Uniqueness comes from the pair (day, sequence); this module only formats and checks. The check
character catches every mistyped character and every swap of two neighbours, so a number typed
into the progress lookup either is exactly right or is refused (never someone else's number).
People type numbers with spaces, hyphens, lower case or full-width characters; those are folded
away. The display form groups the canonical one for reading aloud and printing on receipts.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from ..common.checksums import iso7064_mod37_36_check, iso7064_mod37_36_is_valid

PREFIX = "QJ"
MAX_SEQUENCE = 999_999
_CANONICAL = re.compile(r"QJ(?P<day>[0-9]{8})(?P<sequence>[0-9]{6})[0-9A-Z]")
# What people put between groups: spaces of any width, hyphens and dashes, underscores, dots.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―_.·]+")
_MAX_TYPED_LENGTH = 64


def format_application_number(day: date, sequence: int) -> str:
    """The canonical application number for the ``sequence``-th application of ``day``.

    :raises ValueError: if ``sequence`` is outside 1-999999.
    """
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"daily sequence {sequence} is outside 1-{MAX_SEQUENCE}")
    payload = f"{PREFIX}{day:%Y%m%d}{sequence:06d}"
    return payload + iso7064_mod37_36_check(payload)


def normalise_application_number(text: str) -> str | None:
    """The canonical form of a typed application number, or None when it is not a valid one.

    Accepts ``qj 20251103-000042-7``, full-width ``ＱＪ２０２５…``, surrounding blanks; refuses a
    wrong check character, an impossible date, sequence 000000 and anything else.
    """
    if not isinstance(text, str) or len(text) > _MAX_TYPED_LENGTH:
        return None
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    match = _CANONICAL.fullmatch(compact)
    if match is None or int(match["sequence"]) == 0 or not _is_real_day(match["day"]):
        return None
    return compact if iso7064_mod37_36_is_valid(compact) else None


def is_valid_application_number(text: str) -> bool:
    """Whether ``text``, as a person may have typed it, is a well-formed application number."""
    return normalise_application_number(text) is not None


def display_application_number(number: str) -> str:
    """The number grouped for reading: ``QJ20251103 000042 7``.

    :raises ValueError: if ``number`` is not a valid application number.
    """
    canonical = normalise_application_number(number)
    if canonical is None:
        raise ValueError(f"{number!r} is not a valid application number")
    return f"{canonical[:10]} {canonical[10:16]} {canonical[16]}"


def _is_real_day(digits: str) -> bool:
    try:
        date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return False
    return True
