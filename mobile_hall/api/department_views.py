"""The departments' application endpoints: pull what changed, read one, take a step, fetch a
material's file by its signed link. Each is one `endpoint` declaration (key, capability,
validation, idempotency and the OpenAPI description)."""

from __future__ import annotations

from flask import Blueprint, Response, g

from ..extensions import csrf
from ..storage.downloads import send_stored
from . import departments
from .constants import Capability
from .openapi import endpoint
from .problems import Problem, answer_problems
from .schema import (
    AcceptBody,
    ApplicationOut,
    ApplicationsPage,
    ApplicationsQuery,
    CompleteBody,
    DecideBody,
    RejectBody,
    ReviewBody,
    SupplementBody,
)

blueprint = Blueprint("api_departments", __name__, url_prefix="/api/v1")
csrf.exempt(blueprint)  # the key is the credential: no session, no form token
answer_problems(blueprint)

APPLICATIONS = "/api/v1/applications"
STEP_ERRORS = (400, 401, 403, 404, 409, 422)


@blueprint.get("/applications")
@endpoint(
    "GET",
    APPLICATIONS,
    "拉取本单位事项的新申请和有变化的申请",
    tag="applications",
    capability=Capability.APPLICATIONS,
    query=ApplicationsQuery,
    response=ApplicationsPage,
)
def changed(query: ApplicationsQuery) -> ApplicationsPage:
    """Applications of the key's items with a process record after ``after``, oldest change
    first, with answers, applicant (masked unless the key has the full record) and materials
    (files by signed links valid for ten minutes). Ask again with ``after=cursor``."""
    return departments.changed_applications(g.api_key, query.after, query.limit)


@blueprint.get("/applications/<int:application_id>")
@endpoint(
    "GET",
    APPLICATIONS + "/{application_id}",
    "查看一件申请",
    tag="applications",
    capability=Capability.APPLICATIONS,
    response=ApplicationOut,
)
def show(application_id: int) -> ApplicationOut:
    """One application of the key's items, as the pull shows it."""
    return departments.show_application(g.api_key, application_id)


def _step_endpoint(step: str, summary: str, body: type) -> None:
    def take(application_id: int, body: object) -> ApplicationOut:
        return departments.take_step(g.api_key, application_id, step, body)

    take.__name__ = step
    take.__doc__ = (
        f"{summary}：经与审批工作台相同的服务和状态机办理，过程记录渠道为 department_system。"
        "状态不允许时 409；内容不合要求时 422。须带 Idempotency-Key。"
    )
    declared = endpoint(
        "POST",
        f"{APPLICATIONS}/{{application_id}}/{step}",
        summary,
        tag="applications",
        capability=Capability.APPLICATIONS,
        body=body,
        response=ApplicationOut,
        errors=STEP_ERRORS,
        idempotent=True,
        replayed=departments.audit_replayed_step,
    )(take)
    blueprint.add_url_rule(
        f"/applications/<int:application_id>/{step}", step, declared, methods=["POST"]
    )


_step_endpoint("accept", "受理", AcceptBody)
_step_endpoint("reject_accept", "不予受理", RejectBody)
_step_endpoint("supplement_request", "一次性告知补正", SupplementBody)
_step_endpoint("review", "审查意见", ReviewBody)
_step_endpoint("decide", "审批决定", DecideBody)
_step_endpoint("complete", "办结（结果为证照的，同时签发电子证照）", CompleteBody)


@blueprint.get("/files/<token>")
@endpoint(
    "GET",
    "/api/v1/files/{token}",
    "下载申请材料文件（签名链接，十分钟内有效）",
    tag="applications",
    binary=True,
    errors=(400, 404),
    path_types={"token": "string"},
)
def material_file(token: str) -> Response:
    """A material's file by the signed link a pull gave; no key header needed (the link is
    the credential), audited."""
    try:
        opened = departments.material_link_file(token)
    except departments.LinkRefused:
        raise Problem(404, "link_expired") from None
    return send_stored(opened.stream, opened.content_type, opened.name, opened.fallback)
