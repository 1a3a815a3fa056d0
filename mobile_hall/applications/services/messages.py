"""The message centre (消息中心): the person's messages, a page at a time."""

from __future__ import annotations

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination

from ...clock import now
from ...common.paging import paginate
from ...extensions import db
from ...identity.models import Account
from ..models import Message
from .errors import MessageNotFound


def messages_of(account: Account, page: int = 1, per_page: int = 20) -> Pagination:
    """One page of the person's messages, newest first."""
    return paginate(
        sa.select(Message).where(Message.account_id == account.id).order_by(Message.id.desc()),
        page,
        per_page,
    )


def read_message(account: Account, message_id: int) -> Message:
    """Open one of the person's messages, marking it read the first time.

    :raises MessageNotFound: for a message of anyone else (shown as 404).
    """
    message = db.session.scalar(
        sa.select(Message).where(Message.id == message_id, Message.account_id == account.id)
    )
    if message is None:
        raise MessageNotFound(message_id)
    if message.read_at is None:
        message.read_at = now()
        db.session.commit()
    return message
