"""Recommendations that explain themselves: rules are data the district office edits.

A rule names one condition (`ConditionKind`) with JSON parameters, the item to recommend and a
reason with ``{name}`` placeholders. The facts come from the ID number (age, sex), the town the
person gave when opening the page, the licences they hold and the themes of their applications.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..applications.constants import ApplicationStatus
from ..applications.models import Application
from ..audit.services import record_event
from ..catalog.constants import Audience
from ..catalog.models import ItemVersion, ServiceItem
from ..clock import now
from ..common.errors import NotFound
from ..extensions import db
from ..identity.constants import StaffRoleKind
from ..identity.identifiers import age_on, sex_of
from ..identity.models import Account
from ..identity.protection import decrypt_id_number
from ..identity.services import require_role
from ..licenses.constants import LicenseState
from ..licenses.models import License
from ..organisations.models import Unit
from .constants import ConditionKind
from .labels import SEX
from .models import PageOpening, RecommendationDismissal, RecommendationRule

# The parameters each condition needs, and their types.
PARAMETERS: dict[ConditionKind, dict[str, type]] = {
    ConditionKind.AGE_AT_LEAST: {"years": int},
    ConditionKind.AGE_BELOW: {"years": int},
    ConditionKind.SEX: {"sex": str},
    ConditionKind.TOWN: {"towns": list},
    ConditionKind.HOLDS_LICENSE: {"license_type": str},
    ConditionKind.LICENSE_EXPIRING: {"license_type": str, "days": int},
    ConditionKind.USED_THEME: {"theme": str},
}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


class RuleNotFound(NotFound):
    """No recommendation rule with that id (shown as 404)."""


class RuleInvalid(Exception):
    """An edit of a rule was refused; `field` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Recommendation:
    """An item recommended to the person and the sentence that says why."""

    rule_id: int
    version: ItemVersion
    reason: str


@dataclass(frozen=True)
class Facts:
    """What the rules may look at, about one person."""

    age: int | None
    sex: str | None
    town: Unit | None
    licenses: list[License]
    themes: dict[str, str]  # code → name of the themes of their applications
    today: date


def _facts(
    account: Account,
    opening: PageOpening,
    applications: list[Application],
    licenses: list[License],
    today: date,
) -> Facts:
    number = decrypt_id_number(account.id_number_cipher)
    themes = {
        theme.code: theme.name
        for application in applications
        if application.status is not ApplicationStatus.DRAFT
        for theme in application.version.themes
    }
    valid = [lic for lic in licenses if lic.state_on(today) is LicenseState.VALID]
    return Facts(age_on(number, today), sex_of(number), opening.town, valid, themes, today)


def _license_of(facts: Facts, type_code: str) -> License | None:
    return next((lic for lic in facts.licenses if lic.license_type.code == type_code), None)


def _license_fill(lic: License | None) -> dict[str, str] | None:
    if lic is None:
        return None
    until = lic.valid_until.isoformat() if lic.valid_until else "长期"
    return {"license": lic.license_type.name, "valid_until": until}


def _matches(condition: ConditionKind, p: dict[str, Any], facts: Facts) -> dict[str, str] | None:
    """The placeholders' values when the condition holds for the person, else None."""
    if condition is ConditionKind.AGE_AT_LEAST:
        return (
            {"age": str(facts.age)} if facts.age is not None and facts.age >= p["years"] else None
        )
    if condition is ConditionKind.AGE_BELOW:
        return {"age": str(facts.age)} if facts.age is not None and facts.age < p["years"] else None
    if condition is ConditionKind.SEX:
        return {"sex": SEX.get(p["sex"], "")} if facts.sex == p["sex"] else None
    if condition is ConditionKind.TOWN:
        town = facts.town
        return {"town": town.short_name} if town and town.code in p["towns"] else None
    if condition is ConditionKind.HOLDS_LICENSE:
        return _license_fill(_license_of(facts, p["license_type"]))
    if condition is ConditionKind.LICENSE_EXPIRING:
        lic = _license_of(facts, p["license_type"])
        horizon = facts.today + timedelta(p["days"])
        ending = lic if lic and lic.valid_until and lic.valid_until <= horizon else None
        return _license_fill(ending)
    if condition is ConditionKind.USED_THEME:
        name = facts.themes.get(p["theme"])
        return {"theme": name} if name else None
    return None


def explain(template: str, values: dict[str, Any]) -> str:
    """Fill ``{name}`` placeholders; an unknown name stays as written (never code)."""
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), template)


def _active_rules(account: Account) -> list[tuple[RecommendationRule, bool, ItemVersion | None]]:
    """The active rules in order, each with whether the person dismissed it and the current
    version of its item if that is for persons (None otherwise), in one statement."""
    dismissed = (
        sa.exists()
        .where(
            RecommendationDismissal.account_id == account.id,
            RecommendationDismissal.rule_id == RecommendationRule.id,
        )
        .label("dismissed")
    )
    rows = db.session.execute(
        sa.select(RecommendationRule, dismissed, ItemVersion)
        .outerjoin(ServiceItem, ServiceItem.code == RecommendationRule.item_code)
        .outerjoin(
            ItemVersion,
            sa.and_(
                ItemVersion.id == ServiceItem.current_version_id,
                ItemVersion.audience != Audience.ENTERPRISE,
            ),
        )
        .where(RecommendationRule.active.is_(True))
        .order_by(RecommendationRule.position, RecommendationRule.id)
        .options(joinedload(ItemVersion.item))  # the page links to the item's code
    )
    return [(rule, bool(was_dismissed), version) for rule, was_dismissed, version in rows]


