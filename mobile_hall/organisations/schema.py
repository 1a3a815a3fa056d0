"""Interchange format of the district's organisations (reference data)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .constants import UnitLevel

UNIT_CODE_PATTERN = r"^[A-Z][A-Z0-9-]{1,39}$"
CREDIT_CODE_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"

ShortText = Annotated[str, Field(min_length=1, max_length=200)]
Phone = Annotated[str, Field(pattern=r"^[0-9][0-9-]{6,19}$")]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class LocationRecord(_Record):
    """A place where a unit serves people in person (服务网点)."""

    name: ShortText
    address: ShortText
    hours: ShortText
    phone: Phone
    registration_point: bool = False


class UnitRecord(_Record):
    """One organisation of the district: the district, a department, a town or a village."""

    code: Annotated[str, Field(pattern=UNIT_CODE_PATTERN)]
    name: ShortText
    short_name: Annotated[str, Field(min_length=1, max_length=40)]
    level: UnitLevel
    parent: Annotated[str, Field(pattern=UNIT_CODE_PATTERN)] | None = None
    credit_code: Annotated[str, Field(pattern=CREDIT_CODE_PATTERN)] | None = None
    address: ShortText
    hours: ShortText
    phone: Phone
    population: Annotated[int, Field(ge=0)] | None = None
    enterprise_count: Annotated[int, Field(ge=0)] | None = None
    locations: list[LocationRecord] = []

    @model_validator(mode="after")
    def _parent_matches_level(self) -> UnitRecord:
        if (self.level is UnitLevel.DISTRICT) != (self.parent is None):
            raise ValueError("parent_required_below_district")
        if self.level is UnitLevel.TOWN and (
            self.population is None or self.enterprise_count is None
        ):
            raise ValueError("town_needs_population")
        return self
