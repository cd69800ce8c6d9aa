"""The OpenAPI document at /api/v1/openapi.json describes the API that is really there."""
from __future__ import annotations

import io
import re

import pytest

from app.api import bp as api_bp
from app.api.spec import openapi_document
from tests.factories import bearer, make_order, make_user, png_bytes

CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
IGNORED_METHODS = {"HEAD", "OPTIONS"}
JSON_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def _openapi_path(rule: str) -> str:
    """/api/v1/attachments/<int:attachment_id> → /attachments/{attachment_id}."""
    assert rule.startswith(api_bp.url_prefix)
    return CONVERTER.sub(r"{\1}", rule[len(api_bp.url_prefix):])


def _api_routes(flask_app) -> dict[str, set[str]]:
    routes: dict[str, set[str]] = {}
    for rule in flask_app.url_map.iter_rules():
        if rule.endpoint.startswith(f"{api_bp.name}."):
            routes.setdefault(_openapi_path(rule.rule), set()).update(
                m.lower() for m in rule.methods - IGNORED_METHODS)
    return routes


def _resolve(doc: dict, ref: str) -> dict:
    assert ref.startswith("#/"), ref
    node = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _schema(doc: dict, name: str) -> dict:
    return doc["components"]["schemas"][name]


def _conforms(doc: dict, schema: dict, value, where: str = "$") -> None:
    """A small JSON Schema check (the subset the document uses): types, enums, required,
    properties, additionalProperties: false, items, oneOf/anyOf and $ref."""
    if "$ref" in schema:
        _conforms(doc, _resolve(doc, schema["$ref"]), value, where)
        return
    for key in ("oneOf", "anyOf"):
        if key in schema:
            failures = []
            for option in schema[key]:
                try:
                    _conforms(doc, option, value, where)
                except AssertionError as exc:
                    failures.append(str(exc))
            passed = len(schema[key]) - len(failures)
            assert passed == 1 if key == "oneOf" else passed >= 1, f"{where}: {failures}"
            return
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        ok = any(
            (isinstance(value, int) and not isinstance(value, bool)) if t == "integer"
            else (isinstance(value, int | float) and not isinstance(value, bool)) if t == "number"
            else isinstance(value, JSON_TYPES[t])
            for t in types)
        assert ok, f"{where}: {value!r} is not {types}"
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if isinstance(value, dict):
        missing = set(schema.get("required", ())) - set(value)
        assert not missing, f"{where}: missing {sorted(missing)}"
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            extra = set(value) - set(properties)
            assert not extra, f"{where}: undocumented {sorted(extra)}"
        for key, item in value.items():
            if key in properties:
                _conforms(doc, properties[key], item, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            _conforms(doc, schema["items"], item, f"{where}[{i}]")


def _ref_of(document: dict, path: str, method: str, status: str) -> dict:
    """The JSON schema of one documented response (following a response $ref)."""
    response = document["paths"][path][method]["responses"][status]
    if "$ref" in response:
        response = _resolve(document, response["$ref"])
    return response["content"]["application/json"]["schema"]


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


@pytest.fixture()
def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def test_document_is_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] and document["info"]["version"]
    assert document["servers"] == [{"url": api_bp.url_prefix}]
    assert document == openapi_document()
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    assert document["security"] == [{"bearerAuth": []}]


def test_only_login_and_the_document_are_public(client):
    # The document and logging in are public; everything else asks for a bearer token.
    assert client.get("/api/v1/openapi.json").status_code == 200
    doc = openapi_document()
    public = {(path, method) for path, item in doc["paths"].items() for method, op in item.items()
              if method != "parameters" and op.get("security") == []}
    assert public == {("/openapi.json", "get"), ("/auth/tokens", "post")}


def test_every_api_route_is_documented_and_nothing_else(web_app, document):
    routes = _api_routes(web_app)
    assert routes, "no routes on the api blueprint?"
    for path, methods in routes.items():
        assert path in document["paths"], f"{path} is not in the OpenAPI document"
        documented = set(document["paths"][path]) - {"parameters", "summary", "description"}
        assert methods <= documented, f"{path}: {sorted(methods - documented)} not documented"
    for path, item in document["paths"].items():
        assert path in routes, f"{path} is documented but not routed"
        documented = set(item) - {"parameters", "summary", "description"}
        assert documented <= routes[path], f"{path}: {sorted(documented - routes[path])} not routed"


def test_path_parameters_match_the_route_variables(document):
    for path, item in document["paths"].items():
        names = set(re.findall(r"{([^}]+)}", path))
        for method, op in item.items():
            if method == "parameters":
                continue
            params = item.get("parameters", []) + op.get("parameters", [])
            in_path = {p["name"] for p in params if p["in"] == "path"}
            assert in_path == names, f"{method.upper()} {path}: {in_path} != {names}"


