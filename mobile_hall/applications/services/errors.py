"""What the applicant's services refuse, beyond the state machine's `IllegalTransition`."""

from __future__ import annotations

from ...common.errors import NotFound


class ApplicationNotFound(NotFound):
    """No application with that id that this person may see (shown as 404)."""


class LevelTooLow(Exception):
    """The person's real-name level is below the item's lowest accepted level."""

    def __init__(self, required: int) -> None:
        super().__init__(f"real-name level {required} required")
        self.required = required


class NotOnline(Exception):
    """The item cannot be applied for online (counter only)."""


class ItemSuspended(Exception):
    """The item is suspended (暂停办理): no new application starts until it resumes."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(code)
        self.code = code
        self.reason = reason


class WrongAudience(Exception):
    """The item is for enterprises and a person applies, or the other way round."""

    def __init__(self, code: str, audience: str) -> None:
        super().__init__(code)
        self.code = code
        self.audience = audience


class MessageNotFound(NotFound):
    """No message with that id in this person's message centre (shown as 404)."""
