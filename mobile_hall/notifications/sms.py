"""Text messages to applicants, behind a pluggable sender.

`SMS_SENDER` names the sender: ``log`` (development and tests: the message goes to the log)
or a dotted path ``package.module:Class`` of a class with ``send(phone, text)``, e.g. a
gateway client for the province's SMS platform.
"""

from __future__ import annotations

import importlib
import logging
from typing import Protocol

from flask import current_app

logger = logging.getLogger(__name__)


class SmsSender(Protocol):
    """Anything that can deliver a text message."""

    def send(self, phone: str, text: str) -> None:
        """Deliver `text` to `phone` (errors are the sender's to log; never raised to callers)."""


class LogSender:
    """Writes messages to the log instead of sending them."""

    def send(self, phone: str, text: str) -> None:
        """Log the message with the phone number masked."""
        masked = phone[:3] + "****" + phone[7:] if len(phone) == 11 else "***"
        logger.info("SMS to %s: %s", masked, text)


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
