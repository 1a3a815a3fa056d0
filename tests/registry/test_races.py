"""Two office clerks entering the same town's figures at the same moment."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from mobile_hall.extensions import db
from mobile_hall.organisations.models import Unit, UnitFigure
from mobile_hall.registry import services
from mobile_hall.registry.constants import RecordKind
from mobile_hall.registry.models import ReferenceChange
from tests.support.monitoring import person

YEAR = 2041


def test_two_saves_of_one_towns_figures_at_once_both_land_in_order(app, committed):
    with app.app_context():
        person("office")
        db.session.commit()
        db.session.remove()
    ready = threading.Barrier(2, timeout=30)

    def save(population: int) -> None:
        with app.app_context():
            office = person("office")
            db.session.commit()
            ready.wait()
            services.save_figure(
                office, "QJ-MB", YEAR, {"population": population, "enterprise_count": 1}
            )
            db.session.remove()

    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(save, (100, 200)))  # neither raises
        with app.app_context():
            changes = db.session.scalars(
                sa.select(ReferenceChange)
                .where(
                    ReferenceChange.kind == RecordKind.FIGURE,
                    ReferenceChange.key == f"QJ-MB@{YEAR}",
                )
                .order_by(ReferenceChange.id)
            ).all()
            # The second saw the first's figures under the town's row lock: one row, two changes.
            assert len(changes) == 2 and changes[0].before is None
            assert changes[1].before == changes[0].after != changes[1].after
            town = db.session.scalar(sa.select(Unit.id).where(Unit.code == "QJ-MB"))
            rows = db.session.scalars(
                sa.select(UnitFigure).where(UnitFigure.unit_id == town, UnitFigure.year == YEAR)
            ).all()
            assert len(rows) == 1 and rows[0].population == changes[1].after["population"]
            db.session.remove()
    finally:
        with app.app_context():
            db.session.execute(
                sa.delete(ReferenceChange).where(ReferenceChange.key == f"QJ-MB@{YEAR}")
            )
            db.session.execute(sa.delete(UnitFigure).where(UnitFigure.year == YEAR))
            db.session.commit()
            db.session.remove()


def test_a_save_reads_under_its_lock_what_another_clerk_committed_since_the_page_loaded(
    app, committed
):
    code = "QJ-SCJGJ"
    with app.app_context():
        last_change = db.session.scalar(sa.select(sa.func.max(ReferenceChange.id))) or 0
        office = person("office")
        db.session.commit()
        # The edit page loads the unit into the request's session before the save locks it
        # (and keeps it referenced, so the session keeps it too).
        unit = services.get_unit(office, code)
        as_loaded = services.unit_values(unit)
        with db.engine.begin() as other_clerk:
            other_clerk.execute(sa.update(Unit).where(Unit.code == code).values(phone="0751-1"))
        try:
            services.save_unit(office, code, as_loaded)  # the page's values, submitted again
            [change] = db.session.scalars(
                sa.select(ReferenceChange).where(
                    ReferenceChange.key == code, ReferenceChange.id > last_change
                )
            ).all()
            # Not dropped as "nothing changed": the history shows what the other clerk left.
            assert change.before == {**as_loaded, "phone": "0751-1"}
            assert change.after == as_loaded
        finally:
            db.session.rollback()
            db.session.execute(
                sa.update(Unit).where(Unit.code == code).values(phone=as_loaded["phone"])
            )
            db.session.execute(sa.delete(ReferenceChange).where(ReferenceChange.id > last_change))
            db.session.commit()
            db.session.remove()
