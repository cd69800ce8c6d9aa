"""Cancellation and refund requests: preview, open, decide exactly once, track what is overdue.

The decision is the policy module's (app/domain/policy/evaluate.py), evaluated on the order as the
desk knows it now plus the refunds already decided. An approval re-evaluates at that moment
and moves the request's state with a conditional UPDATE (state and version as read), so two
approvals at once make one refund on SQLite and PostgreSQL alike; the unique request id on
``refunds`` backs it up.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select, update

from app.domain import access
from app.domain.claim_flow import (
    ClaimState,
    DecisionNotice,
    claim_kind_of,
    decision_message,
    return_arrived_message,
    ticket_status_after_decision,
)
from app.domain.errors import Conflict, DomainError, Forbidden, NotFound, invalid, is_row_id
from app.domain.policy.days import nth_business_day
from app.domain.policy.evaluate import (
    Attestations,
    Inspection,
    InspectionCondition,
    Outcome,
    PolicyConfig,
    PolicyDecision,
    PolicyInputError,
    PolicyRequest,
    RefundRecord,
    RefundStatus,
    RequestKind,
    RequestReason,
    decision_to_dict,
    evaluate,
)
from app.domain.policy.json import order_from_dict
from app.domain.vocabulary import SEOUL, Role
from app.extensions import db
from app.models import Claim, Order, OrderStatusChange, Refund, Ticket, User
from app.services.audit import record_event
from app.services.notifications import notify
from app.services.sla.clock import public_holidays
from app.services.tickets.core import answer_with_decision, hold

OPEN, AWAITING_SECOND = ClaimState.OPEN, ClaimState.AWAITING_SECOND_APPROVAL
APPROVED, DENIED = ClaimState.APPROVED, ClaimState.DENIED


# ----------------------------------------------------------------- inputs

@dataclass(frozen=True)
class ClaimInput:
    """What the customer asks: cancel or refund (return), which units, why, what they attest."""

    kind: str
    lines: list[tuple[str, int]]
    reason: str
    reason_text: str = ""
    attestations: dict | None = None
    discovered_at: datetime | None = None


def parse_claim(data: dict, *, kind: str) -> ClaimInput:
    """The claim fields of a form or JSON body (``lines``, ``reason``, ``attestations``…), checked."""
    fields: dict[str, str] = {}
    raw_lines = data.get("lines")
    lines: list[tuple[str, int]] = []
    if not isinstance(raw_lines, list) or not raw_lines:
        fields["lines"] = "required"
    else:
        for i, item in enumerate(raw_lines):
            qty = item.get("quantity") if isinstance(item, dict) else None
            line_id = item.get("line_id") if isinstance(item, dict) else None
            if not isinstance(line_id, str) or not line_id:
                fields[f"lines[{i}].line_id"] = "required"
            elif isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
                fields[f"lines[{i}].quantity"] = "invalid"
            else:
                lines.append((line_id, qty))
        if len({line_id for line_id, _ in lines}) != len(lines):
            fields["lines"] = "duplicate_line"
    reason = data.get("reason")
    if not isinstance(reason, str) or reason not in {r.value for r in RequestReason}:
        fields["reason"] = "invalid"
    reason_text = data.get("reason_text")
    if reason_text is not None and not isinstance(reason_text, str):
        fields["reason_text"] = "not_a_string"
    attestations = data.get("attestations") or {}
    if not isinstance(attestations, dict) or any(
            k not in ("packaging_intact", "opened_for_inspection_only", "unused") or v not in (True, False, None)
            for k, v in attestations.items()):
        fields["attestations"] = "invalid"
    discovered = data.get("discovered_at")
    discovered_at = None
    if discovered is not None and discovered != "":
        try:
            if not isinstance(discovered, str):
                raise ValueError
            discovered_at = datetime.fromisoformat(discovered)
            if discovered_at.tzinfo is None:
                raise ValueError
        except ValueError:
            fields["discovered_at"] = "invalid"
    if fields:
        raise invalid(fields, "취소/환불 신청 내용을 확인해 주세요.", "Please check the cancellation/refund request.")
    return ClaimInput(kind=kind, lines=lines, reason=reason, reason_text=(reason_text or "")[:2000],
                      attestations=attestations or {}, discovered_at=discovered_at)


# ----------------------------------------------------------------- the policy's view of an order

def policy_config(now: datetime) -> PolicyConfig:
    return PolicyConfig(holidays=public_holidays(now.year - 1, now.year + 1),
                        four_eyes_threshold_krw=current_app.config["FOUR_EYES_THRESHOLD_KRW"])


def _history(order: Order) -> tuple[RefundRecord, ...]:
    rows = db.session.scalars(select(Refund).where(Refund.order_id == order.id).order_by(Refund.id)).all()
    records = []
    for row in rows:
        b = row.breakdown
        records.append(RefundRecord(
            refund_id=f"RF-{row.id}", request_id=row.request.request_key, kind=RequestKind(row.kind),
            status=RefundStatus.COMPLETED if row.executed_at else RefundStatus.PENDING,
            lines=tuple((line["line_id"], line["quantity"]) for line in row.lines),
            items_amount=b["items_amount"], coupon_share=b["coupon_share"], shipping_refund=b["shipping_refund"],
            initial_shipping_clawback=b["initial_shipping_clawback"],
            return_shipping_fee=b["return_shipping_fee"], cash_refunded=b["cash_refund_total"],
            points_restored=b["points_restored"], executed_at=row.executed_at))
    return tuple(records)


def snapshot_of(order: Order):
    """The order as the policy module sees it: the shop's snapshot plus the refunds decided here."""
    return dataclasses.replace(order_from_dict(order.snapshot), refund_history=_history(order))


