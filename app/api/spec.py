"""The OpenAPI 3.1 document, built as data (kept beside the routes it describes).

Paths are relative to the server URL ``/api/v1``; path parameters carry the names of
the Flask route variables (``/attachments/<int:attachment_id>`` → ``{attachment_id}``),
so tests can check that every registered route is documented.
"""
from __future__ import annotations

from copy import deepcopy

from app.domain import access
from app.domain.errors import MAX_ROW_ID
from app.domain.policy.models import OrderStatus, PaymentMethod
from app.domain.sla import Metric, SlaState
from app.domain.ticket_flow import AGENT_SETTABLE, Status
from app.domain.vocabulary import HUMAN_ROLES, REQUESTER_ROLES, SELLER_CENTER, Membership, Priority, Role, TicketType
from app.services.reports.sla import GROUPS as REPORT_GROUPS

API_VERSION = "1"

# The enums come from the domain, so the document cannot drift from what the desk accepts.
STATUSES = [s.value for s in Status]
SETTABLE_STATUSES = [s.value for s in AGENT_SETTABLE]
PRIORITIES = [p.value for p in Priority]
TICKET_TYPES = [t.value for t in TicketType]
SLA_STATES = [s.value for s in SlaState]
METRICS = [m.value for m in Metric]
ROLES = [r.value for r in Role]
ORDER_STATUSES = [s.value for s in OrderStatus]
PAYMENT_METHODS = [m.value for m in PaymentMethod]
ATTACHMENT_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"]
# The order body's customer facts (policy.md §2.1): a JSON key that shares the role's name.
CUSTOMER_FACTS = "customer"


def _names(roles) -> list[str]:
    """``x-roles`` of the role group the handler's decorator names (app/domain/access.py,
    vocabulary.py): a tuple in its own order, a set in the vocabulary's."""
    if isinstance(roles, tuple):
        return [Role(r).value for r in roles]
    return [r.value for r in Role if r in roles]


HUMANS = _names(HUMAN_ROLES)
ORDER_READERS = _names(access.ORDER_READERS)


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    """``schema`` or null (OpenAPI 3.1 / JSON Schema 2020-12 style)."""
    if "$ref" in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    schema = deepcopy(schema)
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
    if "enum" in schema:
        schema["enum"] = [*schema["enum"], None]
    return schema


def _time(description: str | None = None) -> dict:
    schema = {"type": "string", "format": "date-time"}
    if description:
        schema["description"] = description
    return schema


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _errors(*statuses: int) -> dict:
    return {str(s): {"$ref": f"#/components/responses/{ERROR_RESPONSES[s][0]}"} for s in statuses}


def _operation(summary: str, *, operation_id: str, tag: str, roles: list[str] | None,
               responses: dict, description: str | None = None, parameters: list | None = None,
               request_body: dict | None = None) -> dict:
    op: dict = {"operationId": operation_id, "summary": summary, "tags": [tag]}
    if description:
        op["description"] = description
    if parameters:
        op["parameters"] = parameters
    if request_body:
        op["requestBody"] = request_body
    op["responses"] = responses
    if roles is None:
        op["security"] = []
    else:
        op["x-roles"] = roles
    return op


def _links(parameter: str, expression: str, *operation_ids: str) -> dict:
    """OpenAPI links: what a client (or schemathesis's stateful phase) can call next with this answer."""
    return {op[0].upper() + op[1:]: {"operationId": op, "parameters": {parameter: expression}}
            for op in operation_ids}


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


def _path_param(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": schema or {"type": "string"}}


def _list_of(item: str) -> dict:
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total"],
        "properties": {
            "items": {"type": "array", "items": _ref(item)},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
            "total": {"type": "integer", "minimum": 0, "description": "Matching rows across all pages."},
        },
        "additionalProperties": False,
    }


# status → (component name, description)
ERROR_RESPONSES = {
    400: ("BadRequest", "Malformed request: unreadable JSON body or a query value of the wrong type."),
    401: ("Unauthorized", "No bearer token, or one that is invalid or expired (or, when logging in, wrong "
                          "email or password)."),
    403: ("Forbidden", "The caller's role may not do this."),
    404: ("NotFound", "Not found, or not visible to the caller (never 403 for another customer's object)."),
    409: ("Conflict", "State conflict, e.g. the ticket is closed."),
    413: ("PayloadTooLarge", "Too large: a file over the size limit, too many files, or a request over the "
                             "total limit."),
    415: ("UnsupportedMediaType", "A file type that may not be attached, or content that does not match the "
                                  "file name's extension."),
    422: ("ValidationFailed", "Validation failed; `error.fields` names each problem field."),
    429: ("TooManyRequests", "Rate limited; try again later."),
    503: ("ServiceUnavailable", "A dependency (the database) is briefly unavailable."),
}

