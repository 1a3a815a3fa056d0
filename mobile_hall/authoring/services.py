"""Guide authoring: a unit's catalog editor drafts, the kind's reviewer unit approves or returns,
and approval publishes through the catalog's versioning.

Every rule is here, authorization included: an editor acts only for items its unit implements;
a reviewer decides only drafts routed to its unit (`ReviewRoute`, data). Approve and return read
the draft under a row lock, so two reviewers pressing at once get one outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError

from ..applications.models import Message
from ..audit.services import record_event
from ..catalog import labels as catalog_labels
from ..catalog.constants import ItemKind
from ..catalog.models import ItemVersion, LicenseType, ServiceItem, Theme
from ..catalog.publishing import (
    CatalogImportError,
    preview_version,
    publish_record,
    validate_item,
    version_to_record,
)
from ..catalog.schema import ItemRecord
from ..catalog.services import get_guide, items_of_units, list_themes
from ..clock import now
from ..common.errors import NotAuthorized, NotFound
from ..common.validation import Problem, problems_from
from ..extensions import db
from ..identity.constants import StaffRoleKind
from ..identity.models import Account
from ..identity.services import staff_roles_of
from ..organisations.models import Unit
from ..organisations.services import all_units
from . import labels
from .constants import EDITABLE, GUIDE_KINDS, OPEN, DraftKind, DraftStatus
from .models import GuideDraft, ReviewRoute
from .schema import SuspensionRecord


class DraftNotFound(NotFound):
    """No draft with that id that this person may see."""


class DraftInvalid(Exception):
    """The draft does not pass the catalog schema; `problems` name each field."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


class DraftRefused(Exception):
    """The draft is not in a state that allows the action (already decided, under review)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _actor(account: Account) -> str:
    return f"account:{account.id}"


def _unit_ids(account: Account | None, *roles: StaffRoleKind) -> set[int]:
    """The units where the person holds one of `roles` (one read of their roles)."""
    return {held.unit_id for held in staff_roles_of(account) if held.role in roles}


def editor_units(account: Account | None) -> list[Unit]:
    """The units whose items the person drafts (事项管理员)."""
    ids = _unit_ids(account, StaffRoleKind.CATALOG_EDITOR)
    return list(db.session.scalars(sa.select(Unit).where(Unit.id.in_(ids)).order_by(Unit.position)))


def is_author(account: Account | None) -> bool:
    """Whether the person edits or reviews guides (the workbench shows the entry)."""
    return bool(_unit_ids(account, StaffRoleKind.CATALOG_EDITOR, StaffRoleKind.CATALOG_REVIEWER))


def _require_staff(account: Account | None) -> None:
    # Any staff member may open the desk (the workbench links to it); what it lists depends
    # on the guide roles held, and a desk without any says so.
    if not staff_roles_of(account):
        raise NotAuthorized()


def _item_unit_ids(version: ItemVersion) -> set[int]:
    return {unit.id for unit in version.units}


def _editing_unit(account: Account, version: ItemVersion) -> int:
    """The editor's unit that implements the item.

    :raises NotAuthorized: the person edits for no unit implementing it.
    """
    shared = _unit_ids(account, StaffRoleKind.CATALOG_EDITOR) & _item_unit_ids(version)
    if not shared:
        raise NotAuthorized()
    return min(shared)


def _open_draft(item_id: int) -> GuideDraft | None:
    return db.session.scalar(
        sa.select(GuideDraft).where(GuideDraft.item_id == item_id, GuideDraft.status.in_(OPEN))
    )


@dataclass(frozen=True)
class EditorDesk:
    """What an editor sees: the units' items and the drafts in progress or recently decided."""

    units: list[Unit]
    items: list[ItemVersion]
    drafts: list[GuideDraft]


def editor_desk(account: Account) -> EditorDesk:
    """The editor's items and drafts (an empty desk for anyone who edits nothing).

    :raises NotAuthorized: for anyone who is not staff.
    """
    _require_staff(account)
    units = editor_units(account)
    ids = [unit.id for unit in units]
    drafts = list(
        db.session.scalars(
            sa.select(GuideDraft)
            .where(GuideDraft.unit_id.in_(ids))
            .order_by(GuideDraft.updated_at.desc())
            .limit(50)
        )
    )
    return EditorDesk(units, items_of_units(ids) if ids else [], drafts)


