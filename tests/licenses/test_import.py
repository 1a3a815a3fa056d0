"""Stock conversion (存量证照转化): `flask licenses import FILE.csv --type CODE`, row by row."""

from __future__ import annotations

import csv
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from mobile_hall.audit.models import AuditEvent
from mobile_hall.extensions import db
from mobile_hall.identity.identifiers import mask_id_number
from mobile_hall.licenses.constants import LicenseSource
from mobile_hall.licenses.issuance import Holder
from mobile_hall.licenses.models import License
from mobile_hall.organisations.constants import UnitLevel
from tests.support import builders

GOOD_A, GOOD_B, GOOD_C = "91440205MA4W3K7B1C", "91440205MA4W3K7B2F", "92440205MA4W3K7B3F"
HEADER = "holder_name,holder_number,issuing_unit,valid_from,valid_until,统一社会信用代码,scope\n"


@dataclass(frozen=True)
class Stock:
    """What a conversion needs: the types (by code) and the issuing units' codes."""

    business: str  # an enterprise's licence of the bureau, for life; data uscc and scope
    bureau: str
    town: str
    certificate: str  # a person's, issued by the civil affairs unit
    civil: str
    existing: str  # the identifier of row 6's licence, already in the library


@pytest.fixture
def stock(app, isolated_db) -> Stock:
    with app.app_context():
        fields = {"uscc": "统一社会信用代码", "scope": "经营范围"}
        business = builders.make_license_type(fields=fields, validity_years=None)
        town = builders.make_unit(UnitLevel.TOWN)
        spouses = {"holder_name": "持证人", "husband_name": "男方姓名", "wife_name": "女方姓名"}
        certificate = builders.make_license_type(holder_type="person", fields=spouses)
        existing = builders.issue_licence(
            business, Holder.enterprise("曲江戊公司", GOOD_C), {"scope": "餐饮服务"}
        )
        return Stock(
            business.code,
            business.issuing_unit.code,
            town.code,
            certificate.code,
            certificate.issuing_unit.code,
            existing.identifier,
        )


def _rows(stock: Stock) -> list[str]:
    bureau, town = stock.bureau, stock.town
    return [
        f"曲江甲公司,{GOOD_A},{bureau},2018-03-01,,{GOOD_A},食品销售",  # 2: good
        f"曲江乙公司,91440205MA4W3K7B96,{bureau},2018-03-01,,,食品销售",  # 3: bad credit code
        f"曲江丙公司,{GOOD_B},QJ-NOWHERE,2018-03-01,,,食品销售",  # 4: unknown unit
        f"曲江丁公司,{GOOD_B},{bureau},2018-02-30,,,食品销售",  # 5: bad date
        f"曲江戊公司,{GOOD_C},{bureau},2019-05-01,,,餐饮服务",  # 6: already in the library
        f"曲江甲公司,{GOOD_A},{bureau},2018-03-01,,{GOOD_A},食品销售",  # 7: repeats row 2
        f"曲江己公司,{GOOD_B},{town},2020-01-01,2019-12-31,,零售",  # 8: ends before it starts
        f"曲江庚公司,{GOOD_B},{town},2020-01-01,2030-12-31,,零售",  # 9: good, a town issued it
    ]


def _write(tmp_path, text: str, name: str = "stock.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8-sig")
    return str(path)


def _imported(app) -> list[License]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(License)
                .where(License.source == LicenseSource.IMPORTED)
                .order_by(License.id)
            )
        )


def _problems(result) -> list[str]:
    """The problems printed on standard error (besides the progress bar's label)."""
    return [line for line in result.stderr.splitlines() if line.startswith("第 ")]


def _import(runner, path: str, code: str, *flags: str):
    return runner.invoke(args=["licenses", "import", path, "--type", code, *flags])