PAGE_PARAMS = [
    _query("page", "Page number, from 1.", {"type": "integer", "minimum": 1, "maximum": 10**9, "default": 1}),
    _query("per_page", "Rows per page; values above 100 are capped to 100.",
           {"type": "integer", "minimum": 1, "maximum": 10**9, "default": 25}),
]
ROW_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ROW_ID}
# Text that must say something: at least one character that is not white space.
SOME_TEXT = r"\S"
TICKET_NUMBER = _path_param("number", "The ticket's public number, e.g. `M-20261126-0001`.")
ORDER_NUMBER = _path_param("number", "The order's public number, e.g. `20261120-000123`.")
REFUND_ID = _path_param("refund_id", "The refund's id (`refund.id` of the ticket's decision).", ROW_ID)
FILES_PROPERTY = {
    "type": "array",
    "maxItems": 5,
    "description": "Attachments (PNG, JPEG, GIF, WebP, PDF, plain text; each at most 10 MB). The type is "
                   "decided from the bytes and must agree with the name's extension; image metadata such as "
                   "GPS is removed.",
    "items": {"type": "string", "contentMediaType": "application/octet-stream"},
}
FILES_ENCODING = {"files": {"contentType": ", ".join(ATTACHMENT_TYPES)}}


def _schemas() -> dict:
    person = {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    }
    return {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$",
                                 "description": "Stable snake_case code clients match on.",
                                 "examples": ["validation_failed", "not_found", "ticket_closed"]},
                        "message": {"type": "string",
                                    "description": "Human text in the request's language (Accept-Language)."},
                        "fields": {"type": "object", "additionalProperties": {"type": "string"},
                                   "description": "Field name → short problem code (validation errors only). "
                                                  "Every field with a problem is named at once.",
                                   "examples": [{"subject": "required", "order_number": "not_found"}]},
                    },
                },
            },
        },
        "Token": {
            "type": "object",
            "required": ["token", "expires_at"],
            "properties": {"token": {"type": "string", "description": "Send as `Authorization: Bearer <token>`."},
                           "expires_at": _time()},
        },
        "Me": {
            "type": "object",
            "required": ["id", "email", "name", "role", "membership"],
            "properties": {
                "id": {"type": "integer"},
                "email": {"type": "string", "format": "email"},
                "name": {"type": "string"},
                "role": {"type": "string", "enum": ROLES},
                "membership": {"type": "string", "enum": ["basic", "plus"]},
                "locale": {"type": ["string", "null"], "enum": ["ko", "en", None],
                           "description": "The saved UI language, or null for the browser's."},
            },
        },
        "Category": {
            "type": "object",
            "required": ["code", "name", "ticket_type", "requires_order"],
            "properties": {
                "code": {"type": "string", "examples": ["order", "delivery", "cancellation", "refund", "product",
                                                        "membership", SELLER_CENTER, "other"]},
                "name": {"type": "string", "description": "Display name in the request's language."},
                "ticket_type": {"type": "string", "enum": TICKET_TYPES},
                "requires_order": {"type": "boolean"},
            },
        },
        "Person": person,
        "Author": {
            "type": "object",
            "required": ["id", "name", "role"],
            "properties": {**person["properties"], "role": {"type": "string", "enum": ROLES}},
        },
        "Attachment": {
            "type": "object",
            "required": ["id", "filename", "content_type", "size", "url"],
            "properties": {
                "id": {"type": "integer"},
                "filename": {"type": "string"},
                "content_type": {"type": "string", "enum": ATTACHMENT_TYPES},
                "size": {"type": "integer", "minimum": 1, "description": "Bytes as stored."},
                "url": {"type": "string", "description": "Download path, e.g. `/api/v1/attachments/4`."},
            },
        },
        "Message": {
            "type": "object",
            "required": ["id", "author", "body", "internal", "created_at", "attachments"],
            "properties": {
                "id": {"type": "integer"},
                "author": _nullable(_ref("Author")),
                "body": {"type": "string"},
                "internal": {"type": "boolean", "description": "Internal notes are never shown to customers."},
                "created_at": _time(),
                "attachments": {"type": "array", "items": _ref("Attachment")},
            },
        },
        "Sla": {
            "type": "object",
            "description": "Due times in business time of the policy's calendar; state as of the response.",
            "required": ["first_response_due_at", "resolution_due_at", "state"],
            "properties": {
                "policy": _nullable({"type": "string", "description": "Name of the SLA policy applied."}),
                "first_response_due_at": _nullable(_time()),
                "next_reply_due_at": _nullable(_time()),
                "resolution_due_at": _nullable(_time()),
                "state": _nullable({"type": "string", "enum": SLA_STATES}),
                "paused": {"type": "boolean", "description": "True while waiting on the customer."},
                "first_response": _nullable(_ref("SlaTarget")),
                "next_reply": _nullable(_ref("SlaTarget")),
                "resolution": _nullable(_ref("SlaTarget")),
            },
        },
        "SlaTarget": {
            "type": "object",
            "description": "One target (the newest next-reply cycle for next_reply); null when the policy has "
                           "none. A met target keeps its met_at; a late one its breached_at (the due time).",
            "required": ["due_at", "state", "met_at", "breached_at"],
            "additionalProperties": False,
            "properties": {
                "due_at": _nullable(_time()),
                "state": {"type": "string", "enum": SLA_STATES},
                "met_at": _nullable(_time()),
                "breached_at": _nullable(_time()),
            },
        },
        "Ticket": {
            "type": "object",
            "required": ["number", "type", "category", "subject", "status", "priority", "queue", "assignee",
                         "requester", "order_number", "created_at", "updated_at", "sla"],
            "properties": {
                "number": {"type": "string", "examples": ["M-20261126-0001"]},
                "type": {"type": "string", "enum": TICKET_TYPES},
                "category": {"type": "string", "description": "Category code."},
                "subject": {"type": "string", "maxLength": 200},
                "status": {"type": "string", "enum": STATUSES},
                "priority": {"type": "string", "enum": PRIORITIES},
                "queue": {"type": "string", "description": "Queue slug."},
                "assignee": _nullable(_ref("Person")),
                "requester": _ref("Person"),
                "order_number": {"type": ["string", "null"]},
                "created_at": _time(),
                "updated_at": _time(),
                "sla": _ref("Sla"),
                "messages": {"type": "array", "items": _ref("Message"),
                             "description": "The thread as the caller may read it (customers never get "
                                            "internal notes). Present on single-ticket responses, absent "
                                            "in lists."},
            },
        },
        "TicketList": _list_of("Ticket"),
        "SlaFigures": {
            "type": "object", "additionalProperties": False,
            "description": "One target kind in one row: targets decided in the range (met on the day fulfilled, "
                           "breached on the day due) and the business minutes of those fulfilled in it.",
            "required": ["met", "breached", "met_percent", "answered", "median_minutes", "p90_minutes"],
            "properties": {
                "met": {"type": "integer", "minimum": 0}, "breached": {"type": "integer", "minimum": 0},
                "met_percent": _nullable({"type": "number", "minimum": 0, "maximum": 100}),
                "answered": {"type": "integer", "minimum": 0},
                "median_minutes": _nullable({"type": "number", "minimum": 0}),
                "p90_minutes": _nullable({"type": "number", "minimum": 0}),
            },
        },
        "SlaReportRow": {
            "type": "object", "additionalProperties": False,
            "required": ["key", "label", *METRICS],
            "properties": {
                "key": {"type": "string", "description": "Queue, agent or category id ('none' when unset), the "
                                                         "week's Monday (YYYY-MM-DD), or 'all' for the total."},
                "label": {"type": "string"},
                **{m: _ref("SlaFigures") for m in METRICS},
            },
        },
        "SlaReport": {
            "type": "object", "additionalProperties": False,
            "required": ["from", "to", "group_by", "rows", "total"],
            "properties": {
                "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
                "group_by": {"type": "string", "enum": list(REPORT_GROUPS)},
                "rows": {"type": "array", "items": _ref("SlaReportRow")},
                "total": _ref("SlaReportRow"),
            },
        },
        "NewTicket": {
            "type": "object",
            "required": ["category", "subject", "body"],
            "properties": {
                "lines": {"type": "array", "description": "Cancellation/refund only: the units asked for.",
                          "items": {"type": "object", "required": ["line_id", "quantity"],
                                    "properties": {"line_id": {"type": "string"},
                                                   "quantity": {"type": "integer", "minimum": 1}}}},
                "reason": {"type": "string", "enum": ["change_of_mind", "defective", "wrong_item",
                                                      "damaged_in_transit", "misdescribed", "late_delivery",
                                                      "other"]},
                "reason_text": {"type": "string"},
                "attestations": {"type": "object", "properties": {
                    "packaging_intact": {"type": ["boolean", "null"]},
                    "opened_for_inspection_only": {"type": ["boolean", "null"]},
                    "unused": {"type": ["boolean", "null"]}}},
                "discovered_at": _nullable(_time()),
                "category": {"type": "string", "description": "Category code from `GET /categories`."},
                "subject": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": SOME_TEXT},
                "body": {"type": "string", "minLength": 1, "maxLength": 20000, "pattern": SOME_TEXT},
                "order_number": {"type": ["string", "null"],
                                 "description": "One of the requester's orders; required by categories "
                                                "with `requires_order`."},
            },
        },
        "NewTicketForm": {
            "type": "object",
            "required": ["category", "subject", "body"],
            "properties": {
                "category": {"type": "string"},
                "subject": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": SOME_TEXT},
                "body": {"type": "string", "minLength": 1, "maxLength": 20000, "pattern": SOME_TEXT},
                "order_number": {"type": "string"},
                "files": FILES_PROPERTY,
            },
        },
        "NewMessage": {
            "type": "object",
            "required": ["body"],
            "properties": {
                "body": {"type": "string", "minLength": 1, "maxLength": 20000, "pattern": SOME_TEXT},
                "internal": {"type": "boolean", "default": False,
                             "description": "An internal note (agents, leads and admins only)."},
            },
        },
        "NewMessageForm": {
            "type": "object",
            "required": ["body"],
            "properties": {
                "body": {"type": "string", "minLength": 1, "maxLength": 20000, "pattern": SOME_TEXT},
                "internal": {"type": "string", "enum": ["true", "false", "1", "0", "yes", "no", "on", "off"],
                             "default": "false"},
                "files": FILES_PROPERTY,
            },
        },
        "TicketChange": {
            "type": "object",
            "minProperties": 1,
            "properties": {
                "status": {"type": "string", "enum": SETTABLE_STATUSES,
                           "description": "Requesters may only set `solved`."},
                "priority": {"type": "string", "enum": PRIORITIES},
                "assignee_id": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ROW_ID,
                                "description": "A staff member of the ticket's queue, or null to unassign."},
                "queue": {"type": "string", "description": "Queue slug."},
                "return_received_at": _nullable(_time("Refund tickets (agents): when the returned parcel "
                                                      "reached the seller; drives the refund due date.")),
                "return_inspection": _nullable({
                    "type": "object", "required": ["condition", "inspected_at"],
                    "properties": {"condition": {"type": "string",
                                                 "enum": ["as_new", "opened", "used", "damaged_by_customer"]},
                                   "inspected_at": _time(), "note": {"type": "string"}}}),
            },
            "additionalProperties": False,
        },
        "OrderLine": {
            "type": "object",
            "required": ["line_id", "sku", "name", "unit_price", "quantity"],
            "properties": {
                "line_id": {"type": "string"},
                "sku": {"type": "string"},
                "name": {"type": "string"},
                "unit_price": {"type": "integer", "minimum": 0, "description": "KRW after item discounts."},
                "quantity": {"type": "integer", "minimum": 1},
                "on_sale": {"type": "boolean"},
                "perishable": {"type": "boolean"},
                "reproducible_media": {"type": "boolean"},
                "hygiene": {"type": "boolean"},
                "custom_made": {"type": "boolean"},
                "custom_made_consent": {"type": ["boolean", "null"]},
                "restriction_notice_given": {"type": ["boolean", "null"]},
                "earned_points": {"type": "integer", "minimum": 0},
            },
        },
        "Order": {
            "type": "object",
            "description": "The order as the desk knows it: indexed columns plus the shop's snapshot "
                           "(`OrderSnapshot` of policy.md §2.1, without `refund_history`). Money is integer KRW.",
            "required": ["number", "customer_email", "status", "total_amount", "item_summary", "ordered_at",
                         "updated_at"],
            "properties": {
                "number": {"type": "string", "examples": ["20261120-000123"]},
                "customer_email": {"type": "string", "format": "email"},
                "status": {"type": "string", "enum": ORDER_STATUSES},
                "total_amount": {"type": "integer", "minimum": 0},
                "item_summary": {"type": "string"},
                "ordered_at": _time(),
                "updated_at": _time(),
                "order_id": {"type": "string"},
                "seller_id": {"type": "string"},
                **{k: _nullable(_time()) for k in ("paid_at", "preparing_at", "shipped_at", "delivered_at",
                                                   "confirmed_at", "cancelled_at", "promised_delivery_by")},
                "lines": {"type": "array", "items": _ref("OrderLine")},
                "order_coupon": {
                    "type": ["object", "null"],
                    "properties": {"coupon_id": {"type": "string"}, "amount": {"type": "integer", "minimum": 1},
                                   "expires_at": _time(), "reissuable": {"type": "boolean"}},
                },
                "shipping": {
                    "type": "object",
                    "properties": {
                        "base_fee": {"type": "integer", "minimum": 0},
                        "fee_charged": {"type": "integer", "minimum": 0},
                        "free_reason": {"type": "string", "enum": ["none", "threshold", "unconditional"]},
                        "free_threshold": {"type": ["integer", "null"]},
                        "plus_member_at_order": {"type": "boolean"},
                    },
                },
                "payments": {
                    "type": "array",
                    "items": {"type": "object",
                              "properties": {"method": {"type": "string", "enum": PAYMENT_METHODS},
                                             "amount": {"type": "integer", "minimum": 1},
                                             "approval_id": {"type": "string"}}},
                },
                "seller_policy": {"type": "object", "additionalProperties": True},
                "customer": {"type": "object",
                             "properties": {"customer_id": {"type": "string"},
                                            "refund_account_on_file": {"type": "boolean"}}},
            },
            "additionalProperties": True,
        },
        "OrderList": _list_of("Order"),
        "OrderPush": _order_push(),
        "Refund": {
            "type": "object",
            "description": "An approved cancellation/refund and its payment. The shop pays, the desk tracks: "
                           "`status` is `pending` until the payment is confirmed, then `completed`.",
            "required": ["id", "ticket_number", "order_number", "kind", "refund_value_total",
                         "cash_refund_total", "points_restored", "due_by", "status", "approved_at", "paid_at",
                         "paid_reference", "paid_via", "breakdown"],
            "properties": {
                "id": {"type": "integer", "description": "The refund's id (also `refund.id` of the decision)."},
                "ticket_number": {"type": "string"},
                "order_number": {"type": "string"},
                "kind": {"type": "string", "enum": ["cancel", "refund"]},
                "refund_value_total": {"type": "integer", "minimum": 0, "description": "Cash plus points, KRW."},
                "cash_refund_total": {"type": "integer", "minimum": 0},
                "points_restored": {"type": "integer", "minimum": 0},
                "due_by": {"type": ["string", "null"], "format": "date",
                           "description": "The legal due date (KST; overdue after that day). Null while a "
                                          "returned parcel has not reached the seller."},
                "status": {"type": "string", "enum": ["pending", "completed"]},
                "approved_at": _time(),
                "paid_at": _nullable(_time("When the money was paid out (the payment's own time).")),
                "paid_reference": {"type": ["string", "null"], "maxLength": 100,
                                   "description": "PG transaction id / 입금 참조."},
                "paid_via": {"type": ["string", "null"], "enum": ["shop", "desk", None],
                             "description": "`shop`: confirmed through this API; `desk`: recorded by hand."},
                "breakdown": {"type": "object", "description": "The decision's breakdown (policy.md §3.1), "
                                                               "with the refund channels in `method`."},
                "paid_note": {"type": ["string", "null"], "description": "Staff and integration only."},
                "paid_by": {"oneOf": [person, {"type": "null"}], "description": "Staff and integration only."},
            },
            "additionalProperties": False,
        },
    }


