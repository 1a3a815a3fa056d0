"""The OpenAPI 3.1 document: every API route in it, made from the models that validate the
requests; its page readable without any other origin."""

from __future__ import annotations

import re

from mobile_hall.api.schema import ReviewBody


def _documented(document: dict) -> set[tuple[str, str]]:
    return {
        (method.upper(), path) for path, methods in document["paths"].items() for method in methods
    }


def test_every_api_route_is_in_the_document(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    routes = {
        (method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi_json"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == _documented(document)
    assert ("GET", "/api/v1/licenses/{identifier}") in routes


def test_a_request_body_is_the_schema_of_the_model_that_validates_it(client):
    document = client.get("/api/v1/openapi.json").get_json()
    review = document["paths"]["/api/v1/applications/{application_id}/review"]["post"]
    ref = review["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    published = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert published["properties"] == ReviewBody.model_json_schema()["properties"]
    assert published["additionalProperties"] is False
    assert {"name": "Idempotency-Key", "in": "header"}.items() <= review["parameters"][-1].items()
    assert set(review["responses"]) == {"200", "400", "401", "403", "404", "409", "422"}
    problem = review["responses"]["409"]["content"]
    assert list(problem) == ["application/problem+json"]


def test_the_docs_page_lists_every_endpoint_and_loads_nothing_from_elsewhere(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for path in client.get("/api/v1/openapi.json").get_json()["paths"]:
        assert path in text
    assert not re.search(r'(?:src|href)="(?:https?:)?//', text)
    assert "<script" not in text
