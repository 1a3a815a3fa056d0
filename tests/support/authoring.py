"""Helpers of the guide-authoring tests: the people of the path, drafts made through the services,
and the restoration of a demo item that a committed test published a new version of."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from mobile_hall.applications.models import Message
from mobile_hall.authoring import services as authoring
from mobile_hall.authoring.models import GuideDraft
from mobile_hall.catalog.constants import VersionStatus
from mobile_hall.catalog.models import (
    ItemVersion,
    Material,
    ServiceItem,
    item_version_theme,
    item_version_unit,
)
from mobile_hall.extensions import db
from mobile_hall.identity.constants import StaffRoleKind
from mobile_hall.identity.models import Account
from mobile_hall.organisations.models import Unit
from tests.support.builders import make_item, make_staff

# A licence item of 区市场监管局 (the demo editor's unit): 区编办 reviews it.
DEMO_ITEM = "QJ-SCJG-0002"


def unit(code: str) -> Unit:
    """A demo unit by code."""
    return db.session.scalars(sa.select(Unit).where(Unit.code == code)).one()


@dataclass
class Path:
    """An item of a new unit, its editor, and the reviewers of both reviewer units."""

    code: str
    editor: Account
    approvals_reviewer: Account  # 区编办
    services_reviewer: Account  # 区行政服务中心


def new_path() -> Path:
    """A new licence item (routed to 区编办) with an editor of its unit and both reviewers."""
    department = unit("QJ-SCJGJ")
    version = make_item(department, materials=2)
    return Path(
        code=version.item.code,
        editor=make_staff(department, StaffRoleKind.CATALOG_EDITOR),
        approvals_reviewer=make_staff(unit("QJ-BB"), StaffRoleKind.CATALOG_REVIEWER),
        services_reviewer=make_staff(unit("QJ-XZFWZX"), StaffRoleKind.CATALOG_REVIEWER),
    )


def submitted_change(path: Path, **changes) -> int:
    """A draft of the item's next version with `changes` to its record, submitted; its id."""
    draft = authoring.start_change(path.editor, path.code)
    record = {**(draft.record or {}), **changes}
    assert authoring.save_draft(path.editor, draft.id, record) == []
    authoring.submit_draft(path.editor, draft.id)
    return draft.id


def restore_item(code: str, version_id: int) -> None:
    """Make `version_id` the item's current version again, deleting the versions, drafts and
    messages a committed test added (the caller commits)."""
    item = db.session.scalars(sa.select(ServiceItem).where(ServiceItem.code == code)).one()
    later = list(
        db.session.scalars(
            sa.select(ItemVersion.id).where(
                ItemVersion.item_id == item.id, ItemVersion.id > version_id
            )
        )
    )
    drafts = sa.select(GuideDraft.created_by_id).where(GuideDraft.item_id == item.id)
    db.session.execute(sa.delete(Message).where(Message.account_id.in_(drafts)))
    db.session.execute(sa.delete(GuideDraft).where(GuideDraft.item_id == item.id))
    item.current_version_id = version_id
    item.suspended_reason = item.suspended_until = None
    db.session.execute(
        sa.update(ItemVersion)
        .where(ItemVersion.id == version_id)
        .values(status=VersionStatus.PUBLISHED)
    )
    db.session.flush()
    if later:
        db.session.execute(sa.delete(Material).where(Material.item_version_id.in_(later)))
        for table in (item_version_theme, item_version_unit):
            db.session.execute(sa.delete(table).where(table.c.item_version_id.in_(later)))
        db.session.execute(sa.delete(ItemVersion).where(ItemVersion.id.in_(later)))


def formdata(form) -> list[tuple[str, str]]:
    """What a browser posts for a filled-in WTForms form (checkboxes only when checked)."""
    from wtforms import BooleanField, FieldList, FormField, SelectMultipleField

    pairs: list[tuple[str, str]] = []
    for field in form:
        if isinstance(field, FieldList):
            for entry in field:
                pairs += formdata(entry.form)
        elif isinstance(field, FormField):
            pairs += formdata(field.form)
        elif isinstance(field, BooleanField):
            pairs += [(field.name, "y")] if field.data else []
        elif isinstance(field, SelectMultipleField):
            pairs += [(field.name, str(value)) for value in field.data or []]
        elif field.name != "csrf_token":
            pairs.append((field.name, "" if field.data is None else str(field.data)))
    return pairs
