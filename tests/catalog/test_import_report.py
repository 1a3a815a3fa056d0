"""`flask catalog import --report FILE`: the progress bar, the summary and the per-record report."""

from __future__ import annotations

import csv
import json

import sqlalchemy as sa

from mobile_hall.catalog.models import ItemVersion
from mobile_hall.extensions import db


def _exported(runner, tmp_path) -> dict:
    path = tmp_path / "catalog.json"
    assert runner.invoke(args=["catalog", "export", str(path)]).exit_code == 0
    return json.loads(path.read_text(encoding="utf-8"))


def _write(tmp_path, document: dict) -> str:
    path = tmp_path / "import.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


def _versions(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(ItemVersion))


def test_the_report_names_each_bad_record_and_field_in_chinese_and_nothing_is_published(
    app, runner, tmp_path
):
    document = _exported(runner, tmp_path)
    for record in document["items"]:
        record["conditions"] = [*record["conditions"], "新增条件"]  # each a new version if taken
    document["items"][1].pop("name")
    document["items"][4]["required_visits"] = 5
    document["items"][4]["units"] = ["QJ-NOWHERE"]
    before, report = _versions(app), tmp_path / "report.csv"
    result = runner.invoke(
        args=["catalog", "import", _write(tmp_path, document), "--report", str(report)]
    )
    assert result.exit_code == 1
    with report.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [
        ["row", "column", "problem"],
        ["2", "items[1].name", "必填项缺失"],
        ["5", "items[4].required_visits", "不能大于 2"],
    ]  # the schema refuses first; unknown units are looked for once the schema is met
    assert "第 2 项「items[1].name」：必填项缺失" in result.stderr
    assert f"共 2 处问题，逐行报告已写入 {report}" in result.stderr
    assert "导入失败，未做任何修改。共 2 处问题。" in result.stdout
    assert _versions(app) == before


def test_an_accepted_import_shows_progress_and_a_summary(app, runner, tmp_path):
    document = _exported(runner, tmp_path)
    document["items"][0]["conditions"] = [*document["items"][0]["conditions"], "新增条件"]
    before = _versions(app)
    result = runner.invoke(args=["catalog", "import", _write(tmp_path, document)])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == ["发布事项"]  # the bar's label, off a terminal
    unchanged = len(document["items"]) - 1
    assert result.stdout.splitlines() == [
        f"导入成功：新增 0 项，更新（新版本）1 项，未变 {unchanged} 项",
        f"  更新 {document['items'][0]['code']}",
    ]
    assert _versions(app) == before + 1
