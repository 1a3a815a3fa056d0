"""Small valid files and form answers that tests (and the benchmark) hand to the hall."""

from __future__ import annotations

import re

# A 1×1 PNG and a one-page PDF, small and valid.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f80f00000101000518d84e0000000049454e44ae426082"
)
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

SAMPLE_TEXTS = ["张晓明", "A123456789", "44020519850612123111", "6222021234567890123"]
FIXED_ANSWERS = {
    "date": "2025-03-01",
    "id_number": "440205198506121231",
    "phone": "13800000001",
    "email": "zhang@example.cn",
    "credit_code": "91440205MA4W3K7B95",
    "address": "曲江区马坝镇人民路1号",
    "textarea": "日用百货零售",
}


def value_for(spec: dict) -> str | list[str]:
    """A valid answer for any field of an item's declarative form."""
    kind, rules = spec["type"], spec.get("validation") or {}
    if kind in ("select", "radio"):
        return spec["choices"][0]
    if kind == "checkbox":
        return [spec["choices"][0]]
    if kind in ("number", "count"):
        return str(max(int(rules.get("min", 1)), 1))
    if kind in FIXED_ANSWERS:
        return FIXED_ANSWERS[kind]
    pattern = rules.get("pattern")
    return next(t for t in SAMPLE_TEXTS if not pattern or re.fullmatch(pattern, t))
