"""Interchange format of the district's organisations (reference data)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from ..identity.identifiers import is_valid_credit_code
from .constants import UnitLevel

UNIT_CODE_PATTERN = r"^[A-Z][A-Z0-9-]{1,39}$"
CREDIT_CODE_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"


def _checked_credit_code(value: str) -> str:
    if not is_valid_credit_code(value):
        raise ValueError("credit_code_checksum")
    return value


CreditCode = Annotated[
    str, Field(pattern=CREDIT_CODE_PATTERN), AfterValidator(_checked_credit_code)
]
UnitCode = Annotated[str, Field(pattern=UNIT_CODE_PATTERN)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
Phone = Annotated[str, Field(pattern=r"^[0-9][0-9-]{6,19}$")]


# The levels a unit's parent may have: a village sits in a town; a department under the district
# or inside another department (区网厅办 in 区信息中心); a town under the district.
PARENT_LEVELS = {
    UnitLevel.DEPARTMENT: frozenset({UnitLevel.DISTRICT, UnitLevel.DEPARTMENT}),
    UnitLevel.TOWN: frozenset({UnitLevel.DISTRICT}),
    UnitLevel.VILLAGE: frozenset({UnitLevel.TOWN}),
}


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

    code: UnitCode
    name: ShortText
    short_name: Annotated[str, Field(min_length=1, max_length=40)]
    level: UnitLevel
    parent: UnitCode | None = None
    credit_code: CreditCode | None = None
    address: ShortText
    hours: ShortText
    phone: Phone
    locations: list[LocationRecord] = []

    @model_validator(mode="after")
    def _parent_matches_level(self) -> UnitRecord:
        if (self.level is UnitLevel.DISTRICT) != (self.parent is None):
            raise ValueError("parent_required_below_district")
        return self


class FigureRecord(_Record):
    """A town's resident population and registered enterprises in one year (the denominators
    of the page ratios)."""

    unit: UnitCode
    year: Annotated[int, Field(ge=2000, le=2100)]
    population: Annotated[int, Field(ge=0)]
    enterprise_count: Annotated[int, Field(ge=0)]
