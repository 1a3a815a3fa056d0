"""Enumerations of applications (办件): status, channels, process stages."""

from enum import StrEnum


class ApplicationStatus(StrEnum):
    """Where an application stands; transitions are in `transitions.py`."""

    DRAFT = "draft"
    SUBMITTED = "submitted"  # 待受理
    SUPPLEMENT_PENDING = "supplement_pending"  # 补正中
    ACCEPTED = "accepted"  # 已受理，待审查
    REVIEWED = "reviewed"  # 已审查，待决定
    DECIDED = "decided"  # 已决定，待办结
    COMPLETED = "completed"  # 已办结
    REJECTED = "rejected"  # 不予受理
    WITHDRAWN = "withdrawn"  # 已撤回


TERMINAL_STATUSES = frozenset(
    {ApplicationStatus.COMPLETED, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN}
)
# Ended with an answer: what 我的办件 lists as finished (a withdrawn one is not shown).
FINISHED_STATUSES = (ApplicationStatus.COMPLETED, ApplicationStatus.REJECTED)


class Channel(StrEnum):
    """How an application reached the hall (data-exchange.md)."""

    MOBILE = "mobile"
    WEB = "web"
    COUNTER = "counter"
    DEPARTMENT_SYSTEM = "department_system"


ONLINE_CHANNELS = frozenset({Channel.MOBILE, Channel.WEB})


class Stage(StrEnum):
    """Process record stages (data-exchange.md)."""

    SUBMIT = "submit"
    ACCEPT = "accept"
    REJECT_ACCEPT = "reject_accept"
    SUPPLEMENT_REQUEST = "supplement_request"
    SUPPLEMENT_SUBMIT = "supplement_submit"
    REVIEW = "review"
    DECIDE = "decide"
    COMPLETE = "complete"
    DELIVER = "deliver"
    VISIT = "visit"
    EVALUATE = "evaluate"
    WITHDRAW = "withdraw"


class ActorType(StrEnum):
    """Who took a step."""

    APPLICANT = "applicant"
    CLERK = "clerk"
    SYSTEM = "system"


class Decision(StrEnum):
    """The outcome of `decide`."""

    APPROVED = "approved"
    DENIED = "denied"


class MaterialSource(StrEnum):
    """How a material reached the application."""

    UPLOAD = "upload"
    LICENSE = "license"  # an electronic license the applicant holds
    PAPER = "paper"  # received at the counter


# Working days before the due date from which a row shows as "near due" in the queue.
NEAR_DUE_WORKING_DAYS = 3
