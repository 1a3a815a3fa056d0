"""Applications' public API for applicants: start, fill, attach, submit, follow, rate.

Other domains and the views import from here only; the modules inside hold one concern each.
"""

from ...common.errors import NotAuthorized
from ...licenses.services import LicenseUnusable
from ...storage.files import UploadRejected
from ..lifecycle import ClockView, IllegalTransition, allowed_actions, clock_of
from .access import (
    ANSWERS,
    CHECK,
    DETAIL,
    MATERIALS,
    SUBMITTING,
    OwnApplications,
    get_own_application,
    list_own_applications,
    own_applications,
    unit_of,
    version_of,
)
from .drafts import (
    ItemToApply,
    item_to_apply_for,
    missing_answers,
    reapply,
    save_answers,
    start_application,
)
from .errors import (
    ApplicationNotFound,
    ItemSuspended,
    LevelTooLow,
    MessageNotFound,
    NotOnline,
    WrongAudience,
)
from .follow_up import commit_to_tolerance, rate, submit_supplement, visits_still_needed
from .materials import (
    MaterialFile,
    attach_chosen,
    attach_license,
    attach_upload,
    current_materials,
    expected_due_date,
    file_name,
    license_choices,
    missing_required,
    open_file,
    open_positions,
    pending_supplement,
    referenced_file_keys,
    remove_material,
    storage,
)
from .messages import messages_of, read_message
from .progress import ProgressView, look_up_progress
from .submission import next_application_number, submit, withdraw

__all__ = [
    "ANSWERS",
    "CHECK",
    "DETAIL",
    "MATERIALS",
    "SUBMITTING",
    "ApplicationNotFound",
    "ClockView",
    "IllegalTransition",
    "ItemSuspended",
    "ItemToApply",
    "LevelTooLow",
    "LicenseUnusable",
    "MaterialFile",
    "MessageNotFound",
    "NotAuthorized",
    "NotOnline",
    "OwnApplications",
    "ProgressView",
    "UploadRejected",
    "WrongAudience",
    "allowed_actions",
    "attach_chosen",
    "attach_license",
    "attach_upload",
    "clock_of",
    "commit_to_tolerance",
    "current_materials",
    "expected_due_date",
    "file_name",
    "get_own_application",
    "item_to_apply_for",
    "license_choices",
    "list_own_applications",
    "look_up_progress",
    "messages_of",
    "missing_answers",
    "missing_required",
    "next_application_number",
    "open_file",
    "open_positions",
    "own_applications",
    "pending_supplement",
    "rate",
    "read_message",
    "reapply",
    "referenced_file_keys",
    "remove_material",
    "save_answers",
    "start_application",
    "storage",
    "submit",
    "submit_supplement",
    "unit_of",
    "version_of",
    "visits_still_needed",
    "withdraw",
]