def test_every_bad_row_is_reported_by_row_and_column_and_the_good_rows_are_imported(
    app, runner, tmp_path, stock
):
    before = len(_imported(app))
    result = _import(
        runner, _write(tmp_path, HEADER + "\n".join(_rows(stock)) + "\n"), stock.business
    )
    assert result.exit_code == 1
    assert _problems(result) == [
        "第 3 行「holder_number」：不是有效的统一社会信用代码",
        "第 4 行「issuing_unit」：发证单位代码不存在或该单位没有统一社会信用代码",
        "第 5 行「valid_from」：不是有效的日期（应为 YYYY-MM-DD）",
        "第 6 行「holder_number」：与证照库中已有的证照重复（同一类型、持证人和内容）："
        + stock.existing,
        "第 7 行「holder_number」：与本文件第 2 行重复",
        "第 8 行「valid_until」：有效期截止日期早于发证日期",
    ]
    assert "共 8 行：导入 2 张证照，6 行未导入。" in result.stdout
    imported = _imported(app)[before:]
    assert [(lic.holder_name, lic.issuing_unit.code) for lic in imported] == [
        ("曲江甲公司", stock.bureau),
        ("曲江庚公司", stock.town),
    ]
    first = imported[0]
    assert first.data["uscc"] == GOOD_A and first.data["scope"] == "食品销售"
    assert (first.valid_from.isoformat(), first.valid_until) == ("2018-03-01", None)
    assert imported[1].valid_until.isoformat() == "2030-12-31"
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "licenses.import")
        ).all()[-1]
    assert (event.details["imported"], event.details["refused_rows"]) == (2, [3, 4, 5, 6, 7, 8])


def test_all_or_nothing_imports_nothing_when_any_row_is_bad(app, runner, tmp_path, stock):
    before = len(_imported(app))
    rows = _rows(stock)
    result = _import(
        runner,
        _write(tmp_path, HEADER + "\n".join(rows) + "\n"),
        stock.business,
        "--all-or-nothing",
    )
    assert result.exit_code == 1
    assert "按 --all-or-nothing 未导入任何证照" in result.stdout
    assert len(_problems(result)) == 6
    assert len(_imported(app)) == before
    good = _write(tmp_path, HEADER + rows[0] + "\n" + rows[-1] + "\n", "good.csv")
    result = _import(runner, good, stock.business, "--all-or-nothing")
    assert result.exit_code == 0, result.output
    assert len(_imported(app)) == before + 2


def test_a_person_type_checks_id_numbers_and_never_prints_them(app, runner, tmp_path, stock):
    civil = stock.civil
    text = (
        "holder_name,holder_number,issuing_unit,valid_from,男方姓名,女方姓名\n"
        f"张伟,440205197001011235,{civil},1998-10-01,张伟,李娜\n"
        "\n"  # a blank line still counts as a row of the file
        f"王强,440205197001011236,{civil},1999-01-01,王强,赵敏\n"
        f",440205197505052348,{civil},1999-01-01,,\n"
    )
    result = _import(runner, _write(tmp_path, text), stock.certificate)
    assert _problems(result) == [
        "第 4 行「holder_number」：不是有效的居民身份证号码",
        "第 5 行「holder_name」：不能为空",
    ]
    assert "440205197001011236" not in result.output
    converted = _imported(app)[-1]
    assert (converted.holder_name, converted.holder_id_masked) == ("张伟", "440***********1235")
    assert converted.data["husband_name"] == "张伟" and converted.data["holder_name"] == "张伟"
    assert "440205197001011235" not in str(converted.data)


def test_a_spouses_id_number_is_imported_masked_and_a_repeat_still_found(
    app, runner, tmp_path, stock
):
    with app.app_context():
        spouses = {
            "holder_name": "持证人",
            "wife_name": "女方姓名",
            "wife_id_number": "女方身份证号",
        }
        marriage = builders.make_license_type(holder_type="person", fields=spouses)
        code, unit = marriage.code, marriage.issuing_unit.code
    holder, spouse = builders.id_number(), builders.id_number()
    text = (
        "holder_name,holder_number,issuing_unit,valid_from,女方姓名,女方身份证号\n"
        f"张伟,{holder},{unit},1998-10-01,李娜,{spouse}\n"
    )
    result = _import(runner, _write(tmp_path, text), code)
    assert result.exit_code == 0, result.output
    converted = _imported(app)[-1]
    assert converted.data["wife_id_number"] == mask_id_number(spouse)
    assert spouse not in str([getattr(converted, c.key) for c in License.__table__.columns])
    again = _import(runner, _write(tmp_path, text, "again.csv"), code)
    assert _problems(again) == [
        "第 2 行「holder_number」：与证照库中已有的证照重复（同一类型、持证人和内容）："
        + converted.identifier
    ]
    assert spouse not in again.output


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("holder_name,holder_number,issuing_unit,valid_from,颜色\n", "不认识的列「颜色」"),
        ("holder_name,holder_number,issuing_unit\n", "缺少列「valid_from」"),
        (
            "holder_name,holder_number,issuing_unit,valid_from,scope,经营范围\n",
            "列「经营范围」与前面的列重复",
        ),
    ],
)
def test_a_bad_header_refuses_the_whole_file(app, runner, tmp_path, stock, header, message):
    before = len(_imported(app))
    row = f"曲江甲公司,{GOOD_A},{stock.bureau},2018-03-01,x,y\n"
    result = _import(runner, _write(tmp_path, header + row), stock.business)
    assert result.exit_code == 1
    assert f"导入失败，未做任何修改：{message}" in result.stderr
    assert len(_imported(app)) == before


