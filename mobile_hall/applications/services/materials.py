"""The materials of an application: what may be attached now, uploads and held licences in place
of paper, taking one back, and the attached files."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, BinaryIO

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from ...clock import as_local, now
from ...extensions import db
from ...identity.models import Account
from ...licenses.services import (
    LicenseUnusable,
    record_use,
    usable_licenses,
    usable_licenses_by_type,
)
from ...storage.downloads import download_name
from ...storage.files import (
    LocalFileStorage,
    ReadableStream,
    Rejection,
    StoredFile,
    UnknownKey,
    UploadRejected,
    clean_filename,
)
from ...workdays import CalendarNotCovered, add_working_days
from ..constants import TERMINAL_STATUSES, ApplicationStatus, MaterialSource
from ..lifecycle import IllegalTransition, load_for_change
from ..models import Application, ApplicationMaterial, SupplementRequest
from .access import NOT_JOINED, version_of
from .errors import ApplicationNotFound


def storage() -> LocalFileStorage:
    """The upload store (a shared volume in production, behind the same interface)."""
    store = current_app.extensions.get("upload_storage")
    if store is None:
        store = LocalFileStorage(current_app.config["UPLOAD_ROOT"])
        current_app.extensions["upload_storage"] = store
    return store


def referenced_file_keys() -> set[str]:
    """The storage keys some material row refers to (taken-back materials included: their
    rows stay in the record), for the upload store's sweep."""
    query = sa.select(ApplicationMaterial.file_key).where(ApplicationMaterial.file_key.is_not(None))
    return set(db.session.scalars(query.distinct()))


def pending_supplement(application: Application) -> SupplementRequest | None:
    """The supplement request still waiting for the applicant, if any."""
    if application.status is not ApplicationStatus.SUPPLEMENT_PENDING:
        return None
    return next((s for s in application.supplements if s.answered_on is None), None)


def open_positions(application: Application) -> list[int]:
    """The checklist positions the applicant may add to now.

    Every position of a draft; after submission only those a pending supplement names and those
    a tolerant acceptance (容缺受理) left to hand in later.
    """
    if application.status is ApplicationStatus.DRAFT:
        return [material.position for material in version_of(application).materials]
    positions: set[int] = set()
    pending = pending_supplement(application)
    if pending is not None:
        positions |= {
            i["position"] for i in pending.requested_items if i.get("position") is not None
        }
    tolerance = application.tolerance
    if (
        tolerance is not None
        and tolerance.fulfilled_at is None
        and application.status not in TERMINAL_STATUSES
    ):
        positions |= set(tolerance.missing_positions)
    return sorted(positions)


def _load_materials_for_change(application: Application) -> None:
    """Lock the application's row and reread it with its materials, before any check.

    Submitting or answering a supplement checks the materials under the same lock: a file
    taken back (or added) on what a tab read before that commit would change an application
    already handed in, and leave it without a required material. The materials come in a
    second statement, once the lock is held (see `load_for_change`).
    """
    load_for_change(application, *NOT_JOINED, selectinload(Application.materials))


def attach_upload(
    account: Account,
    application: Application,
    position: int,
    stream: ReadableStream,
    filename: str,
) -> ApplicationMaterial:
    """Store an uploaded photo or PDF as material `position`, checked by content and size.

    A tolerant acceptance's commitment is marked fulfilled once its last material arrives.

    :raises UploadRejected: empty, too large, or not a JPEG/PNG/PDF; nothing is kept.
    :raises IllegalTransition: when this material can no longer change (see `open_positions`).
    :raises ApplicationNotFound: for a position the item does not have.
    """
    _load_materials_for_change(application)
    material = _attach_upload(application, position, stream, filename)
    _commit_materials(application)
    return material


def _commit_materials(application: Application) -> None:
    """Commit materials just attached, with the application's time and a tolerant acceptance's
    commitment marked fulfilled once its last material arrived."""
    application.updated_at = now()
    fulfil_tolerance_if_complete(application)
    db.session.commit()