def test_every_ref_resolves_and_errors_are_described(document):
    for ref in _refs(document):
        assert _resolve(document, ref), ref
    error = _schema(document, "Error")["properties"]["error"]
    assert set(error["properties"]) == {"code", "message", "fields"}
    responses = {code for item in document["paths"].values() for method, op in item.items()
                 if method != "parameters" for code in op["responses"]}
    assert {"400", "401", "403", "404", "409", "413", "415", "422", "429"} <= responses
    for name in ("Ticket", "Message", "Attachment", "Order", "Category", "Me", "Error"):
        assert name in document["components"]["schemas"]
    for name in ("TicketList", "OrderList"):
        assert set(_schema(document, name)["properties"]) == {"items", "page", "per_page", "total"}
    filters = {p["name"] for p in document["paths"]["/tickets"]["get"]["parameters"]}
    assert filters >= {"status", "category", "queue", "assignee", "type", "q", "order_number", "page",
                       "per_page"}


def test_ticket_schema_is_what_post_tickets_returns(client, document):
    customer = make_user("customer")
    order = make_order(customer)
    response = client.post("/api/v1/tickets", headers=bearer(customer), json={
        "category": "delivery", "subject": "배송이 아직 안 왔어요", "body": "언제 받을 수 있을까요?",
        "order_number": order.number})
    assert response.status_code == 201, response.get_json()
    ticket = response.get_json()
    assert set(ticket) == set(_schema(document, "Ticket")["properties"])
    assert set(ticket["messages"][0]) == set(_schema(document, "Message")["properties"])
    _conforms(document, _ref_of(document, "/tickets", "post", "201"), ticket)


def test_real_responses_conform(client, document):
    customer = make_user("customer")
    order = make_order(customer)
    headers = bearer(customer)
    response = client.post("/api/v1/tickets", headers=headers, data={
        "category": "product", "subject": "사진 첨부", "body": "사진을 봐 주세요.",
        "files": [(io.BytesIO(png_bytes()), "shot.png")]}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    ticket = response.get_json()
    attachment = ticket["messages"][0]["attachments"][0]
    assert set(attachment) == set(_schema(document, "Attachment")["properties"])
    _conforms(document, _ref_of(document, "/tickets", "post", "201"), ticket)

    number = ticket["number"]
    checks = [
        ("/me", "/me"), ("/categories", "/categories"), ("/tickets", "/tickets"),
        (f"/tickets/{number}", "/tickets/{number}"), ("/orders", "/orders"),
        (f"/orders/{order.number}", "/orders/{number}"),
    ]
    for url, path in checks:
        got = client.get(f"/api/v1{url}", headers=headers)
        assert got.status_code == 200, (url, got.get_json())
        _conforms(document, _ref_of(document, path, "get", "200"), got.get_json(), url)
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert set(me) == set(_schema(document, "Me")["properties"])
    category = client.get("/api/v1/categories", headers=headers).get_json()[0]
    assert set(category) == set(_schema(document, "Category")["properties"])

    reply = client.post(f"/api/v1/tickets/{number}/messages", headers=headers, json={"body": "추가 문의"})
    assert reply.status_code == 201
    _conforms(document, _ref_of(document, "/tickets/{number}/messages", "post", "201"), reply.get_json())
    solved = client.patch(f"/api/v1/tickets/{number}", headers=headers, json={"status": "solved"})
    assert solved.status_code == 200, solved.get_json()
    _conforms(document, _ref_of(document, "/tickets/{number}", "patch", "200"), solved.get_json())

    download = client.get(attachment["url"], headers=headers)
    assert download.status_code == 200
    assert download.mimetype in document["paths"]["/attachments/{attachment_id}"]["get"]["responses"]["200"][
        "content"]


@pytest.mark.parametrize("case", ["no_token", "validation", "not_found", "malformed"])
def test_error_bodies_conform(client, document, case):
    customer = make_user("customer")
    if case == "no_token":
        response, path, method = client.get("/api/v1/tickets"), "/tickets", "get"
    elif case == "validation":
        response = client.post("/api/v1/tickets", headers=bearer(customer), json={"category": "product"})
        path, method = "/tickets", "post"
    elif case == "not_found":
        response = client.get("/api/v1/tickets/M-20000101-9999", headers=bearer(customer))
        path, method = "/tickets/{number}", "get"
    else:
        response = client.post("/api/v1/tickets", headers=bearer(customer), data="{",
                               content_type="application/json")
        path, method = "/tickets", "post"
    status = str(response.status_code)
    assert status in document["paths"][path][method]["responses"], (case, status)
    _conforms(document, _ref_of(document, path, method, status), response.get_json(), case)
