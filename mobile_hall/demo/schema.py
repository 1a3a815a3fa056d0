"""The demo's reference data file: organisations, themes and license types."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ..catalog.schema import ThemeRecord
from ..licenses.schema import LicenseTypeRecord
from ..organisations.schema import UnitRecord


class ReferenceDocument(BaseModel):
    """Everything the catalog refers to, loaded before the catalog itself."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    units: list[UnitRecord]
    themes: list[ThemeRecord]
    license_types: list[LicenseTypeRecord]