def _order_push() -> dict:
    """The body of ``PUT /orders/{number}``: OrderSnapshot (policy.md §2.1) plus ``customer_email``.

    Types and required fields are here; the rules between fields (payments that add up to the
    amount payable, times in order, a coupon no larger than the order) are checked by the policy
    module's validator and refused with field-level 422s.
    """
    optional_text = {"type": ["string", "null"]}
    flag = {"type": "boolean"}
    krw = {"type": "integer", "minimum": 0}
    line = {
        "type": "object",
        "required": ["line_id", "sku", "name", "unit_price", "quantity"],
        "properties": {
            "line_id": {"type": "string", "minLength": 1}, "sku": {"type": "string"}, "name": {"type": "string"},
            "unit_price": krw, "quantity": {"type": "integer", "minimum": 1},
            **{k: flag for k in ("on_sale", "perishable", "reproducible_media", "hygiene", "custom_made")},
            "custom_made_consent": {"type": ["boolean", "null"]},
            "restriction_notice_given": {"type": ["boolean", "null"]},
            "earned_points": {"type": ["integer", "null"], "minimum": 0},
        },
    }
    return {
        "type": "object",
        "required": ["customer_email", "seller_id", "status", "lines", "shipping", "payments", CUSTOMER_FACTS],
        "properties": {
            "customer_email": {"type": "string", "format": "email"},
            "order_id": {"type": "string", "description": "If given, the order number of the URL."},
            "seller_id": {"type": "string"},
            "status": {"type": "string", "enum": ORDER_STATUSES},
            **{k: _nullable(_time()) for k in ("paid_at", "preparing_at", "shipped_at", "delivered_at",
                                               "confirmed_at", "cancelled_at", "promised_delivery_by")},
            "lines": {"type": "array", "minItems": 1, "items": line},
            "order_coupon": {"type": ["object", "null"],
                             "required": ["coupon_id", "amount", "expires_at", "reissuable"],
                             "properties": {"coupon_id": {"type": "string"},
                                            "amount": {"type": "integer", "minimum": 1},
                                            "expires_at": _time(), "reissuable": flag}},
            "shipping": {"type": "object", "required": ["base_fee", "fee_charged"],
                         "properties": {"base_fee": krw, "fee_charged": krw,
                                        "free_reason": {"type": "string",
                                                        "enum": ["none", "threshold", "unconditional"]},
                                        "free_threshold": {"type": ["integer", "null"], "minimum": 0},
                                        "plus_member_at_order": flag}},
            "payments": {"type": "array",
                         "items": {"type": "object", "required": ["method", "amount"],
                                   "properties": {"method": {"type": "string", "enum": PAYMENT_METHODS},
                                                  "amount": {"type": "integer", "minimum": 1},
                                                  "approval_id": optional_text}}},
            "seller_policy": {"type": ["object", "null"], "properties": {
                "withdrawal_days": {"type": ["integer", "null"], "minimum": 0},
                "extension_excludes_sale_items": flag, "sale_items_non_returnable": flag,
                "return_fee_one_way": {"type": ["integer", "null"], "minimum": 0},
                "restocking_fee_krw": {"type": ["integer", "null"], "minimum": 0},
                "customer_pays_return_on_defect": flag}},
            CUSTOMER_FACTS: {"type": "object", "required": ["refund_account_on_file"],
                             "properties": {"customer_id": optional_text, "refund_account_on_file": flag}},
        },
    }


