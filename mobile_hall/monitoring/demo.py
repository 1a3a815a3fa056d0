"""The demo's living district: a past year of applications, the residents' and enterprises'
open pages in every town, and last quarter's self-checks, some handed in on time, one late,
the rest missing."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa

from ..applications.models import Application
from ..clock import CHINA_STANDARD_TIME, now
from ..extensions import db
from ..organisations.models import Unit
from .history import generate
from .models import SelfCheck
from .periods import previous_quarter, quarter_of
from .residents import load_demo_openings

DEMO_PREFIX = "H"
DEMO_APPLICATIONS = 3000
DEMO_SEED = 17
# Last quarter's sheets: (unit, days after the quarter's end it came in, its text).
DEMO_SELF_CHECKS = [
    ("QJ-SCJGJ", 2, "本季度新增全流程网办事项2项，窗口引导群众手机申报。"),
    ("QJ-MZJ", 3, "低保审核确认实现网上申请，继续推进村级代办。"),
    ("QJ-DT", 4, "村级便民服务站点已全部接入网厅，正在培训代办员。"),
    ("QJ-FW", 12, "因人员调整报送延迟，下季度按时报送。"),
]


def load_demo_monitoring() -> int:
    """Generate the demo's history, open pages and self-checks unless they exist; returns
    applications made."""
    made = 0
    exists = sa.select(Application.id).where(Application.number.like(f"{DEMO_PREFIX}%")).limit(1)
    if db.session.scalar(exists) is None:
        made = generate(DEMO_APPLICATIONS, seed=DEMO_SEED, until=now().date(), prefix=DEMO_PREFIX)
    load_demo_openings(DEMO_SEED)
    _self_checks()
    return made


def _self_checks() -> None:
    period = previous_quarter(quarter_of(now().date()))
    if db.session.scalar(sa.select(SelfCheck.id).where(SelfCheck.quarter == period.quarter)):
        return
    units = dict(db.session.execute(sa.select(Unit.code, Unit.id)).all())
    for code, days, progress in DEMO_SELF_CHECKS:
        day = period.last + timedelta(days=days)
        if code not in units or day > now().date():
            continue
        db.session.add(
            SelfCheck(
                unit_id=units[code],
                quarter=period.quarter,
                progress=progress,
                submitted_at=datetime.combine(day, time(10), CHINA_STANDARD_TIME),
                submitted_on=day,
                submitted_by="演示数据",
            )
        )
    db.session.commit()
