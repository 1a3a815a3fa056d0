"""Search text for items: Chinese words, full pinyin and pinyin initials (`yyzz` → 营业执照)."""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from pypinyin import Style, lazy_pinyin
from sqlalchemy.orm import QueryableAttribute

MAX_TERMS = 5
_SEPARATOR = "|"
_NOT_ALNUM = re.compile(r"[^0-9a-z\u4e00-\u9fff]+")


def _normalise(text: str) -> str:
    # NFKC folds full-width letters and digits typed on Chinese keyboards.
    return unicodedata.normalize("NFKC", text).lower()


def _pinyin_forms(phrase: str) -> tuple[str, str]:
    syllables = lazy_pinyin(phrase, errors="ignore")
    initials = lazy_pinyin(phrase, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(syllables), "".join(initials)


def build_search_text(name: str, keywords: list[str]) -> str:
    """Lower-case text holding each phrase, its full pinyin and its initials.

    Phrases are kept apart by a separator so that a match never spans two of them.
    """
    parts: list[str] = []
    for phrase in (name, *keywords):
        plain = _NOT_ALNUM.sub("", _normalise(phrase))
        full, initials = _pinyin_forms(plain)
        parts.extend(part for part in (plain, full, initials) if part)
    return _SEPARATOR + _SEPARATOR.join(parts) + _SEPARATOR


def query_terms(raw: str, max_length: int) -> list[str]:
    """The search terms of what a person typed: normalised, bounded, punctuation dropped."""
    text = _normalise(raw[:max_length])
    terms = [_NOT_ALNUM.sub("", word) for word in text.split()]
    return [term for term in terms if term][:MAX_TERMS]


def matches_all(
    column: sa.ColumnElement[str] | QueryableAttribute[str], terms: list[str]
) -> sa.ColumnElement[bool]:
    """A condition true when the column contains every term (terms hold no LIKE wildcards)."""
    return sa.and_(*(column.contains(term, autoescape=True) for term in terms))
