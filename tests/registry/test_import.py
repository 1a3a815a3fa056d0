"""`flask reference export|import`: all-or-nothing, with a per-row report."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from mobile_hall.audit.models import AuditEvent
from mobile_hall.extensions import db
from mobile_hall.organisations.models import ServiceLocation, Unit, UnitFigure
from mobile_hall.registry.models import OneStopEntry

NEW_DEPARTMENT = {
    "code": "QJ-TEST",
    "name": "韶关市曲江区测试局",
    "short_name": "测试局",
    "level": "department",
    "parent": "QJ",
    "address": "韶关市曲江区马坝镇测试路1号",
    "hours": "周一至周五 9:00-17:00",
    "phone": "0751-6600001",
}


@pytest.fixture
def exported(runner, tmp_path) -> dict:
    path = tmp_path / "reference.json"
    result = runner.invoke(args=["reference", "export", str(path)])
    assert result.exit_code == 0, result.output
    return json.loads(path.read_text(encoding="utf-8"))


def _write(tmp_path, document: dict) -> str:
    path = tmp_path / "import.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


def _state(app) -> tuple:
    with app.app_context():
        units = db.session.execute(sa.select(Unit.code, Unit.credit_code, Unit.parent_id)).all()
        return (
            sorted(units),
            db.session.scalar(sa.select(sa.func.count(ServiceLocation.id))),
            db.session.scalar(sa.select(sa.func.count(UnitFigure.id))),
            db.session.scalar(sa.select(sa.func.count(OneStopEntry.id))),
            db.session.scalar(sa.select(sa.func.count(AuditEvent.id))),
        )


def _report(path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_export_holds_the_whole_registry(exported):
    assert exported["format"] == "mobile_hall/reference@1"
    codes = {unit["code"] for unit in exported["units"]}
    assert {"QJ", "QJ-JXJ", "QJ-BB", "QJ-XXZX", "QJ-WTB", "QJ-MB-01"} <= codes
    assert {entry["name"] for entry in exported["entries"]} == {
        "投资审批",
        "公共资源交易",
        "行政审批事项",
        "社会服务事项",
    }
    assert {figure["unit"] for figure in exported["figures"]} >= {"QJ-MB", "QJ-LK"}


def test_an_export_imported_again_restores_what_changed_since(runner, exported, tmp_path, app):
    with app.app_context():
        unit = db.session.scalars(sa.select(Unit).where(Unit.code == "QJ-SCJGJ")).one()
        phone = unit.phone
        unit.phone = "0751-0000000"
        db.session.commit()
    result = runner.invoke(args=["reference", "import", _write(tmp_path, exported)])
    assert result.exit_code == 0, result.output
    assert (
        "导入成功" in result.output
        and f"单位：新增 0，更新 {len(exported['units'])}" in result.output
    )
    again = tmp_path / "again.json"
    runner.invoke(args=["reference", "export", str(again)])
    assert json.loads(again.read_text(encoding="utf-8")) == exported
    with app.app_context():
        assert db.session.scalar(sa.select(Unit.phone).where(Unit.code == "QJ-SCJGJ")) == phone


def test_a_new_unit_is_created_and_the_import_is_audited(runner, tmp_path, app):
    before = _state(app)
    document = {"units": [NEW_DEPARTMENT]}
    result = runner.invoke(args=["reference", "import", _write(tmp_path, document)])
    assert result.exit_code == 0, result.output
    assert "单位：新增 1，更新 0" in result.output
    after = _state(app)
    assert len(after[0]) == len(before[0]) + 1 and after[4] == before[4] + 1
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)
        ).one()
        assert event.action == "reference.import" and event.actor == "cli:reference-import"


def test_a_bad_credit_code_refuses_the_whole_file(runner, exported, tmp_path, app):
    before = _state(app)
    exported["units"].insert(1, NEW_DEPARTMENT)
    row = next(i for i, unit in enumerate(exported["units"]) if unit["code"] == "QJ-SCJGJ")
    good = exported["units"][row]["credit_code"]
    exported["units"][row]["credit_code"] = good[:-1] + ("0" if good[-1] != "0" else "1")
    report = tmp_path / "report.csv"
    result = runner.invoke(
        args=["reference", "import", _write(tmp_path, exported), "--report", str(report)]
    )
    assert result.exit_code == 1
    assert "导入失败，未做任何修改" in result.output
    assert _report(report) == [
        {
            "row": str(row + 1),
            "column": f"units[{row}].credit_code",
            "problem": "统一社会信用代码校验位不正确",
        }
    ]
    assert _state(app) == before


def test_a_village_under_an_unknown_town_refuses_the_whole_file(runner, tmp_path, app):
    before = _state(app)
    village = {
        **NEW_DEPARTMENT,
        "code": "QJ-NOPE-01",
        "name": "测试村",
        "short_name": "测试村",
        "level": "village",
        "parent": "QJ-NOPE",
    }
    report = tmp_path / "report.csv"
    document = {"units": [NEW_DEPARTMENT, village]}
    result = runner.invoke(
        args=["reference", "import", _write(tmp_path, document), "--report", str(report)]
    )
    assert result.exit_code == 1
    assert "第 2 项「units[1].parent」：单位编码不存在：QJ-NOPE" in result.output
    assert _report(report) == [
        {"row": "2", "column": "units[1].parent", "problem": "单位编码不存在：QJ-NOPE"}
    ]
    assert _state(app) == before  # not even the valid department before it


def test_levels_figures_and_entries_are_checked_against_the_registry(runner, tmp_path, app):
    village_under_department = {
        **NEW_DEPARTMENT,
        "code": "QJ-SCJGJ-01",
        "level": "village",
        "parent": "QJ-SCJGJ",
    }
    document = {
        "units": [village_under_department],
        "figures": [
            {"unit": "QJ-MB-01", "year": 2026, "population": 1, "enterprise_count": 1},
            {"unit": "QJ-MB", "year": 2031, "population": 1, "enterprise_count": 1},
            {"unit": "QJ-MB", "year": 2031, "population": 2, "enterprise_count": 2},
        ],
        "entries": [
            {"code": "bad_theme", "name": "测试", "target": "theme", "value": "nope"},
            {"code": "bad_link", "name": "测试", "target": "link", "value": "http://example.cn"},
        ],
    }
    report = tmp_path / "report.csv"
    result = runner.invoke(
        args=["reference", "import", _write(tmp_path, document), "--report", str(report)]
    )
    assert result.exit_code == 1
    rows = {(row["row"], row["column"]) for row in _report(report)}
    assert rows == {("2", "entries[1]")}  # the schema's own checks come first
    del document["entries"][1]
    result = runner.invoke(
        args=["reference", "import", _write(tmp_path, document), "--report", str(report)]
    )
    assert {(row["row"], row["column"]) for row in _report(report)} == {
        ("1", "units[0].parent"),
        ("1", "figures[0].unit"),
        ("3", "figures[2].year"),
        ("1", "entries[0].value"),
    }


def test_an_unreadable_file_is_reported(runner, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{", encoding="utf-8")
    report = tmp_path / "report.csv"
    result = runner.invoke(args=["reference", "import", str(path), "--report", str(report)])
    assert result.exit_code == 1 and "导入失败：无法读取" in result.output
    assert [(row["row"], row["column"]) for row in _report(report)] == [("0", "")]


def test_the_example_a_deployment_starts_from_imports(runner):
    example = Path(__file__).parents[2] / "deploy" / "reference.example.json"
    result = runner.invoke(args=["reference", "import", str(example)])
    assert result.exit_code == 0, result.output
    assert "导入成功" in result.output
