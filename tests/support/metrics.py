"""Reading the hall's Prometheus metrics in tests."""

from __future__ import annotations

from prometheus_client import REGISTRY


def sample(name: str, **labels: str) -> float:
    """The current value of one series (0 when it has not been written yet)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0
