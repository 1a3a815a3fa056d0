"""Applications for the tests: demo items picked by their properties, valid answers for any
field of an item's form, small real files, and applications set up through the services."""

from __future__ import annotations

import io
from datetime import date, timedelta

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from devidp.accounts import DEMO_ACCOUNTS
from mobile_hall.applications import services as applicant
from mobile_hall.applications.constants import ApplicationStatus
from mobile_hall.applications.models import Application
from mobile_hall.clock import now
from mobile_hall.extensions import db
from mobile_hall.identity.models import Account
from tests.support.browser import csrf_token
from tests.support.catalog import current_versions
from tests.support.samples import PNG, value_for

JPEG_HEADER = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def multipart(fields: dict) -> dict:
    """Arguments for `client.post` with a multipart body built in memory.

    Werkzeug's test client spills a large body to a temporary file that it never closes, which
    `filterwarnings = error` turns into a failure. Files are given as ``(bytes, filename)``.
    """
    data = {
        name: FileStorage(io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value
        for name, value in fields.items()
    }
    stream, _length, boundary = stream_encode_multipart(data, use_tempfile=False)
    return {
        "data": stream.getvalue(),
        "content_type": f'multipart/form-data; boundary="{boundary}"',
    }


def account(username: str) -> Account:
    """The account of a demo person (it exists once they have signed in)."""
    subject = next(a["claims"]["sub"] for a in DEMO_ACCOUNTS if a["username"] == username)
    return db.session.scalars(sa.select(Account).where(Account.subject == subject)).one()


def pick_item(app, *, unit: str = "QJ-SCJGJ", level: int = 3, **wanted: object) -> str:
    """The code of the first online item of `unit` at most at `level` with the wanted traits.

    Traits: ``units`` (how many), ``groups`` (at least so many form pages), ``tolerant``,
    ``license`` (a material can be an electronic license), ``audience``.
    """
    with app.app_context():
        for version in current_versions():
            units = [u.code for u in version.units]
            traits = {
                "units": len(units),
                "groups": len({f.get("group", "基本信息") for f in version.form_fields}),
                "tolerant": version.allows_tolerant_acceptance,
                "license": any(m.license_type_id for m in version.materials),
                "audience": version.audience.value,
            }
            if (
                unit in units
                and "apply" in version.online_stages
                and version.min_real_name_level <= level
                and version.form_fields
                and all(
                    traits[k] >= v if k == "groups" else traits[k] == v for k, v in wanted.items()
                )
            ):
                return version.item.code
    raise LookupError(f"no demo item with {wanted}")


def valid_answers(app, code: str) -> dict[str, str | list[str]]:
    """A valid answer for every field of the item's form."""
    with app.app_context():
        version = next(v for v in current_versions() if v.item.code == code)
        return {spec["name"]: value_for(spec) for spec in version.form_fields}


def fill_in(client, application_id: int, answers: dict) -> None:
    """Post every form page with the answers it holds, following the pages' own order."""
    page = f"/applications/{application_id}/form/1"
    while "/form/" in page:
        token = csrf_token(client.get(page).get_data(as_text=True))
        response = client.post(page, data={"csrf_token": token, **answers})
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
        page = response.headers["Location"]


def start_draft(app, username: str, code: str, unit: str | None = "QJ-SCJGJ") -> int:
    """A draft opened through the services; its id."""
    with app.app_context():
        return applicant.start_application(account(username), code, unit).id


def attach_required(app, username: str, application_id: int) -> None:
    """A PNG for every required material of the draft."""
    with app.app_context():
        person = account(username)
        application = applicant.get_own_application(person, application_id)
        for material in application.version.materials:
            if material.required:
                applicant.attach_upload(
                    person, application, material.position, io.BytesIO(PNG), "a.png"
                )


def submitted(app, username: str, code: str, unit: str | None = "QJ-SCJGJ") -> int:
    """A submitted application with its answers and required materials; its id."""
    application_id = start_draft(app, username, code, unit)
    attach_required(app, username, application_id)
    answers = valid_answers(app, code)
    with app.app_context():
        person = account(username)
        application = applicant.get_own_application(person, application_id)
        applicant.save_answers(person, application, answers)
        applicant.submit(person, application, declaration=True)
    return application_id


def load(app, application_id: int) -> Application:
    """An application as stored now (detached: read its columns, not its relationships)."""
    with app.app_context():
        application = db.session.get(Application, application_id)
        db.session.refresh(application)
        db.session.expunge(application)
        return application


def today() -> date:
    """Today in the district."""
    return now().date()


def finished_copies(app, username: str, count: int) -> list[int]:
    """`count` completed applications of `username`, copies of one of theirs, each finished
    later than the one before and all later than anything else: their ids, oldest first."""
    with app.app_context():
        owner = account(username)
        model = db.session.scalars(
            sa.select(Application).where(Application.account_id == owner.id).limit(1)
        ).one()
        columns = {
            column.key: getattr(model, column.key)
            for column in sa.inspect(Application).column_attrs
            if column.key not in ("id", "number")  # numbers are unique; a copy has none
        }
        start = now() + timedelta(days=1)

        def finished(minutes: int) -> dict:
            moment = start + timedelta(minutes=minutes)
            return {"status": ApplicationStatus.COMPLETED, "updated_at": moment,
                    "completed_at": moment, "submitted_at": start}  # fmt: skip

        copies = [Application(**columns | finished(index)) for index in range(count)]
        db.session.add_all(copies)
        db.session.commit()
        return [copy.id for copy in copies]
