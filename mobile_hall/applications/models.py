"""Applications, their materials, supplements, process records, messages and ratings."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalog.models import ItemVersion, ServiceItem
from ..common.freshness import account_scope, enterprise_scope, watch
from ..database import enum_column
from ..extensions import Model
from ..identity.constants import UserType
from ..identity.models import Account, Enterprise
from ..organisations.models import Unit
from .constants import ActorType, ApplicationStatus, Channel, Decision, MaterialSource, Stage


class Application(Model):
    """An application (办件) for one item, from draft to completion."""

    __tablename__ = "application"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("service_item.id"), index=True)
    item_version_id: Mapped[int] = mapped_column(sa.ForeignKey("item_version.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    applicant_type: Mapped[UserType] = mapped_column(enum_column(UserType))
    applicant_name: Mapped[str] = mapped_column(sa.String(100))
    applicant_id_masked: Mapped[str] = mapped_column(sa.String(18))
    applicant_id_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    applicant_phone: Mapped[str] = mapped_column(sa.String(20), default="")
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    status: Mapped[ApplicationStatus] = mapped_column(enum_column(ApplicationStatus), index=True)
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), index=True)
    accepted_on: Mapped[date | None]
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    due_on: Mapped[date | None] = mapped_column(index=True)
    decision: Mapped[Decision | None] = mapped_column(enum_column(Decision))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    # Conditions and materials of the guide that a refusal or denial names (by position).
    reason_points: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    review_opinion: Mapped[str] = mapped_column(sa.Text, default="")
    delivery: Mapped[str | None] = mapped_column(sa.String(20))
    resume_status: Mapped[ApplicationStatus | None] = mapped_column(enum_column(ApplicationStatus))
    reapplied_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("application.id"))

    item: Mapped[ServiceItem] = relationship(lazy="joined")
    version: Mapped[ItemVersion] = relationship(lazy="joined")
    unit: Mapped[Unit] = relationship(lazy="joined")
    account: Mapped[Account | None] = relationship()
    enterprise: Mapped[Enterprise | None] = relationship()
    materials: Mapped[list[ApplicationMaterial]] = relationship(
        back_populates="application",
        order_by="ApplicationMaterial.id",
        cascade="all, delete-orphan",
    )
    supplements: Mapped[list[SupplementRequest]] = relationship(
        back_populates="application", order_by="SupplementRequest.id"
    )
    records: Mapped[list[ProcessRecord]] = relationship(
        back_populates="application", order_by="ProcessRecord.id"
    )
    tolerance: Mapped[ToleranceCommitment | None] = relationship(back_populates="application")
    rating: Mapped[Rating | None] = relationship(back_populates="application")


class ApplicationMaterial(Model):
    """One material handed in: an uploaded file, a license reference or paper at the counter."""

    __tablename__ = "application_material"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    position: Mapped[int]  # the material's position in the item version's checklist
    source: Mapped[MaterialSource] = mapped_column(enum_column(MaterialSource))
    file_key: Mapped[str | None] = mapped_column(sa.String(80))
    content_type: Mapped[str | None] = mapped_column(sa.String(40))
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    filename: Mapped[str] = mapped_column(sa.String(120), default="")
    license_reference: Mapped[str | None] = mapped_column(sa.String(200))
    added_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    replaced_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    application: Mapped[Application] = relationship(back_populates="materials")


class SupplementRequest(Model):
    """A request to complete the materials (补正), told once and completely (一次性告知)."""

    __tablename__ = "supplement_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    # [{"position": int | None, "name": str, "reason": str}]
    requested_items: Mapped[list[dict]] = mapped_column(sa.JSON)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    requested_on: Mapped[date]
    requested_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    answered_on: Mapped[date | None]
    # Whether the time limit stops while it is pending (only once the clock runs, after acceptance).
    pauses_clock: Mapped[bool]

    application: Mapped[Application] = relationship(back_populates="supplements")


class ToleranceCommitment(Model):
    """Acceptance with minor materials missing (容缺受理) and the applicant's commitment."""

    __tablename__ = "tolerance_commitment"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), unique=True)
    missing_positions: Mapped[list[int]] = mapped_column(sa.JSON)
    deadline: Mapped[date] = mapped_column(index=True)
    committed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    fulfilled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    application: Mapped[Application] = relationship(back_populates="tolerance")


class ProcessRecord(Model):
    """One immutable step of an application's life (data-exchange.md); `id` is the sequence."""

    __tablename__ = "process_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    application_no: Mapped[str] = mapped_column(sa.String(20), index=True)
    item_code: Mapped[str] = mapped_column(sa.String(40), index=True)
    unit_code: Mapped[str] = mapped_column(sa.String(40), index=True)
    stage: Mapped[Stage] = mapped_column(enum_column(Stage), index=True)
    result: Mapped[str] = mapped_column(sa.String(20), default="")
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    actor_type: Mapped[ActorType] = mapped_column(enum_column(ActorType))
    occurred_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    applicant_type: Mapped[UserType] = mapped_column(enum_column(UserType))
    # Shown on the timeline (reasons, opinions); never sent with the exchange records.
    note: Mapped[str] = mapped_column(sa.Text, default="")
    delivered_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), index=True)
    # The record's place in the exchange log (data-exchange.md `sequence`): given after its
    # transaction committed, in commit order, by `exchange.log.assign_sequences`; `id` is
    # given at insert, so a transaction that commits late would put a lower `id` after a
    # higher one that a client had already read past.
    sequence: Mapped[int | None] = mapped_column(sa.BigInteger, unique=True)

    application: Mapped[Application] = relationship(back_populates="records")


class Message(Model):
    """A message in a person's message centre (消息中心)."""

    __tablename__ = "message"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("application.id"))
    title: Mapped[str] = mapped_column(sa.String(100))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class Rating(Model):
    """The applicant's rating of a completed application (好差评) and the unit's follow-up."""

    __tablename__ = "rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), unique=True)
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    reply: Mapped[str | None] = mapped_column(sa.Text)
    rectified: Mapped[bool | None]
    replied_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    application: Mapped[Application] = relationship(back_populates="rating")

    @property
    def is_complaint(self) -> bool:
        """A rating of 1 or 2 is a complaint the unit must follow up."""
        return self.score <= 2


class DailyCounter(Model):
    """The last application number sequence used on a day."""

    __tablename__ = "daily_counter"

    day: Mapped[date] = mapped_column(primary_key=True)
    value: Mapped[int]


def _owners(application: Application) -> tuple[str | None, ...]:
    # The applicant's page and, for an enterprise's matter, the enterprise's page.
    return (account_scope(application.account_id), enterprise_scope(application.enterprise_id))


watch(Application, scopes=_owners)
watch(
    ApplicationMaterial,
    SupplementRequest,
    ToleranceCommitment,
    ProcessRecord,
    Rating,
    scopes=lambda row: _owners(row.application),
)
watch(Message, scopes=lambda row: (account_scope(row.account_id),))
