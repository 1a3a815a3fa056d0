"""The reference-data file: the district's units and their service points, the towns' yearly
figures, themes, licence types and one-stop entries (`flask reference export|import`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..catalog.constants import ItemGroup
from ..catalog.schema import ThemeRecord
from ..licenses.schema import LicenseTypeRecord
from ..organisations.schema import FigureRecord, UnitRecord
from .constants import EntryTarget

FORMAT = "mobile_hall/reference@1"


class EntryRecord(BaseModel):
    """A one-stop entry of the home page (一门式服务入口)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
    name: Annotated[str, Field(min_length=1, max_length=20)]
    description: Annotated[str, Field(max_length=200)] = ""
    target: EntryTarget
    value: Annotated[str, Field(min_length=1, max_length=300)]

    @model_validator(mode="after")
    def _value_fits_target(self) -> EntryRecord:
        if self.target is EntryTarget.LINK and not self.value.startswith("https://"):
            raise ValueError("entry_link_https")
        if self.target is EntryTarget.GROUP and self.value not in set(ItemGroup):
            raise ValueError("unknown_item_group")
        return self


class ReferenceDocument(BaseModel):
    """Everything the catalog refers to, loaded before the catalog itself."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["mobile_hall/reference@1"] = "mobile_hall/reference@1"
    units: list[UnitRecord]
    figures: list[FigureRecord] = []
    themes: list[ThemeRecord] = []
    license_types: list[LicenseTypeRecord] = []
    entries: list[EntryRecord] = []
