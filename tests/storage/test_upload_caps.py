"""What one application may hold: files per material, files in all, and bytes in all."""

from __future__ import annotations

import io

import pytest

from mobile_hall.applications import services as applicant
from mobile_hall.storage.files import Rejection, UploadRejected
from tests.support.applications import multipart
from tests.support.browser import token_of
from tests.support.samples import PDF
from tests.support.workbench import SCJG_ONLINE, Hall


@pytest.fixture
def hall(app, sign_in, monkeypatch, tmp_path) -> Hall:
    return Hall(app, sign_in, monkeypatch, tmp_path / "uploads")


@pytest.fixture
def caps(app, monkeypatch):
    """Set the caps for the test (restored afterwards)."""

    def set_caps(**caps: int) -> None:
        for name, value in caps.items():
            monkeypatch.setitem(app.config, f"UPLOAD_MAX_{name}", value)

    return set_caps


def _draft(hall: Hall) -> int:
    hall.client("citizen")
    with hall.app.app_context():
        return applicant.start_application(hall.account("citizen"), *SCJG_ONLINE).id


def _upload(hall: Hall, application_id: int, position: int) -> None:
    with hall.app.app_context():
        application = applicant.get_own_application(hall.account("citizen"), application_id)
        applicant.attach_upload(
            hall.account("citizen"), application, position, io.BytesIO(PDF), "a.pdf"
        )


def _kept_files(tmp_path) -> int:
    return sum(1 for path in (tmp_path / "uploads").rglob("*") if path.is_file())


@pytest.mark.parametrize(
    ("cap", "positions", "reason"),
    [
        ({"FILES_PER_MATERIAL": 2}, [0, 0, 0], Rejection.TOO_MANY_FOR_MATERIAL),
        ({"FILES_PER_APPLICATION": 2}, [0, 1, 2], Rejection.TOO_MANY_FOR_APPLICATION),
        ({"BYTES_PER_APPLICATION": 2 * len(PDF) + 10}, [0, 1, 2], Rejection.APPLICATION_TOO_LARGE),
    ],
    ids=["files-per-material", "files-per-application", "bytes-per-application"],
)
def test_an_upload_past_a_cap_is_refused_and_nothing_of_it_kept(
    hall, caps, tmp_path, cap, positions, reason
):
    caps(**cap)
    draft = _draft(hall)
    *allowed, refused_position = positions
    for position in allowed:
        _upload(hall, draft, position)
    with pytest.raises(UploadRejected) as refused:
        _upload(hall, draft, refused_position)
    assert refused.value.reason is reason
    assert _kept_files(tmp_path) == len(allowed)


def test_a_full_material_leaves_room_in_the_others(hall, caps):
    caps(FILES_PER_MATERIAL=1)
    draft = _draft(hall)
    _upload(hall, draft, 0)
    _upload(hall, draft, 1)
    with hall.app.app_context():
        application = applicant.get_own_application(hall.account("citizen"), draft)
        assert sorted(applicant.current_materials(application)) == [0, 1]


def test_the_page_says_in_chinese_next_to_the_material_why_a_file_was_refused(hall, caps):
    caps(FILES_PER_MATERIAL=1)
    draft = _draft(hall)
    _upload(hall, draft, 0)
    client = hall.client("citizen")
    path = f"/applications/{draft}/materials"
    response = client.post(
        path, **multipart({"csrf_token": token_of(client, path), "file-0": (PDF, "b.pdf")})
    )
    assert "这份材料最多上传1个文件，请先删除不需要的文件" in response.get_data(as_text=True)