def review_queue(account: Account) -> list[GuideDraft]:
    """Drafts waiting for the person's reviewer units, oldest first.

    :raises NotAuthorized: for anyone who is not staff.
    """
    _require_staff(account)
    ids = _unit_ids(account, StaffRoleKind.CATALOG_REVIEWER)
    return list(
        db.session.scalars(
            sa.select(GuideDraft)
            .where(
                GuideDraft.reviewer_unit_id.in_(ids),
                GuideDraft.status == DraftStatus.SUBMITTED,
            )
            .order_by(GuideDraft.submitted_at)
        )
    )


def _new_draft(account: Account, kind: DraftKind, unit_id: int, **values: Any) -> GuideDraft:
    moment = now()
    draft = GuideDraft(
        kind=kind,
        status=DraftStatus.EDITING,
        unit_id=unit_id,
        created_by_id=account.id,
        created_at=moment,
        updated_at=moment,
        **values,
    )
    db.session.add(draft)
    db.session.flush()
    return draft


def _lock_item(item_id: int) -> str | None:
    """Serialise the opening of drafts for one item (no two open drafts of it); the item's
    suspension reason as the lock found it (None: the item is not suspended)."""
    return db.session.execute(
        sa.select(ServiceItem.suspended_reason).where(ServiceItem.id == item_id).with_for_update()
    ).scalar_one()


def _locked_guide(account: Account, code: str) -> tuple[ItemVersion, int, str | None]:
    """Lock the item for a new draft: its published version as the lock found it, the
    editor's unit for it, and its suspension reason (see `_lock_item`).

    The version is read again once the lock is held: a reviewer who approved the open draft
    in between published a newer one, and a draft based on the older would undo it.

    :raises NotAuthorized: the person edits for no unit that implements the item (checked
        before the lock is taken, and again on the version it found).
    """
    version = get_guide(code)
    _editing_unit(account, version)
    suspended_reason = _lock_item(version.item_id)
    version = get_guide(code)
    return version, _editing_unit(account, version), suspended_reason


def start_change(account: Account, code: str) -> GuideDraft:
    """Open a draft of the item's next version (or return the one already open).

    :raises NotAuthorized: the person edits for no unit that implements the item.
    """
    version, unit_id, _suspended_reason = _locked_guide(account, code)
    draft = _open_draft(version.item_id)
    if draft is None:
        draft = _new_draft(
            account,
            DraftKind.CHANGE,
            unit_id,
            item_id=version.item_id,
            base_version_id=version.id,
            record=version_to_record(version).model_dump(mode="json"),
        )
        record_event(_actor(account), "guide.draft_open", f"guide_draft:{draft.id}", code=code)
    db.session.commit()
    return draft


def start_new_item(account: Account, unit_code: str) -> GuideDraft:
    """Open a draft of a new item implemented by the editor's unit.

    :raises NotAuthorized: the person edits for no unit of that code.
    """
    unit = next((u for u in editor_units(account) if u.code == unit_code), None)
    if unit is None:
        raise NotAuthorized()
    draft = _new_draft(
        account,
        DraftKind.CREATE,
        unit.id,
        record={
            "units": [unit.code],
            "materials": [{}],
            "form_fields": [],
            "business_manual": [{}],
        },
    )
    record_event(_actor(account), "guide.draft_open", f"guide_draft:{draft.id}", unit=unit.code)
    db.session.commit()
    return draft


def _route(kind: str | None) -> int:
    route = db.session.scalar(sa.select(ReviewRoute).where(ReviewRoute.item_kind == kind))
    if route is None:
        raise DraftInvalid([Problem("kind", labels.PROBLEM["no_route"])])
    return route.unit_id


def _submit(account: Account, draft: GuideDraft, kind: str) -> None:
    draft.reviewer_unit_id = _route(kind)
    draft.status = DraftStatus.SUBMITTED
    draft.submitted_at = draft.updated_at = now()
    draft.return_reason = ""
    record_event(
        _actor(account),
        "guide.submit",
        f"guide_draft:{draft.id}",
        code=draft.code,
        kind=draft.kind.value,
    )


