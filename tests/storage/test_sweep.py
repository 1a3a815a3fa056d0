"""`flask storage sweep`: leftovers no application refers to go after the grace period."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine

from mobile_hall.clock import now
from mobile_hall.storage.files import LocalFileStorage
from tests.support.samples import PDF
from tests.support.workbench import Hall


@pytest.fixture
def hall(app, sign_in, monkeypatch, tmp_path) -> Hall:
    return Hall(app, sign_in, monkeypatch, tmp_path / "uploads")


def _leftovers(tmp_path) -> tuple[str, str]:
    """An orphan (stored, its transaction never committed) and a `.part` a killed worker left."""
    store = LocalFileStorage(tmp_path / "uploads")
    orphan = store.save(io.BytesIO(PDF)).key
    part = tmp_path / "uploads" / orphan[:2] / orphan[2:4] / f".{orphan}.part"
    part.write_bytes(PDF[:10])
    return orphan, part.name


def _files(tmp_path) -> set[str]:
    return {path.name for path in (tmp_path / "uploads").rglob("*") if path.is_file()}


def _sweep(runner, at, *args: str) -> str:
    with time_machine.travel(at, tick=False):
        result = runner.invoke(args=["storage", "sweep", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_sweep_removes_parts_and_orphans_past_the_grace_period_only(hall, runner, tmp_path):
    application_id = hall.apply()
    kept = hall.read(application_id, lambda a: {m.file_key for m in a.materials})
    orphan, part = _leftovers(tmp_path)
    assert _files(tmp_path) == kept | {orphan, part}
    started = now()

    assert "上传 0 个" in _sweep(runner, started + timedelta(hours=23))
    assert _files(tmp_path) == kept | {orphan, part}

    output = _sweep(runner, started + timedelta(hours=25))
    assert "未完成的上传 1 个" in output and "无申请引用的文件 1 个" in output
    assert _files(tmp_path) == kept


def test_a_shorter_grace_period_can_be_asked_for(hall, runner, tmp_path):
    orphan, _part = _leftovers(tmp_path)
    _sweep(runner, now() + timedelta(hours=2), "--grace-hours", "1")
    assert orphan not in _files(tmp_path)


def test_the_files_of_an_applications_materials_are_never_swept(hall, runner, tmp_path):
    application_id = hall.apply()
    kept = hall.read(application_id, lambda a: {m.file_key for m in a.materials})
    _sweep(runner, now() + timedelta(days=30))
    assert _files(tmp_path) == kept
