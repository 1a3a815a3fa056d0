"""`make bench`: the hall under gunicorn (2 sync workers) on the synthetic dataset, driven by wrk.

For each database (SQLite, then PostgreSQL in a database `mobile_hall_bench` made and dropped
here) it builds the dataset (bench/dataset.py), measures the bare WSGI callable (bench/bare.py)
under the same gunicorn settings, then every page with wrk on loopback and the application
journey with a few Python threads. Every figure is printed with req/s, p50, p99 and its ratio to
the bare callable, plus the statements each page sends (counted once through the test client);
the table is also written to bench-results/.

Environment: BENCH_SECONDS (per page, default 10), BENCH_CONNECTIONS (default 32),
BENCH_REPEATS (runs of each page, each after its own ceiling; the median ratio counts; default 1),
BENCH_JOURNEY_THREADS (default 4), BENCH_DATABASES (default "sqlite postgresql"),
BENCH_PG_URL (server, default postgresql://postgres@127.0.0.1:5432), BENCH_PG_DATABASE (the
database made and dropped there, default mobile_hall_bench), BENCH_PAGES (the pages to
measure, space-separated names from the plan — `home`, `item list`, … `licence verification` —
and `journey`; names with a space may also be written with underscores, `item_list`; default
all: a partial run measures only those, and still the bare callable). On PostgreSQL it then runs
bench/exchange.py (delivery to the stand-in province, pulls from a 5 000 000-record log) unless
BENCH_PAGES leaves out `exchange`.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from tests.support.samples import PNG, value_for  # noqa: E402 - the answers the tests give

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
JOURNEY_THREADS = int(os.environ.get("BENCH_JOURNEY_THREADS", "4"))
# Each page is measured this many times, each right after its own ceiling; the median counts.
REPEATS = int(os.environ.get("BENCH_REPEATS", "1"))
DATABASES = os.environ.get("BENCH_DATABASES", "sqlite postgresql").split()
PAGES = {
    name.replace("_", " ") for name in os.environ.get("BENCH_PAGES", "").split()
}  # empty: every page and the journey
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432").rstrip("/")
# Made and dropped by the run: name one of your own when others bench on the same server.
PG_DATABASE = os.environ.get("BENCH_PG_DATABASE", "mobile_hall_bench")
COOKIE = "hall_session"
GUIDE = "QJ-SCJG-0001"
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench-results"

# (name, target ratio, p99 limit in ms or None)
TARGETS = {
    "home": (0.30, 50),
    "item list": (0.30, 50),
    "search yyzz": (0.30, 50),
    "guide": (0.30, 50),
    "/me": (0.15, None),
    "/enterprise": (0.15, None),
    "progress lookup": (0.15, None),
    "licence verification": (0.15, None),
}
# A district's real peak is a few submissions a second: 20 leaves a wide margin.
JOURNEY_TARGET = 20.0  # complete submissions per second


def wanted(name: str) -> bool:
    """Whether BENCH_PAGES asks for this page (`journey` for the application journey)."""
    return not PAGES or name in PAGES


@dataclass
class Figure:
    """One line of the table."""

    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int = 0
    errors: int = 0
    queries: int | None = None
    ratio: float = 0.0
    ceiling_rps: float = 0.0
    target: str = ""
    met: bool | None = None
    extra: dict = field(default_factory=dict)


# --- servers and wrk ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """`gunicorn --workers 2` (sync; or `workers`) serving `target` on a free loopback port."""

    def __init__(
        self, target: str, env: dict[str, str], workers: int = 2, startup_seconds: int = 300
    ) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [
            str(BIN / "gunicorn"),
            "--workers", str(workers),
            "--worker-class", "sync",
            "--bind", f"127.0.0.1:{self.port}",
            "--log-level", "warning",
            target,
        ]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603
        # A loaded machine may take minutes to import the app and answer its first page.
        deadline = time.monotonic() + startup_seconds
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + "/", timeout=startup_seconds)
                return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
            except BaseException:
                self.stop()
                raise
        self.stop()
        raise RuntimeError(f"gunicorn {target} did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:  # gunicorn lets its workers finish; a loaded machine may take a while
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _millis(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * _UNITS[unit]


def wrk(name: str, url: str, headers: dict[str, str] | None = None, lua: str = "") -> Figure:
    """Drive `url` for SECONDS with CONNECTIONS connections; the figure wrk reports."""
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", "--timeout", "5s"]
    for key, value in (headers or {}).items():
        command += ["-H", f"{key}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    if lua:
        command += ["-s", script.name]
    try:
        output = subprocess.run(  # noqa: S603
            [*command, url], capture_output=True, text=True, check=True
        ).stdout
    finally:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    p50 = _millis(re.search(r"\s50%\s+(\S+)", output)[1])
    p99 = _millis(re.search(r"\s99%\s+(\S+)", output)[1])
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return Figure(
        name,
        rps,
        p50,
        p99,
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )


def paired(bare: str, name: str, url: str, headers: dict[str, str], lua: str) -> Figure:
    """The page measured REPEATS times, each right after the bare callable's ceiling; the
    run with the median ratio, which carries its own ceiling."""
    runs = []
    for _ in range(REPEATS):
        ceiling = wrk("bare WSGI callable", bare + "/")
        figure = wrk(name, url, headers, lua)
        drain(url)
        figure.ceiling_rps = ceiling.rps
        figure.ratio = figure.rps / ceiling.rps
        runs.append(figure)
    runs.sort(key=lambda run: run.ratio)
    return runs[len(runs) // 2]


def drain(url: str) -> None:
    """Wait until the workers finished the requests wrk left queued (sync workers go on)."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    for _ in range(3):
        requests.get(origin + "/licenses/keys", timeout=300)


