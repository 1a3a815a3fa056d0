"""The shared parts of the bulk imports: batches, the bar's length, the CSV report."""

from __future__ import annotations

import csv

from mobile_hall.common.bulkimport import ProblemReport, RowProblem, batched, count_records


def test_batches_are_read_lazily_and_the_last_is_shorter():
    read: list[int] = []

    def numbers():
        for n in range(5):
            read.append(n)
            yield n

    batches = batched(numbers(), 2)
    assert next(batches) == [0, 1] and read == [0, 1]
    assert list(batches) == [[2, 3], [4]]


def test_the_bar_counts_the_lines_after_the_header_with_or_without_a_last_newline(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"a,b\n1,2\n3,4\n")
    assert count_records(path) == 2
    path.write_bytes(b"a,b\n1,2\n3,4")
    assert count_records(path) == 2
    path.write_bytes(b"")
    assert count_records(path) == 0


def test_the_report_writes_every_problem_keeps_the_first_and_counts_rows(tmp_path):
    path = tmp_path / "report.csv"
    with ProblemReport(path, shown=2) as report:
        report.extend(
            [
                RowProblem(5, "b", "不能为空"),
                RowProblem(3, "a", "格式不正确"),
                RowProblem(3, "b", "不能为空"),
            ]
        )
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [
        ["row", "column", "problem"],
        ["3", "a", "格式不正确"],
        ["3", "b", "不能为空"],
        ["5", "b", "不能为空"],
    ]
    assert (report.count, report.bad_rows, report.first_bad_rows) == (3, 2, [3, 5])
    assert [str(p) for p in report.shown] == ["第 3 行「a」：格式不正确", "第 3 行「b」：不能为空"]
    assert str(RowProblem(0, "", "文件为空")) == "文件为空"
