"""Enumerations of the service catalog, stored by value."""

from enum import StrEnum


class ItemKind(StrEnum):
    """The legal kind of a service item (事项类型)."""

    ADMINISTRATIVE_LICENSE = "administrative_license"
    ADMINISTRATIVE_CONFIRMATION = "administrative_confirmation"
    ADMINISTRATIVE_PAYMENT = "administrative_payment"
    ADMINISTRATIVE_FILING = "administrative_filing"
    ADMINISTRATIVE_AWARD = "administrative_award"
    ADMINISTRATIVE_LEVY = "administrative_levy"
    OTHER_POWER = "other_power"
    PUBLIC_SERVICE = "public_service"


class ItemGroup(StrEnum):
    """Groups of item kinds a person looks for together (the one-stop entries' filters)."""

    APPROVAL = "approval"  # 行政审批事项: the items whose version is an approval
    PUBLIC_SERVICE = "public_service"  # 社会（公共）服务事项


class Audience(StrEnum):
    """Who an item or a theme is for."""

    PERSON = "person"
    ENTERPRISE = "enterprise"
    BOTH = "both"


class Stage(StrEnum):
    """Stages of handling that an item may run online (全流程)."""

    APPLY = "apply"
    ACCEPT = "accept"
    REVIEW = "review"
    DECIDE = "decide"
    DELIVER = "deliver"


ALL_STAGES: tuple[Stage, ...] = tuple(Stage)


class MaterialForm(StrEnum):
    """Whether the counter needs the original, a copy, or both."""

    ORIGINAL = "original"
    COPY = "copy"
    ORIGINAL_AND_COPY = "original_and_copy"
    ELECTRONIC = "electronic"


class ResultType(StrEnum):
    """What an item produces when it is approved."""

    LICENSE = "license"
    DOCUMENT = "document"
    NONE = "none"


class Delivery(StrEnum):
    """How a result reaches the applicant."""

    ELECTRONIC = "electronic"
    POST = "post"
    PICKUP = "pickup"


class FieldType(StrEnum):
    """Types of the fields in an item's declarative application form."""

    TEXT = "text"
    PERSON_NAME = "person_name"  # a person's name, as on the ID card
    TEXTAREA = "textarea"
    NUMBER = "number"  # an amount or a measure: decimals allowed
    COUNT = "count"  # how many people, beds, copies: a whole number
    DATE = "date"
    SELECT = "select"
    RADIO = "radio"
    CHECKBOX = "checkbox"
    ID_NUMBER = "id_number"
    PHONE = "phone"
    EMAIL = "email"
    CREDIT_CODE = "credit_code"
    ADDRESS = "address"


CHOICE_FIELD_TYPES = frozenset({FieldType.SELECT, FieldType.RADIO, FieldType.CHECKBOX})


class ManualRole(StrEnum):
    """Who performs a step of the internal business manual (业务手册)."""

    WINDOW_CLERK = "window_clerk"
    REVIEWER = "reviewer"
    APPROVER = "approver"


class VersionStatus(StrEnum):
    """Life of one version of an item's record."""

    PUBLISHED = "published"
    SUPERSEDED = "superseded"


# Visits are recorded as 0, 1 or 2, where 2 stands for "two or more" (2次及以上).
MAX_RECORDED_VISITS = 2
