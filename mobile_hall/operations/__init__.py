"""Operations: health checks for the load balancer, Prometheus metrics for the operator's
network, and one JSON log line per request (docs/operations.md)."""

from __future__ import annotations

from flask import Flask


def init_operations(app: Flask) -> None:
    """Mount /healthz, /readyz and /metrics, and start counting and logging every request."""
    from .health import blueprint as health
    from .logs import init_request_log
    from .metrics import blueprint as metrics
    from .metrics import init_metrics

    app.register_blueprint(health)
    app.register_blueprint(metrics)
    init_metrics(app)
    init_request_log(app)