def request_suspension(
    account: Account, code: str, suspend: bool, raw: dict[str, Any] | None = None
) -> GuideDraft:
    """Send a suspension (暂停办理, with a reason and an optional expected date) or a
    resumption of the item to its reviewer.

    :raises NotAuthorized: the person edits for no unit that implements the item.
    :raises DraftInvalid: an empty or too long reason, an unreadable date.
    :raises DraftRefused: another draft of the item is open; the item is already suspended
        (a suspension) or is not (a resumption).
    """
    values: dict[str, Any] = {}
    if suspend:
        try:
            suspension = SuspensionRecord.model_validate(raw or {})
        except ValidationError as error:
            raise DraftInvalid(problems_from(error)) from None
        values = {"suspension_reason": suspension.reason, "suspended_until": suspension.until}
    version, unit_id, suspended_reason = _locked_guide(account, code)
    if _open_draft(version.item_id) is not None:
        raise DraftRefused(labels.REFUSAL["open_draft"])
    if suspend == (suspended_reason is not None):
        raise DraftRefused(labels.REFUSAL["suspended" if suspend else "not_suspended"])
    draft = _new_draft(
        account,
        DraftKind.SUSPEND if suspend else DraftKind.RESUME,
        unit_id,
        item_id=version.item_id,
        base_version_id=version.id,
        **values,
    )
    _submit(account, draft, version.kind)
    db.session.commit()
    return draft


def _visible(account: Account, draft: GuideDraft) -> bool:
    return draft.unit_id in _unit_ids(account, StaffRoleKind.CATALOG_EDITOR) or (
        draft.reviewer_unit_id is not None
        and draft.reviewer_unit_id in _unit_ids(account, StaffRoleKind.CATALOG_REVIEWER)
    )


def get_draft(account: Account, draft_id: int) -> GuideDraft:
    """A draft its unit's editors or its reviewers may see.

    :raises DraftNotFound: for any other draft or person.
    """
    draft = db.session.get(GuideDraft, draft_id)
    if draft is None or not _visible(account, draft):
        raise DraftNotFound(draft_id)
    return draft


def _lock(draft_id: int) -> GuideDraft | None:
    """Reread the draft under a row lock held until the caller commits (see
    `applications.lifecycle.load_for_change`)."""
    return db.session.scalars(
        sa.select(GuideDraft)
        .where(GuideDraft.id == draft_id)
        .with_for_update(of=GuideDraft)
        .execution_options(populate_existing=True)
    ).one_or_none()


def _editable(account: Account, draft_id: int) -> GuideDraft:
    draft = _lock(draft_id)
    if draft is None or draft.unit_id not in _unit_ids(account, StaffRoleKind.CATALOG_EDITOR):
        raise DraftNotFound(draft_id)
    if draft.status not in EDITABLE or draft.kind not in GUIDE_KINDS:
        raise DraftRefused(labels.REFUSAL["not_editable"])
    return draft


def _rule_problems(draft: GuideDraft, record: dict[str, Any]) -> list[Problem]:
    """Authoring's own rules, beside the schema's: the editor's unit stays an implementing
    unit, and a new item's code is not taken."""
    problems = []
    if draft.unit.code not in (record.get("units") or []):
        problems.append(Problem("units", labels.PROBLEM["own_unit_required"]))
    if draft.kind is DraftKind.CREATE and record.get("code"):
        taken = db.session.scalar(
            sa.select(ServiceItem.id).where(ServiceItem.code == str(record["code"]))
        )
        if taken is not None:
            problems.append(Problem("code", labels.PROBLEM["code_taken"]))
    return problems


def check_record(draft: GuideDraft, record: dict[str, Any]) -> list[Problem]:
    """Every problem of a drafted record: the catalog import's schema and references, then
    authoring's own rules; empty when it may be published."""
    try:
        validate_item(record)
        problems: list[Problem] = []
    except CatalogImportError as error:
        problems = list(error.problems)
    return problems + _rule_problems(draft, record)


def save_draft(account: Account, draft_id: int, record: dict[str, Any]) -> list[Problem]:
    """Keep the record as the draft (valid or not) and return its problems, audited.

    :raises DraftNotFound: not a draft of the person's unit.
    :raises DraftRefused: the draft is under review or decided.
    """
    draft = _editable(account, draft_id)
    if draft.kind is DraftKind.CHANGE and draft.item is not None:
        record = {**record, "code": draft.item.code}  # an item keeps its code
    draft.record = record
    draft.updated_at = now()
    record_event(_actor(account), "guide.draft_save", f"guide_draft:{draft.id}", code=draft.code)
    problems = check_record(draft, record)
    db.session.commit()
    return problems


