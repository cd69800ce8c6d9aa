"""/api/v1 tickets, messages, categories and attachment downloads."""
from __future__ import annotations

import re

from flask import g, jsonify, request

from app.api.auth import token_required
from app.api.blueprint import bp
from app.api.decisions import decision_json
from app.api.errors import api_error, int_arg, json_body, one_arg, parse_json_text
from app.api.serializers import category_json, message_json, ticket_json
from app.domain.claim_flow import claim_kind_of
from app.domain.errors import DomainError, is_row_id
from app.domain.ticket_flow import Status
from app.domain.vocabulary import HUMAN_ROLES, REQUESTER_ROLES, TicketType
from app.services import unit_of_work
from app.services.attachments import load_attachment_for
from app.services.claims.intake import create_ticket
from app.services.claims.refunds import ClaimIneligible
from app.services.search import SearchRequest, search_tickets
from app.services.sla.clock import targets_of
from app.services.tickets.core import (
    UNSET,
    TicketFilters,
    add_message,
    categories_for,
    find_submitted,
    list_tickets,
    load_ticket_for,
    update_ticket,
    visible_messages,
)
from app.web.clock import utcnow
from app.web.locale import locale_code
from app.web.responses import send_attachment

HUMANS = HUMAN_ROLES
STATUSES = {s.value for s in Status}
TICKET_TYPES = {t.value for t in TicketType}
ASSIGNEE_FILTER = re.compile(r"me|none|[1-9][0-9]{0,17}")
PATCH_FIELDS = {"status", "priority", "assignee_id", "queue", "return_received_at", "return_inspection"}


def _fields() -> tuple[dict, list]:
    """JSON or multipart form fields, and uploaded files (multipart only)."""
    if request.mimetype == "multipart/form-data":
        if "files" in request.form:
            # A text part named "files" is not a file; silently dropping it would lose an attachment.
            raise DomainError("validation_failed", "files는 파일로 올려야 합니다.", "files must be file uploads.",
                              status=422, fields={"files": "not_a_file"})
        return request.form.to_dict(), request.files.getlist("files")
    return json_body(), []


def _text(data: dict, name: str) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise DomainError("validation_failed", f"{name} 값은 문자열이어야 합니다.",
                          f"{name} must be a string.", status=422, fields={name: "not_a_string"})
    return value


@bp.get("/categories")
@token_required(*HUMANS)
def categories():
    return jsonify([category_json(c) for c in categories_for(g.api_user)])


@bp.post("/tickets")
@token_required(*REQUESTER_ROLES)
def create():
    data, files = _fields()
    key = request.headers.get("Idempotency-Key", "").strip()[:64] or None
    existing = find_submitted(g.api_user, key)
    if existing is not None:
        # A retried request gets the ticket the first one created, not a second ticket.
        response = jsonify(ticket_json(existing, visible_messages(g.api_user, existing)))
        response.headers["Idempotent-Replayed"] = "true"
        return response, 200
    try:
        ticket = create_ticket(
            g.api_user, category_code=_text(data, "category") or "", subject=_text(data, "subject"),
            body=_text(data, "body"), order_number=_text(data, "order_number"), files=files,
            now=utcnow(), submission_key=key, claim=_claim(data))
    except ClaimIneligible as exc:
        # Refused with the policy's reasons and what the customer can do instead (its suggestion).
        unit_of_work.rollback()
        body = {"error": {"code": exc.code, "message": exc.message(locale_code()), "fields": exc.fields},
                "evaluation": decision_json(exc.decision)}
        return jsonify(body), 422
    unit_of_work.commit()
    return jsonify(ticket_json(ticket, visible_messages(g.api_user, ticket))), 201


@bp.get("/tickets")
@token_required(*HUMANS)
def index():
    items, total, page, per_page = list_tickets_from_query()
    targets = targets_of([t.id for t in items])
    return jsonify({"items": [ticket_json(t, targets=targets.get(t.id, {})) for t in items], "page": page,
                    "per_page": per_page,
                    "total": total})


def list_tickets_from_query():
    """``GET /tickets`` filters as the document declares them: a value outside its enum, a malformed
    assignee or a repeated single value is a 422/400 naming the field, never an empty page."""
    statuses = [s for s in (one_arg("status") or "").split(",") if s]
    fields = {}
    if any(s not in STATUSES for s in statuses):
        fields["status"] = "invalid"
    kind = one_arg("type")
    if kind is not None and kind not in TICKET_TYPES:
        fields["type"] = "invalid"
    assignee = one_arg("assignee")
    if assignee is not None and not ASSIGNEE_FILTER.fullmatch(assignee):
        fields["assignee"] = "invalid"
    if fields:
        raise DomainError("validation_failed", "목록 조건을 확인해 주세요.", "Please check the list filters.",
                          status=422, fields=fields)
    filters = TicketFilters(statuses=statuses, category=one_arg("category") or None,
                            queue=one_arg("queue") or None, assignee=assignee, type=kind,
                            q=one_arg("q") or None, order_number=one_arg("order_number") or None)
    page = int_arg("page", 1)
    per_page = int_arg("per_page", 25, cap=100)
    if filters.q and filters.q.strip():
        # The search engine of /desk/search, ranked by relevance, with the same filters.
        found = search_tickets(g.api_user, SearchRequest(
            q=filters.q, statuses=statuses, category=filters.category, queue=filters.queue,
            assignee=assignee, type=kind, order_number=filters.order_number), page=page, per_page=per_page)
        return found.tickets, found.total, page, per_page
    items, total = list_tickets(g.api_user, filters, page=page, per_page=per_page)
    return items, total, page, per_page