def _post_script(body: str, headers: dict[str, str]) -> str:
    lines = ['wrk.method = "POST"', f"wrk.body = {json.dumps(body)}"]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    return "\n".join(lines) + "\n"


# --- the dataset's fixtures: sessions, a lookup, a licence token, journey items -------------


def signed_in(app, username: str) -> str:
    """A session row for a demo account, made directly (sign-in is not measured); the token."""
    from devidp.accounts import DEMO_ACCOUNTS
    from mobile_hall.extensions import db
    from mobile_hall.identity.models import Account
    from mobile_hall.pages import services as pages
    from mobile_hall.pages.constants import PageKind
    from tests.support.sessions import signed_in_token

    subject = next(a["claims"]["sub"] for a in DEMO_ACCOUNTS if a["username"] == username)
    with app.app_context():
        account = db.session.scalars(sa.select(Account).where(Account.subject == subject)).one()
        kind = PageKind.ENTERPRISE if account.is_legal_person else PageKind.PERSON
        opening = pages.opening_of(account, kind)
        if opening is None or not opening.is_open:  # the first visit's notice, accepted
            pages.open_page(account, kind, pages.towns()[0].code)
        return signed_in_token(account)


def lookup_and_licence(app) -> tuple[dict[str, str], str]:
    """A submitted application's number and phone digits, and a demo licence's QR token."""
    from mobile_hall.applications.models import Application
    from mobile_hall.extensions import db
    from mobile_hall.licenses.models import License
    from mobile_hall.licenses.services import token_for

    with app.app_context():
        application = db.session.scalars(
            sa.select(Application)
            .where(Application.number.is_not(None))
            .order_by(Application.id.desc())
            .limit(1)
        ).first()
        licence = db.session.scalars(sa.select(License).order_by(License.id).limit(1)).first()
        return (
            {"number": application.number, "phone_last4": application.applicant_phone[-4:]},
            token_for(licence),
        )


