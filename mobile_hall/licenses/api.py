"""The departments' license API: issue, revoke and look up, in JSON, with a unit's API key.

``Authorization: Bearer <key>`` on every request (401 without a valid key, 403 for a key
without the licences capability, every call audited by `api.keys`); a license type outside
the key's scope is 403. No session and no CSRF token: the key is the credential. Its errors
keep their own shape (`LicenseApiError`), older than the API's problem details.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request, url_for
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from ..api.constants import Capability
from ..api.keys import KeyRefused, key_for_request
from ..api.openapi import describe
from ..api.problems import invalid_fields
from ..clock import as_local, now
from ..extensions import csrf
from . import departments, labels, services
from .issuance import Holder, signed_form
from .models import License
from .schema import IssueRequest, LicenseApiError, LicenseOut, RevokeRequest

blueprint = Blueprint("license_api", __name__, url_prefix="/api/v1/licenses")
csrf.exempt(blueprint)


def _error(status: int, code: str, **details: Any) -> tuple[Response, int]:
    return jsonify({"error": code, **details}), status


LICENSES = "/api/v1/licenses"
DOCUMENTED = {
    "tag": "licenses",
    "capability": Capability.LICENSES,
    "response": LicenseOut,
    "error_model": LicenseApiError,
    "error_media_type": "application/json",
}


@blueprint.before_request
def _authenticate():
    try:
        g.api_key = key_for_request(Capability.LICENSES)
    except KeyRefused as refused:
        if refused.status == 403:
            return _error(403, "forbidden")
        response, status = _error(401, "unauthorized")
        response.headers["WWW-Authenticate"] = 'Bearer realm="licenses"'
        return response, status
    return None


@blueprint.errorhandler(departments.OutOfScope)
def _out_of_scope(_error_: departments.OutOfScope):
    return _error(403, "out_of_scope")


@blueprint.errorhandler(services.LicenseNotFound)
def _not_found(_error_: services.LicenseNotFound):
    return _error(404, "not_found")


@blueprint.errorhandler(services.LicenseRefused)
def _refused(refused: services.LicenseRefused):
    reason = str(refused)
    return _error(400, "refused", reason=reason, message=labels.REFUSED.get(reason, ""))


@blueprint.errorhandler(departments.DuplicateLicense)
def _duplicate(duplicate: departments.DuplicateLicense):
    return _error(409, "duplicate", identifier=duplicate.existing.identifier)


@blueprint.errorhandler(HTTPException)
def _http(error: HTTPException):
    return _error(error.code or 500, (error.name or "error").lower().replace(" ", "_"))


def _parse(model: type[IssueRequest] | type[RevokeRequest]) -> Any:
    body = request.get_json(silent=True)
    try:
        return model.model_validate(body if body is not None else {})
    except ValidationError as invalid:
        return _error(400, "invalid", problems=invalid_fields(invalid))


def _license_json(license: License) -> dict[str, Any]:
    state = license.state_on(now().date())
    token = services.token_for(license)
    return {
        "identifier": license.identifier,
        "type": {"code": license.license_type.code, "name": license.license_type.name},
        "issuer": {
            "code": license.issuing_unit.code,
            "name": license.issuing_unit.name,
            "credit_code": license.issuing_unit.credit_code,
        },
        "holder": {
            "kind": license.holder_kind.value,
            "name": license.holder_name,
            "number": license.holder_number,
        },
        "data": license.data,
        "valid_from": license.valid_from.isoformat(),
        "valid_until": license.valid_until.isoformat() if license.valid_until else None,
        "status": state.value,
        "revoked_reason": license.revoked_reason or None,
        "revoked_at": as_local(license.revoked_at).isoformat() if license.revoked_at else None,
        "source": license.source.value,
        "signature": {
            "key_id": license.key_id,
            "value": license.signature,
            "signed": signed_form(license),
        },
        "token": token,
        "verify_url": url_for("licenses.verify", token=token, _external=True),
    }


@blueprint.post("")
@describe(
    "POST",
    LICENSES,
    "签发证照",
    body=IssueRequest,
    status=201,
    errors=(400, 401, 403, 409),
    **DOCUMENTED,
)
def issue():
    """Issue a license as the key's unit; 201 with the license, 409 for a repeated one."""
    parsed = _parse(IssueRequest)
    if not isinstance(parsed, IssueRequest):
        return parsed
    holder = parsed.holder
    if holder.kind == "person":
        made = Holder.person(holder.name, holder.id_number)
    else:
        made = Holder.enterprise(holder.name, holder.credit_code)
    license = departments.issue_for_department(
        g.api_key, parsed.type, made, parsed.data, parsed.valid_from, parsed.valid_until
    )
    response = jsonify(_license_json(license))
    response.headers["Location"] = url_for(".look_up", identifier=license.identifier)
    return response, 201


@blueprint.post("/<identifier>/revoke")
@describe(
    "POST",
    LICENSES + "/{identifier}/revoke",
    "注销证照",
    body=RevokeRequest,
    errors=(400, 401, 403, 404),
    path_types={"identifier": "string"},
    **DOCUMENTED,
)
def revoke(identifier: str):
    """Revoke a license of the key's scope, with a reason; the verification page shows it."""
    parsed = _parse(RevokeRequest)
    if not isinstance(parsed, RevokeRequest):
        return parsed
    license = departments.revoke_for_department(g.api_key, identifier, parsed.reason)
    return jsonify(_license_json(license))


@blueprint.get("/<identifier>")
@describe(
    "GET",
    LICENSES + "/{identifier}",
    "查询证照",
    errors=(400, 401, 403, 404),
    path_types={"identifier": "string"},
    **DOCUMENTED,
)
def look_up(identifier: str):
    """A license of the key's scope, with its state today and its signed form."""
    return jsonify(_license_json(departments.look_up_for_department(g.api_key, identifier)))
