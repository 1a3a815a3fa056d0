"""Interchange format of electronic license types (证照目录)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

LICENSE_TYPE_CODE_PATTERN = r"^[0-9A-Z]{4,24}$"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class LicenseFieldRecord(_Record):
    """One data field a license of this type carries."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    label: Annotated[str, Field(min_length=1, max_length=60)]


class LicenseTypeRecord(_Record):
    """A license type of the district's catalog."""

    code: Annotated[str, Field(pattern=LICENSE_TYPE_CODE_PATTERN)]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    issuing_unit: Annotated[str, Field(min_length=2, max_length=40)]
    holder_type: Literal["person", "enterprise"]
    fields: Annotated[list[LicenseFieldRecord], Field(min_length=1)]
    validity_years: Annotated[int, Field(ge=1, le=100)] | None = None
