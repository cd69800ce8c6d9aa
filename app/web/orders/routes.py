"""내 주문: the customer's orders, what they asked about each, and cancellation/refund requests."""
from __future__ import annotations

import re
import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.domain import access
from app.domain.claim_flow import claim_kind_for, claim_subject, discovered_at, ticket_type_of
from app.domain.errors import DomainError, NotFound
from app.services import unit_of_work
from app.services.claims.intake import create_ticket
from app.services.claims.orders import list_orders, load_order_for
from app.services.claims.refunds import ClaimIneligible, parse_claim, preview, refunded_units
from app.services.tickets.core import find_submitted, tickets_about_order
from app.web.claim_pages import ATTESTATIONS, REASON_CODES, claimable_lines, decision_view
from app.web.clock import utcnow
from app.web.labels import label
from app.web.locale import locale_code
from app.web.orders.blueprint import bp
from app.web.orders.forms import ClaimForm
from app.web.permissions import access_required, role_required

PER_PAGE = 20
ANSWER_VALUES = {"yes": True, "no": False, "unknown": None}


@bp.route("/orders")
@access_required(access.has_orders)
def index():
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    orders, total = list_orders(current_user, page=page, per_page=PER_PAGE)
    return render_template("orders/index.html", orders=orders, total=total, page=page,
                           per_page=PER_PAGE)


@bp.route("/orders/<number>")
@role_required(*access.ORDER_READERS)
def show(number: str):
    order = load_order_for(current_user, number)
    tickets = tickets_about_order(current_user, order)
    return render_template("orders/show.html", order=order, tickets=tickets,
                           claim_kind=claim_kind_for(order.status), units=refunded_units(order))


class _ClaimError(Exception):
    def __init__(self, field: str, message: str, status: int = 422):
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


_QUANTITY = re.compile(r"[0-9]{1,4}")


def _posted(line: dict) -> str:
    return (request.form.get(f"qty-{line['line_id']}") or "0").strip()


def _posted_quantity(line: dict) -> int | None:
    """The chosen quantity as ASCII digits only ('²' and '٣' pass str.isdigit() but are no quantity)."""
    text = _posted(line)
    return int(text) if _QUANTITY.fullmatch(text) else None


def _chosen_quantities(lines: list[dict]) -> dict[str, int]:
    """``qty-<line_id>`` of each line that still has units left (0 when absent)."""
    chosen: dict[str, int] = {}
    for line in lines:
        quantity = _posted_quantity(line)
        if quantity is None:
            raise _ClaimError("lines", _("수량이 올바르지 않습니다."))
        if quantity < 0 or quantity > line["remaining"]:
            raise _ClaimError("lines", _("%(name)s: 신청할 수 있는 수량은 %(count)d개까지입니다.",
                                         name=line["name"], count=line["remaining"]))
        chosen[line["line_id"]] = quantity
    return chosen


def _claim_data(form: ClaimForm, kind: str, chosen: dict[str, int]) -> dict:
    data = {"lines": [{"line_id": line_id, "quantity": q} for line_id, q in chosen.items() if q > 0],
            "reason": form.reason.data, "reason_text": (form.reason_text.data or "").strip()}
    if kind == "refund":
        data["attestations"] = {name: ANSWER_VALUES.get(getattr(form, name).data) for name in ATTESTATIONS}
        try:
            discovered = discovered_at(form.discovered_on.data, utcnow())
        except ValueError:
            raise _ClaimError("discovered_on", _("발견한 날짜가 올바르지 않습니다.")) from None
        if discovered is not None:
            data["discovered_at"] = discovered.isoformat()
    return data


def _summary(lines: list[dict], chosen: dict[str, int], reason: str) -> str:
    rows = [f"{line['name']} × {chosen[line['line_id']]}" for line in lines if chosen.get(line["line_id"])]
    rows.append(f"{_('사유')}: {label('claim_reason', reason)}")
    return "\n".join(rows)


