"""The rate limiter's in-process storage: fixed-window counters without a timer thread."""

from __future__ import annotations

import time

from limits.storage import storage_from_string

from mobile_hall.extensions import SweptMemoryStorage, limiter


def test_memory_uri_names_the_swept_storage(app):
    assert isinstance(storage_from_string("memory://"), SweptMemoryStorage)
    assert isinstance(limiter.storage, SweptMemoryStorage)


def test_counting_starts_no_timer_thread():
    storage = SweptMemoryStorage()
    cancelled = storage.timer  # the one its parent starts, cancelled at once
    for _hit in range(50):
        storage.incr("progress/127.0.0.1", 60)
        time.sleep(0.001)
    assert storage.get("progress/127.0.0.1") == 50
    cancelled.join(1)
    assert storage.timer is cancelled and not cancelled.is_alive()


def test_a_counter_starts_afresh_after_its_window():
    storage = SweptMemoryStorage()
    assert [storage.incr("key", 0.05) for _hit in range(2)] == [1, 2]
    time.sleep(0.06)
    assert storage.incr("key", 0.05) == 1


def test_counters_past_their_window_are_swept_by_a_later_hit():
    storage = SweptMemoryStorage()
    storage.SWEEP_SECONDS = 0.0
    storage.incr("gone", 0.01)
    time.sleep(0.02)
    storage.incr("other", 60)
    assert "gone" not in storage.storage and "gone" not in storage.expirations
    assert storage.get("other") == 1
