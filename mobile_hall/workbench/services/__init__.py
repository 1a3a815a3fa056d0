"""The general approval workbench (通用审批系统): queues, the clerks' actions, counter intake.

Every action checks the clerk's role in the application's unit here, in the service layer;
an application of another unit is "not found", whatever id a URL or form carries. The views
import from here only; the modules inside hold one concern each.
"""

from ...applications.lifecycle import IllegalTransition
from ...applications.services import ApplicationNotFound
from ...common.errors import NotAuthorized
from .actions import (
    ACTION_ROLES,
    Actor,
    Casefile,
    accept,
    clerk,
    complete,
    decide,
    open_casefile,
    open_material,
    record_visit,
    reject,
    reply_to_rating,
    request_supplement,
    review,
)
from .counter import CounterApplicant, CounterItem, counter_item, counter_items, receive_at_counter
from .queues import QUEUES, QueueFilters, QueuePage, QueueRow, queue, queue_counts, queue_page
from .reveal import reveal_applicant_id_number
from .scope import get_for_staff, units_of

__all__ = [
    "ACTION_ROLES",
    "QUEUES",
    "Actor",
    "ApplicationNotFound",
    "Casefile",
    "CounterApplicant",
    "CounterItem",
    "IllegalTransition",
    "NotAuthorized",
    "QueueFilters",
    "QueuePage",
    "QueueRow",
    "accept",
    "clerk",
    "complete",
    "counter_item",
    "counter_items",
    "decide",
    "get_for_staff",
    "open_casefile",
    "open_material",
    "queue",
    "queue_counts",
    "queue_page",
    "receive_at_counter",
    "record_visit",
    "reject",
    "reply_to_rating",
    "request_supplement",
    "reveal_applicant_id_number",
    "review",
    "units_of",
]
