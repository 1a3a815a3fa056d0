"""A whole test module inside one database transaction that is rolled back at its end, each
request of it inside a savepoint rolled back after it: one dataset, built once, that no request
changes for the next and no other module sees."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy.engine import Connection
from sqlalchemy.orm import scoped_session, sessionmaker

from mobile_hall.extensions import db


@contextmanager
def rolled_back(app: Flask) -> Iterator[Connection]:
    """The app's sessions bound to one connection whose transaction is rolled back at the end
    (what they commit becomes a savepoint); yields the connection."""
    with app.app_context():
        engine = db.engine
    connection = engine.connect()
    outer = connection.begin()
    original = db.session
    db.session = scoped_session(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    )
    try:
        yield connection
    finally:
        db.session.remove()
        db.session = original
        outer.rollback()
        connection.close()


@contextmanager
def undone(connection: Connection) -> Iterator[None]:
    """Whatever is written inside is undone afterwards (a savepoint rolled back)."""
    savepoint = connection.begin_nested()
    try:
        yield
    finally:
        db.session.remove()
        savepoint.rollback()
