"""Two revocations of one licence at the same moment (two operators, or two retries with
different Idempotency-Keys): one revocation. Threads released together, real commits, SQLite
and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from mobile_hall.api.constants import Capability
from mobile_hall.api.keys import create_api_key
from mobile_hall.audit.models import AuditEvent
from mobile_hall.catalog.models import LicenseType
from mobile_hall.extensions import db
from mobile_hall.licenses import departments
from mobile_hall.licenses.demo import BUSINESS_LICENSE
from mobile_hall.licenses.issuance import Holder
from mobile_hall.licenses.models import License, LicenseCounter
from tests.support import builders
from tests.support.api import last_key_id, remove_keys_after


@pytest.fixture
def market_licence(app) -> Iterator[tuple[dict[str, str], str]]:
    """A business licence issued to a made-up enterprise, with a key of its issuing unit for
    licences (as an Authorization header); committed, removed afterwards."""
    before = last_key_id(app)
    with app.app_context():
        license_type = db.session.scalars(
            sa.select(LicenseType).where(LicenseType.code == BUSINESS_LICENSE)
        ).one()
        counter_key = (license_type.id, license_type.issuing_unit_id)
        counter = db.session.get(LicenseCounter, counter_key)
        serial = counter.value if counter else None
        _api_key, key = create_api_key(
            license_type.issuing_unit.code, actor="test", capabilities=[Capability.LICENSES]
        )
        holder = Holder.enterprise("曲江区测试注销商行", builders.credit_code())
        license = builders.issue_licence(license_type, holder, {"name": holder.name})
        license_id, identifier = license.id, license.identifier
        db.session.remove()
    try:
        yield {"Authorization": f"Bearer {key}"}, identifier
    finally:
        with app.app_context():
            db.session.execute(sa.delete(License).where(License.id == license_id))
            counter = db.session.get(LicenseCounter, counter_key)
            if serial is None:
                db.session.delete(counter)
            else:
                counter.value = serial
            db.session.commit()
            db.session.remove()
        remove_keys_after(app, before)


def test_two_revocations_at_once_revoke_once_and_keep_the_first_reason(
    app, market_licence, monkeypatch
):
    headers, identifier = market_licence
    with app.app_context():
        last_event = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
        db.session.remove()
    ready = threading.Barrier(2, timeout=30)
    found = departments.license_for_department

    def found_by_both(api_key, wanted):
        license = found(api_key, wanted)
        ready.wait()  # both read the licence valid before either revokes it
        return license

    monkeypatch.setattr(departments, "license_for_department", found_by_both)

    def revoke(reason: str):
        return app.test_client().post(
            f"/api/v1/licenses/{identifier}/revoke", json={"reason": reason}, headers=headers
        )

    with ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(revoke, ["经营场所已灭失", "营业执照被吊销"]))

    assert [r.status_code for r in responses] == [200, 200], [r.get_json() for r in responses]
    with app.app_context():
        license = db.session.scalars(sa.select(License).where(License.identifier == identifier))
        kept = license.one().revoked_reason
        revocations = db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.action == "licenses.revoke",
                AuditEvent.target == f"license:{identifier}",
                AuditEvent.id > last_event,
            )
        ).all()
        details = [event.details for event in revocations]
        db.session.remove()
    assert len(details) == 1 and details[0]["reason"] == kept
    # The second is told the licence is revoked, with the first reason.
    assert {r.get_json()["revoked_reason"] for r in responses} == {kept}
