"""What an editor types besides the item record: a suspension (暂停办理)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class SuspensionRecord(BaseModel):
    """Why an item stops taking applications, and when it expects to resume (optional)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    reason: Annotated[str, Field(min_length=1, max_length=500)]
    until: date | None = None
