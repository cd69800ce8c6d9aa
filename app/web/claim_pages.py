"""What the cancellation/refund pages share: the policy's decision as a page shows it, and order lines.

The decision is the JSON form of ``app.domain.policy.evaluate.decision_to_dict`` (plain values, ISO dates),
plus ``message`` on every reason in the reader's language, so the customer's preview, the agent's
card and a stored refund's breakdown render with the same macros (templates/_claims.html).
"""
from __future__ import annotations

from app.domain.policy.evaluate import PolicyDecision, decision_to_dict
from app.models import Claim, Order
from app.web.locale import locale_code

REASON_CODES = ("change_of_mind", "defective", "wrong_item", "damaged_in_transit", "misdescribed",
                "late_delivery", "other")
ATTESTATIONS = ("packaging_intact", "opened_for_inspection_only", "unused")


# Notes that only make sense for a request that goes ahead ("the inspection decides the final
# amount"); beside a refusal they read as a promise.
_ONLY_IF_ACCEPTED = frozenset({"SUBJECT_TO_INSPECTION"})


def decision_view(decision: PolicyDecision) -> dict:
    body = decision_to_dict(decision)
    english = locale_code() == "en"
    if body["outcome"] == "ineligible":
        body["reasons"] = [r for r in body["reasons"] if r["code"] not in _ONLY_IF_ACCEPTED]
    for reason in body["reasons"]:
        reason["message"] = reason["message_en"] if english else reason["message_ko"]
    return body


def line_names(order: Order) -> dict[str, str]:
    return {line["line_id"]: line.get("name", line["line_id"]) for line in order.lines}


def request_lines(req: Claim) -> list[dict]:
    """The request's lines with the product names of the order."""
    names = line_names(req.order)
    return [{"line_id": x["line_id"], "name": names.get(x["line_id"], x["line_id"]), "quantity": x["quantity"]}
            for x in req.lines]


def claimable_lines(order: Order, done: dict[str, dict[str, int]]) -> list[dict]:
    """Each order line with what is left to cancel or return (``done``: refunded_units(order))."""
    rows = []
    for line in order.lines:
        units = done.get(line["line_id"], {})
        taken = units.get("cancel", 0) + units.get("refund", 0)
        rows.append({"line_id": line["line_id"], "name": line.get("name", line["line_id"]),
                     "unit_price": line.get("unit_price", 0), "quantity": line.get("quantity", 0),
                     "cancelled": units.get("cancel", 0), "returned": units.get("refund", 0),
                     "remaining": max(line.get("quantity", 0) - taken, 0)})
    return rows