def _responses() -> dict:
    return {name: {"description": description, "content": _json(_ref("Error"))}
            for name, description in ERROR_RESPONSES.values()}


def _paths() -> dict:
    read_errors = _errors(401, 403, 404, 503)
    return {
        "/auth/tokens": {
            "post": _operation(
                "Log in and get a bearer token", operation_id="createToken", tag="auth", roles=None,
                request_body={"required": True, "content": _json({
                    "type": "object", "required": ["email", "password"],
                    "properties": {"email": {"type": "string", "format": "email"},
                                   "password": {"type": "string", "format": "password"}}})},
                responses={"201": {"description": "A token for this user.", "content": _json(_ref("Token"))},
                           **_errors(400, 401, 422, 429, 503)},
            ),
        },
        "/me": {
            "get": _operation(
                "The caller's account", operation_id="getMe", tag="auth", roles=ROLES,
                responses={"200": {"description": "The authenticated user.", "content": _json(_ref("Me"))},
                           **_errors(401, 503)},
            ),
        },
        "/categories": {
            "get": _operation(
                "Categories the caller can file under", operation_id="listCategories", tag="tickets",
                roles=HUMANS,
                description="Active categories, in display order. Sellers get the seller center only.",
                responses={"200": {"description": "The categories (a plain array, not paged).",
                                   "content": _json({"type": "array", "items": _ref("Category")})},
                           **_errors(401, 403, 503)},
            ),
        },
        "/tickets": {
            "get": _operation(
                "List tickets", operation_id="listTickets", tag="tickets", roles=HUMANS,
                description="Newest activity first. Customers and sellers see only what they filed; agents the "
                            "tickets of their queues; leads and admins every ticket.",
                parameters=[
                    _query("status", "One status or several, comma-separated (e.g. `new,open`).",
                           {"type": "string", "examples": ["new,open"],
                            "pattern": f"^(({'|'.join(STATUSES)})(,({'|'.join(STATUSES)}))*)?$"}),
                    _query("category", "Category code."),
                    _query("queue", "Queue slug."),
                    _query("assignee", "`me`, `none` (unassigned) or a user id.",
                           {"type": "string", "examples": ["me", "none", "7"],
                            "pattern": "^(me|none|[1-9][0-9]{0,17})$"}),
                    _query("type", "Ticket type.", {"type": "string", "enum": TICKET_TYPES}),
                    _query("q", "Search (the engine of /desk/search), ranked by relevance: Korean words in any "
                           "inflected or compound form (환불 finds 환불요청; 환불요청 finds 환불 요청), "
                           "\"quoted phrases\", words of the subject, body, public replies and attachment names "
                           "(staff also internal notes and the customer's name and email), a ticket number whole "
                           "or its last digits, an order number, SKU codes and phone numbers. Field syntax and "
                           "wildcards are plain text; a query of symbols only finds nothing. Combines with the "
                           "other filters; customers search only their own tickets."),
                    _query("order_number", "Tickets about this order."),
                    *PAGE_PARAMS,
                ],
                responses={"200": {"description": "One page of tickets (without messages).",
                                   "content": _json(_ref("TicketList"))},
                           **_errors(400, 401, 403, 422, 503)},
            ),
            "post": _operation(
                "File an inquiry", operation_id="createTicket", tag="tickets", roles=_names(REQUESTER_ROLES),
                description="JSON, or `multipart/form-data` with the same fields plus `files`. Every input is "
                            "checked before anything is written.",
                request_body={"required": True, "content": {
                    "application/json": {"schema": _ref("NewTicket")},
                    "multipart/form-data": {"schema": _ref("NewTicketForm"), "encoding": FILES_ENCODING},
                }},
                responses={"201": {"description": "The new ticket with its first message.",
                                   "content": _json(_ref("Ticket")),
                                   "links": _links("number", "$response.body#/number",
                                                   "getTicket", "updateTicket", "createMessage")},
                           **_errors(400, 401, 403, 413, 415, 422, 503)},
            ),
        },
        "/tickets/{number}": {
            "parameters": [TICKET_NUMBER],
            "get": _operation(
                "A ticket with its thread", operation_id="getTicket", tag="tickets", roles=HUMANS,
                responses={"200": {"description": "The ticket and the messages the caller may read.",
                                   "content": _json(_ref("Ticket"))},
                           **read_errors},
            ),
            "patch": _operation(
                "Change status, priority, assignee or queue", operation_id="updateTicket", tag="tickets",
                roles=HUMANS,
                description="Agents of the ticket's queue, leads and admins. The requester may only set "
                            "`status: \"solved\"`. Unknown fields are refused (422).",
                request_body={"required": True, "content": _json(_ref("TicketChange"))},
                responses={"200": {"description": "The changed ticket.", "content": _json(_ref("Ticket"))},
                           **_errors(400, 401, 403, 404, 409, 422, 503)},
            ),
        },
        "/tickets/{number}/messages": {
            "parameters": [TICKET_NUMBER],
            "post": _operation(
                "Reply or add an internal note", operation_id="createMessage", tag="tickets", roles=HUMANS,
                description="JSON, or `multipart/form-data` with `files`. Only staff may set `internal`. A "
                            "requester's reply reopens a solved ticket; closed tickets refuse (409).",
                request_body={"required": True, "content": {
                    "application/json": {"schema": _ref("NewMessage")},
                    "multipart/form-data": {"schema": _ref("NewMessageForm"), "encoding": FILES_ENCODING},
                }},
                responses={"201": {"description": "The new message.", "content": _json(_ref("Message"))},
                           **_errors(400, 401, 403, 404, 409, 413, 415, 422, 503)},
            ),
        },
        "/attachments/{attachment_id}": {
            "parameters": [_path_param("attachment_id", "The attachment's id.", ROW_ID)],
            "get": _operation(
                "Download an attachment", operation_id="getAttachment", tag="tickets", roles=HUMANS,
                description="Anyone who may see the message it belongs to (customers never reach files of "
                            "internal notes).",
                responses={"200": {
                    "description": "The file as a download (`Content-Disposition: attachment`).",
                    "headers": {"Content-Disposition": {"schema": {"type": "string"}}},
                    "content": {t: {"schema": {"type": "string", "contentMediaType": t}}
                                for t in ATTACHMENT_TYPES},
                }, **read_errors},
            ),
        },
        "/orders": {
            "get": _operation(
                "List orders", operation_id="listOrders", tag="orders", roles=ORDER_READERS,
                description="Newest first. Customers get their own orders; staff every order.",
                parameters=[_query("customer_email", "Staff only: one customer's orders (their email)."), *PAGE_PARAMS],
                responses={"200": {"description": "One page of orders.", "content": _json(_ref("OrderList"))},
                           **_errors(400, 401, 403, 503)},
            ),
        },
        "/orders/{number}": {
            "parameters": [ORDER_NUMBER],
            "get": _operation(
                "An order", operation_id="getOrder", tag="orders", roles=ORDER_READERS,
                responses={"200": {"description": "The order as the desk knows it.",
                                   "content": _json(_ref("Order"))},
                           **read_errors},
            ),
            "put": _operation(
                "Create or replace an order snapshot (the shop pushes it)", operation_id="putOrder",
                tag="orders", roles=_names(access.SHOP_ROLES),
                description="The JSON form of OrderSnapshot (policy.md §2.1) plus `customer_email`, without "
                            "`refund_history`. Malformed snapshots are refused with field-level errors (422) "
                            "and the last good snapshot stays. The desk keeps the order's status history.",
                request_body={"required": True, "content": _json(_ref("OrderPush"))},
                responses={"200": {"description": "Replaced.", "content": _json(_ref("Order"))},
                           "201": {"description": "Created.", "content": _json(_ref("Order"))},
                           **_errors(400, 401, 403, 422)},
            ),
        },
        "/reports/sla": {
            "get": _operation(
                "SLA compliance and response times", operation_id="getSlaReport", tag="reports",
                roles=_names(access.SUPERVISOR_ROLES),
                description="For Seoul days `from`–`to` (inclusive; default the last 28 days, at most a year), "
                            "grouped by queue, agent, category or week, with a total. Durations are business "
                            "minutes from the SLA history and the policy's calendar.",
                parameters=[
                    _query("from", "First day (YYYY-MM-DD, Seoul).", {"type": "string", "format": "date"}),
                    _query("to", "Last day (YYYY-MM-DD, Seoul), inclusive.", {"type": "string", "format": "date"}),
                    _query("group_by", "Rows by queue (default), agent, category or week.",
                           {"type": "string", "enum": list(REPORT_GROUPS), "default": "queue"}),
                    _query("queue", "Only this queue (slug)."), _query("category", "Only this category (code)."),
                    _query("assignee", "Only targets of tickets assigned to this user (id).", ROW_ID),
                    _query("membership", "Only customers of this membership.",
                           {"type": "string", "enum": [m.value for m in Membership]}),
                    _query("priority", "Only this priority.", {"type": "string", "enum": PRIORITIES}),
                ],
                responses={"200": {"description": "The report.", "content": _json(_ref("SlaReport"))},
                           **_errors(400, 401, 403, 422)},
            ),
        },
        "/tickets/{number}/decision": {
            "parameters": [TICKET_NUMBER],
            "get": _operation(
                "The policy's evaluation of a cancellation/refund ticket, now", operation_id="getDecision",
                tag="decisions", roles=HUMANS,
                description="409 `not_a_claim` for an ordinary inquiry (it has no claim to evaluate).",
                responses={"200": {"description": "The request, the evaluation (PolicyDecision of policy.md "
                                                  "§3.1 with a `message` per reason) and the refund if approved; "
                                                  "staff also get `evaluation_digest`.",
                                   "content": _json({"type": "object",
                                                     "required": ["request", "evaluation", "refund"]})},
                           **read_errors, **_errors(409)},
            ),
            "post": _operation(
                "Approve or deny", operation_id="decide", tag="decisions", roles=_names(access.CLAIM_DECIDERS),
                description="`{action: approve|deny, note, judgement, evaluation_digest}`. Approval re-evaluates "
                            "now; 409 when already decided, when the evaluation differs from "
                            "`evaluation_digest`, or when the policy says ineligible (the new evaluation is in "
                            "the body). Refunds at or above the four-eyes threshold need a lead's second "
                            "approval. `needs_review` needs `judgement: true` and a note.",
                request_body={"required": True, "content": _json({
                    "type": "object", "required": ["action"],
                    "properties": {"action": {"type": "string", "enum": ["approve", "deny"]},
                                   "note": {"type": ["string", "null"]}, "judgement": {"type": "boolean"},
                                   "evaluation_digest": {"type": "string"}}})},
                responses={"200": {"description": "The decision recorded.",
                                   "content": _json({"type": "object"})},
                           **_errors(400, 401, 403, 404, 409, 422)},
            ),
        },
        "/refunds/{refund_id}": {
            "parameters": [REFUND_ID],
            "get": _operation(
                "An approved refund and its payment", operation_id="getRefund", tag="refunds",
                roles=_names(access.REFUND_READERS),
                description="The shop (integration), agents of the ticket's queue, leads and admins; the "
                            "ticket's customer sees their own. Anyone else gets 404.",
                responses={"200": {"description": "The refund.", "content": _json(_ref("Refund"))},
                           **read_errors},
            ),
        },
        "/refunds/{refund_id}/paid": {
            "parameters": [REFUND_ID],
            "post": _operation(
                "Confirm that a refund was paid out", operation_id="confirmRefundPaid", tag="refunds",
                roles=_names(access.SHOP_ROLES),
                description="The shop pays, the desk tracks. The body is optional: `paid_at` (ISO 8601 with "
                            "offset; default now; not in the future, not before the approval), `reference` "
                            "(PG transaction id / 입금 참조, at most 100 characters) and `note`. Idempotent: "
                            "confirming an already-paid refund again answers 200 with the same record and "
                            "changes nothing (`Idempotent-Replayed: true`); a different `reference` is a 409 "
                            "`already_paid`. Two confirmations at once record one payment. The customer is "
                            "told in-app and by email.",
                request_body={"required": False, "content": _json({
                    "type": "object",
                    "properties": {"paid_at": _nullable(_time("Default (or null): now.")),
                                   "reference": {"type": ["string", "null"], "maxLength": 100},
                                   "note": {"type": ["string", "null"], "maxLength": 2000}}})},
                responses={"200": {"description": "The refund, paid (first or replayed confirmation).",
                                   "headers": {"Idempotent-Replayed": {"schema": {"type": "string",
                                                                                  "enum": ["true"]}}},
                                   "content": _json(_ref("Refund"))},
                           **_errors(400, 401, 403, 404, 409, 422, 503)},
            ),
        },
        "/openapi.json": {
            "get": _operation(
                "This document", operation_id="getOpenApi", tag="meta", roles=None,
                responses={"200": {"description": "The OpenAPI 3.1 document.",
                                   "content": _json({"type": "object"})}},
            ),
        },
    }


