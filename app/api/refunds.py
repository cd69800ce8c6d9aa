"""/api/v1/refunds/{id}: an approved refund, and the shop's confirmation that it paid it out.

The shop pays, the desk tracks: the integration (or an admin) confirms a payment once;
replaying the same confirmation answers the same record (``Idempotent-Replayed: true``).
"""
from __future__ import annotations

from flask import g, jsonify, request

from app.api.auth import token_required
from app.api.blueprint import bp
from app.api.errors import json_body
from app.api.serializers import iso
from app.domain.access import REFUND_READERS, SHOP_ROLES, can_see_payment_details
from app.models import Refund, User
from app.services import unit_of_work
from app.services.claims.refunds import load_refund_for, parse_payment, record_payment
from app.web.clock import utcnow


def refund_json(refund: Refund, viewer: User) -> dict:
    """The refund as the API shows it; the payment note and who recorded it are not for the customer."""
    data = {
        "id": refund.id, "ticket_number": refund.request.ticket.number, "order_number": refund.order.number,
        "kind": refund.kind, "refund_value_total": refund.refund_value_total,
        "cash_refund_total": refund.cash_refund_total, "points_restored": refund.points_restored,
        "due_by": refund.due_by.isoformat() if refund.due_by else None, "status": refund.status,
        "approved_at": iso(refund.created_at), "paid_at": iso(refund.executed_at),
        "paid_reference": refund.paid_reference, "paid_via": refund.paid_via, "breakdown": refund.breakdown,
    }
    if can_see_payment_details(viewer.actor()):
        data["paid_note"] = refund.paid_note
        data["paid_by"] = {"id": refund.paid_by.id, "name": refund.paid_by.name} if refund.paid_by else None
    return data


@bp.get("/refunds/<int:refund_id>")
@token_required(*REFUND_READERS)
def get_refund(refund_id: int):
    return jsonify(refund_json(load_refund_for(g.api_user, refund_id), g.api_user))


@bp.post("/refunds/<int:refund_id>/paid")
@token_required(*SHOP_ROLES)
def refund_paid(refund_id: int):
    """The shop confirms it paid the refund out: ``{paid_at?, reference?, note?}``."""
    refund = load_refund_for(g.api_user, refund_id)
    # The body is optional: no body means paid now, without a reference.
    payment = parse_payment(json_body() if request.get_data() else {})
    result = record_payment(g.api_user, refund, payment, via="shop", now=utcnow())
    unit_of_work.commit()
    response = jsonify(refund_json(result.refund, g.api_user))
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response, 200
