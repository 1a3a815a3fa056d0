"""Errors of the API as RFC 9457 problem details (``application/problem+json``), with a
Chinese ``detail``; `answer_problems(blueprint)` installs them on an API blueprint."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException

from .keys import KeyRefused
from .labels import PROBLEM

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "/api/docs#problem-"


class ProblemDetail(BaseModel):
    """An RFC 9457 problem: ``type`` names the kind (a link into /api/docs), ``detail`` says
    in Chinese what went wrong; ``errors`` lists the invalid fields of a 422."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]] | None = None


class Problem(Exception):
    """Raised by an API view or service to answer with a problem."""

    def __init__(self, status: int, code: str, detail: str = "", **extra: Any) -> None:
        super().__init__(code)
        self.status, self.code, self.detail, self.extra = status, code, detail, extra


def problem_response(status: int, code: str, detail: str = "", **extra: Any) -> Response:
    """The problem response: ``detail`` defaults to the code's Chinese text."""
    body = {
        "type": TYPE_BASE + code,
        "title": code.replace("_", " "),
        "status": status,
        "detail": detail or PROBLEM.get(code, PROBLEM["error"]),
        **extra,
    }
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="mobile_hall"'
    return response


def invalid_fields(invalid: ValidationError) -> list[dict[str, str]]:
    """Field paths and error kinds only: the values (an ID number, say) are never echoed."""
    return [
        {"field": ".".join(str(part) for part in error["loc"]), "type": error["type"]}
        for error in invalid.errors(include_input=False, include_url=False)
    ]


def problem_answer(problem: Problem) -> Response:
    """The response that answers ``problem``."""
    return problem_response(problem.status, problem.code, problem.detail, **problem.extra)


def _key_refused(refused: KeyRefused) -> Response:
    return problem_response(
        refused.status, "unauthorized" if refused.status == 401 else "forbidden"
    )


def _invalid(invalid: ValidationError) -> Response:
    return problem_response(422, "invalid", errors=invalid_fields(invalid))


def _http(error: HTTPException) -> Response:
    code = (error.name or "error").lower().replace(" ", "_")
    return problem_response(error.code or 500, code if code in PROBLEM else "error")


def answer_problems(blueprint: Blueprint) -> None:
    """Answer every error of ``blueprint``'s views (and of the app's checks before them) as a
    problem: its own `Problem`s, refused keys, invalid bodies and every HTTP error."""
    blueprint.register_error_handler(Problem, problem_answer)
    blueprint.register_error_handler(KeyRefused, _key_refused)
    blueprint.register_error_handler(ValidationError, _invalid)
    blueprint.register_error_handler(HTTPException, _http)