def recommendations_for(
    account: Account,
    opening: PageOpening,
    applications: list[Application],
    licenses: list[License],
    today: date,
) -> list[Recommendation]:
    """The active rules that hold for the person, minus those dismissed, one per item.

    The applications must come with their versions' themes and the licences with their types
    (`person.person_page` loads them so): no query per application or licence.
    """
    facts = _facts(account, opening, applications, licenses, today)
    found: dict[str, Recommendation] = {}
    for rule, dismissed, version in _active_rules(account):
        if dismissed or version is None or rule.item_code in found:
            continue
        values = _matches(rule.condition, rule.parameters, facts)
        if values is not None:
            reason = explain(rule.reason, {**rule.parameters, **values})
            found[rule.item_code] = Recommendation(rule.id, version, reason)
    return list(found.values())


def dismiss_recommendation(account: Account, rule_id: int) -> None:
    """Stop showing a recommendation to the person (不再推荐); deleted when the page closes.

    :raises RuleNotFound: for an unknown rule.
    """
    if db.session.get(RecommendationRule, rule_id) is None:
        raise RuleNotFound(rule_id)
    exists = db.session.scalar(
        sa.select(RecommendationDismissal).where(
            RecommendationDismissal.account_id == account.id,
            RecommendationDismissal.rule_id == rule_id,
        )
    )
    if exists is None:
        db.session.add(
            RecommendationDismissal(account_id=account.id, rule_id=rule_id, dismissed_at=now())
        )
        db.session.commit()


# --- the district office's page -------------------------------------------------------------


def list_rules(actor: Account) -> list[RecommendationRule]:
    """Every recommendation rule, in order (district office only).

    :raises NotAuthorized: for anyone else.
    """
    require_role(actor, StaffRoleKind.DISTRICT_OFFICE)
    return list(
        db.session.scalars(
            sa.select(RecommendationRule).order_by(
                RecommendationRule.position, RecommendationRule.id
            )
        )
    )


def get_rule(actor: Account, rule_id: int) -> RecommendationRule:
    """One rule, to edit (district office only).

    :raises NotAuthorized: for anyone else.
    :raises RuleNotFound: for an unknown id.
    """
    require_role(actor, StaffRoleKind.DISTRICT_OFFICE)
    rule = db.session.get(RecommendationRule, rule_id)
    if rule is None:
        raise RuleNotFound(rule_id)
    return rule


def parse_parameters(condition: ConditionKind, text: str) -> dict[str, Any]:
    """The JSON parameters of a condition, checked against what it needs.

    :raises RuleInvalid: ``parameters`` for bad JSON, a missing or extra key or a wrong type.
    """
    try:
        value = json.loads(text)
    except ValueError:
        raise RuleInvalid("parameters", "参数不是有效的 JSON") from None
    wanted = PARAMETERS[condition]
    if not isinstance(value, dict) or set(value) != set(wanted):
        raise RuleInvalid("parameters", "参数应为：" + "、".join(wanted))
    for key, kind in wanted.items():
        if not isinstance(value[key], kind) or isinstance(value[key], bool):
            raise RuleInvalid("parameters", f"参数「{key}」的类型不对")
    return value


def update_rule(
    actor: Account, rule_id: int, *, reason: str, active: bool, parameters: str
) -> RecommendationRule:
    """Change a rule's reason, parameters and whether it is active, audited (district office).

    :raises NotAuthorized: for anyone but the district office.
    :raises RuleNotFound: for an unknown id.
    :raises RuleInvalid: for an empty reason or bad parameters.
    """
    rule = get_rule(actor, rule_id)
    reason = reason.strip()
    if not reason:
        raise RuleInvalid("reason", "请填写推荐理由")
    rule.parameters = parse_parameters(rule.condition, parameters)
    rule.reason, rule.active, rule.updated_at = reason, active, now()
    record_event(
        f"account:{actor.id}",
        "pages.rule_update",
        target=f"recommendation_rule:{rule.id}",
        code=rule.code,
        active=active,
        parameters=rule.parameters,
        reason=reason,
    )
    db.session.commit()
    return rule


def load_rules(records: list[dict[str, Any]]) -> None:
    """Create the demo's rules if missing, by code (idempotent; office edits are kept).

    The caller commits.
    """
    existing = set(db.session.scalars(sa.select(RecommendationRule.code)))
    for position, record in enumerate(records):
        if record["code"] in existing:
            continue
        condition = ConditionKind(record["condition"])
        db.session.add(
            RecommendationRule(
                code=record["code"],
                condition=condition,
                parameters=parse_parameters(condition, json.dumps(record["parameters"])),
                item_code=record["item"],
                reason=record["reason"],
                active=record.get("active", True),
                position=position,
                updated_at=now(),
            )
        )


def rule_parameters_text(rule: RecommendationRule) -> str:
    """A rule's parameters as the JSON the office edits."""
    return json.dumps(rule.parameters, ensure_ascii=False)