def submit_draft(account: Account, draft_id: int) -> GuideDraft:
    """Send a valid draft to the reviewer unit of its item's kind.

    :raises DraftInvalid: the record fails the schema or authoring's rules (nothing changes).
    """
    draft = _editable(account, draft_id)
    record = draft.record or {}
    problems = check_record(draft, record)
    if problems:
        db.session.rollback()
        raise DraftInvalid(problems)
    # The base version's kind decides for a change: relabelling an item does not move it to
    # another reviewer.
    kind = draft.base_version.kind if draft.base_version else record.get("kind")
    _submit(account, draft, str(kind))
    db.session.commit()
    return draft


def may_decide(account: Account, draft: GuideDraft) -> bool:
    """Whether the person reviews for the unit the draft waits at, and it still waits."""
    return draft.status is DraftStatus.SUBMITTED and draft.reviewer_unit_id in _unit_ids(
        account, StaffRoleKind.CATALOG_REVIEWER
    )


def editable_item(account: Account, code: str) -> ItemVersion:
    """The item's current version, for one of its units' editors.

    :raises NotAuthorized: the person edits for no unit that implements the item.
    """
    version = get_guide(code)
    _editing_unit(account, version)
    return version


def reference_choices() -> tuple[list[Theme], list[Unit], list[LicenseType]]:
    """What the editor chooses from: themes, units and licence types, in display order."""
    return (
        list_themes(),
        all_units(),
        list(db.session.scalars(sa.select(LicenseType).order_by(LicenseType.code))),
    )


def _decidable(account: Account, draft_id: int) -> GuideDraft:
    draft = _lock(draft_id)
    if draft is None:
        raise DraftNotFound(draft_id)
    if draft.reviewer_unit_id not in _unit_ids(account, StaffRoleKind.CATALOG_REVIEWER):
        raise NotAuthorized()
    if draft.status is not DraftStatus.SUBMITTED:
        raise DraftRefused(labels.REFUSAL["decided"])
    return draft


def _tell_author(draft: GuideDraft, outcome: str) -> None:
    """A message in the author's message centre (消息中心): approved or returned, and why."""
    title, body = labels.OUTCOME_MESSAGE[outcome]
    values = {
        "kind": labels.DRAFT_KIND[draft.kind],
        "name": draft.name,
        "code": draft.code,
        "reason": draft.return_reason,
    }
    db.session.add(
        Message(
            account_id=draft.created_by_id,
            title=title.format(**values),
            body=body.format(**values),
            created_at=now(),
        )
    )


def _publish(draft: GuideDraft) -> int | None:
    try:
        record, refs = validate_item(draft.record)
    except CatalogImportError as error:
        raise DraftInvalid(error.problems) from None
    problems = _rule_problems(draft, draft.record or {})
    if problems:
        raise DraftInvalid(problems)
    items = {draft.item.code: draft.item} if draft.item is not None else {}
    publish_record(record, refs, items)
    db.session.flush()
    item = (
        draft.item
        or db.session.scalars(sa.select(ServiceItem).where(ServiceItem.code == record.code)).one()
    )
    draft.item = item
    return item.current_version_id