def _attach_upload(
    application: Application, position: int, stream: ReadableStream, filename: str
) -> ApplicationMaterial:
    if not 0 <= position < len(version_of(application).materials):
        raise ApplicationNotFound(position)
    if position not in open_positions(application):
        raise IllegalTransition("attach", application.status)
    max_bytes, room_is_the_cap = _room_for_upload(application, position)
    try:
        stored: StoredFile = storage().save(stream, max_bytes=max_bytes)
    except UploadRejected as rejected:
        if rejected.reason is Rejection.TOO_LARGE and room_is_the_cap:
            total = current_app.config["UPLOAD_MAX_BYTES_PER_APPLICATION"]
            raise UploadRejected(Rejection.APPLICATION_TOO_LARGE, max_bytes=total) from None
        raise
    material = ApplicationMaterial(
        position=position,
        source=MaterialSource.UPLOAD,
        file_key=stored.key,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        filename=clean_filename(filename),
        added_at=now(),
    )
    application.materials.append(material)
    return material


def _room_for_upload(application: Application, position: int) -> tuple[int, bool]:
    """The most bytes one more file at `position` may have, and whether that is what is left
    of the application's total (rather than the cap per file).

    :raises UploadRejected: when the material or the application holds as many files, or as
        many bytes, as it may.
    """
    config = current_app.config
    files = [m for m in application.materials if m.replaced_at is None and m.file_key]
    per_material = config["UPLOAD_MAX_FILES_PER_MATERIAL"]
    if sum(1 for m in files if m.position == position) >= per_material:
        raise UploadRejected(Rejection.TOO_MANY_FOR_MATERIAL, max_files=per_material)
    per_application = config["UPLOAD_MAX_FILES_PER_APPLICATION"]
    if len(files) >= per_application:
        raise UploadRejected(Rejection.TOO_MANY_FOR_APPLICATION, max_files=per_application)
    total = config["UPLOAD_MAX_BYTES_PER_APPLICATION"]
    room = total - sum(m.size or 0 for m in files)
    if room < 1:
        raise UploadRejected(Rejection.APPLICATION_TOO_LARGE, max_bytes=total)
    return min(config["UPLOAD_MAX_BYTES"], room), room < config["UPLOAD_MAX_BYTES"]


def attach_chosen(
    account: Account,
    application: Application,
    licenses: dict[int, int],
    uploads: Iterable[tuple[int, ReadableStream, str]],
) -> dict[int, LicenseUnusable | UploadRejected]:
    """Attach what the materials page sent at once, in one transaction: a held licence per
    position (`licenses`) and any number of files (`uploads`: position, stream, file name).

    A licence that cannot be used or a file refused leaves its material open and the others
    attached; the refusals are returned by position (the last one of a position).

    :raises IllegalTransition, ApplicationNotFound: as `attach_upload` and `attach_license`;
        then nothing is attached.
    """
    _load_materials_for_change(application)
    refused: dict[int, LicenseUnusable | UploadRejected] = {}
    added = False
    for position, license_id in licenses.items():
        try:
            added |= _attach_license(account, application, position, license_id)[1]
        except LicenseUnusable as unusable:
            refused[position] = unusable
    for position, stream, filename in uploads:
        try:
            _attach_upload(application, position, stream, filename)
            added = True
        except UploadRejected as rejected:
            refused[position] = rejected
    if added:
        _commit_materials(application)
    return refused


def remove_material(account: Account, application: Application, material_id: int) -> None:
    """Take back a material added to a draft, or added since submission where still open.

    :raises ApplicationNotFound: for a material of another application.
    :raises IllegalTransition: for a material handed in with the submitted application.
    """
    _load_materials_for_change(application)
    material = next((m for m in application.materials if m.id == material_id), None)
    if material is None or material.replaced_at is not None:
        raise ApplicationNotFound(material_id)
    submitted = application.submitted_at
    handed_in = submitted is not None and as_local(material.added_at) <= as_local(submitted)
    if material.position not in open_positions(application) or handed_in:
        raise IllegalTransition("remove", application.status)
    material.replaced_at = now()
    db.session.commit()


def current_materials(application: Application) -> dict[int, list[ApplicationMaterial]]:
    """The materials in force, by checklist position."""
    grouped: dict[int, list[ApplicationMaterial]] = {}
    for material in application.materials:
        if material.replaced_at is None:
            grouped.setdefault(material.position, []).append(material)
    return grouped


def missing_required(application: Application) -> list[str]:
    """Names of required materials with nothing attached."""
    present = current_materials(application)
    return [
        m.name
        for m in version_of(application).materials
        if m.required and m.position not in present
    ]


def expected_due_date(application: Application) -> date | None:
    """When the application would be due if accepted today (to flag licenses ending sooner)."""
    try:
        return add_working_days(now().date(), version_of(application).promised_time_limit_days)
    except CalendarNotCovered:
        return None


