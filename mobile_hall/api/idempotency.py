"""Idempotent POSTs: a retried request (same ``Idempotency-Key``, same body) has its effect
once and gets the first answer again.

The key is claimed in a transaction of its own before the step runs, so of two identical
requests racing, one takes the step and the other is told it is in progress (409) or, once
done, gets the stored answer. The same key with another body is a 422. A claim whose request
died before answering is taken over after `IDEMPOTENCY_STALE_SECONDS`; the state machine
then refuses a step that did happen (409), so the effect is still once.

The stored answer is encrypted with the hall's key ring (`identity.protection`): a step's answer
to a key with the full record carries the applicant's ID number and phone in clear.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import Response, request
from sqlalchemy.exc import IntegrityError

from ..clock import as_local, now
from ..extensions import db
from ..identity.protection import decrypt_stored_answer, encrypt_stored_answer
from .constants import IDEMPOTENCY_KEPT_HOURS, IDEMPOTENCY_STALE_SECONDS
from .models import ApiKey, IdempotentRequest
from .problems import MEDIA_TYPE, Problem, problem_answer

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


def _request_hash() -> str:
    material = b"\n".join(
        [request.method.encode(), request.path.encode(), request.get_data(cache=True)]
    )
    return hashlib.sha256(material).hexdigest()


def _claim(api_key: ApiKey, key: str, digest: str) -> int | Response:
    """The id of this request's claim on ``key``, or the answer a retry gets instead.

    :raises Problem: 422 for the key used with another body, 409 while it is in progress.
    """
    # A transaction of its own (the call's audit record was committed just before), so a
    # refused insert rolls back nothing else; no SAVEPOINT, which SQLite could only upgrade to
    # a writer in place and would refuse when the other request committed meanwhile.
    claim = IdempotentRequest(
        api_key_id=api_key.id, idempotency_key=key, request_hash=digest, created_at=now()
    )
    db.session.add(claim)
    try:
        db.session.commit()
        return claim.id
    except IntegrityError:
        db.session.rollback()
    earlier = db.session.scalars(
        sa.select(IdempotentRequest).where(
            IdempotentRequest.api_key_id == api_key.id, IdempotentRequest.idempotency_key == key
        )
    ).one()
    if earlier.request_hash != digest:
        raise Problem(422, "idempotency_key_reused")
    if earlier.status_code is not None:
        return _replay(earlier)
    return _take_over(earlier)


def _take_over(earlier: IdempotentRequest) -> int:
    """Take over a claim left by a request that died, if it is old enough (one taker wins)."""
    started = earlier.created_at
    if now() - as_local(started) < timedelta(seconds=IDEMPOTENCY_STALE_SECONDS):
        raise Problem(409, "idempotency_in_progress")
    taken = db.session.execute(
        sa.update(IdempotentRequest)
        .where(IdempotentRequest.id == earlier.id, IdempotentRequest.created_at == started)
        .values(created_at=now())
    )
    db.session.commit()
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise Problem(409, "idempotency_in_progress")
    return earlier.id


def _stored_body(stored: IdempotentRequest) -> str:
    body = stored.response_body or ""
    if body.startswith("{"):  # stored in clear before answers were encrypted (purged since)
        return body
    return decrypt_stored_answer(body) if body else ""


def _replay(stored: IdempotentRequest) -> Response:
    status = stored.status_code or 200
    mimetype = MEDIA_TYPE if status >= 400 else "application/json"
    response = Response(_stored_body(stored), status=status, mimetype=mimetype)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def run_once(
    api_key: ApiKey,
    step: Callable[[], Response],
    replayed: Callable[[ApiKey, Response], None] | None = None,
) -> Response:
    """Answer the request with ``step()`` once per ``Idempotency-Key``; a retry gets the first
    answer (a refusal too), shown to ``replayed`` first (to audit what it gives away again).
    A step that fails unexpectedly frees the key for a retry.

    :raises Problem: 400 without a key; 422, 409 as `_claim`.
    """
    key = request.headers.get(HEADER, "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Problem(400, "idempotency_key_missing")
    claimed = _claim(api_key, key, _request_hash())
    if isinstance(claimed, Response):
        if replayed is not None:
            replayed(api_key, claimed)
        return claimed
    try:
        response = step()
    except Problem as problem:
        response = problem_answer(problem)
    except BaseException:
        db.session.rollback()
        db.session.execute(sa.delete(IdempotentRequest).where(IdempotentRequest.id == claimed))
        db.session.commit()
        raise
    db.session.execute(
        sa.update(IdempotentRequest)
        .where(IdempotentRequest.id == claimed)
        .values(
            status_code=response.status_code,
            response_body=encrypt_stored_answer(response.get_data(as_text=True)),
        )
    )
    db.session.commit()
    return response


def purge_stored_requests() -> int:
    """Delete the stored requests older than `IDEMPOTENCY_KEPT_HOURS` (answered ones and
    claims left by requests that died), committed; how many. Refuses nothing."""
    kept_from = now() - timedelta(hours=IDEMPOTENCY_KEPT_HOURS)
    old = sa.delete(IdempotentRequest).where(IdempotentRequest.created_at < kept_from)
    result = cast(sa.CursorResult[Any], db.session.execute(old))
    db.session.commit()
    return result.rowcount or 0
