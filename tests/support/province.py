"""The stand-in province (devprovince/) over real HTTP, and the hall's courier to it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

import devprovince
from devprovince.faults import Faults
from devprovince.store import Store
from mobile_hall.exchange.delivery import Courier
from tests.support.servers import LiveServer


@dataclass
class Province:
    """A running stand-in: its URL, its store and its fault switch."""

    server: LiveServer
    app: Flask | None = None

    @property
    def url(self) -> str:
        return self.server.url + "/batches"

    @property
    def store(self) -> Store:
        assert self.app is not None
        return self.app.extensions["province_store"]

    @property
    def faults(self) -> Faults:
        assert self.app is not None
        return self.app.extensions["province_faults"]

    def start(self, secret: str, database: Path, **config: object) -> None:
        """Begin answering (until then the port answers 503, like a province that is down)."""
        self.app = devprovince.create_app(
            {"PROVINCE_SECRET": secret, "PROVINCE_DATABASE": str(database), **config}
        )
        self.server.start(self.app)


def _down(_environ, start_response):
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"down for maintenance"]


@contextmanager
def province(
    secret: str | None = None, database: Path | None = None, **config: object
) -> Iterator[Province]:
    """A stand-in province on a free port, started when `secret` and `database` are given;
    until `start`, the port answers every request with 503 (a province down)."""
    with LiveServer() as server:
        running = Province(server)
        if secret and database:
            running.start(secret, database, **config)
        else:
            server.start(_down)
        yield running


def courier(url: str, secret: str, read_timeout: float = 5.0) -> Courier:
    """The hall's courier to `url` with short timeouts."""
    return Courier(url, secret, connect_timeout=2.0, read_timeout=read_timeout)


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Poll `condition` until it holds. A live server or worker is another thread or process:
    its effect comes when it comes, and the test waits for that, not for a fixed time."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout} s")
        time.sleep(0.02)
