"""The demo's residents and enterprises that opened their page (两页), town by town.

The two page ratios divide the pages opened in a town by its population or its registered
enterprises (tens of thousands of people): the handful of demo accounts alone leave every town
at 0 %. Each town gets its own share of residents and enterprises with an open page, drawn from
the seed and the town's code, so some towns pass the plan's "> 5 %" and some do not; the
people are accounts of a generated issuer (they never sign in), with valid ID numbers kept
encrypted like everyone's, and a few pages closed again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from ..clock import CHINA_STANDARD_TIME, now
from ..extensions import db
from ..identity.constants import OrgRole, UserType
from ..identity.identifiers import (
    CREDIT_CODE_CHARACTERS,
    is_valid_credit_code,
    is_valid_id_number,
    mask_id_number,
)
from ..identity.models import Account, Enterprise
from ..identity.protection import encrypt_id_number, id_number_hash
from ..organisations.constants import UnitLevel
from ..organisations.models import Unit, UnitFigure
from ..organisations.services import figures_for
from ..pages.constants import PageKind
from ..pages.models import PageOpening

RESIDENTS_ISSUER = "urn:mobile-hall:demo-residents"
# The share of a town's residents (enterprises) with an open page is drawn from these ranges.
CITIZEN_SHARE = (0.02, 0.14)
ENTERPRISE_SHARE = (0.01, 0.16)
CLOSED_SHARE = 0.04
BATCH = 5000


@dataclass(frozen=True)
class _Opener:
    """One page to open: whose, in which town, when (and when closed again, if it was)."""

    kind: PageKind
    town_id: int
    serial: int
    opened_at: datetime
    closed_at: datetime | None


def load_demo_openings(seed: int) -> int:
    """Open the pages of the demo's residents and enterprises unless done; pages opened."""
    done = sa.select(Account.id).where(Account.issuer == RESIDENTS_ISSUER).limit(1)
    if db.session.scalar(done) is not None:
        return 0
    towns = db.session.scalars(
        sa.select(Unit).where(Unit.level == UnitLevel.TOWN).order_by(Unit.position, Unit.id)
    ).all()
    figures = figures_for(now().year)
    openers = [opener for town in towns for opener in _openers(seed, town, figures.get(town.id))]
    for start in range(0, len(openers), BATCH):
        _open(openers[start : start + BATCH])
    db.session.commit()
    return len(openers)


def _openers(seed: int, town: Unit, figure: UnitFigure | None) -> list[_Opener]:
    rng = random.Random(f"{seed}:pages:{town.code}")  # noqa: S311 - the same district every run
    population, enterprise_count = (
        (figure.population, figure.enterprise_count) if figure else (0, 0)
    )
    citizens = round(population * rng.uniform(*CITIZEN_SHARE))
    enterprises = round(enterprise_count * rng.uniform(*ENTERPRISE_SHARE))
    kinds = [PageKind.PERSON] * citizens + [PageKind.ENTERPRISE] * enterprises
    today = now().date()
    openers = []
    for serial, kind in enumerate(kinds):
        day = today - timedelta(days=rng.randint(1, 400))
        opened = datetime.combine(day, time(rng.randint(7, 22), rng.randint(0, 59)))
        closed = opened + timedelta(days=rng.randint(1, 200))
        kept = rng.random() >= CLOSED_SHARE or closed.date() >= today
        openers.append(
            _Opener(
                kind,
                town.id,
                town.id * 1_000_000 + serial,
                opened.replace(tzinfo=CHINA_STANDARD_TIME),
                None if kept else closed.replace(tzinfo=CHINA_STANDARD_TIME),
            )
        )
    return openers


def _open(openers: list[_Opener]) -> None:
    enterprise_ids = _enterprises([o for o in openers if o.kind is PageKind.ENTERPRISE])
    account_rows = [_account(opener, enterprise_ids.get(opener.serial)) for opener in openers]
    account_ids = db.session.scalars(
        sa.insert(Account).returning(Account.id, sort_by_parameter_order=True), account_rows
    ).all()
    db.session.execute(
        sa.insert(PageOpening),
        [
            {
                "kind": opener.kind,
                "owner_key": _owner_key(opener, account_id, enterprise_ids),
                "account_id": account_id,
                "enterprise_id": enterprise_ids.get(opener.serial),
                "town_id": opener.town_id,
                "opened_at": opener.opened_at,
                "closed_at": opener.closed_at,
            }
            for opener, account_id in zip(openers, account_ids, strict=True)
        ],
    )


def _owner_key(opener: _Opener, account_id: int, enterprise_ids: dict[int, int]) -> str:
    if opener.kind is PageKind.ENTERPRISE:
        return f"enterprise:{enterprise_ids[opener.serial]}"
    return f"account:{account_id}"


def _enterprises(openers: list[_Opener]) -> dict[int, int]:
    """An enterprise for each opener of an enterprise page: opener serial → enterprise id."""
    if not openers:
        return {}
    rows = [
        {
            "credit_code": _credit_code(opener.serial),
            "name": f"曲江区演示企业{opener.serial}号",
            "created_at": opener.opened_at,
            "updated_at": opener.opened_at,
        }
        for opener in openers
    ]
    ids = db.session.scalars(
        sa.insert(Enterprise).returning(Enterprise.id, sort_by_parameter_order=True), rows
    ).all()
    return {
        opener.serial: enterprise_id for opener, enterprise_id in zip(openers, ids, strict=True)
    }


def _account(opener: _Opener, enterprise_id: int | None) -> dict:
    number = _id_number(opener.serial)
    representative = opener.kind is PageKind.ENTERPRISE
    return {
        "issuer": RESIDENTS_ISSUER,
        "subject": f"resident-{opener.serial}",
        "user_type": UserType.LEGAL_PERSON if representative else UserType.PERSON,
        "name": "演示居民",
        "id_number_cipher": encrypt_id_number(number),
        "id_number_hash": id_number_hash(number),
        "id_number_masked": mask_id_number(number),
        "phone": "",
        "real_name_level": 3,
        "enterprise_id": enterprise_id,
        "org_role": OrgRole.LEGAL_REPRESENTATIVE if representative else None,
        "created_at": opener.opened_at,
        "last_sign_in_at": opener.opened_at,
    }


def _id_number(serial: int) -> str:
    """A valid resident ID number of Qujiang (440205), one per serial."""
    born = datetime(1950, 1, 1) + timedelta(days=serial % 20000)
    first = f"440205{born:%Y%m%d}{serial // 20000 % 1000:03d}"
    return next(first + c for c in "0123456789X" if is_valid_id_number(first + c))


def _credit_code(serial: int) -> str:
    """A valid unified social credit code of a Qujiang company, one per serial."""
    town, number = divmod(serial, 1_000_000)
    first = f"91440205MD{town % 100:02d}{number:05d}"
    return next(first + c for c in CREDIT_CODE_CHARACTERS if is_valid_credit_code(first + c))
