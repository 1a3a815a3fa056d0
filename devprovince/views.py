"""The stand-in province's endpoints: the batches, its page, its fault switch."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from .faults import FAULTS, Faults
from .store import Store

page = Blueprint("province", __name__)
api = Blueprint("province_api", __name__)


def _store() -> Store:
    return current_app.extensions["province_store"]


def _faults() -> Faults:
    return current_app.extensions["province_faults"]


def _refuse(reason: str) -> tuple[Response, int]:
    return jsonify({"error": "unauthorized", "reason": reason}), 401


def _signed(body: bytes) -> bool:
    """Whether `X-Signature` is the hex HMAC-SHA256 of the body with the shared secret."""
    secret = current_app.config["PROVINCE_SECRET"].encode("utf-8")
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(request.headers.get("X-Signature", ""), expected)


@api.post("/batches")
def take_batch():
    """Take one signed batch: 401 for a bad signature, 400 for a body that is not a batch,
    else 200 with how many records were new (a batch sent again is taken again: its records
    are already held, each once by `record_id`)."""
    faults = _faults()
    faults.enter()
    try:
        mode = faults.mode
        if mode == "error":
            return jsonify({"error": "fault"}), 500
        if mode == "timeout":
            time.sleep(float(current_app.config["PROVINCE_HANG_SECONDS"]))
            return jsonify({"error": "fault"}), 504
        if mode == "slow":
            time.sleep(float(current_app.config["PROVINCE_SLOW_SECONDS"]))
        return _take(request.get_data())
    finally:
        faults.leave()


def _take(body: bytes) -> tuple[Response, int]:
    if not _signed(body):
        return _refuse("signature")
    try:
        records = json.loads(body)["records"]
        if not all(isinstance(r, dict) and "record_id" in r and "sequence" in r for r in records):
            raise ValueError("record")
    except (ValueError, KeyError, TypeError):
        return jsonify({"error": "invalid"}), 400
    stored, known = _store().store_batch(body, records)
    return jsonify({"stored": stored, "duplicates": known}), 200


@api.get("/api/received")
def received():
    """Records in the order they first arrived, as JSON (for tests and scripts)."""
    after = request.args.get("after", "0")
    limit = request.args.get("limit", "1000")
    rows = _store().received(
        min(int(limit) if limit.isdigit() else 1000, 10_000), int(after) if after.isdigit() else 0
    )
    return jsonify(
        {
            "totals": _store().totals(),
            "records": [
                {
                    "arrival": row["arrival"],
                    "record_id": row["record_id"],
                    "sequence": row["sequence"],
                    "times_received": row["times_received"],
                }
                for row in rows
            ],
        }
    )


@api.put("/api/faults")
def set_fault_json():
    """Switch the fault mode: ``{"mode": "error"}``; 400 for an unknown mode."""
    body = request.get_json(silent=True) or {}
    try:
        _faults().set(str(body.get("mode", "")))
    except ValueError:
        return jsonify({"error": "mode", "known": sorted(FAULTS)}), 400
    return jsonify({"mode": _faults().mode})


@page.get("/")
def home():
    """What arrived last, the totals, and the fault switch."""
    return render_template(
        "received.html",
        records=_store().newest(200),
        totals=_store().totals(),
        faults=FAULTS,
        mode=_faults().mode,
    )


@page.post("/faults")
def set_fault():
    """The page's fault switch."""
    try:
        _faults().set(request.form.get("mode", ""))
    except ValueError:
        return redirect(url_for(".home"), 303)
    return redirect(url_for(".home"), 303)