def approve_draft(account: Account, draft_id: int) -> GuideDraft:
    """Publish the draft (a new version, a new item, a suspension or a resumption), tell its
    author, audit; all in one transaction.

    :raises NotAuthorized: the draft is routed to another reviewer unit.
    :raises DraftRefused: someone decided it already.
    :raises DraftInvalid: the record no longer passes (e.g. a licence type was removed).
    """
    try:
        draft = _decidable(account, draft_id)
        item = draft.item
        if draft.kind in GUIDE_KINDS:
            draft.published_version_id = _publish(draft)
        elif item is not None and draft.kind is DraftKind.SUSPEND:
            item.suspended_reason = draft.suspension_reason
            item.suspended_until = draft.suspended_until
        elif item is not None:
            item.suspended_reason = item.suspended_until = None
        draft.status = DraftStatus.PUBLISHED
        draft.decided_by_id, draft.decided_at = account.id, now()
        draft.updated_at = draft.decided_at
        _tell_author(draft, "approved")
        record_event(
            _actor(account),
            "guide.approve",
            f"guide_draft:{draft.id}",
            code=draft.code,
            kind=draft.kind.value,
            version=draft.published_version_id,
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return draft


def return_draft(account: Account, draft_id: int, reason: str) -> GuideDraft:
    """Send the draft back to its editors with the reviewer's reasons, audited.

    :raises NotAuthorized, DraftRefused: as `approve_draft`.
    :raises DraftInvalid: without a reason.
    """
    reason = reason.strip()
    if not reason:
        raise DraftInvalid([Problem("reason", labels.PROBLEM["reason_required"])])
    try:
        draft = _decidable(account, draft_id)
        # A returned guide goes back to its editors; a returned suspension has nothing to
        # edit and simply ends.
        editable = draft.kind in GUIDE_KINDS
        draft.status = DraftStatus.RETURNED if editable else DraftStatus.REFUSED
        draft.return_reason = reason[:2000]
        draft.decided_by_id, draft.decided_at = account.id, now()
        draft.updated_at = draft.decided_at
        _tell_author(draft, "returned")
        record_event(_actor(account), "guide.return", f"guide_draft:{draft.id}", code=draft.code)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return draft


@dataclass(frozen=True)
class Difference:
    """One change of a draft against the published version, as the reviewer reads it."""

    field: str  # the guide's field, in Chinese
    change: str  # added, removed or changed (`labels.CHANGE`)
    name: str = ""  # the material or form field concerned
    before: str = ""
    after: str = ""


def _text(key: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return labels.YES_NO[value]
    if key == "kind":
        return catalog_labels.ITEM_KIND.get(value, str(value))
    if key == "audience":
        return catalog_labels.AUDIENCE.get(value, str(value))
    if isinstance(value, list):
        return "、".join(_text(key, v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{_text(k, v)}" for k, v in value.items() if v not in (None, ""))
    return str(value)


def _rows(
    title: str, before: list[dict], after: list[dict], key: str, attributes: dict[str, str]
) -> list[Difference]:
    old = {str(row.get(key)): row for row in before}
    new = {str(row.get(key)): row for row in after}
    found = [Difference(title, "removed", name) for name in old if name not in new]
    for name, row in new.items():
        if name not in old:
            found.append(Difference(title, "added", name, after=_text("", row)))
            continue
        for attribute, label in attributes.items():
            was, now_ = old[name].get(attribute), row.get(attribute)
            if was != now_:
                found.append(
                    Difference(
                        f"{title}·{label}",
                        "changed",
                        name,
                        _text(attribute, was),
                        _text(attribute, now_),
                    )
                )
    return found


def _normalised(raw: dict[str, Any] | None) -> dict[str, Any]:
    try:
        return ItemRecord.model_validate(raw or {}).model_dump(mode="json")
    except ValidationError:
        return dict(raw or {})


def differences(draft: GuideDraft) -> list[Difference]:
    """Field by field, what approving the draft changes in the published guide: each material
    and form field added, removed or changed, by name, and every other field changed."""
    if draft.kind not in GUIDE_KINDS:
        return []
    before = (
        version_to_record(draft.base_version).model_dump(mode="json") if draft.base_version else {}
    )
    after = _normalised(draft.record)
    found: list[Difference] = []
    for key, title in labels.FIELD.items():
        if key == "materials":
            found += _rows(
                title, before.get(key) or [], after.get(key) or [], "name", labels.MATERIAL_FIELD
            )
        elif key == "form_fields":
            found += _rows(
                title, before.get(key) or [], after.get(key) or [], "name", labels.FORM_FIELD
            )
        elif before.get(key) != after.get(key):
            found.append(
                Difference(
                    title, "changed", "", _text(key, before.get(key)), _text(key, after.get(key))
                )
            )
    return found


@dataclass(frozen=True)
class Preview:
    """The guide a draft would publish, or why it cannot be shown yet."""

    version: ItemVersion | None
    problems: list[Problem]


def preview(account: Account, draft_id: int) -> Preview:
    """The draft's guide as it would be published (never stored).

    :raises DraftNotFound: for a draft the person may not see.
    """
    draft = get_draft(account, draft_id)
    try:
        record, refs = validate_item(draft.record)
    except CatalogImportError as error:
        return Preview(None, error.problems)
    number = (draft.base_version.number + 1) if draft.base_version else 1
    return Preview(preview_version(record, refs, number), [])


def upsert_review_routes(routes: dict[str, str]) -> None:
    """Set which unit reviews each item kind (item kind -> unit code). The caller commits."""
    units = {unit.code: unit.id for unit in db.session.scalars(sa.select(Unit))}
    existing = {route.item_kind: route for route in db.session.scalars(sa.select(ReviewRoute))}
    for kind, unit_code in routes.items():
        route = existing.get(ItemKind(kind)) or ReviewRoute(item_kind=ItemKind(kind))
        route.unit_id = units[unit_code]
        db.session.add(route)
