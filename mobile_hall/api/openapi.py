"""The API's endpoints, declared once each: the declaration both wraps the view (key and
capability, query and body validated with the pydantic models, idempotent POSTs) and
describes it in the OpenAPI 3.1 document, from the same models' JSON Schema.

    @blueprint.get("/records")
    @endpoint("GET", "/api/v1/exchange/records", "按序号拉取全区过程记录", tag="exchange",
              capability=Capability.EXCHANGE_RECORDS, query=PullQuery, response=RecordPage)
    def records(query: PullQuery) -> RecordPage: ...

An endpoint with its own checks (the licence API) is only described, with `describe`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Literal

from flask import Response, g, request
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .idempotency import HEADER, run_once
from .keys import key_for_request
from .models import ApiKey
from .problems import MEDIA_TYPE, ProblemDetail

INT_MAX = 2**31 - 1  # what an <int:...> route takes (PostgreSQL's integer)
TITLE = "曲江区网上办事分厅 API"
VERSION = "1.0.0"
Mode = Literal["validation", "serialization"]


@dataclass(frozen=True)
class Operation:
    """One endpoint as the OpenAPI document describes it."""

    method: str
    path: str  # OpenAPI form: /api/v1/applications/{application_id}
    summary: str
    tag: str
    capability: str | None = None  # None: no key (a signed link)
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None  # None with `binary`: a file
    status: int = 200
    errors: tuple[int, ...] = (400, 401, 403, 404, 422)
    error_model: type[BaseModel] = ProblemDetail
    error_media_type: str = MEDIA_TYPE
    idempotent: bool = False
    binary: bool = False
    path_types: dict[str, str] = field(default_factory=dict)  # name → "string" (else integer)
    description: str = ""


OPERATIONS: list[Operation] = []


def describe(method: str, path: str, summary: str, **details: Any) -> Callable:
    """Add an endpoint to the document only (its view checks keys and input itself)."""

    def register(view: Callable) -> Callable:
        OPERATIONS.append(
            Operation(method.upper(), path, summary, description=view.__doc__ or "", **details)
        )
        return view

    return register


def _body(model: type[BaseModel]) -> BaseModel:
    payload = request.get_json(silent=True)
    return model.model_validate(payload if payload is not None else {})


def _answer(result: BaseModel | Response, status: int) -> Response:
    if isinstance(result, Response):
        return result
    return Response(result.model_dump_json(), status=status, mimetype="application/json")


def endpoint(
    method: str,
    path: str,
    summary: str,
    *,
    replayed: Callable[[ApiKey, Response], None] | None = None,
    **details: Any,
) -> Callable:
    """Declare an endpoint: described in the document and run as declared. The view gets
    ``query=`` and ``body=`` (validated models) and returns a ``response`` model; a
    ``ValidationError`` becomes a 422 problem, refused keys 401/403. An idempotent one's
    stored answer, given again to a retry, is shown to ``replayed`` (see `run_once`)."""

    def register(view: Callable) -> Callable:
        operation = Operation(
            method.upper(), path, summary, description=view.__doc__ or "", **details
        )
        OPERATIONS.append(operation)

        @wraps(view)
        def run(**kwargs: Any) -> Response:
            if operation.capability is not None:
                g.api_key = key_for_request(operation.capability)
            if operation.query is not None:
                kwargs["query"] = operation.query.model_validate(request.args.to_dict())

            def step() -> Response:
                if operation.body is not None:
                    kwargs["body"] = _body(operation.body)
                return _answer(view(**kwargs), operation.status)

            return run_once(g.api_key, step, replayed) if operation.idempotent else step()

        return run

    return register


def _schemas(operations: list[Operation]) -> tuple[dict, dict[tuple[type, Mode], dict]]:
    wanted: list[tuple[type[BaseModel], Mode]] = []
    for op in operations:
        uses: tuple[tuple[type[BaseModel] | None, Mode], ...] = (
            (op.body, "validation"),
            (op.query, "validation"),
            (op.response, "serialization"),
            (op.error_model, "serialization"),
        )
        for model, mode in uses:
            if model is not None and (model, mode) not in wanted:
                wanted.append((model, mode))
    refs, definitions = models_json_schema(wanted, ref_template="#/components/schemas/{model}")
    return definitions.get("$defs", {}), refs


def _parameters(op: Operation) -> list[dict]:
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": (
                {"type": "string", "minLength": 1, "maxLength": 100}
                if op.path_types.get(name) == "string"
                else {"type": "integer", "minimum": 1, "maximum": INT_MAX}
            ),
        }
        for name in re.findall(r"{(\w+)}", op.path)
    ]
    if op.query is not None:
        schema = op.query.model_json_schema(ref_template="#/components/schemas/{model}")
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            parameters.append(
                {"name": name, "in": "query", "required": name in required, "schema": prop}
            )
    if op.idempotent:
        parameters.append(
            {
                "name": HEADER,
                "in": "header",
                "required": True,
                "description": "同一写入请求重试时使用相同的值；每个值只生效一次",
                "schema": {"type": "string", "minLength": 1, "maxLength": 200},
            }
        )
    return parameters


def _operation(op: Operation, refs: dict) -> dict:
    def content(model: type[BaseModel], mode: Mode, media_type: str) -> dict:
        return {media_type: {"schema": refs[(model, mode)]}}

    if op.binary:
        success: dict = {
            "description": "文件",
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
        }
    else:
        assert op.response is not None  # noqa: S101 - a declaration error, found at start
        success = {
            "description": "成功",
            "content": content(op.response, "serialization", "application/json"),
        }
    responses = {str(op.status): success}
    for status in op.errors:
        responses[str(status)] = {
            "description": "错误",
            "content": content(op.error_model, "serialization", op.error_media_type),
        }
    document: dict = {
        "summary": op.summary,
        "description": op.description.strip(),
        "operationId": f"{op.method.lower()}_{re.sub(r'[^a-z0-9]+', '_', op.path.lower())}",
        "tags": [op.tag],
        "parameters": _parameters(op),
        "responses": responses,
        "security": [{"apiKey": []}] if op.capability else [],
    }
    if op.body is not None:
        document["requestBody"] = {
            "required": True,
            "content": content(op.body, "validation", "application/json"),
        }
    return document


def openapi_document(server_url: str = "/") -> dict:
    """The OpenAPI 3.1 document of every declared endpoint."""
    components, refs = _schemas(OPERATIONS)
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": "各部门业务系统与曲江区网上办事分厅之间的接口（docs/api.md）。",
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "区网厅办在 /staff/api-keys 为单位签发的接口密钥",
                }
            },
        },
    }