def _with_common_errors(paths: dict) -> dict:
    """Every operation declares the answers any request can get: an unreadable request (400), a
    missing token (401, secured operations), a body over the size limit (413), the database briefly
    gone (503)."""
    for item in paths.values():
        for method, op in item.items():
            if method == "parameters" or op["operationId"] == "getOpenApi":
                continue
            statuses = {400, 503}
            if op.get("security") != []:
                statuses.add(401)
            if "requestBody" in op:
                statuses.add(413)
            for status in sorted(statuses):
                op["responses"].setdefault(str(status), _errors(status)[str(status)])
    return paths


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Munui API",
            "version": API_VERSION,
            "summary": "The 1:1 inquiry help desk: tickets, messages, attachments and orders.",
            "description": "JSON in and out (UTF-8). Times are ISO 8601 with offset (UTC); money is integer "
                           "KRW. Tickets and orders are identified by their public numbers. Errors are "
                           "`{\"error\": {\"code\", \"message\", \"fields\"}}` with `message` in the "
                           "language of `Accept-Language` (`ko` by default, or `en`).",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": "auth"}, {"name": "tickets"}, {"name": "orders"}, {"name": "decisions"}, {"name": "reports"},
                 {"name": "refunds"}, {"name": "meta"}],
        "paths": _with_common_errors(_paths()),
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer",
                               "description": "A token from `POST /auth/tokens`, or an integration token "
                                              "from `flask tokens create`."},
            },
            "schemas": _schemas(),
            "responses": _responses(),
        },
    }