@bp.route("/orders/<number>/claim", methods=["GET", "POST"])
@access_required(access.has_orders)
def claim(number: str):
    """취소 신청 / 반품·환불 신청: pick units and a reason, preview the policy's answer, submit."""
    order = load_order_for(current_user, number)
    if not access.owns_order(current_user.actor(), customer_id=order.customer_id):
        raise NotFound("order")
    kind = request.args.get("kind")
    if kind not in ("cancel", "refund"):
        kind = claim_kind_for(order.status) or "cancel"
    form = ClaimForm()
    form.reason.choices = [(code, label("claim_reason", code)) for code in REASON_CODES]
    for name in ATTESTATIONS:
        getattr(form, name).choices = [(value, label("answer", value)) for value in ("unknown", "yes", "no")]
    if request.method == "GET" or not form.submission_key.data:
        form.submission_key.data = uuid.uuid4().hex
    lines = claimable_lines(order, refunded_units(order))
    claimable = [line for line in lines if line["remaining"] > 0]
    if request.method == "GET":
        # A cancel is usually of everything; a return of the one item when there is only one.
        full = kind == "cancel" or len(claimable) == 1
        chosen = {line["line_id"]: line["remaining"] if full else 0 for line in claimable}
    else:
        chosen = {line["line_id"]: _posted_quantity(line) or 0 for line in claimable}
    decision = None
    errors: dict[str, str] = {}
    status = 200
    action = request.form.get("action", "preview")
    if request.method == "POST":
        if not form.validate_on_submit():
            errors["form"] = _("입력 내용을 확인해 주세요.")
            status = 400
        else:
            try:
                chosen = _chosen_quantities(claimable)
                if not any(chosen.values()):
                    raise _ClaimError("lines", _("취소하거나 반품할 상품의 수량을 골라 주세요."))
                claim_input = parse_claim(_claim_data(form, kind, chosen), kind=kind)
                if action == "submit":
                    return _submit(form, order, kind, claimable, chosen, claim_input)
                decision = decision_view(preview(current_user, order.number, claim_input, utcnow()))
            except _ClaimError as exc:
                errors[exc.field] = exc.message
                status = exc.status
            except ClaimIneligible as exc:
                # Refused at submit: show why, and the ways that are open (the suggestion, an inquiry).
                unit_of_work.rollback()
                decision = decision_view(exc.decision)
                errors["submit"] = exc.message(locale_code())
                status = exc.status
            except DomainError as exc:
                unit_of_work.rollback()
                existing = find_submitted(current_user, form.submission_key.data)
                if existing is not None:
                    return redirect(url_for("customer.inquiry", number=existing.number))
                field = "reason" if "reason" in exc.fields else ("lines" if any(
                    f.startswith("lines") for f in exc.fields) else ("files" if "files" in exc.fields else "form"))
                errors[field] = exc.message(locale_code())
                status = exc.status
    dropped = [f.filename for f in request.files.getlist(form.files.name) if f.filename] \
        if request.method == "POST" else []
    return render_template("orders/claim.html", order=order, kind=kind, form=form, lines=lines,
                           chosen=chosen, decision=decision, errors=errors, dropped_files=dropped,
                           names={line["line_id"]: line["name"] for line in lines}), status


def _submit(form: ClaimForm, order, kind: str, lines: list[dict], chosen: dict[str, int], claim_input):
    existing = find_submitted(current_user, form.submission_key.data)
    if existing is not None:
        return redirect(url_for("customer.inquiry", number=existing.number))
    subject = claim_subject(kind, order.number)  # stored in Korean, shown in the reader's language
    body = claim_input.reason_text or _summary(lines, chosen, claim_input.reason)
    ticket = create_ticket(current_user, category_code=ticket_type_of(kind),
                           subject=subject, body=body, order_number=order.number,
                           files=request.files.getlist(form.files.name), now=utcnow(),
                           submission_key=form.submission_key.data, claim=claim_input)
    unit_of_work.commit()
    flash(_("신청이 접수되었습니다. 문의 번호는 %(number)s 입니다.", number=ticket.number))
    return redirect(url_for("customer.inquiry", number=ticket.number))