def _journey_items(app) -> list[dict]:
    """Person items a citizen can apply for online, fewest required materials first."""
    from mobile_hall.catalog.models import ItemVersion, ServiceItem
    from mobile_hall.extensions import db

    with app.app_context():
        versions = db.session.scalars(
            sa.select(ItemVersion).join(
                ServiceItem, ServiceItem.current_version_id == ItemVersion.id
            )
        ).all()
        items = []
        for version in versions:
            required = [m.position for m in version.materials if m.required]
            if (
                version.audience.value in ("person", "both")
                and "apply" in version.online_stages
                and version.min_real_name_level <= 3
                and version.form_fields
                and required
            ):
                items.append(
                    {
                        "code": version.item.code,
                        "unit": version.units[0].code,
                        "answers": {f["name"]: value_for(f) for f in version.form_fields},
                        "required": required,
                    }
                )
        return sorted(items, key=lambda item: (len(item["required"]), item["code"]))


CSRF_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Browser:
    """A phone's browser, cheaply: one keep-alive connection carrying the session cookie and
    asking for gzip, following redirects with GET.

    The journey's driver shares the machine's two cores with the hall, as wrk does; built on
    `requests` it took ~23 ms of CPU per submission, a quarter of a core at the target rate,
    taken from the hall being measured. This takes a few milliseconds.
    """

    def __init__(self, base: str, token: str) -> None:
        address = urlsplit(base)
        self.connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        self.headers = {"Cookie": f"{COOKIE}={token}", "Accept-Encoding": "gzip"}

    def close(self) -> None:
        self.connection.close()

    def open(
        self, path: str, body: bytes | None = None, content_type: str = ""
    ) -> tuple[int, str, str]:
        """GET `path`, or POST `body`; the final status, path and page after redirects."""
        method = "POST" if body is not None else "GET"
        for _ in range(5):
            headers = (
                {**self.headers, "Content-Type": content_type} if body is not None else self.headers
            )
            self.connection.request(method, path, body, headers)
            response = self.connection.getresponse()
            data = response.read()
            if response.status not in (301, 302, 303, 307, 308):
                if response.getheader("Content-Encoding") == "gzip":
                    data = gzip.decompress(data)
                return response.status, path, data.decode()
            location = urlsplit(response.getheader("Location"))
            path = location.path + (f"?{location.query}" if location.query else "")
            method, body = "GET", None
        return 310, path, ""

    def post_form(self, path: str, fields: dict[str, str]) -> tuple[int, str, str]:
        """POST `fields` form-encoded."""
        return self.open(
            path, urlencode(fields, doseq=True).encode(), "application/x-www-form-urlencoded"
        )


def _multipart(fields: dict[str, str], files: dict[str, bytes]) -> tuple[bytes, str]:
    """A multipart/form-data body with PNG files, and its content type."""
    boundary = secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts += [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="photo.png"\r\n'
        f"Content-Type: image/png\r\n\r\n".encode()
        + content
        + b"\r\n"
        for name, content in files.items()
    ]
    return b"".join(
        parts
    ) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def apply_once(base: str, token: str, item: dict, why: list[str] | None = None) -> bool:
    """One complete application through the pages: start, answers, upload, check, submit.

    On failure, what went wrong is added to `why` (the step, its status and where it landed).
    """

    def failed(step: str, status: int, path: str) -> bool:
        if why is not None:
            why.append(f"{step}: {status} at {path}")
        return False

    web = Browser(base, token)
    try:
        status, path, page = web.open(f"/apply/{item['code']}")
        found = CSRF_TOKEN.search(page)
        if status != 200 or found is None:
            return failed("start page", status, path)
        csrf = found[1]
        status, path, page = web.post_form(
            f"/apply/{item['code']}", {"csrf_token": csrf, "unit": item["unit"]}
        )
        for _ in range(10):
            if "/form/" not in path:
                break
            status, path, page = web.post_form(path, {"csrf_token": csrf, **item["answers"]})
        if not path.endswith("/materials"):
            return failed("answers", status, path)
        body, content_type = _multipart(
            {"csrf_token": csrf, "next": "check"},
            {f"file-{p}": PNG for p in item["required"]},
        )
        status, path, page = web.open(path, body, content_type)
        if not path.endswith("/check"):
            return failed("upload", status, path)
        status, path, page = web.post_form(
            path.replace("/check", "/submit"), {"csrf_token": csrf, "declaration": "y"}
        )
        if status != 200 or "submitted=1" not in path:
            return failed("submit", status, path)
        return True
    finally:
        web.close()


