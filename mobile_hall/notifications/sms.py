"""Text messages to applicants, behind a pluggable sender.

`SMS_SENDER` names the sender: ``log`` (development and tests: the message goes to the log)
or a dotted path ``package.module:Class`` of a class with ``send(phone, text)``, e.g. a
gateway client for the province's SMS platform.

A text about a change goes out when the change commits (`send_sms_after_commit`), never
before: a rolled-back change sends nothing, and no row lock (the day's application number, the
audit chain's head) is held while a gateway answers.
"""

from __future__ import annotations

import importlib
import logging
from typing import Protocol

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session

from ..extensions import db
from ..identity.identifiers import mask_phone

logger = logging.getLogger(__name__)
_PENDING = "sms.pending"  # session.info: the texts of this transaction, sent at its commit


class SmsSender(Protocol):
    """Anything that can deliver a text message."""

    def send(self, phone: str, text: str) -> None:
        """Deliver `text` to `phone` (errors are the sender's to log; never raised to callers)."""


class LogSender:
    """Writes messages to the log instead of sending them."""

    def send(self, phone: str, text: str) -> None:
        """Log the message with the phone number masked."""
        logger.info("SMS to %s: %s", mask_phone(phone), text)


def sender() -> SmsSender:
    """The configured sender, built once per app."""
    cached = current_app.extensions.get("sms_sender")
    if cached is None:
        name = current_app.config.get("SMS_SENDER", "log")
        if name == "log":
            cached = LogSender()
        else:
            module, _, attribute = name.partition(":")
            cached = getattr(importlib.import_module(module), attribute)()
        current_app.extensions["sms_sender"] = cached
    return cached


def send_sms(phone: str, text: str) -> None:
    """Send a text if there is a phone number; a failing gateway never undoes the change."""
    if not phone:
        return
    try:
        sender().send(phone, text)
    except Exception:  # a gateway outage must not lose the state change already committed
        logger.exception("SMS delivery failed")


def send_sms_after_commit(phone: str, text: str) -> None:
    """Send a text when the current transaction commits; if it rolls back, the text is dropped."""
    if phone:
        db.session().info.setdefault(_PENDING, []).append((phone, text))


def _send_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the outer transaction may still roll back
    for phone, text in session.info.pop(_PENDING, ()):
        send_sms(phone, text)


def _drop_pending(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended without a commit
        session.info.pop(_PENDING, None)


_installed = False


def init_sms(_app: Flask) -> None:
    """Send each transaction's texts after it commits (listeners per Session class, once per
    process)."""
    global _installed
    if not _installed:
        sa.event.listen(Session, "after_commit", _send_pending)
        sa.event.listen(Session, "after_transaction_end", _drop_pending)
        _installed = True
