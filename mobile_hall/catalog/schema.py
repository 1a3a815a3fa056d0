"""The catalog's interchange format: one JSON document, validated record by record.

The same schema guards `catalog import`, the demo data and anything the district office
edits later, so an invalid guide can never be published by any route.
"""

from __future__ import annotations

import re
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .constants import (
    CHOICE_FIELD_TYPES,
    Audience,
    Delivery,
    FieldType,
    ItemKind,
    ManualRole,
    MaterialForm,
    ResultType,
    Stage,
)

FORMAT: Final = "mobile_hall.catalog/1"

ITEM_CODE_PATTERN = r"^[A-Z0-9][A-Z0-9-]{2,39}$"
FIELD_NAME_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"

ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(min_length=1, max_length=4000)]
Days = Annotated[int, Field(ge=0, le=365)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class FieldValidation(_Record):
    """Optional constraints on one form field."""

    min_length: Annotated[int, Field(ge=0, le=4000)] | None = None
    max_length: Annotated[int, Field(ge=1, le=4000)] | None = None
    min: float | None = None
    max: float | None = None
    pattern: Annotated[str, Field(max_length=200)] | None = None
    pattern_message: ShortText | None = None

    @model_validator(mode="after")
    def _bounds_ordered(self) -> FieldValidation:
        for low, high in ((self.min_length, self.max_length), (self.min, self.max)):
            if low is not None and high is not None and low > high:
                raise ValueError("bounds_reversed")
        return self

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as error:
                raise ValueError("invalid_pattern") from error
        return value


class FormField(_Record):
    """One question of the application form."""

    name: Annotated[str, Field(pattern=FIELD_NAME_PATTERN)]
    label: ShortText
    type: FieldType
    required: bool = True
    group: ShortText = "基本信息"
    choices: list[ShortText] = []
    help: Annotated[str, Field(max_length=400)] = ""
    validation: FieldValidation | None = None

    @model_validator(mode="after")
    def _choices_match_type(self) -> FormField:
        if self.type in CHOICE_FIELD_TYPES and len(self.choices) < 2:
            raise ValueError("choices_required")
        if self.type not in CHOICE_FIELD_TYPES and self.choices:
            raise ValueError("choices_not_allowed")
        return self


class MaterialRecord(_Record):
    """One material of the guide's checklist (申请材料)."""

    name: ShortText
    required: bool = True
    form: MaterialForm = MaterialForm.ORIGINAL
    count: Annotated[int, Field(ge=1, le=20)] = 1
    notes: Annotated[str, Field(max_length=1000)] = ""
    license_type: Annotated[str, Field(max_length=32)] | None = None


class ResultRecord(_Record):
    """What the applicant receives when the matter is approved (办理结果)."""

    type: ResultType
    name: Annotated[str, Field(max_length=200)] = ""
    license_type: Annotated[str, Field(max_length=32)] | None = None
    delivery: list[Delivery] = [Delivery.ELECTRONIC]

    @model_validator(mode="after")
    def _license_named_when_issued(self) -> ResultRecord:
        if self.type is ResultType.LICENSE and not self.license_type:
            raise ValueError("license_type_required")
        if self.type is not ResultType.LICENSE and self.license_type:
            raise ValueError("license_type_not_allowed")
        if self.type is not ResultType.NONE and not self.name:
            raise ValueError("result_name_required")
        return self


class VisitRecord(_Record):
    """Where and when to go when the matter needs an on-site visit."""

    location: LongText
    hours: ShortText
    notes: Annotated[str, Field(max_length=1000)] = ""


class ManualStep(_Record):
    """One step of the internal business manual (业务手册), shown to staff only."""

    step: ShortText
    role: ManualRole
    description: LongText
    time_limit_days: Days | None = None


class ItemRecord(_Record):
    """A service item's complete standardised record (事项要素与办事指南)."""

    code: Annotated[str, Field(pattern=ITEM_CODE_PATTERN)]
    name: ShortText
    kind: ItemKind
    is_approval: bool
    audience: Audience
    themes: Annotated[list[Annotated[str, Field(max_length=40)]], Field(min_length=1)]
    units: Annotated[list[Annotated[str, Field(max_length=40)]], Field(min_length=1)]
    keywords: list[Annotated[str, Field(min_length=1, max_length=40)]] = []
    summary: Annotated[str, Field(max_length=300)] = ""
    legal_basis: LongText
    conditions: Annotated[list[LongText], Field(min_length=1)]
    materials: list[MaterialRecord] = []
    is_free: bool = True
    fee_description: Annotated[str, Field(max_length=1000)] = ""
    legal_time_limit_days: Days
    promised_time_limit_days: Days
    required_visits: Annotated[int, Field(ge=0, le=2)]
    online_stages: list[Stage]
    mobile_enabled: bool
    min_real_name_level: Annotated[int, Field(ge=1, le=4)]
    allows_tolerant_acceptance: bool = False
    form_fields: list[FormField] = []
    result: ResultRecord
    visit: VisitRecord | None = None
    contact_phone: Annotated[str, Field(pattern=r"^[0-9][0-9-]{6,19}$")]
    business_manual: Annotated[list[ManualStep], Field(min_length=1)]
    popular_rank: Annotated[int, Field(ge=1, le=999)] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ItemRecord:
        if self.promised_time_limit_days > self.legal_time_limit_days:
            raise ValueError("promised_exceeds_legal")
        if not self.is_free and not self.fee_description:
            raise ValueError("fee_description_required")
        if len(set(self.online_stages)) != len(self.online_stages):
            raise ValueError("duplicate_stage")
        if self.mobile_enabled and Stage.APPLY not in self.online_stages:
            raise ValueError("mobile_needs_online_apply")
        if self.required_visits == 0 and Stage.APPLY not in self.online_stages:
            raise ValueError("zero_visits_needs_online_apply")
        if self.required_visits > 0 and self.visit is None:
            raise ValueError("visit_required")
        names = [field.name for field in self.form_fields]
        if len(set(names)) != len(names):
            raise ValueError("duplicate_field_name")
        return self


class CatalogDocument(_Record):
    """The whole catalog as exported or imported."""

    format: Literal["mobile_hall.catalog/1"] = FORMAT
    items: list[ItemRecord]

    @model_validator(mode="after")
    def _unique_codes(self) -> CatalogDocument:
        codes = [item.code for item in self.items]
        if len(set(codes)) != len(codes):
            raise ValueError("duplicate_item_code")
        return self


class ThemeRecord(_Record):
    """A theme: a life event for persons or a stage of an enterprise's life (主题)."""

    code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
    name: Annotated[str, Field(min_length=1, max_length=20)]
    audience: Literal["person", "enterprise"]
    description: Annotated[str, Field(max_length=200)] = ""
