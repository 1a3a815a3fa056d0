"""Electronic licenses instead of paper: choosing a held license at the materials step."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from mobile_hall.applications.models import Application
from mobile_hall.audit.models import AuditEvent
from mobile_hall.clock import as_local, now
from mobile_hall.extensions import db
from mobile_hall.identity.models import WebSession
from mobile_hall.licenses.models import License, LicenseUse
from tests.support.applications import account, start_draft
from tests.support.browser import token_of

FOOD_PERMIT = "QJ-SCJG-0005"  # 食品经营许可证核发（新办）: its 营业执照 material takes a license


def _licensed_position(app) -> tuple[int, str]:
    with app.app_context():
        draft_version = (
            db.session.scalars(sa.select(Application).order_by(Application.id.desc()))
            .first()
            .version
        )
        material = next(m for m in draft_version.materials if m.license_type_id)
        return material.position, material.name


def _business_licence(app) -> License:
    with app.app_context():
        return db.session.scalars(
            sa.select(License)
            .where(License.holder_credit_code == "91440205MA4W3K7B95")
            .join(License.license_type)
            .where(License.license_type.has(name="营业执照"))
        ).one()


def test_the_enterprise_chooses_its_business_licence_instead_of_uploading(app, sign_in):
    client = sign_in("enterprise")
    application_id = start_draft(app, "enterprise", FOOD_PERMIT)
    position, _ = _licensed_position(app)
    licence = _business_licence(app)
    page = client.get(f"/applications/{application_id}/materials").get_data(as_text=True)
    assert f'name="license-{position}" value="{licence.id}"' in page
    assert "用电子证照代替" in page
    response = client.post(
        f"/applications/{application_id}/materials",
        data={
            "csrf_token": token_of(client),
            f"license-{position}": str(licence.id),
            "next": "stay",
        },
    )
    assert response.status_code == 303
    with app.app_context():
        application = db.session.get(Application, application_id)
        chosen = [m for m in application.materials if m.position == position]
        assert [(m.source, m.license_reference, m.file_key) for m in chosen] == [
            ("license", licence.identifier, None)
        ]
        use = db.session.scalars(
            sa.select(LicenseUse).where(LicenseUse.application_id == application_id)
        ).one()
        assert use.license_id == licence.id and use.account.name == "刘建华"
        assert db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "licenses.use")
        ).all()
    # The holder sees who used which license for which application, and when.
    wallet = client.get(f"/licenses/{licence.id}").get_data(as_text=True)
    assert "食品经营许可证核发" in wallet


def test_held_licenses_are_offered_and_missing_ones_are_named(app, sign_in):
    client = sign_in("citizen")
    application_id = start_draft(app, "citizen", "QJ-GA-0002", "QJ-GAFJ")  # 出生登记
    html = client.get(f"/applications/{application_id}/materials").get_data(as_text=True)
    with app.app_context():
        materials = {
            m.license_type.name: m.position
            for m in db.session.get(Application, application_id).version.materials
            if m.license_type_id
        }
    assert re.search(f'name="license-{materials["结婚证"]}" value="\\d+"', html)
    assert "可用电子证照“出生医学证明”代替；您的证照库中暂无此证照" in html


def test_another_holders_license_cannot_be_chosen(app, sign_in):
    client = sign_in("enterprise")
    application_id = start_draft(app, "enterprise", FOOD_PERMIT)
    position, _ = _licensed_position(app)
    with app.app_context():
        marriage = db.session.scalars(
            sa.select(License).where(License.license_type.has(name="结婚证"))
        ).first()
        assert marriage is not None
    response = client.post(
        f"/applications/{application_id}/materials",
        data={
            "csrf_token": token_of(client),
            f"license-{position}": str(marriage.id),
            "next": "stay",
        },
    )
    assert response.status_code == 404
    with app.app_context():
        assert not db.session.scalars(
            sa.select(LicenseUse).where(LicenseUse.application_id == application_id)
        ).all()


def test_a_later_licence_refused_leaves_the_earlier_one_unattached(app, sign_in):
    # 再生育审批 takes 结婚证 at position 1 and 出生医学证明 at position 2: the citizen's
    # marriage certificate goes to the first, an enterprise's licence to the second (a 404).
    client = sign_in("citizen")
    application_id = start_draft(app, "citizen", "QJ-WJ-0003", "QJ-WJJ")
    with app.app_context():
        version = db.session.get(Application, application_id).version
        positions = {
            m.license_type.name: m.position for m in version.materials if m.license_type_id
        }
        marriage = db.session.scalars(
            sa.select(License).where(License.license_type.has(name="结婚证"))
        ).one()
    token = token_of(client)
    with app.app_context():  # a pause of a few minutes: this request's session save is a write
        db.session.execute(sa.update(WebSession).values(last_seen_at=now() - timedelta(minutes=5)))
        db.session.commit()
    response = client.post(
        f"/applications/{application_id}/materials",
        data={
            "csrf_token": token,
            f"license-{positions['结婚证']}": str(marriage.id),
            f"license-{positions['出生医学证明']}": str(_business_licence(app).id),
            "next": "stay",
        },
    )
    assert response.status_code == 404
    with app.app_context():
        assert not db.session.get(Application, application_id).materials
        assert not db.session.scalars(
            sa.select(LicenseUse).where(LicenseUse.application_id == application_id)
        ).all()
        assert not db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.action == "licenses.use",
                AuditEvent.target == f"license:{marriage.identifier}",
            )
        ).all()
        # The session's own touch is still written.
        seen = db.session.scalars(sa.select(WebSession.last_seen_at)).one()
        assert now() - as_local(seen) < timedelta(minutes=1)


def test_the_clerk_sees_the_verified_license_data(app, sign_in):
    enterprise = sign_in("enterprise")
    clerk = sign_in("clerk", app.test_client())
    application_id = start_draft(app, "enterprise", FOOD_PERMIT)
    position, _ = _licensed_position(app)
    licence = _business_licence(app)
    enterprise.post(
        f"/applications/{application_id}/materials",
        data={
            "csrf_token": token_of(enterprise),
            f"license-{position}": str(licence.id),
            "next": "stay",
        },
    )
    from mobile_hall.applications import services as applicant
    from tests.support.answers import answer_everything
    from tests.support.applications import attach_required

    with app.app_context():
        person = account("enterprise")
        draft = applicant.get_own_application(person, application_id)
        answer_everything(person, draft)
    attach_required(app, "enterprise", application_id)
    with app.app_context():
        person = account("enterprise")
        applicant.submit(person, applicant.get_own_application(person, application_id), True)
    html = clerk.get(f"/workbench/applications/{application_id}").get_data(as_text=True)
    assert licence.identifier in html and "申请人授权调用" in html and "有效" in html
    assert "证照将在办结前到期" not in html
    # A licence ending before the due date is flagged to the clerk once the clock runs.
    from mobile_hall.workbench import services as workbench

    with app.app_context():
        application = db.session.get(Application, application_id)
        workbench.accept(account("clerk"), application)
        held = db.session.get(License, licence.id)
        held.valid_until = application.accepted_on
        db.session.commit()
    html = clerk.get(f"/workbench/applications/{application_id}").get_data(as_text=True)
    assert "证照将在办结前到期" in html


def test_the_guide_tells_a_signed_in_holder_what_their_wallet_covers(app, sign_in):
    html = sign_in("enterprise").get(f"/items/{FOOD_PERMIT}").get_data(as_text=True)
    assert "您的证照库已有“营业执照”" in html and "您的证照库已覆盖 1 项材料" in html
    assert "预计" in html


def test_visits_drop_to_zero_when_the_wallet_covers_every_original(app):
    from mobile_hall.catalog.models import ItemVersion, Material
    from mobile_hall.licenses.services import visits_with_wallet

    version = ItemVersion(required_visits=1, is_full_online=True)
    version.materials = [
        Material(position=0, required=True, form="original", license_type_id=1),
        Material(position=1, required=True, form="copy"),
    ]
    assert visits_with_wallet(version, {0}) == 0
    assert visits_with_wallet(version, set()) == 1
    version.is_full_online = False
    assert visits_with_wallet(version, {0}) == 1
