"""License identifiers (电子证照标识) in the style of GB/T 36904::

    1.2.156.3005.2.<type code>.<issuer credit code>.<serial>.<version>.<check character>

- ``1.2.156.3005.2``: the fixed prefix for electronic licenses;
- type code: the license type's code, 1-24 of ``0-9A-Z`` (ours are the defining unit's credit
  code plus three digits, e.g. ``11440205MB2C31477C003``);
- issuer credit code: the issuing unit's unified social credit code, 18 characters of the
  GB 32100 alphabet (``0-9`` and ``A-Z`` without I, O, S, V, Z);
- serial: the issuer's serial number for the license, 1-32 of ``0-9A-Z``, kept as given;
- version: three digits, ``001``-``999`` (a re-issue of the same license takes the next);
- check character: ISO 7064 MOD 37,36 over every character before it with the dots left out,
  prefix included, i.e. over ``1215630052`` + type code + credit code + serial + version.

The dots themselves are not covered; a dot moved into a neighbouring part is still caught
because the credit code and the version have fixed lengths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..common.checksums import iso7064_mod37_36_check, iso7064_mod37_36_is_valid

PREFIX = "1.2.156.3005.2"
_TYPE_CODE = re.compile(r"[0-9A-Z]{1,24}")
_CREDIT_CODE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")
_SERIAL = re.compile(r"[0-9A-Z]{1,32}")
_VERSION = re.compile(r"[0-9]{3}")
_CHECK = re.compile(r"[0-9A-Z]")
_MAX_LENGTH = 128


@dataclass(frozen=True)
class LicenseIdentifier:
    """The parts of a valid license identifier; ``str()`` gives the identifier back."""

    type_code: str
    issuer_credit_code: str
    serial: str
    version: int
    check: str

    def __str__(self) -> str:
        body = _without_check(self.type_code, self.issuer_credit_code, self.serial, self.version)
        return f"{body}.{self.check}"


def license_identifier(
    type_code: str, issuer_credit_code: str, serial: int | str, version: int = 1
) -> str:
    """The identifier of a license, check character included.

    ``serial`` is used as given when a string, in decimal without padding when an int.

    :raises ValueError: if a part is malformed or ``version`` is outside 1-999.
    """
    serial_text = _serial_text(serial)
    _check_parts(type_code, issuer_credit_code, serial_text, version)
    body = _without_check(type_code, issuer_credit_code, serial_text, version)
    return f"{body}.{iso7064_mod37_36_check(body.replace('.', ''))}"


def parse_license_identifier(text: str) -> LicenseIdentifier:
    """The parts of a license identifier (surrounding blanks ignored, letters in any case).

    :raises ValueError: if ``text`` is not a well-formed identifier with a correct check character.
    """
    type_code, credit_code, serial, version, check = _split(text)
    if not _VERSION.fullmatch(version) or not _CHECK.fullmatch(check):
        raise ValueError(f"malformed version {version!r} or check character {check!r}")
    _check_parts(type_code, credit_code, serial, int(version))
    covered = PREFIX.replace(".", "") + type_code + credit_code + serial + version + check
    if not iso7064_mod37_36_is_valid(covered):
        raise ValueError("wrong check character")
    return LicenseIdentifier(type_code, credit_code, serial, int(version), check)


def is_valid_license_identifier(text: str) -> bool:
    """Whether ``text`` is a well-formed license identifier with a correct check character."""
    try:
        parse_license_identifier(text)
    except ValueError:
        return False
    return True


def _split(text: str) -> list[str]:
    if not isinstance(text, str) or len(text) > _MAX_LENGTH or not text.isascii():
        raise ValueError("not a license identifier")
    canonical = text.strip().upper()
    if not canonical.startswith(PREFIX + "."):
        raise ValueError(f"a license identifier starts with {PREFIX}")
    parts = canonical[len(PREFIX) + 1 :].split(".")
    if len(parts) != 5:
        raise ValueError("a license identifier has type, issuer, serial, version and check")
    return parts


def _serial_text(serial: int | str) -> str:
    if isinstance(serial, bool) or not isinstance(serial, int | str):
        raise ValueError(f"a serial is a string or an int, not {type(serial).__name__}")
    if isinstance(serial, int) and serial < 0:
        raise ValueError(f"a serial cannot be negative ({serial})")
    return str(serial)


def _check_parts(type_code: str, credit_code: str, serial: str, version: int) -> None:
    for name, pattern, value in (
        ("type code", _TYPE_CODE, type_code),
        ("issuer credit code", _CREDIT_CODE, credit_code),
        ("serial", _SERIAL, serial),
    ):
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise ValueError(f"malformed {name}: {value!r}")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= 999:
        raise ValueError(f"version {version!r} is outside 1-999")


def _without_check(type_code: str, credit_code: str, serial: str, version: int) -> str:
    return f"{PREFIX}.{type_code}.{credit_code}.{serial}.{version:03d}"
