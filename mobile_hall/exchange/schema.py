"""The exchange's records and pages as the province and pulling clients receive them
(data-exchange.md, "Process records"): exactly the contract's fields, nothing more.

A process record also holds a note (reasons, opinions shown on the applicant's timeline) and
hangs from an application with a name, an ID number and a phone: none of them is a field here,
so none can leave the hall through the exchange.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationInfo, field_validator

from ..applications.constants import ActorType, Channel, Stage
from ..clock import as_local
from ..identity.constants import UserType

MAX_PAGE = 1000


class ExchangeRecord(BaseModel):
    """One process record of the hall's global record log."""

    model_config = ConfigDict(from_attributes=True, frozen=True, extra="forbid")

    record_id: Annotated[str, Field(description="UUID; the idempotency key")]
    application_no: Annotated[str, Field(description="the application number (办件编号)")]
    item_code: str
    unit_code: str
    stage: Stage
    result: Annotated[str, Field(description="decide: approved/denied; evaluate: 1-5; else empty")]
    channel: Channel
    actor_type: ActorType
    occurred_at: Annotated[datetime, Field(description="ISO 8601 with the offset (+08:00)")]
    applicant_type: UserType
    sequence: Annotated[int, Field(ge=1, description="position in the global record log")]

    @field_validator("result")
    @classmethod
    def _where_the_contract_has_one(cls, result: str, info: ValidationInfo) -> str:
        # The hall's deliver records keep the way the result went out (its timeline shows it);
        # the contract gives a result to a decision and an evaluation only, else empty.
        return result if info.data.get("stage") in (Stage.DECIDE, Stage.EVALUATE) else ""

    @field_validator("occurred_at")
    @classmethod
    def _with_offset(cls, moment: datetime) -> datetime:
        # SQLite hands back naive local times; the contract wants the offset said.
        return as_local(moment)


#: The columns of `ProcessRecord` a record is made of, in the contract's order.
FIELDS = tuple(ExchangeRecord.model_fields)
_RECORDS = TypeAdapter(list[ExchangeRecord])


def exchange_records(rows: Iterable[Mapping[Any, Any]]) -> list[ExchangeRecord]:
    """The contract's records from rows of `FIELDS` of the process records (with their
    sequence), checked against the contract in one call for the whole list (one call per
    record took most of the time of a page of 1 000, docs/performance.md)."""
    return _RECORDS.validate_python([dict(row) for row in rows])


class RecordBatch(BaseModel):
    """The body of one delivery to the province: records in sequence order."""

    records: list[ExchangeRecord]


class RecordPage(BaseModel):
    """A page of `GET /api/v1/exchange/records`."""

    records: list[ExchangeRecord]
    next_after: Annotated[int, Field(ge=0, description="pass as `after` for the next page")]
    has_more: bool


class PullQuery(BaseModel):
    """The pull's query: records after a sequence, at most `limit` of them."""

    model_config = ConfigDict(extra="ignore")

    after: Annotated[int, Field(ge=0, le=2**63 - 1)] = 0
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 100