def _policy_request(request_key: str, claim: ClaimInput, *, requested_at: datetime, status_at_request: str,
                    return_received_at: datetime | None = None, inspection: dict | None = None) -> PolicyRequest:
    attest = claim.attestations or {}
    return PolicyRequest(
        request_id=request_key, kind=RequestKind(claim.kind), lines=tuple(claim.lines),
        reason=RequestReason(claim.reason), reason_text=claim.reason_text, requested_at=requested_at,
        status_at_request=status_at_request, discovered_at=claim.discovered_at,
        attestations=Attestations(**attest),
        return_inspection=Inspection(condition=InspectionCondition(inspection["condition"]),
                                     inspected_at=datetime.fromisoformat(inspection["inspected_at"]),
                                     note=inspection.get("note", "")) if inspection else None,
        return_received_at=return_received_at)


def _claim_of(req: Claim) -> ClaimInput:
    return ClaimInput(kind=req.kind, lines=[(x["line_id"], x["quantity"]) for x in req.lines], reason=req.reason,
                      reason_text=req.reason_text or "", attestations=req.attestations or {},
                      discovered_at=req.discovered_at)


def preview(actor: User, order_number: str, claim: ClaimInput, now: datetime) -> PolicyDecision:
    """The policy's answer before the customer submits (nothing is written)."""
    from app.services.claims.orders import load_order_for

    order = load_order_for(actor, order_number)
    if not access.owns_order(actor.actor(), customer_id=order.customer_id):
        raise NotFound("order")
    request = _policy_request("PREVIEW", claim, requested_at=now, status_at_request=order.status)
    return evaluate(snapshot_of(order), request, now, policy_config(now))


class ClaimIneligible(DomainError):
    """The policy does not allow this request: it is refused at submit (422) with the reasons,
    and the decision (with its suggestion, e.g. a return instead of a cancel) rides along."""

    def __init__(self, decision: PolicyDecision):
        blocks = [r for r in decision.reasons if r.effect == "block"] or list(decision.reasons)
        ko = " ".join(r.message_ko for r in blocks[:3])
        en = " ".join(r.message_en for r in blocks[:3])
        super().__init__("claim_ineligible", f"이 신청은 받아들여질 수 없습니다. {ko}".strip(),
                         f"This request cannot be accepted. {en}".strip(), status=422,
                         fields={"claim": "ineligible"})
        self.decision = decision


