"""The keyboard and autofill a phone needs, per kind of form field: one mapping for every form.

Keys are the catalog's field types (`catalog.constants.FieldType` values), and ``code`` and
``digits`` for what only the hall's own forms ask (an application's number, the last four
digits of a phone number); the declarative
application forms (`applications.formbuilder`), the form editor's preview and the hand-written
forms (agents, counter intake, progress lookup, ...) all take their attributes from here.

Choices made for phones:

- ``tel`` and ``email`` inputs get the phone's own keypads and the address book's autofill.
- ID numbers and credit codes are typed on the ordinary keyboard (``inputmode="text"``): the
  numeric keypads of iOS and Android have no X (an ID number's check character) nor the letters of
  a credit code, so ``numeric`` would make some numbers impossible to enter. Capitals come by
  themselves (``autocapitalize="characters"``), no spelling fixes (``spellcheck="false"``,
  ``autocorrect="off"`` for Safari), and no autofill (``autocomplete="off"``): a shared phone
  must not offer another person's number.
- Amounts and counts are ``type="text"`` with ``inputmode`` ``decimal`` / ``numeric`` rather
  than ``type="number"``: a number input sends nothing at all for what it cannot parse (a
  full-width digit from a Chinese keyboard, "1,000"), so the server could not say beside the field
  what was wrong, and a scroll wheel changes its value.
- Dates use the native date picker (``type="date"``).
"""

from __future__ import annotations

from typing import Final

_CODE: Final = {
    "inputmode": "text",
    "autocapitalize": "characters",
    "autocomplete": "off",
    "autocorrect": "off",
    "spellcheck": "false",
}

FIELD_INPUTS: Final[dict[str, dict[str, str]]] = {
    "person_name": {"autocomplete": "name"},
    "phone": {"type": "tel", "autocomplete": "tel"},
    "email": {
        "type": "email",
        "autocomplete": "email",
        "autocapitalize": "none",
        "spellcheck": "false",
    },
    "id_number": _CODE,
    "credit_code": _CODE,
    "address": {"autocomplete": "street-address"},
    "number": {"type": "text", "inputmode": "decimal"},
    "count": {"type": "text", "inputmode": "numeric"},
    "date": {"type": "date"},
    # Not field types of the catalog: other things the hall's own forms ask for.
    "code": _CODE,  # an application's number
    "digits": {"type": "text", "inputmode": "numeric", "autocomplete": "off"},  # a PIN-like part
}


def field_input(kind: str) -> dict[str, str]:
    """The input attributes of a field kind (a copy; empty for plain text and choices)."""
    return dict(FIELD_INPUTS.get(kind, {}))
