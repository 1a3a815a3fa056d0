"""`flask catalog export|import`: round trips, new versions, and all-or-nothing refusals."""

from __future__ import annotations

import copy
import json

import pytest
import sqlalchemy as sa

from mobile_hall.audit.models import AuditEvent
from mobile_hall.catalog import services
from mobile_hall.catalog.models import ItemVersion, ServiceItem
from mobile_hall.extensions import db


def _counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(ServiceItem)),
        db.session.scalar(sa.select(sa.func.count()).select_from(ItemVersion)),
        db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)),
    )


@pytest.fixture
def exported(runner, tmp_path) -> dict:
    path = tmp_path / "catalog.json"
    result = runner.invoke(args=["catalog", "export", str(path)])
    assert result.exit_code == 0, result.output
    return json.loads(path.read_text(encoding="utf-8"))


def _write(tmp_path, document: dict) -> str:
    path = tmp_path / "import.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_export_to_standard_output_is_the_whole_catalog(runner, demo_items):
    result = runner.invoke(args=["catalog", "export"])
    document = json.loads(result.output)
    assert document["format"] == "mobile_hall.catalog/1"
    assert sorted(i["code"] for i in document["items"]) == sorted(v.item.code for v in demo_items)


def test_reimporting_an_export_changes_nothing(runner, exported, tmp_path, app):
    with app.app_context():
        before = _counts()
    result = runner.invoke(args=["catalog", "import", _write(tmp_path, exported)])
    assert result.exit_code == 0, result.output
    assert f"未变 {len(exported['items'])} 项" in result.output
    with app.app_context():
        items, versions, audits = _counts()
    assert (items, versions) == before[:2]
    assert audits == before[2] + 1


def test_an_edit_publishes_a_new_version_and_keeps_the_old_readable(
    runner, exported, tmp_path, client
):
    record = exported["items"][0]
    old_name, code = record["name"], record["code"]
    record["conditions"] = [*record["conditions"], "申请人应如实填报申请信息。"]
    result = runner.invoke(args=["catalog", "import", _write(tmp_path, exported)])
    assert result.exit_code == 0, result.output
    assert f"更新 {code}" in result.output

    current = client.get(f"/items/{code}").get_data(as_text=True)
    assert "申请人应如实填报申请信息。" in current and "第 2 版" in current
    old = client.get(f"/items/{code}/versions/1").get_data(as_text=True)
    assert "申请人应如实填报申请信息。" not in old and old_name in old and "历史指南" in old
    history = client.get(f"/items/{code}/versions").get_data(as_text=True)
    assert "第 2 版" in history and "第 1 版" in history and "已被新版本取代" in history


def test_a_new_record_is_created(runner, exported, tmp_path, client):
    record = copy.deepcopy(exported["items"][0])
    record["code"] = "QJ-TEST-0001"
    record["name"] = "测试新增事项"
    result = runner.invoke(args=["catalog", "import", _write(tmp_path, {"items": [record]})])
    assert result.exit_code == 0, result.output
    assert "新增 QJ-TEST-0001" in result.output
    assert "测试新增事项" in client.get("/items/QJ-TEST-0001").get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (lambda r: r.pop("name"), "items[3].name", "必填项缺失"),
        (lambda r: r.update(required_visits=5), "items[3].required_visits", "不能大于 2"),
        (lambda r: r.update(kind="licence"), "items[3].kind", "取值不在允许范围内"),
        (
            lambda r: r.update(units=["QJ-NOWHERE"]),
            "items[3].units[0]",
            "单位编码不存在：QJ-NOWHERE",
        ),
        (lambda r: r.update(themes=["nope"]), "items[3].themes[0]", "主题编码不存在：nope"),
        (
            lambda r: r.update(legal_time_limit_days=1, promised_time_limit_days=5),
            "items[3]",
            "承诺时限不能超过法定时限",
        ),
        (
            lambda r: r["materials"].append({"name": "证照", "license_type": "ZZZZ9999"}),
            "items[3].materials",
            "证照类型编码不存在：ZZZZ9999",
        ),
        (lambda r: r.update(colour="red"), "items[3].colour", "不认识的字段"),
    ],
)
def test_a_bad_record_is_refused_naming_its_field_and_nothing_changes(
    runner, exported, tmp_path, app, change, path, message
):
    for record in exported["items"]:
        record["conditions"] = [*record["conditions"], "新增条件"]  # would be a new version each
    change(exported["items"][3])
    with app.app_context():
        before = _counts()
    result = runner.invoke(args=["catalog", "import", _write(tmp_path, exported)])
    assert result.exit_code == 1
    assert "导入失败，未做任何修改" in result.output
    assert path in result.output and message in result.output
    with app.app_context():
        assert _counts() == before


def test_a_file_that_is_not_json_is_refused(runner, tmp_path, app):
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    with app.app_context():
        before = _counts()
    result = runner.invoke(args=["catalog", "import", str(path)])
    assert result.exit_code == 1 and "导入失败" in result.output
    with app.app_context():
        assert _counts() == before


def test_duplicate_codes_in_one_file_are_refused(app_context, exported):
    exported["items"].append(copy.deepcopy(exported["items"][0]))
    with pytest.raises(services.CatalogImportError) as refused:
        services.import_catalog(exported, actor="test")
    assert any("事项编码重复" in p.message for p in refused.value.problems)


def test_import_is_audited(app_context, exported):
    services.import_catalog(exported, actor="test:auditor")
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.actor == "test:auditor")
    ).one()
    assert event.action == "catalog.import" and event.details["unchanged"] == len(exported["items"])
