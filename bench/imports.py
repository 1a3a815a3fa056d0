"""`python bench/imports.py` (part of `make bench`): a 200,000-row stock licence import.

For each database (SQLite, then PostgreSQL in a database `mobile_hall_bench_imports` made and
dropped here) it migrates, loads the demo data, writes a CSV of BENCH_IMPORT_ROWS business
licences (default 200,000, each with its own credit code; one row in a thousand bad, so the
report file is exercised too) and runs `flask --app wsgi licenses import FILE --type ...
--report REPORT` in a child process, which records its own peak memory
(`resource.getrusage(RUSAGE_SELF).ru_maxrss`) when it ends. Printed: rows/s and peak MiB, also
written to bench-results/imports-<time>.md. Environment: BENCH_IMPORT_ROWS, BENCH_DATABASES
(default "sqlite postgresql"), BENCH_PG_URL (default postgresql://postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import csv
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import run_pg  # noqa: E402 - the same server as the pages' bench

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "200000"))
DATABASES = os.environ.get("BENCH_DATABASES", "sqlite postgresql").split()
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432").rstrip("/")
PG_DATABASE = "mobile_hall_bench_imports"
BUSINESS_LICENCE = "11440205MB2C31477C001"  # the demo's 营业执照, issued by QJ-SCJGJ
ISSUER = "QJ-SCJGJ"
MEMORY_LIMIT_MIB = 300
RESULTS = ROOT / "bench-results"


def credit_code(serial: int) -> str:
    """A valid unified social credit code of its own for every serial."""
    from mobile_hall.identity.identifiers import CREDIT_CODE_CHARACTERS, is_valid_credit_code

    first = f"91440205BE{serial:07d}"
    return next(first + c for c in CREDIT_CODE_CHARACTERS if is_valid_credit_code(first + c))


def write_stock_file(path: Path, rows: int) -> int:
    """A stock conversion file of ``rows`` business licences; how many rows are bad."""
    bad = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["holder_name", "holder_number", "issuing_unit", "valid_from", "scope"])
        for serial in range(rows):
            code = credit_code(serial)
            if serial % 1000 == 999:  # a wrong check character
                code, bad = code[:-1] + ("0" if code[-1] != "0" else "1"), bad + 1
            writer.writerow([f"曲江测试{serial}号商行", code, ISSUER, "2015-06-01", "日用百货零售"])
    return bad


def database(kind: str, workdir: Path) -> str:
    """An empty database of `kind`; its URL."""
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'imports.sqlite3'}"
    run_pg(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
    run_pg(f"CREATE DATABASE {PG_DATABASE}")
    return f"{PG_SERVER}/{PG_DATABASE}"


def prepare(url: str) -> None:
    """In a child of its own: migrate `url` and load the demo data.

    Not in the parent: a child started by vfork inherits the parent's peak memory as its own
    `ru_maxrss`, so the parent stays small and the measured child's figure is its own.
    """
    from flask_migrate import upgrade

    from bench.settings import hall_app
    from mobile_hall.demo.services import load_demo

    with hall_app(url).app_context():
        upgrade()
        load_demo()


def run_child(arguments: list[str], memory_file: str) -> None:
    """In the child: the `flask` command line, then its peak resident memory (KiB on Linux)."""
    from flask.cli import main

    sys.argv = ["flask", "--app", "wsgi", *arguments]
    try:
        main()
    except SystemExit as done:
        status = done.code
    else:
        status = 0
    finally:
        Path(memory_file).write_text(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
    sys.exit(status)


def measure(kind: str, env: dict[str, str], workdir: Path, stock: Path, bad: int) -> dict:
    """Import the file into a fresh database of `kind`; rows/s and peak memory."""
    url = database(kind, workdir)
    subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, __file__, "--prepare", url], cwd=ROOT, env=env, check=True
    )
    memory_file, report = workdir / f"{kind}.maxrss", workdir / f"{kind}-report.csv"
    arguments = ["licenses", "import", str(stock), "--type", BUSINESS_LICENCE]
    command = [sys.executable, __file__, "--child", str(memory_file), *arguments]
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [*command, "--report", str(report)],
        cwd=ROOT,
        env={**env, "DATABASE_URL": url},
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if kind == "postgresql":
        run_pg(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
    reported = sum(1 for _ in report.open(encoding="utf-8-sig")) - 1
    peak_mib = int(memory_file.read_text()) / 1024
    return {
        "database": kind,
        "rows": ROWS,
        "refused": reported,
        "expected_refused": bad,
        "exit": done.returncode,
        "summary": done.stdout.strip().splitlines()[-1:],
        "seconds": round(seconds, 1),
        "rows_per_second": round(ROWS / seconds),
        "peak_mib": round(peak_mib),
        "met": peak_mib < MEMORY_LIMIT_MIB and reported == bad,
    }


def table(results: list[dict]) -> str:
    """The figures as a Markdown table."""
    lines = [
        f"Stock licence import, {ROWS:,} rows (`flask licenses import --report`)\n",
        "| database | seconds | rows/s | peak memory | refused rows (expected) | < 300 MiB |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r['database']} | {r['seconds']} | {r['rows_per_second']:,} | "
            f"{r['peak_mib']} MiB | {r['refused']} ({r['expected_refused']}) | "
            f"{'yes' if r['met'] else 'NO'} |"
        )
    return "\n".join(lines) + "\n"


def machine() -> str:
    """The CPU, cores, memory and software the figures were measured with."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory_kib / 1024 / 1024:.0f} GiB; "
        f"{platform.platform()}; Python {platform.python_version()}"
    )


def main() -> int:
    """Measure every database; print and record the table."""
    from bench.settings import bench_environment

    workdir = Path(tempfile.mkdtemp(prefix="mobile-hall-imports-"))
    env = bench_environment(str(workdir / "uploads"))
    os.environ.update(env)
    env = {**os.environ, **env}
    try:
        stock = workdir / "stock.csv"
        bad = write_stock_file(stock, ROWS)
        results = [measure(kind, env, workdir, stock, bad) for kind in DATABASES]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report = f"Machine: {machine()}\n\n{table(results)}"
    print("\n" + report)
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"imports-{stamp}.md").write_text(report, encoding="utf-8")
    (RESULTS / f"imports-{stamp}.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0 if all(r["met"] for r in results) else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--prepare"]:
        sys.exit(prepare(sys.argv[2]))
    if sys.argv[1:2] == ["--child"]:
        run_child(sys.argv[3:], sys.argv[2])
    sys.exit(main())