def license_choices(
    account: Account, application: Application, positions: list[int]
) -> dict[int, list[Any]]:
    """The held licenses that can stand in for each open material, by position (one
    statement, whatever the number of materials)."""
    wanted = {
        m.position: m.license_type_id
        for m in version_of(application).materials
        if m.license_type_id is not None and m.position in positions
    }
    if not wanted:
        return {}
    held = usable_licenses_by_type(account, set(wanted.values()), expected_due_date(application))
    return {position: held.get(type_id, []) for position, type_id in wanted.items()}


def attach_license(
    account: Account, application: Application, position: int, license_id: int
) -> ApplicationMaterial:
    """Use a held electronic license instead of uploading material `position`.

    The holder's consent and the use are logged (and audited) with the material, in one
    transaction; choosing the same license again changes nothing.

    :raises IllegalTransition: when materials can no longer change.
    :raises ApplicationNotFound: for a position without a license type, or a license the person
        does not hold or of another type.
    :raises LicenseUnusable: for an expired or revoked license.
    """
    _load_materials_for_change(application)
    material, added = _attach_license(account, application, position, license_id)
    if added:
        _commit_materials(application)
    return material


def _attach_license(
    account: Account, application: Application, position: int, license_id: int
) -> tuple[ApplicationMaterial, bool]:
    """The material standing for the license, and whether it is new (the caller commits)."""
    if position not in open_positions(application):
        raise IllegalTransition("attach", application.status)
    spec = next((m for m in version_of(application).materials if m.position == position), None)
    if spec is None or spec.license_type_id is None:
        raise ApplicationNotFound(position)
    held = {lic.id: lic for lic in usable_licenses(account, spec.license_type_id, None)}
    chosen = held.get(license_id)
    if chosen is None:
        raise ApplicationNotFound(license_id)
    existing = next(
        (
            m
            for m in current_materials(application).get(position, [])
            if m.license_reference == chosen.identifier
        ),
        None,
    )
    if existing is not None:
        return existing, False
    record_use(chosen, application, account)
    material = ApplicationMaterial(
        position=position,
        source=MaterialSource.LICENSE,
        license_reference=chosen.identifier,
        filename=chosen.license_type.name,
        added_at=now(),
    )
    application.materials.append(material)
    return material, True


def fulfil_tolerance_if_complete(application: Application) -> None:
    """Mark the commitment fulfilled once every missing material is attached. Caller commits."""
    if application.status is ApplicationStatus.DRAFT:
        return  # a commitment comes with a tolerant acceptance: never before submission
    tolerance = application.tolerance
    if tolerance is None or tolerance.fulfilled_at is not None:
        return
    present = current_materials(application)
    if all(position in present for position in tolerance.missing_positions):
        tolerance.fulfilled_at = now()


@dataclass(frozen=True)
class MaterialFile:
    """An attached file opened for sending: its bytes (the caller closes them), the type read
    from them, the name the hall built (``file_name``) and an ASCII name for old clients."""

    stream: BinaryIO
    content_type: str | None
    name: str
    fallback: str


def open_file(application: Application, material_id: int) -> MaterialFile:
    """An attached file of an application the caller has already checked the person (or the
    department's system) may see.

    :raises ApplicationNotFound: for a material of another application, without a file, or
        whose file is missing from the store.
    """
    material = next((m for m in application.materials if m.id == material_id), None)
    if material is None or material.file_key is None:
        raise ApplicationNotFound(material_id)
    try:
        stream = storage().open(material.file_key)
    except UnknownKey:  # the file is gone from the store: say so, not 500
        raise ApplicationNotFound(material_id) from None
    fallback = download_name(f"material-{material.id}", material.content_type)
    return MaterialFile(stream, material.content_type, file_name(application, material), fallback)


def file_name(application: Application, material: ApplicationMaterial) -> str:
    """The name a material's file is served under, built by the hall: the checklist's name of
    the material, its number among that material's files and the extension of the type read
    from its bytes (``营业执照-1.pdf``); never the name the applicant's file came with."""
    spec = next(
        (m for m in version_of(application).materials if m.position == material.position), None
    )
    files = sorted(
        m.id for m in application.materials if m.position == material.position and m.file_key
    )
    number = files.index(material.id) + 1 if material.id in files else 1
    stem = f"{spec.name if spec else '材料'}-{number}"
    return download_name(stem, material.content_type)