def check_claim(ticket_type: str, order: Order, claim: ClaimInput, now: datetime) -> PolicyDecision | None:
    """Before anything is written: the request fits the inquiry type and the order, and the policy
    does not refuse it (an ineligible claim is never filed; needs-review ones are). A snapshot the
    policy cannot read (None) does not stop the customer: an agent sees why and can deny it."""
    expected = claim_kind_of(ticket_type)
    if expected is None or claim.kind != expected:
        raise invalid({"kind": "mismatch"}, "문의 유형과 신청 종류가 맞지 않습니다.",
                      "The request kind does not match the inquiry type.")
    known = {line["line_id"]: line.get("quantity", 0) for line in order.snapshot.get("lines", [])}
    bad = {f"lines[{i}]": "unknown_line" for i, (line_id, _q) in enumerate(claim.lines) if line_id not in known}
    bad |= {f"lines[{i}].quantity": "too_many" for i, (line_id, qty) in enumerate(claim.lines)
            if line_id in known and qty > known[line_id]}
    if bad:
        raise invalid(bad, "주문에 없는 상품이거나 수량이 주문보다 많습니다.",
                      "A line is not in the order or its quantity is more than was ordered.")
    request = _policy_request("CHECK", claim, requested_at=now, status_at_request=order.status)
    try:
        decision = evaluate(snapshot_of(order), request, now, policy_config(now))
    except PolicyInputError:
        return None
    if decision.outcome == Outcome.INELIGIBLE:
        raise ClaimIneligible(decision)
    return decision


def open_request(ticket: Ticket, order: Order, claim: ClaimInput, now: datetime) -> Claim:
    """Attach the customer's request (already checked by ``check_claim``) to its new ticket."""
    req = Claim(ticket_id=ticket.id, order_id=order.id, request_key=f"RQ-{ticket.number}", kind=claim.kind,
                        lines=[{"line_id": line_id, "quantity": qty} for line_id, qty in claim.lines],
                        reason=claim.reason, reason_text=claim.reason_text, attestations=claim.attestations or {},
                        discovered_at=claim.discovered_at, requested_at=now, status_at_request=order.status,
                        state=OPEN, version=1)
    db.session.add(req)
    db.session.flush()
    return req


# ----------------------------------------------------------------- evaluation and decision

def evaluate_request(req: Claim, now: datetime) -> PolicyDecision:
    request = _policy_request(req.request_key, _claim_of(req), requested_at=req.requested_at,
                              status_at_request=req.status_at_request, return_received_at=req.return_received_at,
                              inspection=req.return_inspection)
    return evaluate(snapshot_of(req.order), request, now, policy_config(now))


