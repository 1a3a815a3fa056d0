"""CPU time per request, in one process: the figure that finds where a page's time goes.

wrk's throughput on a shared two-core machine moves with whatever else runs; the CPU time a
request costs the process that serves it hardly does. This builds the bench's dataset
(bench/dataset.py) on SQLite or PostgreSQL, then calls the hall's WSGI callable directly for
each page of `bench/run.py`'s plan, `BENCH_CPU_REQUESTS` times (default 2 000, in 5 rounds)
after a warm-up, and prints the CPU milliseconds per request of the quickest round
(`time.process_time`, this process only: the
database server's time on PostgreSQL is not in it) with the same for the bare callable.
`BENCH_CPU_PROFILE=<directory>` also writes cProfile's statistics of each page there
(`<database>-<page>.prof`, for `python -m pstats`). `BENCH_CPU_KEEP=<directory>` keeps the
SQLite dataset there and reuses it at the next run (SQLite only), to compare changes quickly.

    BENCH_DATABASES=sqlite BENCH_PAGES="home /me" .venv/bin/python bench/cpu.py
"""

from __future__ import annotations

import cProfile
import io
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from werkzeug.test import EnvironBuilder  # noqa: E402

from bench.run import (  # noqa: E402
    COOKIE,
    CSRF_TOKEN,
    DATABASES,
    GUIDE,
    PG_DATABASE,
    lookup_and_licence,
    make_database,
    run_pg,
    signed_in,
    wanted,
)

REQUESTS = int(os.environ.get("BENCH_CPU_REQUESTS", "2000"))
ROUNDS = 5
# A directory to keep the SQLite dataset in and reuse it from (SQLite only): for comparing
# changes one after another without building the dataset each time.
KEEP = os.environ.get("BENCH_CPU_KEEP", "")
PROFILE = os.environ.get("BENCH_CPU_PROFILE", "")  # a directory for one .prof file per page


def _caller(app, path: str, cookie: str = "", body: str = "") -> Callable[[], int]:
    """A function answering one request for `path` through `app`'s WSGI callable; its status."""
    headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
    builder = EnvironBuilder(
        path=path.split("?")[0],
        query_string=path.partition("?")[2],
        method="POST" if body else "GET",
        headers=headers,
        data=body or None,
        content_type="application/x-www-form-urlencoded" if body else None,
    )
    template = builder.get_environ()
    raw = body.encode()

    def call() -> int:
        environ = dict(template)
        environ["wsgi.input"] = io.BytesIO(raw)
        status: list[str] = []
        chunks = app(environ, lambda s, _h, _e=None: status.append(s))
        try:
            for _chunk in chunks:
                pass
        finally:
            getattr(chunks, "close", lambda: None)()
        return int(status[0][:3])

    return call


def _bare(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def measure(name: str, call: Callable[[], int]) -> float:
    """CPU milliseconds per request: the least of ROUNDS rounds of REQUESTS // ROUNDS requests,
    after a warm-up (other processes on the machine only ever add to a round's time)."""
    for _ in range(20):
        status = call()
    if status != 200:
        raise RuntimeError(f"{name}: {status}")
    profiler = cProfile.Profile() if PROFILE else None
    each = max(REQUESTS // ROUNDS, 1)
    rounds = []
    for _ in range(ROUNDS):
        began = time.process_time()
        if profiler:
            profiler.enable()
        for _ in range(each):
            call()
        if profiler:
            profiler.disable()
        rounds.append((time.process_time() - began) * 1000 / each)
    if profiler:
        Path(PROFILE).mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(Path(PROFILE) / (re.sub(r"\W+", "_", name).strip("_") + ".prof"))
    return min(rounds)


def bench_database(kind: str, workdir: Path, reuse: bool = False) -> None:
    """Build one database (or reuse the kept SQLite one) and print each page's CPU time per
    request."""
    from bench.dataset import build
    from bench.settings import hall_app

    url = make_database(kind, workdir)
    try:
        if not reuse:
            build(url)
        # The migrations' logging set-up gives the root logger a handler that gunicorn's
        # workers do not have: each request line would be written twice.
        logging.getLogger().handlers.clear()
        app = hall_app(url)
        citizen, company = signed_in(app, "citizen"), signed_in(app, "enterprise")
        lookup, licence = lookup_and_licence(app)
        # An anonymous visitor's session, made by the form's CSRF token, as in run.py.
        client = app.test_client()
        form = client.get("/progress")
        anonymous = client.get_cookie(COOKIE).value
        body = urlencode({"csrf_token": CSRF_TOKEN.search(form.text)[1], **lookup})
        plan = [
            ("home", "/", "", ""),
            ("item list", "/items", "", ""),
            ("search yyzz", "/items?q=yyzz", "", ""),
            ("guide", f"/items/{GUIDE}", "", ""),
            ("/me", "/me", citizen, ""),
            ("/enterprise", "/enterprise", company, ""),
            ("progress lookup", "/progress", anonymous, body),
            ("licence verification", "/licenses/verify?" + urlencode({"token": licence}), "", ""),
        ]
        print(f"\n== {kind}: CPU ms per request ({REQUESTS} requests each)", flush=True)
        print(f"   bare WSGI callable: {measure('bare', _caller(_bare, '/')):.3f}", flush=True)
        for name, path, cookie, data in plan:
            if wanted(name):
                spent = measure(f"{kind}-{name}", _caller(app, path, cookie, data))
                print(f"   {name}: {spent:.3f}", flush=True)
        with app.app_context():
            from mobile_hall.extensions import db

            db.engine.dispose()
    finally:
        if kind == "postgresql":
            run_pg(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")


def main() -> int:
    """Each database in turn."""
    from bench.settings import bench_environment

    if KEEP:  # the SQLite dataset and the secrets it was made with, kept between runs
        workdir = Path(KEEP)
        saved = workdir / "environment.json"
        reuse = saved.exists()
        if not reuse:
            workdir.mkdir(parents=True, exist_ok=True)
            saved.write_text(json.dumps(bench_environment(str(workdir / "uploads"))))
        os.environ.update(json.loads(saved.read_text()))
        bench_database("sqlite", workdir, reuse)
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="mobile-hall-cpu-"))
    os.environ.update(bench_environment(str(workdir / "uploads")))
    try:
        for kind in DATABASES:
            bench_database(kind, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
