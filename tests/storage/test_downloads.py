"""Uploaded files are served under a name the hall builds, never the name they came with."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
import sqlalchemy as sa

from mobile_hall.applications.models import ApplicationMaterial
from mobile_hall.extensions import db
from mobile_hall.storage.files import clean_filename
from tests.support.samples import PDF
from tests.support.workbench import Hall

RLO = "\u202e"


@pytest.fixture
def hall(app, sign_in, monkeypatch, tmp_path) -> Hall:
    return Hall(app, sign_in, monkeypatch, tmp_path)


def _submitted_with(hall: Hall, filename: str) -> tuple[int, int, str]:
    """`citizen` submits with a PDF named `filename` for every material; the application's
    id, the first material's id and the checklist's name of that material."""
    application_id = hall.apply(upload=PDF, filename=filename)
    return hall.read(
        application_id,
        lambda a: (
            a.id,
            next(m.id for m in a.materials if m.position == 0),
            a.version.materials[0].name,
        ),
    )


def _served_name(disposition: str) -> str:
    encoded = re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1)
    return unquote(encoded)


def test_the_clerk_gets_a_pdf_named_html_under_the_materials_own_name(hall):
    application_id, material_id, name = _submitted_with(hall, "x.html")
    response = hall.client("clerk").get(
        f"/workbench/applications/{application_id}/files/{material_id}"
    )
    try:
        assert response.status_code == 200 and response.data == PDF
        assert response.mimetype == "application/pdf"
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("inline;")
        assert _served_name(disposition) == f"{name}-1.pdf"
        assert f'filename="material-{material_id}.pdf"' in disposition
        assert "html" not in disposition
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    finally:
        response.close()


def test_the_applicant_gets_their_file_under_the_same_built_name(hall):
    application_id, material_id, name = _submitted_with(hall, "x.html")
    response = hall.client("citizen").get(f"/applications/{application_id}/files/{material_id}")
    try:
        assert response.status_code == 200
        assert _served_name(response.headers["Content-Disposition"]) == f"{name}-1.pdf"
    finally:
        response.close()


def test_a_right_to_left_override_never_reaches_the_stored_name_or_the_header(hall):
    application_id, material_id, _ = _submitted_with(hall, f"invoice{RLO}fdp.exe")
    with hall.app.app_context():
        stored = db.session.scalar(
            sa.select(ApplicationMaterial.filename).where(ApplicationMaterial.id == material_id)
        )
    assert stored == "invoicefdp.exe"
    response = hall.client("clerk").get(
        f"/workbench/applications/{application_id}/files/{material_id}"
    )
    try:
        assert RLO not in unquote(response.headers["Content-Disposition"])
    finally:
        response.close()


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("营业执照.pdf", "营业执照.pdf"),
        ("a\x00b\r\n.pdf", "ab.pdf"),
        ("\u200b\u2066scan\u2069.png", "scan.png"),
        ("  spaced.jpg  ", "spaced.jpg"),
        (None, ""),
        ("x" * 300 + ".pdf", ("x" * 300 + ".pdf")[-100:]),
    ],
)
def test_a_stored_name_loses_control_and_bidi_characters(raw, kept):
    assert clean_filename(raw) == kept