def digest(req: Claim, decision: PolicyDecision) -> str:
    """What the agent saw: the order's version and the decision's outcome and money."""
    body = decision_to_dict(decision)
    material = json.dumps({"order": req.order.version, "outcome": body["outcome"], "breakdown": body["breakdown"],
                           "approvals": body["approvals_required"]}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(material.encode()).hexdigest()[:20]


def request_for(actor: User, ticket: Ticket) -> Claim:
    """The ticket's claim; the caller loaded the ticket with access. An ordinary inquiry has none: that
    is a 409 ``not_a_claim`` (the ticket exists, it is just not a cancellation or refund), not a 404."""
    req = db.session.scalar(select(Claim).where(Claim.ticket_id == ticket.id))
    if req is None:
        raise Conflict("not_a_claim", "이 문의는 취소·환불 신청이 아닙니다.",
                       "This ticket is not a cancellation or refund request.")
    return req


class DecisionChanged(Conflict):
    """The evaluation differs from the one the agent decided on: 409 with the new one."""

    def __init__(self, decision: PolicyDecision, ko: str, en: str, code: str = "decision_changed"):
        super().__init__(code, ko, en)
        self.decision = decision


@dataclass
class DecisionResult:
    request: Claim
    decision: PolicyDecision | None  # None: denied on an order the policy could not read
    refund: Refund | None


def _move(req: Claim, expected_state: str, **values) -> None:
    """Conditional update: only if the request is still as read. Loses → 409 already decided."""
    result = db.session.execute(
        update(Claim)
        .where(Claim.id == req.id, Claim.state == expected_state,
               Claim.version == req.version)
        .values(version=Claim.version + 1, **values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        raise Conflict("already_decided", "이미 다른 상담원이 처리한 신청입니다. 새로고침해 주세요.",
                       "Another agent has already decided this request. Please reload.")
    db.session.refresh(req)


def decide(actor: User, ticket: Ticket, *, action: str, note: str | None, now: datetime,
           seen_digest: str | None = None, judgement: bool = False) -> DecisionResult:
    """Approve or deny a cancellation/refund request against the policy, exactly once."""
    me = actor.actor()
    if not access.can_decide_claim(me, requester_id=ticket.requester_id, queue_id=ticket.queue_id):
        raise Forbidden("취소/환불 결정은 담당 큐의 상담원만 할 수 있습니다.",
                        "Only agents of the ticket's queue can decide cancellations and refunds.")
    if action not in ("approve", "deny"):
        raise invalid({"action": "invalid"}, "승인 또는 거절을 선택해 주세요.", "Choose approve or deny.")
    note = (note or "").strip()
    req = request_for(actor, ticket)
    if req.state in (APPROVED, DENIED):
        raise Conflict("already_decided", "이미 결정된 신청입니다.", "This request has already been decided.")
    try:
        decision = evaluate_request(req, now)
    except PolicyInputError:
        # An order snapshot the policy cannot read can still be denied, never approved.
        if action != "deny":
            raise
        decision = None
    if decision is not None and seen_digest and seen_digest != digest(req, decision):
        raise DecisionChanged(
            decision, "주문이나 정책 판단이 바뀌었습니다. 새 판단을 확인한 뒤 다시 결정해 주세요.",
            "The order or the policy's evaluation changed. Review the new evaluation and decide again.")
    if action == "deny":
        if not note:
            raise invalid({"note": "required"}, "거절 사유를 입력해 주세요.", "Please give the reason for the denial.")
        _move(req, req.state, state=DENIED, decided_by_id=actor.id, decided_at=now, decision_note=note)
        record_event(ticket, actor, "refund_denied", now, new=DENIED, detail={"note": note[:500], "kind": req.kind})
        _answer(actor, ticket, DecisionNotice(kind=req.kind, approved=False, reason=note), now)
        notify(ticket.requester_id, ticket, "refund_denied", now, actor, note=note[:500], request_kind=req.kind)
        return DecisionResult(req, decision, None)

    if decision.outcome == Outcome.INELIGIBLE:
        raise DecisionChanged(decision, "정책상 승인할 수 없는 신청입니다. 판단 사유를 확인해 주세요.",
                              "The policy does not allow approving this request. See the reasons.",
                              code="not_eligible")
    if decision.outcome == Outcome.NEEDS_REVIEW and not (judgement and note):
        raise invalid({"note": "judgement_required"},
                      "상담원 판단이 필요한 신청입니다. 판단 내용을 메모로 남기고 '판단하여 승인'을 선택해 주세요.",
                      "This request needs your judgement: write it in the note and confirm it.")
    four_eyes = decision.approvals_required >= 2
    if four_eyes and req.state == OPEN:
        _move(req, OPEN, state=AWAITING_SECOND, first_approver_id=actor.id, first_approved_at=now,
              decision_note=note or None)
        record_event(ticket, actor, "refund_first_approval", now, new=AWAITING_SECOND,
                     detail={"refund_value_total": decision.breakdown.refund_value_total, "kind": req.kind})
        # The first approver holds the ticket until a lead confirms, so take-next never hands it out.
        if ticket.assignee_id is None:
            hold(actor, ticket, now)
        return DecisionResult(req, decision, None)
    if four_eyes:
        if not access.can_second_approve(me, first_approver_id=req.first_approver_id):
            raise Forbidden("두 번째 승인은 첫 승인자가 아닌 팀장이 해야 합니다.",
                            "The second approval must be a lead other than the first approver.")
    _move(req, req.state, state=APPROVED, decided_by_id=actor.id, decided_at=now,
          decision_note=note or req.decision_note)
    refund = _record_refund(req, decision, actor, now, second=four_eyes)
    return DecisionResult(req, decision, refund)


def _record_refund(req: Claim, decision: PolicyDecision, actor: User, now: datetime, *,
                   second: bool) -> Refund:
    body = decision_to_dict(decision)
    b = decision.breakdown
    refund = Refund(request_id=req.id, order_id=req.order_id, kind=req.kind, lines=req.lines,
                    breakdown=body["breakdown"], refund_value_total=b.refund_value_total,
                    cash_refund_total=b.cash_refund_total, points_restored=b.points_restored,
                    due_by=decision.deadlines.refund_due_by, status="pending",
                    approved_by_id=req.first_approver_id if second else actor.id,
                    second_approved_by_id=actor.id if second else None, created_at=now)
    db.session.add(refund)
    db.session.flush()
    order = req.order
    if req.kind == "cancel" and _all_units_refunded(order):
        _set_order_status(order, "cancelled", now, source="desk")
    order.version += 1
    order.updated_at = now
    ticket = req.ticket
    record_event(ticket, actor, "refund_approved", now, new=APPROVED,
                 detail={"refund_value_total": b.refund_value_total, "cash": b.cash_refund_total,
                         "points": b.points_restored, "due_by": str(refund.due_by) if refund.due_by else None,
                         "kind": req.kind})
    goods_back = req.kind != "refund" or req.return_received_at is not None
    timing = refund_timing_of(refund, paid=False)
    _answer(actor, ticket, DecisionNotice(
        kind=req.kind, approved=True, refund_value_total=b.refund_value_total, cash_refund_total=b.cash_refund_total,
        points_restored=b.points_restored, due_by=refund.due_by, goods_back=goods_back,
        timing=timing.text(_locale_of(ticket)) if timing else ""), now)
    notify(ticket.requester_id, ticket, "refund_approved", now, actor, request_kind=req.kind,
           refund_value_total=b.refund_value_total, cash_refund_total=b.cash_refund_total,
           points_restored=b.points_restored, due_by=str(refund.due_by) if refund.due_by else None)
    return refund


def _answer(actor: User, ticket: Ticket, notice: DecisionNotice, now: datetime) -> None:
    """The decision as a message in the thread, and the ticket moved on (app/domain/claim_flow.py)."""
    status = ticket_status_after_decision(kind=notice.kind, approved=notice.approved, goods_back=notice.goods_back)
    answer_with_decision(actor, ticket, body=decision_message(notice, _locale_of(ticket)), status=status, now=now)


def _locale_of(ticket: Ticket) -> str:
    """The customer's language: what the thread message to them is written in."""
    return (ticket.requester.locale if ticket.requester is not None else None) or "ko"


def _all_units_refunded(order: Order) -> bool:
    ordered = {line["line_id"]: line.get("quantity", 0) for line in order.snapshot.get("lines", [])}
    done: dict[str, int] = {}
    for row in db.session.scalars(select(Refund).where(Refund.order_id == order.id)):
        for line in row.lines:
            done[line["line_id"]] = done.get(line["line_id"], 0) + line["quantity"]
    return all(done.get(line_id, 0) >= qty for line_id, qty in ordered.items())


def _set_order_status(order: Order, status: str, now: datetime, *, source: str) -> None:
    if order.status == status:
        return
    db.session.add(OrderStatusChange(order_id=order.id, old_status=order.status, new_status=status,
                                     source=source, at=now))
    order.status = status
    snapshot = dict(order.snapshot)
    snapshot["status"] = status
    if status == "cancelled" and not snapshot.get("cancelled_at"):
        snapshot["cancelled_at"] = now.isoformat()
    order.snapshot = snapshot


def refunded_units(order: Order) -> dict[str, dict[str, int]]:
    """Per line: units cancelled and returned by approved requests (the item statuses)."""
    units: dict[str, dict[str, int]] = {}
    for row in db.session.scalars(select(Refund).where(Refund.order_id == order.id)):
        for line in row.lines:
            entry = units.setdefault(line["line_id"], {"cancel": 0, "refund": 0})
            entry[row.kind] += line["quantity"]
    return units


def overdue_refunds(now: datetime, limit: int = 200) -> list[Refund]:
    """환불 지연: approved refunds not executed by the end of their due day (KST)."""
    today = now.astimezone(SEOUL).date()
    return list(db.session.scalars(
        select(Refund).where(Refund.status == "pending", Refund.due_by < today)
        .order_by(Refund.due_by, Refund.id).limit(limit)))




def return_input(received_local: str | None, condition: str | None, note: str | None, now: datetime) -> dict:
    """The desk's return form (a Seoul wall-clock time, an inspection condition) as ``record_return``
    takes it (the API's ``return_received_at`` / ``return_inspection``)."""
    data: dict = {}
    text_value = (received_local or "").strip()
    if text_value:
        try:
            data["return_received_at"] = datetime.fromisoformat(text_value).replace(tzinfo=SEOUL).isoformat()
        except ValueError:
            raise invalid({"return_received_at": "invalid"}, "반품 도착 시각이 올바르지 않습니다.",
                          "The return arrival time is invalid.") from None
    if condition:
        data["return_inspection"] = {"condition": condition, "inspected_at": now.isoformat(),
                                     "note": (note or "").strip()[:500]}
    if not data:
        raise invalid({"return_received_at": "required"}, "도착 시각이나 검수 결과를 입력해 주세요.",
                      "Enter the arrival time or the inspection result.")
    return data


def record_return(actor: User, ticket: Ticket, data: dict, now: datetime) -> Claim:
    """Agents record when the returned parcel arrived and what the inspection found; the
    decision is re-evaluated with them (they drive the refund due date and the exclusions)."""
    if not access.can_work_ticket(actor.actor(), requester_id=ticket.requester_id, queue_id=ticket.queue_id):
        raise Forbidden("반품 도착과 검수는 상담원만 기록할 수 있습니다.", "Only agents can record returns.")
    req = request_for(actor, ticket)
    if req.kind == "refund" and req.state == APPROVED and req.refund is not None and req.refund.due_by is None:
        return _return_arrived(actor, ticket, req, data, now)
    if req.kind != "refund" or req.state in (APPROVED, DENIED):
        raise Conflict("not_a_pending_return", "진행 중인 반품 신청이 아닙니다.", "This is not a pending return.")
    fields: dict[str, str] = {}
    received = data.get("return_received_at", req.return_received_at.isoformat() if req.return_received_at else None)
    received_at = None
    if received is not None:
        try:
            if not isinstance(received, str):
                raise ValueError
            received_at = datetime.fromisoformat(received)
            if received_at.tzinfo is None or received_at > now:
                raise ValueError
        except ValueError:
            fields["return_received_at"] = "invalid"
    inspection = data.get("return_inspection", req.return_inspection)
    if inspection is not None:
        ok = (isinstance(inspection, dict) and isinstance(inspection.get("condition"), str)
              and inspection["condition"] in {c.value for c in InspectionCondition}
              and isinstance(inspection.get("inspected_at"), str)
              and (inspection.get("note") is None or isinstance(inspection.get("note"), str)))
        try:
            ok = ok and datetime.fromisoformat(inspection["inspected_at"]).tzinfo is not None
        except ValueError:
            ok = False
        if not ok:
            fields["return_inspection"] = "invalid"
        else:
            inspection = {"condition": inspection["condition"], "inspected_at": inspection["inspected_at"],
                          "note": str(inspection.get("note") or "")[:500]}
    if fields:
        raise invalid(fields, "반품 도착 시각 또는 검수 결과가 올바르지 않습니다.",
                      "The return arrival time or inspection is invalid.")
    req.return_received_at = received_at
    req.return_inspection = inspection
    record_event(ticket, actor, "return_recorded", now,
                 detail={"received_at": received_at.isoformat() if received_at else None,
                         "condition": inspection["condition"] if inspection else None})
    return req


def _return_arrived(actor: User, ticket: Ticket, req: Claim, data: dict, now: datetime) -> Claim:
    """A return approved before its parcel came back has arrived: the refund's 3 business days start
    now (TIMELINE-3-BUSINESS-DAYS), the customer is told the date, and the ticket is solved."""
    try:
        raw = data.get("return_received_at")
        if not isinstance(raw, str):
            raise ValueError
        received_at = datetime.fromisoformat(raw)
        # minutes are what the form gives: a parcel can arrive in the minute it was asked about
        earliest = req.requested_at.replace(second=0, microsecond=0)
        if received_at.tzinfo is None or received_at > now or received_at < earliest:
            raise ValueError
    except (TypeError, ValueError):
        raise invalid({"return_received_at": "invalid"}, "반품 도착 시각이 올바르지 않습니다.",
                      "The return arrival time is invalid.") from None
    config = policy_config(now)
    refund = req.refund
    req.return_received_at = received_at
    refund.due_by = nth_business_day(received_at, config.refund_business_days, config.holidays)
    record_event(ticket, actor, "return_arrived", now, detail={"received_at": received_at.isoformat(),
                                                               "due_by": refund.due_by.isoformat()})
    timing = refund_timing_of(refund, paid=False)
    notice = DecisionNotice(kind="refund", approved=True, refund_value_total=refund.refund_value_total,
                            cash_refund_total=refund.cash_refund_total, points_restored=refund.points_restored,
                            due_by=refund.due_by, timing=timing.text(_locale_of(ticket)) if timing else "")
    body = return_arrived_message(notice, _locale_of(ticket))
    if ticket.status != "closed":
        answer_with_decision(actor, ticket, body=body, status=ticket_status_after_decision(
            kind="refund", approved=True, goods_back=True), now=now)
    notify(ticket.requester_id, ticket, "agent_replied", now, actor, body=body)
    return req


# ----------------------------------------------------------------- payment: the shop pays, the desk tracks

PAID = "completed"  # Refund.status once paid out (policy.md's RefundStatus.COMPLETED)
PAID_VIA = ("shop", "desk")
MAX_REFERENCE, MAX_PAYMENT_NOTE = 100, 2000


@dataclass(frozen=True)
class PaymentInput:
    """What a payment confirmation says: when it was paid (None: now), its reference, a note."""

    paid_at: datetime | None = None
    reference: str | None = None
    note: str | None = None


@dataclass
class PaymentResult:
    refund: Refund
    replayed: bool  # the refund was already paid: nothing changed


def parse_payment(data: dict) -> PaymentInput:
    """The body of ``POST /refunds/{id}/paid`` or the desk's form, type-checked (422 with fields)."""
    fields: dict[str, str] = {}
    paid_at = None
    raw = data.get("paid_at")
    if raw not in (None, ""):
        if not isinstance(raw, str):
            fields["paid_at"] = "not_a_string"
        else:
            try:
                paid_at = datetime.fromisoformat(raw.strip())
                if paid_at.tzinfo is None:
                    raise ValueError
            except ValueError:
                fields["paid_at"] = "invalid"
    texts: dict[str, str | None] = {}
    for name, limit in (("reference", MAX_REFERENCE), ("note", MAX_PAYMENT_NOTE)):
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            fields[name] = "not_a_string"
            continue
        value = " ".join(value.split()) if name == "reference" and value else (value or "").strip()
        if len(value) > limit:
            fields[name] = "too_long"
        texts[name] = value or None
    if fields:
        raise invalid(fields, "환불 지급 내용을 확인해 주세요.", "Please check the refund payment.")
    return PaymentInput(paid_at=paid_at, reference=texts["reference"], note=texts["note"])


def load_refund_for(actor: User, refund_id: int) -> Refund:
    """The refund if the actor may see it (integration, its ticket's staff, its customer); else 404."""
    if not is_row_id(refund_id):
        raise NotFound("refund")
    refund = db.session.get(Refund, refund_id)
    if refund is None:
        raise NotFound("refund")
    ticket = refund.request.ticket
    if not access.can_see_refund(actor.actor(), requester_id=ticket.requester_id, queue_id=ticket.queue_id):
        raise NotFound("refund")
    return refund


def record_payment(actor: User, refund: Refund, payment: PaymentInput, *, via: str, now: datetime) -> PaymentResult:
    """Record that a due refund was paid out, exactly once.

    The shop confirms through the API (``via="shop"``); agents of the ticket's queue, leads and
    admins record it by hand (``via="desk"``, a note required). Paying an already-paid refund
    again changes nothing and answers the same record, unless it names a different reference
    (409 ``already_paid``). The state moves by a conditional UPDATE (``status='pending'``), so
    two confirmations at once record one payment. The payment is audited on the ticket and the
    customer is told in-app and by email.
    """
    if via not in PAID_VIA:
        raise ValueError(f"unknown payment channel {via!r}")
    ticket = refund.request.ticket
    me = actor.actor()
    if not access.can_see_refund(me, requester_id=ticket.requester_id, queue_id=ticket.queue_id):
        raise NotFound("refund")
    if not access.can_record_refund_payment(me, requester_id=ticket.requester_id, queue_id=ticket.queue_id):
        raise Forbidden("환불 지급은 쇼핑몰 연동 또는 담당 큐의 상담원만 기록할 수 있습니다.",
                        "Only the shop's integration or agents of the ticket's queue can record refund payments.")
    paid_at = payment.paid_at or now
    fields: dict[str, str] = {}
    if paid_at > now:
        fields["paid_at"] = "in_future"
    elif paid_at < refund.created_at:
        fields["paid_at"] = "before_approval"
    if via == "desk" and not payment.note:
        fields["note"] = "required"
    if "paid_at" in fields:
        raise invalid(fields, "지급 시각은 승인 이후이면서 지금보다 앞서야 합니다.",
                      "The payment time must be after the approval and not in the future.")
    if fields:
        raise invalid(fields, "직접 기록할 때는 메모를 남겨 주세요.",
                      "Please add a note when recording a payment by hand.")
    if refund.status == PAID:
        return _paid_already(refund, payment)
    moved = db.session.execute(
        update(Refund).where(Refund.id == refund.id, Refund.status == "pending")
        .values(status=PAID, executed_at=paid_at, paid_reference=payment.reference, paid_note=payment.note,
                paid_by_id=actor.id, paid_via=via)
        .execution_options(synchronize_session=False))
    db.session.refresh(refund)
    if moved.rowcount != 1:
        # Someone confirmed it at the same moment: theirs is the payment.
        return _paid_already(refund, payment)
    b = refund.breakdown
    record_event(ticket, actor, "refund_paid", now, detail={
        "refund_id": refund.id, "paid_at": paid_at.isoformat(), "reference": payment.reference,
        "note": (payment.note or "")[:500] or None, "via": via, "refund_value_total": refund.refund_value_total})
    notify(ticket.requester_id, ticket, "refund_paid", now, actor, refund_id=refund.id, request_kind=refund.kind,
           refund_value_total=refund.refund_value_total, cash_refund_total=refund.cash_refund_total,
           points_restored=refund.points_restored, paid_at=paid_at.isoformat(),
           due_by=refund.due_by.isoformat() if refund.due_by else None,
           channels=[{"channel": m["channel"], "amount": m["amount"]} for m in b.get("method", [])])
    return PaymentResult(refund, False)


def _paid_already(refund: Refund, payment: PaymentInput) -> PaymentResult:
    if payment.reference and payment.reference != refund.paid_reference:
        raise Conflict("already_paid", "이미 다른 지급 참조로 지급 완료된 환불입니다.",
                       "This refund was already paid with a different reference.")
    return PaymentResult(refund, True)


def refund_timing_of(refund: Refund, *, paid: bool | None = None):
    """The customer's expectation (``app.domain.refund_timing``) for a stored refund: by its
    due date while pending, by the day it was paid once it was (``paid=False`` forces the former,
    as the approval email does)."""
    from app.domain.refund_timing import refund_timing

    paid = refund.status == PAID and refund.executed_at is not None if paid is None else paid
    paid_on = refund.executed_at.astimezone(SEOUL).date() if paid and refund.executed_at else None
    channels = [(m.get("channel"), m.get("amount", 0)) for m in (refund.breakdown or {}).get("method", [])]
    return refund_timing(channels, refund.due_by, paid_on=paid_on)


# ----------------------------------------------------------------- overdue: the leads hear once a day

def notify_overdue_refunds(now: datetime, limit: int = 500) -> int:
    """Tell every active lead about each refund still pending past its due date, once per Seoul day.

    The day is claimed per refund by a conditional UPDATE of ``overdue_notified_on``: of two
    workers running this at once, one moves it and notifies, the other finds it moved.
    Returns how many refunds were announced.
    """
    from sqlalchemy import or_

    today = now.astimezone(SEOUL).date()
    due = db.session.scalars(
        select(Refund).where(Refund.status == "pending", Refund.due_by < today,
                             or_(Refund.overdue_notified_on.is_(None), Refund.overdue_notified_on < today))
        .order_by(Refund.due_by, Refund.id).limit(limit)).all()
    if not due:
        return 0
    leads = list(db.session.scalars(
        select(User).where(User.role == Role.LEAD, User.active.is_(True)).order_by(User.id)))
    announced = 0
    for refund in due:
        claimed = db.session.execute(
            update(Refund).where(Refund.id == refund.id, Refund.status == "pending",
                                 or_(Refund.overdue_notified_on.is_(None), Refund.overdue_notified_on < today))
            .values(overdue_notified_on=today).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            continue
        announced += 1
        ticket = refund.request.ticket
        for lead in leads:
            notify(lead.id, ticket, "refund_overdue", now, refund_id=refund.id, due_by=refund.due_by.isoformat(),
                   days_late=(today - refund.due_by).days, refund_value_total=refund.refund_value_total)
    return announced