def test_an_unknown_type_refuses_the_whole_file(runner, tmp_path):
    result = _import(runner, _write(tmp_path, HEADER), "NOSUCHTYPE")
    assert result.exit_code == 1 and "证照类型代码 NOSUCHTYPE 不存在" in result.stderr


def test_the_report_file_lists_every_bad_row_with_its_column_and_problem(
    app, runner, tmp_path, stock
):
    before = len(_imported(app))
    report = tmp_path / "report.csv"
    path = _write(tmp_path, HEADER + "\n".join(_rows(stock)) + "\n")
    result = _import(runner, path, stock.business, "--all-or-nothing", "--report", str(report))
    assert result.exit_code == 1
    with report.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["row", "column", "problem"]
    assert rows[1:] == [
        ["3", "holder_number", "不是有效的统一社会信用代码"],
        ["4", "issuing_unit", "发证单位代码不存在或该单位没有统一社会信用代码"],
        ["5", "valid_from", "不是有效的日期（应为 YYYY-MM-DD）"],
        [
            "6",
            "holder_number",
            f"与证照库中已有的证照重复（同一类型、持证人和内容）：{stock.existing}",
        ],
        ["7", "holder_number", "与本文件第 2 行重复"],
        ["8", "valid_until", "有效期截止日期早于发证日期"],
    ]
    assert f"共 6 处问题，逐行报告已写入 {report}" in result.stderr
    assert len(_imported(app)) == before  # row 2 was good, yet nothing was written


def test_the_terminal_gets_the_progress_label_the_first_problems_and_a_summary(
    app, runner, tmp_path, stock
):
    bad = [f"曲江{n}号公司,91440205MA4W3K7B96,{stock.bureau},2018-03-01,,,零售" for n in range(30)]
    result = _import(runner, _write(tmp_path, HEADER + "\n".join(bad) + "\n"), stock.business)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "导入证照"  # click's progress bar, off a terminal, prints only its label
    assert len(_problems(result)) == 20 and _problems(result)[0].startswith("第 2 行")
    assert lines[-1] == "另有 10 处问题未显示；用 --report 文件名 保存完整的逐行报告"
    assert result.stdout == "共 30 行：导入 0 张证照，30 行未导入。\n"


def test_five_thousand_rows_are_imported_in_batches_and_repeats_found_across_them(
    app, runner, tmp_path, stock
):
    before = len(_imported(app))
    codes = [builders.credit_code() for _ in range(5_000)]
    lines = [
        f"曲江{n}号公司,{code},{stock.bureau},2018-03-01,,,零售" for n, code in enumerate(codes)
    ]
    lines[4_500] = lines[10]  # file row 4,502 repeats file row 12, four batches earlier
    lines[4_800] = f"曲江戊公司,{GOOD_C},{stock.bureau},2019-05-01,,,餐饮服务"  # in the library
    result = _import(runner, _write(tmp_path, HEADER + "\n".join(lines) + "\n"), stock.business)
    assert _problems(result) == [
        "第 4502 行「holder_number」：与本文件第 12 行重复",
        "第 4802 行「holder_number」：与证照库中已有的证照重复（同一类型、持证人和内容）："
        + stock.existing,
    ]
    assert "共 5000 行：导入 4998 张证照，2 行未导入。" in result.stdout
    imported = _imported(app)[before:]
    assert len(imported) == 4_998 and len({lic.identifier for lic in imported}) == 4_998
    assert imported[-1].holder_credit_code == codes[-1]
