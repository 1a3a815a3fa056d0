"""Enumerations of guide authoring, stored by value."""

from enum import StrEnum


class DraftKind(StrEnum):
    """What a draft asks the reviewer to approve."""

    CHANGE = "change"  # a new version of an item's guide and form
    CREATE = "create"  # a new item
    SUSPEND = "suspend"  # 暂停办理
    RESUME = "resume"  # 恢复办理


class DraftStatus(StrEnum):
    """Where a draft is on the path editor -> reviewer -> published."""

    EDITING = "editing"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    PUBLISHED = "published"
    REFUSED = "refused"  # a returned suspension or resumption: nothing to edit, it ends


# A draft the editor may still change.
EDITABLE = frozenset({DraftStatus.EDITING, DraftStatus.RETURNED})
# A draft of a guide and form (the editor's), not a suspension or resumption.
GUIDE_KINDS = frozenset({DraftKind.CHANGE, DraftKind.CREATE})
# A draft that holds its item: no second draft opens for it.
OPEN = frozenset({DraftStatus.EDITING, DraftStatus.RETURNED, DraftStatus.SUBMITTED})
