"""The .xlsx sheets carry the dashboard's numbers (read back with openpyxl)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook

from mobile_hall.extensions import db
from mobile_hall.monitoring import labels, selfchecks
from mobile_hall.monitoring.constants import ITEM_FIGURES, Figure
from mobile_hall.monitoring.periods import quarter
from mobile_hall.monitoring.services import assessment
from tests.support.monitoring import person

Q3 = quarter("2026Q3")


def _expected(ratio) -> object:
    value = ratio.value if ratio is not None else None
    return labels.NO_DATA if value is None else round(value, 4)


def test_the_self_check_sheet_reads_back_the_pages_numbers(client, sign_in, app):
    response = sign_in("clerk").get("/monitoring/self-checks/2026Q3/QJ-SCJGJ.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.data)).active
    assert sheet["A1"].value.endswith("季度自检表")
    assert sheet["B2"].value == "市场监管局" and sheet["D2"].value == Q3.label
    with app.app_context():
        row = assessment(Q3).row("QJ-SCJGJ")
    for offset, figure in enumerate(Figure):
        line = [cell.value for cell in sheet[4 + offset]]
        cell = row.cells[figure]
        assert line[0] == labels.FIGURE[figure]
        assert line[2] == _expected(cell.value.declared)
        if figure in ITEM_FIGURES:
            assert line[3] == _expected(cell.value.observed)


def test_the_summary_reads_back_the_ranked_figures(client, sign_in, app):
    response = sign_in("office").get("/monitoring/summary/2026Q3.xlsx")
    sheet = load_workbook(BytesIO(response.data)).active
    with app.app_context():
        proposals = selfchecks.summary(person("office"), Q3)
    head = [cell.value for cell in sheet[2]]
    apply_column = head.index(labels.FIGURE_SHORT[Figure.ONLINE_APPLY])
    for offset, proposal in enumerate(proposals):
        line = [cell.value for cell in sheet[3 + offset]]
        assert line[:2] == [proposal.rank, proposal.row.unit.name]
        expected = proposal.row.cells[Figure.ONLINE_APPLY].value.declared
        assert line[apply_column] == _expected(expected)
        assert line[head.index("建议处理")] == labels.MEASURE[proposal.proposed]


def test_the_cli_writes_the_summary_and_a_units_sheet(runner, tmp_path, app):
    with app.app_context():
        person("office")  # the sheets are the office's: its account must exist
        db.session.commit()
    summary = tmp_path / "summary.xlsx"
    result = runner.invoke(
        args=["monitoring", "summary", "--quarter", "2026Q3", "--output", str(summary)]
    )
    assert result.exit_code == 0, result.output
    assert load_workbook(summary).active["A1"].value.endswith("考核汇总表")
    sheet = tmp_path / "mb.xlsx"
    result = runner.invoke(
        args=[
            "monitoring",
            "selfcheck",
            "--quarter",
            "2026Q3",
            "--unit",
            "QJ-MB",
            "--output",
            str(sheet),
        ]
    )
    assert result.exit_code == 0, result.output
    assert load_workbook(sheet).active["B2"].value == "马坝镇"
    bad = runner.invoke(args=["monitoring", "summary", "--quarter", "2026", "--output", str(sheet)])
    assert bad.exit_code != 0
