"""A generated history of applications for the demo and the bench, deterministic per seed.

Rows go in with bulk inserts, not through the application services: a year of a district
(thousands of applications, or a million for the bench) through the services would take hours.
The bulk inserts bypass the ORM's per-record events, so each batch adds its own daily counts
(`summary.add_counts`, the same counts the events would add).
Each unit gets its own habits (how much goes online, how often a visit slips into an item that
promises none) so that some units meet their targets and some do not.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from ..applications.constants import ActorType, ApplicationStatus, Channel, Decision, Stage
from ..applications.models import Application, ProcessRecord
from ..catalog.constants import Audience
from ..catalog.models import ItemVersion, ServiceItem
from ..clock import CHINA_STANDARD_TIME
from ..extensions import db
from ..identity.constants import UserType
from ..organisations.models import Unit
from .metrics import items_by_unit
from .summary import Changes, add_counts, completion, key_of

BATCH = 5000


@dataclass(frozen=True)
class _Pair:
    item_id: int
    item_code: str
    version: ItemVersion
    unit_id: int
    unit_code: str


@dataclass(frozen=True)
class _Habits:
    online_share: float
    visit_slip: float


def _pairs() -> list[_Pair]:
    versions = {
        item_id: (code, version)
        for item_id, code, version in db.session.execute(
            sa.select(ServiceItem.id, ServiceItem.code, ItemVersion).join(
                ItemVersion, ItemVersion.id == ServiceItem.current_version_id
            )
        )
    }
    codes = {unit_id: code for unit_id, code in db.session.execute(sa.select(Unit.id, Unit.code))}
    return [
        _Pair(item_id, versions[item_id][0], versions[item_id][1], unit_id, codes[unit_id])
        for unit_id, item_ids in sorted(items_by_unit().items())
        for item_id in sorted(item_ids)
        if item_id in versions
    ]


def _habits(seed: int, unit_code: str) -> _Habits:
    rng = random.Random(f"{seed}:{unit_code}")  # noqa: S311 - the same habits every run
    return _Habits(online_share=rng.uniform(0.2, 0.95), visit_slip=rng.choice([0, 0, 0.05, 0.3]))


def generate(count: int, *, seed: int, until: date, prefix: str, days: int = 365) -> int:
    """Add `count` finished applications (numbers `prefix` + serial) submitted over the `days`
    before `until` (the last 20 days left out, so every one is finished). Commits in batches.

    :raises ValueError: when the catalog has no item implemented by a unit.
    """
    pairs = _pairs()
    if not pairs:
        raise ValueError("catalog")
    rng = random.Random(seed)  # noqa: S311 - the same history on every run
    habits = {pair.unit_code: _habits(seed, pair.unit_code) for pair in pairs}
    first = _next_serial(prefix)
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        drafts = [
            _draft(rng, rng.choice(pairs), habits, until, days, f"{prefix}{first + start + n:011d}")
            for n in range(size)
        ]
        _insert(drafts, rng)
        db.session.commit()
    return count


def _next_serial(prefix: str) -> int:
    taken = db.session.scalar(
        sa.select(sa.func.count()).where(Application.number.like(f"{prefix}%"))
    )
    return (taken or 0) + 1


@dataclass
class _Draft:
    row: dict
    pair: _Pair
    visits: int


def _draft(rng: random.Random, pair: _Pair, habits: dict, until: date, days: int, number: str):
    version, habit = pair.version, habits[pair.unit_code]
    day = until - timedelta(days=rng.randint(20, days))
    submitted = datetime.combine(
        day, time(rng.randint(8, 17), rng.randint(0, 59)), CHINA_STANDARD_TIME
    )
    online = "apply" in version.online_stages and rng.random() < habit.online_share
    channel = (
        (Channel.MOBILE if version.mobile_enabled and rng.random() < 0.6 else Channel.WEB)
        if online
        else Channel.COUNTER
    )
    completed = rng.random() < 0.95
    finished = submitted + timedelta(days=rng.randint(1, 15), hours=rng.randint(0, 6))
    delivery = _delivery(rng, version, online, habit) if completed else None
    visits = (0 if online else 1) + (
        1 if version.required_visits >= 2 and rng.random() < 0.6 else 0
    )
    if online and rng.random() < habit.visit_slip:
        visits += 1
    person = version.audience is not Audience.ENTERPRISE
    digest = hashlib.sha256(f"{number}".encode()).hexdigest()
    row = {
        "number": number,
        "item_id": pair.item_id,
        "item_version_id": version.id,
        "unit_id": pair.unit_id,
        "applicant_type": UserType.PERSON if person else UserType.LEGAL_PERSON,
        "applicant_name": "历史办件",
        "applicant_id_masked": "4402**********0000",
        "applicant_id_hash": digest,
        "channel": channel,
        "status": ApplicationStatus.COMPLETED if completed else ApplicationStatus.REJECTED,
        "answers": {},
        "created_at": submitted,
        "updated_at": finished,
        "submitted_at": submitted,
        "accepted_on": submitted.date() if completed else None,
        "decided_at": finished if completed else None,
        "completed_at": finished if completed else None,
        "decision": Decision.APPROVED if completed else None,
        "delivery": delivery,
    }
    return _Draft(row, pair, visits)


def _delivery(rng: random.Random, version: ItemVersion, online: bool, habit: _Habits) -> str:
    offered = version.result_delivery or ["pickup"]
    if online and "deliver" in version.online_stages and rng.random() < habit.online_share + 0.3:
        remote = [way for way in offered if way != "pickup"]
        if remote:
            return rng.choice(remote)
    return "pickup" if "pickup" in offered else offered[0]


def _insert(drafts: list[_Draft], rng: random.Random) -> None:
    ids = db.session.scalars(
        sa.insert(Application).returning(Application.id, sort_by_parameter_order=True),
        [draft.row for draft in drafts],
    ).all()
    records = []
    for application_id, draft in zip(ids, drafts, strict=True):
        records += _records(application_id, draft, rng)
    db.session.execute(sa.insert(ProcessRecord), records)
    add_counts(db.session.connection(), _changes(drafts))


def _changes(drafts: list[_Draft]) -> Changes:
    changes: Changes = defaultdict(Counter)
    for draft in drafts:
        row = draft.row
        where = (row["unit_id"], row["item_id"], row["channel"])
        changes[key_of(row["submitted_at"], *where)]["submitted"] += 1
        if row["completed_at"] is not None:
            done = completion(row["channel"], row["delivery"], draft.visits)
            changes[key_of(row["completed_at"], *where)].update(done)
    return changes


def _records(application_id: int, draft: _Draft, rng: random.Random) -> list[dict]:
    row, pair = draft.row, draft.pair

    def record(stage: Stage, channel: Channel, at: datetime, result: str = "") -> dict:
        return {
            "record_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "application_id": application_id,
            "application_no": row["number"],
            "item_code": pair.item_code,
            "unit_code": pair.unit_code,
            "stage": stage,
            "result": result,
            "channel": channel,
            "actor_type": ActorType.APPLICANT if stage is Stage.SUBMIT else ActorType.CLERK,
            "occurred_at": at,
            "applicant_type": row["applicant_type"],
            "note": "",
        }

    submitted = row["submitted_at"]
    records = [record(Stage.SUBMIT, row["channel"], submitted)]
    records += [record(Stage.VISIT, Channel.COUNTER, submitted) for _ in range(draft.visits)]
    if row["completed_at"] is None:
        records.append(record(Stage.REJECT_ACCEPT, Channel.WEB, row["updated_at"]))
        return records
    # The workbench's steps, as `applications check` expects of a completed application.
    records += [
        record(stage, Channel.WEB, row["completed_at"])
        for stage in (Stage.ACCEPT, Stage.REVIEW, Stage.DECIDE, Stage.COMPLETE)
    ]
    delivery = row["delivery"]
    channel = Channel.COUNTER if delivery == "pickup" else Channel.WEB
    records.append(record(Stage.DELIVER, channel, row["completed_at"], result=delivery))
    return records
