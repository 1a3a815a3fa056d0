"""gunicorn settings for a hall node (`--config deploy/gunicorn.conf.py`, mobile-hall@.service).

With PROMETHEUS_MULTIPROC_DIR set, each worker keeps its metrics in files there and /metrics
adds them up; a worker that exits must be marked dead, or its pool gauges would be counted on
(prometheus_client's multiprocess mode, docs/operations.md).
"""

import os

from prometheus_client import multiprocess


def child_exit(_server, worker) -> None:
    """Drop the live gauges of a worker that has exited."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
