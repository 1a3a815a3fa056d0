"""Extensions, created unbound here and bound to the app in `create_app`."""

from typing import TYPE_CHECKING

from flask import request
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from .operations.metrics import count_rate_limit_refusal

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
# The base of every model is Flask-SQLAlchemy's `db.Model`; a type checker cannot take a base
# class from an attribute (python/mypy#8603), so it is shown the class `db.Model` derives from.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate(render_as_batch=True, compare_type=True)
csrf = CSRFProtect()
compress = Compress()
login_manager = LoginManager()


# Limits apply only where a view asks (`@limiter.limit`); the counters live where
# RATELIMIT_STORAGE_URI says: `memory://` in one process, Redis shared by every worker in
# production.
limiter = Limiter(key_func=get_remote_address, on_breach=count_rate_limit_refusal)

# The endpoints whose views carry `@limiter.limit` (a test keeps this list true). The hall sets
# no default or application-wide limits, so every other request has nothing to count: Flask-
# Limiter's `request_filter` lets it skip resolving limits for them, two thirds of its check
# on every page (docs/performance.md).
RATE_LIMITED_ENDPOINTS = frozenset({"applications.progress", "identity.login", "licenses.verify"})


@limiter.request_filter
def _has_no_limit() -> bool:
    return request.endpoint not in RATE_LIMITED_ENDPOINTS