@bp.get("/tickets/<number>")
@token_required(*HUMANS)
def show(number: str):
    ticket = load_ticket_for(g.api_user, number)
    return jsonify(ticket_json(ticket, visible_messages(g.api_user, ticket)))


@bp.post("/tickets/<number>/messages")
@token_required(*HUMANS)
def post_message(number: str):
    ticket = load_ticket_for(g.api_user, number)
    data, files = _fields()
    internal = data.get("internal", False)
    if isinstance(internal, str) and request.mimetype == "multipart/form-data":
        # Only clear spellings: a typo must not turn an intended note into a public reply.
        internal = {"1": True, "true": True, "yes": True, "on": True,
                    "0": False, "false": False, "no": False, "off": False, "": False
                    }.get(internal.strip().lower(), internal)
    if not isinstance(internal, bool):
        return api_error(422, "validation_failed", fields={"internal": "not_a_boolean"})
    message = add_message(g.api_user, ticket, body=_text(data, "body"), internal=internal,
                          files=files, now=utcnow())
    unit_of_work.commit()
    return jsonify(message_json(message)), 201


@bp.patch("/tickets/<number>")
@token_required(*HUMANS)
def patch(number: str):
    ticket = load_ticket_for(g.api_user, number)
    data = json_body()
    unknown = set(data) - PATCH_FIELDS
    if unknown:
        return api_error(422, "validation_failed", fields={k: "unknown_field" for k in sorted(unknown)})
    if not data:
        raise DomainError("validation_failed", "바꿀 항목을 하나 이상 주세요.", "Give at least one field to change.",
                          status=422, fields={"body": "empty"})
    # null means "unassign" for assignee_id only; a null status, priority or queue is a mistake, not a no-op.
    nulls = {k: "null" for k in ("status", "priority", "queue") if k in data and data[k] is None}
    if nulls:
        raise DomainError("validation_failed", "비울 수 없는 항목입니다.", "These fields cannot be null.",
                          status=422, fields=nulls)
    now = utcnow()
    update_ticket(g.api_user, ticket, status=_text(data, "status"), priority=_text(data, "priority"),
                  assignee_id=_assignee(data),
                  queue=_text(data, "queue"), now=now)
    if "return_received_at" in data or "return_inspection" in data:
        from app.services.claims.refunds import record_return

        record_return(g.api_user, ticket, data, now)
    unit_of_work.commit()
    return jsonify(ticket_json(ticket, visible_messages(g.api_user, ticket)))


def _claim(data: dict):
    """The cancellation/refund part of a new ticket (``lines``, ``reason``, …), if any."""
    from app.services.claims.refunds import parse_claim

    if "lines" not in data:
        return None
    data = dict(data)
    for name in ("lines", "attestations"):
        if isinstance(data.get(name), str):  # multipart: JSON in a form field
            try:
                data[name] = parse_json_text(data[name])
            except ValueError:
                raise DomainError("validation_failed", f"{name} 값이 올바른 JSON이 아닙니다.",
                                  f"{name} is not valid JSON.", status=422, fields={name: "invalid"}) from None
    code = (data.get("category") or "").strip()
    kind = claim_kind_of(code)
    if kind is None:
        raise DomainError("validation_failed", "취소/환불 문의에만 상품을 지정할 수 있습니다.",
                          "Lines can only be given for a cancellation or refund.", status=422,
                          fields={"lines": "not_allowed"})
    return parse_claim(data, kind=kind)


def _assignee(data: dict):
    """assignee_id: a user id or null; anything else (true, "3", 2.5) is refused, not coerced."""
    if "assignee_id" not in data:
        return UNSET
    value = data["assignee_id"]
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not is_row_id(value)):
        raise DomainError("validation_failed", "담당자는 사용자 번호 또는 null이어야 합니다.",
                          "assignee_id must be a user id or null.", status=422,
                          fields={"assignee_id": "not_an_id"})
    return value


@bp.get("/attachments/<int:attachment_id>")
@token_required(*HUMANS)
def attachment(attachment_id: int):
    return send_attachment(load_attachment_for(g.api_user, attachment_id))