def journey(base: str, token: str, items: list[dict]) -> Figure:
    """Complete submissions per second from JOURNEY_THREADS threads, one item per thread."""
    done = [0] * len(items)
    failed = [0] * len(items)
    latencies: list[float] = []
    stop = time.monotonic() + max(SECONDS, 10)
    why: list[str] = []

    def worker(index: int) -> None:
        while time.monotonic() < stop:
            began = time.perf_counter()
            try:
                ok = apply_once(base, token, items[index], why)
            except (OSError, http.client.HTTPException, TypeError) as error:
                why.append(repr(error)[:200])
                ok = False
            if ok:
                done[index] += 1
                latencies.append((time.perf_counter() - began) * 1000)
            else:
                failed[index] += 1

    # The threads share one signed-in session: its CSRF token is made by one page first, as
    # a browser's first page makes it, so that their first pages do not race to make it (the
    # session keeps the last one written, and the others' forms would be refused).
    requests.get(f"{base}/apply/{items[0]['code']}", cookies={COOKIE: token}, timeout=30)
    began = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(items))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    for reason in sorted(set(why))[:5]:
        print(f"   journey failure ({why.count(reason)}x): {reason}", flush=True)

    def pick(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0.0

    return Figure(
        "application journey",
        sum(done) / elapsed,
        pick(0.5),
        pick(0.99),
        errors=sum(failed),
        extra={"threads": len(items), "submissions": sum(done), "requests_each": None},
    )


# --- statements per page ---------------------------------------------------------------------


def count_statements(app, pages: list[tuple[str, str, dict, dict]]) -> dict[str, int]:
    """The SQL statements each page sends, once warm, through the test client."""
    from mobile_hall.extensions import db

    counts = {}
    with app.app_context():
        engine = db.engine
    for name, method, kwargs, cookies in pages:
        client = app.test_client()
        for key, value in cookies.items():
            client.set_cookie(key, value)
        getattr(client, method)(**kwargs)  # warm
        seen: list[str] = []

        def listen(_c, _cur, statement, *_a, seen=seen):
            seen.append(statement)

        sa.event.listen(engine, "before_cursor_execute", listen)
        try:
            response = getattr(client, method)(**kwargs)
        finally:
            sa.event.remove(engine, "before_cursor_execute", listen)
        counts[name] = len(seen) if response.status_code == 200 else -response.status_code
    return counts


# --- one database ------------------------------------------------------------------------------


def make_database(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    run_pg(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
    run_pg(f"CREATE DATABASE {PG_DATABASE}")
    return f"{PG_SERVER}/{PG_DATABASE}"


def run_pg(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(statement)


def bench_database(kind: str, env: dict[str, str], workdir: Path) -> dict:
    """Build, serve and measure one database; its figures."""
    from bench.dataset import build
    from bench.settings import hall_app

    url = make_database(kind, workdir)
    try:
        print(f"\n== {kind}: building the dataset", flush=True)
        summary = build(url)
        print(f"   {json.dumps(summary, ensure_ascii=False)}", flush=True)
        app = hall_app(url)
        citizen, company = signed_in(app, "citizen"), signed_in(app, "enterprise")
        lookup, licence = lookup_and_licence(app)
        items = _journey_items(app)[:JOURNEY_THREADS]
        server_env = {**env, "DATABASE_URL": url}

        # Both servers run side by side (the idle one costs nothing): each page is measured
        # right after the ceiling it is divided by, so load from elsewhere on the machine moves
        # both alike.
        bare = Gunicorn("bench.bare:app", server_env)
        try:
            hall = Gunicorn("wsgi:app", server_env)
        except BaseException:
            bare.stop()
            raise
        try:
            # An anonymous visitor's session, made by the form's CSRF token.
            form = requests.get(hall.url + "/progress", timeout=10)
            progress_token = form.cookies[COOKIE]
            csrf = CSRF_TOKEN.search(form.text)[1]
            body = urlencode({"csrf_token": csrf, **lookup})
            search = "/items?q=yyzz"
            signed = {"Cookie": f"{COOKIE}={citizen}"}
            company_cookie = {"Cookie": f"{COOKIE}={company}"}
            post_headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"{COOKIE}={progress_token}",
            }
            verify = "/licenses/verify?" + urlencode({"token": licence})
            plan = [
                ("home", "/", {}, ""),
                ("item list", "/items", {}, ""),
                ("search yyzz", search, {}, ""),
                ("guide", f"/items/{GUIDE}", {}, ""),
                ("/me", "/me", signed, ""),
                ("/enterprise", "/enterprise", company_cookie, ""),
                ("progress lookup", "/progress", {}, _post_script(body, post_headers)),
                ("licence verification", verify, {}, ""),
            ]
            plan = [page for page in plan if wanted(page[0])]
            # Each page answers 200 with its real content before it is measured.
            checks = {"progress lookup": lookup["number"][-7:]}
            for name, path, headers, lua in plan:
                if lua:
                    response = requests.post(
                        hall.url + path, data=body, headers=post_headers, timeout=10
                    )
                else:
                    response = requests.get(
                        hall.url + path, headers=headers, timeout=10, allow_redirects=False
                    )
                marker = checks.get(name, "")
                if response.status_code != 200 or (marker and marker not in response.text):
                    raise RuntimeError(f"{name}: {response.status_code} {response.text[:300]}")
            figures = []
            ceilings = []
            for name, path, headers, lua in plan:
                figure = paired(bare.url, name, hall.url + path, headers, lua)
                ceilings.append(figure.ceiling_rps)
                print(
                    f"   {name}: {figure.rps:.0f} req/s p99 {figure.p99_ms:.1f} ms, ratio "
                    f"{figure.ratio:.3f} to {figure.ceiling_rps:.0f}",
                    flush=True,
                )
                figures.append(figure)
            if not ceilings:  # the journey alone: one ceiling for the record
                ceilings.append(wrk("bare WSGI callable", bare.url + "/").rps)
            if wanted("journey"):
                figures.append(journey(hall.url, citizen, items))
        finally:
            try:
                hall.stop()
            finally:
                bare.stop()
        ceiling = sorted(ceilings)[len(ceilings) // 2]
        print(f"   ceiling (median of the pages' own): {ceiling:.0f} req/s", flush=True)

        statements = count_statements(
            app,
            [
                page
                for page in [
                    ("home", "get", {"path": "/"}, {}),
                    ("item list", "get", {"path": "/items"}, {}),
                    ("search yyzz", "get", {"path": search}, {}),
                    ("guide", "get", {"path": f"/items/{GUIDE}"}, {}),
                    ("/me", "get", {"path": "/me"}, {COOKIE: citizen}),
                    ("/enterprise", "get", {"path": "/enterprise"}, {COOKIE: company}),
                    (
                        "progress lookup",
                        "post",
                        {
                            "path": "/progress",
                            "data": body,
                            "content_type": post_headers["Content-Type"],
                        },
                        {COOKIE: progress_token},
                    ),
                    ("licence verification", "get", {"path": verify}, {}),
                ]
                if wanted(page[0])
            ],
        )
        assessment = []
        if wanted("monitoring"):
            from bench import monitoring

            print(f"   monitoring: {monitoring.top_up(app, kind)} applications added", flush=True)
            monitoring.register_office(app)
            assessment = monitoring.measure(app, kind, COOKIE, signed_in(app, "office"))
        with app.app_context():
            from mobile_hall.extensions import db

            db.engine.dispose()
        for figure in figures:
            figure.queries = statements.get(figure.name)
            if figure.name in TARGETS:
                ratio, p99 = TARGETS[figure.name]
                figure.target = f"≥ {ratio:.2f}" + (f", p99 ≤ {p99} ms" if p99 else "")
                figure.met = figure.ratio >= ratio and (p99 is None or figure.p99_ms <= p99)
                figure.met = figure.met and figure.non_2xx == 0 and figure.errors == 0
            else:
                figure.target = f"≥ {JOURNEY_TARGET:.0f} submissions/s"
                figure.met = figure.rps >= JOURNEY_TARGET
        return {
            "database": kind,
            "dataset": summary,
            "ceiling": ceiling,
            "figures": [asdict(f) for f in figures],
            "assessment": assessment,
        }
    finally:
        if kind == "postgresql":
            run_pg(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")


# --- the table ---------------------------------------------------------------------------------


def machine() -> str:
    """The CPU, cores, memory and software the figures were measured with."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        memory_gib = f"{int(memory) / 1024 / 1024:.0f} GiB"
    except OSError:
        memory_gib = "?"
    version = subprocess.run(["wrk", "-v"], capture_output=True, text=True)  # noqa: S607
    wrk_version = version.stdout.split("\n")[0]
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory_gib}; {platform.platform()}; "
        f"Python {platform.python_version()}; {wrk_version.strip()}; "
        f"gunicorn 2 sync workers; wrk -t2 -c{CONNECTIONS} -d{SECONDS}s on loopback"
    )


def table(result: dict) -> str:
    """A Markdown table of one database's figures."""
    lines = [
        f"### {result['database']}",
        "",
        f"Ceiling (bare WSGI callable, median of the pages' own): {result['ceiling']:.0f} req/s; "
        f"each page's ratio is to the ceiling measured just before it (median of {REPEATS}).",
        "",
        "| page | req/s | ceiling | p50 ms | p99 ms | ratio | SQL statements | errors | target "
        "| met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for f in result["figures"]:
        journey_row = f["name"] == "application journey"
        rate = f"{f['rps']:.1f} subm/s" if journey_row else f"{f['rps']:.0f}"
        ratio = "—" if journey_row else f"{f['ratio']:.3f}"
        ceiling = "—" if journey_row else f"{f['ceiling_rps']:.0f}"
        queries = "—" if f["queries"] is None else str(f["queries"])
        lines.append(
            f"| {f['name']} | {rate} | {ceiling} | {f['p50_ms']:.1f} | {f['p99_ms']:.1f} | {ratio} "
            f"| {queries} | {f['non_2xx'] + f['errors']} | {f['target']} "
            f"| {'yes' if f['met'] else 'NO'} |"
        )
    if result.get("assessment"):
        from bench import monitoring

        lines.append(monitoring.table(result["assessment"]))
    return "\n".join(lines) + "\n"


def main() -> int:
    """Measure every database; print and record the tables."""
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install -y wrk", file=sys.stderr)
        return 2
    from bench.settings import bench_environment

    workdir = Path(tempfile.mkdtemp(prefix="mobile-hall-bench-"))
    env = bench_environment(str(workdir / "uploads"))
    os.environ.update(env)
    env = {**os.environ, **env}
    results = []
    exchange = None
    try:
        for kind in DATABASES:
            results.append(bench_database(kind, env, workdir))
        if "postgresql" in DATABASES and (not PAGES or "exchange" in PAGES):
            from bench import exchange as exchange_bench

            exchange = exchange_bench.run()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    report = f"Machine: {machine()}\n\n" + "\n".join(table(r) for r in results)
    if exchange is not None:
        from bench import exchange as exchange_bench

        report += "\n" + exchange_bench.table(exchange)
    met = [f["met"] for r in results for f in r["figures"]]
    met += [f["met"] for r in results for f in r.get("assessment", []) if f["met"] is not None]
    met += [exchange["delivery"]["met"], exchange["pull"]["met"]] if exchange else []
    report += f"\nTargets met: {sum(met)} of {len(met)}\n"
    print("\n" + report)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"bench-{stamp}.md").write_text(report, encoding="utf-8")
    (RESULTS / f"bench-{stamp}.json").write_text(
        json.dumps(
            {"machine": machine(), "results": results, "exchange": exchange},
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
