"""Under gunicorn each worker is a process: with PROMETHEUS_MULTIPROC_DIR, /metrics in any of
them adds up what every worker counted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
# One worker: the multiprocess directory is in its environment before the hall is imported,
# as gunicorn's workers have it from the unit's Environment=.
WORKER = """
import sys
from config import TestingConfig
from mobile_hall import create_app

hall = create_app(TestingConfig(), SQLALCHEMY_DATABASE_URI=sys.argv[1], LOG_JSON=False)
client = hall.test_client()
for _ in range(int(sys.argv[2])):
    assert client.get("/healthz").status_code == 200
"""


def _worker(app, directory: Path, requests: int) -> None:
    done = subprocess.run(  # noqa: S603 - this interpreter, running the worker above
        [sys.executable, "-c", WORKER, app.config["SQLALCHEMY_DATABASE_URI"], str(requests)],
        cwd=PROJECT_DIR,
        env={"PROMETHEUS_MULTIPROC_DIR": str(directory), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def _healthz_count(metrics: str) -> float:
    line = next(
        line
        for line in metrics.splitlines()
        if line.startswith("mobile_hall_requests_total{")
        and 'endpoint="operations_health.healthz"' in line
    )
    return float(line.rsplit(" ", 1)[1])


def test_metrics_add_up_the_requests_of_every_worker(app, client, tmp_path, monkeypatch):
    _worker(app, tmp_path, 2)
    _worker(app, tmp_path, 3)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    assert _healthz_count(client.get("/metrics").get_data(as_text=True)) == 5
