"""The stand-in province's fault mode, switched at run time (its page, `PUT /api/faults`)."""

from __future__ import annotations

import threading

#: What each mode does to a batch: answer 500, hold it past the hall's read timeout, answer
#: late but take it.
FAULTS = {
    "none": "正常接收",
    "error": "返回 500 错误",
    "timeout": "不应答（超时）",
    "slow": "缓慢应答",
}


class Faults:
    """The current fault mode, and how many batches are being handled right now."""

    def __init__(self, mode: str = "none") -> None:
        self._lock = threading.Lock()
        self.mode = self._checked(mode)
        self.in_flight = 0
        self.peak = 0  # the most batches handled at once

    @staticmethod
    def _checked(mode: str) -> str:
        if mode not in FAULTS:
            raise ValueError(f"unknown fault mode {mode!r}; known: {sorted(FAULTS)}")
        return mode

    def set(self, mode: str) -> None:
        """Switch to `mode`.

        :raises ValueError: for an unknown mode.
        """
        with self._lock:
            self.mode = self._checked(mode)

    def enter(self) -> None:
        """A batch arrived."""
        with self._lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)

    def leave(self) -> None:
        """A batch was answered."""
        with self._lock:
            self.in_flight -= 1
