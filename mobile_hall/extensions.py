"""Extensions, created unbound here and bound to the app in `create_app`."""

import time
from typing import ClassVar

from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from limits.storage import MemoryStorage
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
csrf = CSRFProtect()
compress = Compress()
login_manager = LoginManager()


class SweptMemoryStorage(MemoryStorage):
    """limits' in-process counters (`memory://`) without its timer thread.

    `MemoryStorage` purges expired counters from a `threading.Timer` it starts again 10 ms after
    the last one: under steady traffic, a thread start and a GIL hand-over every few requests
    (a tenth of a progress lookup's time). Here a fixed-window counter is dropped when it is
    read after its window (as `MemoryStorage.get` already does), and the others are swept at
    most once a second by the request that finds the sweep due. Declaring the `memory` scheme
    makes this the storage `memory://` names in this process.
    """

    STORAGE_SCHEME: ClassVar[list[str]] = ["memory"]
    SWEEP_SECONDS = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        """The storage of `uri` (`memory://`); refuses nothing."""
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.timer.cancel()
        self._swept_at = time.time()

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add `amount` to the counter of `key`, opening a window of `expiry` seconds if none
        is open; the counter's value."""
        self.get(key)
        self._sweep_when_due()
        with self.locks[key]:
            self.storage[key] += amount
            if self.storage[key] == amount:
                self.expirations[key] = time.time() + expiry
        return self.storage.get(key, 0)

    def _sweep_when_due(self) -> None:
        moment = time.time()
        if moment - self._swept_at < self.SWEEP_SECONDS:
            return
        self._swept_at = moment
        for key, expires_at in list(self.expirations.items()):
            if expires_at <= moment:
                self.storage.pop(key, None)
                self.expirations.pop(key, None)
                self.locks.pop(key, None)


# Limits apply only where a view asks (default_limits stays empty); storage from config
# (`memory://` is `SweptMemoryStorage`; production counts in Redis).
limiter = Limiter(key_func=get_remote_address)
