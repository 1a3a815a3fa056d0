"""The demo's history: accounts of the demo people and their applications at every stage.

Built through the same services the pages use, so the history obeys every rule. Loaded once:
when the demo applicant already has applications, nothing is done again.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..applications import services as applicant
from ..applications.answers import protect
from ..applications.constants import Decision
from ..applications.models import Application
from ..extensions import db
from ..identity.models import Account
from ..identity.protection import id_number_hash
from ..identity.services import register_account
from ..workbench import services as workbench

DATA = Path(__file__).parent / "data" / "history.json"

# Smallest valid files of each accepted type, standing in for photos and scans.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f80f00000101000518d84e0000000049454e44ae426082"
)
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _accounts(issuer: str, records: list[dict[str, Any]]) -> dict[str, Account]:
    return {record["name"]: register_account(issuer, record) for record in records}


def _attach_all(person: Account, application: Application) -> None:
    for material in application.version.materials:
        photo = "照片" in material.name
        content, name = (PNG, "photo.png") if photo else (PDF, "scan.pdf")
        applicant.attach_upload(person, application, material.position, io.BytesIO(content), name)


def _step(step: list[Any], application: Application, people: dict[str, Account]) -> None:
    action, actor, *args = step
    person = people[actor]
    if action == "accept":
        workbench.accept(person, application)
    elif action == "review":
        workbench.review(person, application, args[0])
    elif action == "decide":
        workbench.decide(person, application, Decision(args[0]))
    elif action == "complete":
        workbench.complete(person, application, args[0])
    elif action == "rate":
        applicant.rate(person, application, args[0], args[1])
    elif action == "supplement":
        position, reason = args
        name = application.version.materials[position].name
        workbench.request_supplement(
            person, application, [{"position": position, "name": name, "reason": reason}]
        )
    else:
        raise ValueError(f"unknown demo step {action}")


def load_history() -> int:
    """Create the demo history unless it exists; returns how many applications were made."""
    issuer = current_app.config.get("OIDC_ISSUER")
    if not issuer:
        return 0  # no identity platform configured: the accounts would belong to nobody
    data = json.loads(DATA.read_text(encoding="utf-8"))
    applicants = [id_number_hash(record["id_card"]) for record in data["accounts"]]
    if db.session.scalar(
        sa.select(sa.func.count()).where(Application.applicant_id_hash.in_(applicants))
    ):
        return 0
    people = _accounts(issuer, data["accounts"])
    db.session.commit()
    for spec in data["applications"]:
        person = people[spec["applicant"]]
        draft = applicant.start_application(person, spec["item"], spec["unit"])
        applicant.save_answers(person, draft, protect(draft.version.form_fields, spec["answers"]))
        _attach_all(person, draft)
        if spec.get("draft"):
            continue
        submitted = applicant.submit(person, draft, declaration=True)
        for step in spec["steps"]:
            _step(step, submitted, people)
    return len(data["applications"])
