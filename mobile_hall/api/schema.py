"""The departments' application endpoints' requests and answers (pydantic): they validate
what comes in and, through `openapi`, are the published schema."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

INT_MAX = 2**31 - 1
ShortText = Annotated[str, Field(min_length=1, max_length=2000)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApplicationsQuery(BaseModel):
    """``GET /api/v1/applications``: what changed after ``after`` (a cursor), oldest first."""

    after: Annotated[int, Field(ge=0, le=INT_MAX)] = 0
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class Applicant(BaseModel):
    """The applicant; identity number and phone masked unless the key has the full record
    (``masked``: whether ``id_number`` is masked; the hall may hold no number in clear)."""

    type: Literal["person", "legal_person"]
    name: str
    id_number: str
    phone: str
    masked: bool


class MaterialOut(BaseModel):
    """A material handed in; a file comes by ``download_url``, a signed link that expires."""

    id: int
    position: int
    name: str
    source: Literal["upload", "license", "paper"]
    content_type: str | None
    size: int | None
    sha256: str | None
    license_reference: str | None
    download_url: str | None


class RecordOut(BaseModel):
    """A process record of the application (data-exchange.md)."""

    record_id: str
    sequence: int
    stage: str
    result: str
    channel: str
    actor_type: str
    occurred_at: datetime


class ApplicationOut(BaseModel):
    """An application as a department's system sees it."""

    id: int
    number: str
    item_code: str
    item_name: str
    unit_code: str
    status: str
    channel: str
    applicant: Applicant
    answers: dict[str, Any]
    materials: list[MaterialOut]
    records: list[RecordOut]
    submitted_at: datetime | None
    accepted_on: date | None
    due_on: date | None
    decision: Literal["approved", "denied"] | None
    delivery_options: list[str]
    allowed_steps: list[str]
    sequence: int  # its newest record's sequence: the cursor just past it


class ApplicationsPage(BaseModel):
    """A page of changed applications; ask again with ``after=cursor`` while ``has_more``."""

    applications: list[ApplicationOut]
    cursor: int
    has_more: bool


class AcceptBody(_Body):
    """受理; with ``missing_positions`` and ``deadline``, 容缺受理."""

    missing_positions: Annotated[
        list[Annotated[int, Field(ge=0, le=200)]], Field(max_length=50)
    ] = []
    deadline: date | None = None


class RejectBody(_Body):
    """不予受理, with the reason."""

    reason: ShortText


class SupplementItem(_Body):
    """A material to supply again and why."""

    position: Annotated[int, Field(ge=0, le=200)] | None = None
    name: Annotated[str, Field(min_length=1, max_length=200)]
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class SupplementBody(_Body):
    """一次性告知补正: every missing material at once."""

    items: Annotated[list[SupplementItem], Field(min_length=1, max_length=50)]
    note: Annotated[str, Field(max_length=2000)] = ""


class ReviewBody(_Body):
    """审查意见."""

    opinion: ShortText


class DecideBody(_Body):
    """审批决定; a denial gives its reason."""

    decision: Literal["approved", "denied"]
    reason: Annotated[str, Field(max_length=2000)] = ""


class CompleteBody(_Body):
    """办结, delivered by one of the item's ``delivery_options``; an approved application
    whose result is a licence issues it."""

    delivery: Annotated[str, Field(min_length=1, max_length=20)]
