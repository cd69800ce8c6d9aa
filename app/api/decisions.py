"""/api/v1/tickets/{number}/decision: the policy's evaluation now, and the agent's decision."""
from __future__ import annotations

from flask import g, jsonify

from app.api.auth import token_required
from app.api.blueprint import bp
from app.api.errors import json_body
from app.api.serializers import iso
from app.domain.access import CLAIM_DECIDERS, is_staff
from app.domain.errors import DomainError
from app.domain.policy.evaluate import decision_to_dict
from app.domain.vocabulary import HUMAN_ROLES
from app.services import unit_of_work
from app.services.claims.refunds import DecisionChanged, decide, digest, evaluate_request, request_for
from app.services.tickets.core import load_ticket_for
from app.web.clock import utcnow
from app.web.locale import locale_code


def decision_json(decision) -> dict:
    body = decision_to_dict(decision)
    english = locale_code() == "en"
    for reason in body["reasons"]:
        reason["message"] = reason["message_en"] if english else reason["message_ko"]
    return body


def request_json(req, decision, *, staff: bool) -> dict:
    refund = req.refund
    data = {
        "request": {"kind": req.kind, "lines": req.lines, "reason": req.reason, "state": req.state,
                    "requested_at": req.requested_at.isoformat(),
                    "first_approved_by": req.first_approver.name if req.first_approver else None,
                    "decided_at": req.decided_at.isoformat() if req.decided_at else None},
        "evaluation": decision_json(decision) if decision is not None else None,
        "refund": None if refund is None else {
            "refund_value_total": refund.refund_value_total, "cash_refund_total": refund.cash_refund_total,
            "points_restored": refund.points_restored, "due_by": refund.due_by.isoformat() if refund.due_by else None,
            "status": refund.status, "breakdown": refund.breakdown,
            # GET/POST /refunds/{id}(/paid) take this id; the payment fields once paid.
            "id": refund.id, "paid_at": iso(refund.executed_at), "paid_reference": refund.paid_reference,
            "paid_via": refund.paid_via},
    }
    if staff and decision is not None:
        data["evaluation_digest"] = digest(req, decision)
        data["request"]["note"] = req.decision_note
    return data


@bp.get("/tickets/<number>/decision")
@token_required(*HUMAN_ROLES)
def get_decision(number: str):
    ticket = load_ticket_for(g.api_user, number)
    req = request_for(g.api_user, ticket)
    decision = evaluate_request(req, utcnow())
    return jsonify(request_json(req, decision, staff=is_staff(g.api_user.actor())))


@bp.post("/tickets/<number>/decision")
@token_required(*CLAIM_DECIDERS)
def post_decision(number: str):
    ticket = load_ticket_for(g.api_user, number)
    data = json_body()
    fields = {}
    note, digest_seen, judgement = data.get("note"), data.get("evaluation_digest"), data.get("judgement", False)
    if note is not None and not isinstance(note, str):
        fields["note"] = "not_a_string"
    if digest_seen is not None and not isinstance(digest_seen, str):
        fields["evaluation_digest"] = "not_a_string"
    if not isinstance(judgement, bool):
        fields["judgement"] = "not_a_boolean"
    if not isinstance(data.get("action"), str):
        fields["action"] = "required" if data.get("action") is None else "not_a_string"
    if fields:
        raise DomainError("validation_failed", "결정 내용을 확인해 주세요.", "Please check the decision.", status=422,
                          fields=fields)
    try:
        result = decide(g.api_user, ticket, action=data["action"], note=note, now=utcnow(),
                        seen_digest=digest_seen, judgement=judgement)
    except DecisionChanged as exc:
        unit_of_work.rollback()
        body = {"error": {"code": exc.code, "message": exc.message(locale_code())},
                "evaluation": decision_json(exc.decision)}
        return jsonify(body), 409
    unit_of_work.commit()
    return jsonify(request_json(result.request, result.decision, staff=True)), 200
