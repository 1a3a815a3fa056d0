"""The self-check sheet and the district summary as .xlsx (openpyxl), from the page's numbers.

Rates are written as numbers with a percent format (a cell reads back as 0.452 for 45.2 %);
"—" where there is no data.
"""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from . import labels
from .assessment import Cell, Row
from .constants import ITEM_FIGURES, Figure
from .periods import Period
from .selfchecks import Proposal, Sheet

PERCENT = "0.0%"
TITLE_FONT = Font(size=16, bold=True)
HEAD_FONT = Font(bold=True)


def _rate(ratio) -> float | str:
    value = ratio.value if ratio is not None else None
    return labels.NO_DATA if value is None else round(value, 4)


def _met(met: bool | None) -> str:
    return labels.NO_DATA if met is None else (labels.MET if met else labels.NOT_MET)


def _put(sheet: Worksheet, row: int, values: list) -> None:
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column, value=value)
        if isinstance(value, float):
            cell.number_format = PERCENT


def _title(sheet: Worksheet, text: str, width: int) -> None:
    sheet.cell(row=1, column=1, value=text).font = TITLE_FONT
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.cell(row=1, column=1).alignment = Alignment(horizontal="center")


def _figure_line(cell: Cell) -> list:
    observed = cell.value.observed if cell.figure in ITEM_FIGURES else None
    return [
        labels.FIGURE[cell.figure],
        cell.target.label if cell.target else labels.NO_DATA,
        _rate(cell.value.declared),
        _rate(observed) if cell.figure in ITEM_FIGURES else labels.NO_DATA,
        _met(cell.met),
    ]


SELF_CHECK_HEAD = ["指标", "目标", "数值（申报）", "实际（办件）", "是否达标"]


def self_check_workbook(sheet: Sheet) -> BytesIO:
    """A unit's self-check sheet (自检表): title, unit, quarter, one row per figure,
    the work-progress text and the signature block."""
    book = Workbook()
    ws = book.active
    ws.title = "自检表"
    _title(ws, "曲江区网上办事大厅“三率一数”季度自检表", len(SELF_CHECK_HEAD))
    _put(ws, 2, ["单位", sheet.row.unit.name, "季度", sheet.period.label])
    _put(ws, 3, SELF_CHECK_HEAD)
    for column in range(1, len(SELF_CHECK_HEAD) + 1):
        ws.cell(row=3, column=column).font = HEAD_FONT
    for offset, cell in enumerate(sheet.row.cells.values()):
        _put(ws, 4 + offset, _figure_line(cell))
    end = 4 + len(Figure)
    _put(ws, end + 1, ["工作进展情况", sheet.check.progress if sheet.check else ""])
    handed = sheet.submitted_on.isoformat() if sheet.submitted_on else "未报送"
    _put(ws, end + 2, ["报送日期", handed, "截止日期", sheet.due_on.isoformat()])
    _put(ws, end + 4, ["填表人（签名）：", "", "单位负责人（签名）：", "", "（单位盖章）"])
    _widths(ws, [24, 16, 14, 14, 12])
    return _saved(book)


def summary_workbook(period: Period, proposals: list[Proposal]) -> BytesIO:
    """The ranked district summary: one row per unit, one column per figure (declared and
    observed for item figures), figures met, the proposed and the sent measure."""
    book = Workbook()
    ws = book.active
    ws.title = "汇总表"
    head = ["排名", "单位", *_figure_heads(), "达标项数", "建议处理", "已发处理"]
    _title(ws, f"曲江区“三率一数”{period.label}考核汇总表", len(head))
    _put(ws, 2, head)
    for column in range(1, len(head) + 1):
        ws.cell(row=2, column=column).font = HEAD_FONT
    for offset, proposal in enumerate(proposals):
        _put(ws, 3 + offset, _summary_line(proposal))
    _put(ws, 4 + len(proposals), ["制表：区网厅办", "", "审核（签名）："])
    _widths(ws, [6, 14, *[12] * (len(head) - 2)])
    return _saved(book)


def _figure_heads() -> list[str]:
    heads = []
    for figure in Figure:
        heads.append(labels.FIGURE_SHORT[figure])
        if figure in ITEM_FIGURES:
            heads.append(f"{labels.FIGURE_SHORT[figure]}（实际）")
    return heads


def _summary_line(proposal: Proposal) -> list:
    row: Row = proposal.row
    values: list = [proposal.rank, row.unit.name]
    for figure in Figure:
        cell = row.cells[figure]
        values.append(_rate(cell.value.declared))
        if figure in ITEM_FIGURES:
            values.append(_rate(cell.value.observed))
    sent = labels.MEASURE[proposal.notice.measure] if proposal.notice else ""
    return [*values, row.met, labels.MEASURE[proposal.proposed], sent]


def _widths(ws: Worksheet, widths: list[int]) -> None:
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width


def _saved(book: Workbook) -> BytesIO:
    stream = BytesIO()
    book.save(stream)
    stream.seek(0)
    return stream
