"""Cancellations and refunds through the pages: the customer previews and files, the agent decides.

Orders carry a valid policy snapshot (tests.factories.make_policy_order); the pages read the real
clock, so the order times are relative to it.
"""
from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Claim, Order, Refund, Ticket
from app.services import unit_of_work
from app.services.claims.intake import create_ticket
from app.services.claims.refunds import parse_claim, preview
from tests.factories import login, make_policy_order, make_ticket, make_user
from tests.security.test_forms_and_headers import db_writes

# Two T-shirts and a pair of socks, a ₩2,000 order coupon and ₩3,000 shipping: ₩30,000 paid by card.
LINES = [{"name": "반팔 티셔츠", "unit_price": 12000, "quantity": 2},
         {"name": "양말", "unit_price": 5000, "quantity": 1}]


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _amounts(page: str) -> dict[str, str]:
    """The breakdown as shown: data-amount name → the text of the cell (₩…, with − for deductions)."""
    return dict(re.findall(r'data-amount="([a-z_]+)">([^<]*)<', page))


def _digest(page: str) -> str:
    match = re.search(r'name="evaluation_digest" type="hidden" value="([0-9a-f]+)"', page)
    assert match, "no evaluation_digest on the page"
    return match.group(1)


def _counts() -> tuple[int, int, int]:
    db.session.expire_all()
    return (db.session.scalar(select(func.count(Ticket.id))), db.session.scalar(select(func.count(Claim.id))),
            db.session.scalar(select(func.count(Refund.id))))


def _browser(make_client, user):
    browser = make_client()
    assert login(browser, user).status_code == 302
    return browser


def _claim_form(*quantities: int, reason: str = "change_of_mind", action: str = "preview", **extra) -> dict:
    data = {f"qty-L{i}": str(q) for i, q in enumerate(quantities, start=1)}
    return {**data, "reason": reason, "reason_text": "", "action": action, **extra}


def _file_claim(customer, order, kind="cancel", lines=(("L1", 2), ("L2", 1)), reason="change_of_mind") -> Ticket:
    """A cancellation/refund ticket filed as the customer's form does (the service, with a parsed claim)."""
    claim = parse_claim({"lines": [{"line_id": line_id, "quantity": q} for line_id, q in lines], "reason": reason},
                        kind=kind)
    ticket = create_ticket(customer, category_code="cancellation" if kind == "cancel" else "refund",
                           subject=f"주문 {order.number} 취소 신청", body="마음이 바뀌었습니다.",
                           order_number=order.number, files=[], now=datetime.now(UTC) - timedelta(minutes=5),
                           claim=claim)
    unit_of_work.commit()
    return ticket


# ------------------------------------------------------------------ customer

def test_preview_writes_nothing_and_shows_the_exact_refund(app, web_app, make_client):
    customer = make_user("customer", name="김민지")
    order = make_policy_order(customer, "preparing", LINES, coupon=2000, shipping_fee=3000)
    browser = _browser(make_client, customer)

    show = _text(browser.get(f"/orders/{order.number}"))
    assert f"/orders/{order.number}/claim?kind=cancel" in show and "취소 신청" in show
    form = _text(browser.get(f"/orders/{order.number}/claim?kind=cancel"))
    assert "주문 취소 신청" in form and "반팔 티셔츠" in form and "양말" in form and "₩12,000" in form
    assert '<option value="2" selected>2</option>' in form  # a cancel starts from everything left
    assert "미리 보기" in form and "신청하기" in form and "포장 상태 그대로" not in form  # no attestations on a cancel

    token = browser.csrf_token()
    with db_writes(web_app) as writes:
        response = browser.post(f"/orders/{order.number}/claim?kind=cancel",
                                data=_claim_form(2, 1, csrf_token=token))
    assert response.status_code == 200
    assert writes == []
    assert _counts() == (0, 0, 0)
    page = _text(response)
    assert "신청하실 수 있습니다." in page
    assert "상품준비중이므로 판매자의 미발송 확인 후 취소됩니다." in page
    assert "결제하신 배송비 3,000원도 환불됩니다." in page
    assert _amounts(page) == {"items_amount": "₩29,000", "coupon_share": "−₩2,000", "shipping_refund": "₩3,000",
                              "deductions": "₩0", "refund_value_total": "₩30,000", "cash_refund_total": "₩30,000",
                              "points_restored": "₩0"}
    assert "카드 결제 취소 ₩30,000" in page
    claim = parse_claim({"lines": [{"line_id": "L1", "quantity": 2}, {"line_id": "L2", "quantity": 1}],
                         "reason": "change_of_mind"}, kind="cancel")
    due = preview(customer, order.number, claim, datetime.now(UTC)).deadlines.refund_due_by
    assert f"환불 기한: {due.isoformat()}" in page
    assert "아직 아무것도 접수되지 않았습니다" in page

    # One T-shirt only: its share of the coupon is kept back, the shipping fee is not refunded.
    page = _text(browser.post_form(f"/orders/{order.number}/claim?kind=cancel", _claim_form(1, 0)))
    assert _amounts(page)["refund_value_total"] == "₩11,172"
    assert _amounts(page)["coupon_share"] == "−₩828"
    assert _counts() == (0, 0, 0)


def test_preview_speaks_the_readers_language(app, make_client):
    customer = make_user("customer")
    order = make_policy_order(customer, "preparing", LINES)
    browser = _browser(make_client, customer)
    page = _text(browser.post_form(f"/orders/{order.number}/claim?kind=cancel", _claim_form(2, 1),
                                   headers={"Accept-Language": "en"}))
    assert "it is cancelled once the seller confirms it has not shipped" in page
    assert "판매자의 미발송 확인" not in page


def test_preview_without_any_quantity_says_what_is_missing(app, make_client):
    customer = make_user("customer")
    order = make_policy_order(customer, "preparing", LINES)
    browser = _browser(make_client, customer)
    response = browser.post_form(f"/orders/{order.number}/claim?kind=cancel", _claim_form(0, 0))
    assert response.status_code == 422
    assert "취소하거나 반품할 상품의 수량을 골라 주세요." in _text(response)
    response = browser.post_form(f"/orders/{order.number}/claim?kind=cancel", _claim_form(3, 0))
    assert response.status_code == 422 and "신청할 수 있는 수량은 2개까지입니다" in _text(response)
    assert _counts() == (0, 0, 0)


def test_submit_files_a_cancellation_ticket_with_its_request(app, make_client):
    customer = make_user("customer", name="김민지")
    order = make_policy_order(customer, "preparing", LINES, coupon=2000, shipping_fee=3000)
    browser = _browser(make_client, customer)
    data = _claim_form(2, 0, action="submit", submission_key="claim-key-1")
    response = browser.post_form(f"/orders/{order.number}/claim?kind=cancel", data)
    assert response.status_code == 302
    ticket = db.session.scalars(select(Ticket)).one()
    assert response.headers["Location"].endswith(f"/inquiries/{ticket.number}")
    assert ticket.type == "cancellation" and ticket.category.code == "cancellation"
    assert ticket.subject == f"주문 {order.number} 취소 신청" and ticket.order_id == order.id
    assert ticket.queue.slug == "orders"
    req = ticket.claim
    assert (req.kind, req.lines, req.reason, req.state) == ("cancel", [{"line_id": "L1", "quantity": 2}],
                                                             "change_of_mind", "open")
    assert req.status_at_request == "preparing"
    assert "반팔 티셔츠 × 2" in ticket.messages[0].body and "단순 변심" in ticket.messages[0].body

    page = _text(browser.get(response.headers["Location"]))
    # (the number in a span that never breaks across lines on a phone)
    assert f'신청이 접수되었습니다. 문의 번호는 <span class="ticket-number">{ticket.number}</span> 입니다.' in page
    assert 'data-claim-state="open"' in page and "신청 접수" in page and "반팔 티셔츠 × 2" in page

    # The same form sent again (a double-click) files nothing more.
    again = browser.post_form(f"/orders/{order.number}/claim?kind=cancel", data)
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/inquiries/{ticket.number}")
    assert _counts() == (1, 1, 0)


def test_refund_form_asks_about_the_item_and_files_a_refund_ticket(app, make_client):
    customer = make_user("customer")
    order = make_policy_order(customer, "delivered", [{"name": "운동화", "unit_price": 59000, "quantity": 1}])
    browser = _browser(make_client, customer)
    show = _text(browser.get(f"/orders/{order.number}"))
    assert f"/orders/{order.number}/claim?kind=refund" in show and "반품·환불 신청" in show
    form = _text(browser.get(f"/orders/{order.number}/claim?kind=refund"))
    assert "포장 상태 그대로" in form and "내용 확인을 위해서만 개봉" in form and "사용하지 않음" in form
    page = _text(browser.post_form(f"/orders/{order.number}/claim?kind=refund", _claim_form(
        1, packaging_intact="yes", opened_for_inspection_only="unknown", unused="yes")))
    assert "반품 배송비 3,000원이 차감됩니다." in page
    assert _amounts(page)["refund_value_total"] == "₩56,000" and _amounts(page)["deductions"] == "−₩3,000"
    # The one timing text (app/domain/refund_timing.py): when, by what means, and the card issuer's days.
    assert ("₩56,000은 반품 상품이 판매자에게 도착한 날부터 3영업일 안에 카드 결제 취소로 환불됩니다. "
            "카드사에 따라 취소 반영까지 영업일 기준 3~7일이 더 걸릴 수 있습니다.") in page
    response = browser.post_form(f"/orders/{order.number}/claim?kind=refund", _claim_form(
        1, reason="defective", action="submit", packaging_intact="no", opened_for_inspection_only="yes",
        unused="yes", reason_text="밑창이 떨어져 있었습니다."))
    assert response.status_code == 302
    req = db.session.scalars(select(Claim)).one()
    assert req.ticket.type == "refund" and req.ticket.subject == f"주문 {order.number} 반품·환불 신청"
    assert req.attestations == {"packaging_intact": False, "opened_for_inspection_only": True, "unused": True}
    assert req.ticket.messages[0].body == "밑창이 떨어져 있었습니다."


def test_cancel_of_a_shipped_order_suggests_a_refund_instead(app, make_client):
    customer = make_user("customer")
    order = make_policy_order(customer, "shipped", LINES)
    browser = _browser(make_client, customer)
    response = browser.post_form(f"/orders/{order.number}/claim?kind=cancel", _claim_form(1, 1))
    assert response.status_code == 200
    page = _text(response)
    assert "이 신청은 받아들여질 수 없습니다." in page
    assert "이미 발송된 주문은 취소할 수 없습니다. 상품 수령 후 반품(환불)을 신청해 주세요." in page
    assert f'formaction="/orders/{order.number}/claim?kind=refund"' in page
    assert "반품·환불 신청으로 바꾸기" in page
    assert 'data-amount="refund_value_total"' not in page  # no money for a request that cannot be granted

    # The switch keeps what was chosen and previews it as a return.
    page = _text(browser.post_form(f"/orders/{order.number}/claim?kind=refund", _claim_form(1, 1)))
    assert "반품·환불 신청" in page and "배송 중인 상품입니다." in page
    assert "반품·환불 신청으로 바꾸기" not in page
    assert _counts() == (0, 0, 0)


def test_only_the_owner_reaches_the_claim_page(app, make_client):
    owner = make_user("customer")
    order = make_policy_order(owner, "preparing")
    stranger = _browser(make_client, make_user("customer"))
    assert stranger.get(f"/orders/{order.number}/claim?kind=cancel").status_code == 404
    assert stranger.post_form(f"/orders/{order.number}/claim?kind=cancel",
                              _claim_form(1, action="submit")).status_code == 404
    agent = _browser(make_client, make_user("agent", queues=["orders"]))
    assert agent.get(f"/orders/{order.number}/claim").status_code == 403
    assert make_client().get(f"/orders/{order.number}/claim").status_code == 302  # to /login
    assert _counts() == (0, 0, 0)


def test_the_inquiry_form_points_cancellations_to_my_orders(app, make_client):
    customer = make_user("customer")
    order = make_policy_order(customer, "preparing")
    browser = _browser(make_client, customer)
    page = _text(browser.get("/inquiries/new"))
    assert page.count("환불 금액을 미리 볼 수 있습니다") == 2 and 'href="/orders"' in page
    page = _text(browser.get(f"/inquiries/new?order={order.number}"))
    assert f"/orders/{order.number}/claim?kind=cancel" in page and f"/orders/{order.number}/claim?kind=refund" in page


# ------------------------------------------------------------------ agent

def test_agent_approves_a_full_cancel_and_the_customer_sees_the_amount(app, make_client):
    customer = make_user("customer", name="김민지")
    order = make_policy_order(customer, "preparing", LINES, coupon=2000, shipping_fee=3000)
    ticket = _file_claim(customer, order)
    agent = make_user("agent", name="김상담", queues=["orders"])
    desk = _browser(make_client, agent)

    page = _text(desk.get(f"/desk/tickets/{ticket.number}"))
    assert "취소/환불 결정" in page and 'data-claim-state="open"' in page
    assert "반팔 티셔츠 × 2, 양말 × 1" in page and "단순 변심" in page
    assert 'data-outcome="eligible"' in page and "승인 가능" in page
    assert _amounts(page)["refund_value_total"] == "₩30,000"
    assert "판매자 미발송 확인" in page and "필요한 승인: 1" in page
    assert 'value="approve"' in page and 'name="judgement"' not in page

    response = desk.post_form(f"/desk/tickets/{ticket.number}/decision",
                              {"action": "approve", "note": "", "evaluation_digest": _digest(page)})
    assert response.status_code == 302, _text(response)
    refund = db.session.scalars(select(Refund)).one()
    assert refund.refund_value_total == 30000 and refund.cash_refund_total == 30000
    assert refund.approved_by_id == agent.id and refund.due_by is not None
    assert db.session.get(Order, order.id).status == "cancelled"
    page = _text(desk.get(response.headers["Location"]))
    assert "승인했습니다. 환불 금액 ₩30,000" in page and 'data-claim-state="approved"' in page
    # the audit trail reads as sentences
    assert "김상담 님이 주문 취소 신청을 승인했습니다. 환불 ₩30,000" in page
    assert "김상담 님의 결정에 따라 상태가 ‘처리중’에서 ‘해결됨’으로 바뀌었습니다." in page
    assert "→ approved" not in page
    assert 'value="approve"' not in page
    # the decision moved the ticket on: answered, solved, held by the deciding agent
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status == "solved" and ticket.assignee_id == agent.id
    assert ticket.first_responded_at is not None

    mine = _text(_browser(make_client, customer).get(f"/inquiries/{ticket.number}"))
    assert 'data-claim-state="approved"' in mine and "승인" in mine
    assert _amounts(mine)["refund_value_total"] == "₩30,000"
    assert f"환불 기한: {refund.due_by.isoformat()}" in mine
    assert "요청하신 주문 취소 신청이 승인되었습니다." in mine  # the message in the thread


def test_a_stale_evaluation_is_refused_with_409_and_the_new_one_shown(app, make_client):
    customer = make_user("customer")
    order = make_policy_order(customer, "preparing", LINES)
    ticket = _file_claim(customer, order)
    desk = _browser(make_client, make_user("agent", queues=["orders"]))
    seen = _digest(_text(desk.get(f"/desk/tickets/{ticket.number}")))

    # Meanwhile the shop ships the parcel.
    order = db.session.get(Order, order.id)
    snapshot = dict(order.snapshot, status="shipped",
                    shipped_at=datetime.now(UTC).astimezone().replace(microsecond=0).isoformat())
    order.snapshot, order.status, order.version = snapshot, "shipped", order.version + 1
    unit_of_work.commit()

    response = desk.post_form(f"/desk/tickets/{ticket.number}/decision",
                              {"action": "approve", "note": "", "evaluation_digest": seen})
    assert response.status_code == 409
    page = _text(response)
    assert "주문이나 정책 판단이 바뀌었습니다. 새 판단을 확인한 뒤 다시 결정해 주세요." in page
    assert 'data-outcome="ineligible"' in page and "승인 불가" in page
    assert "취소 요청(" in page and "이후 상품이 발송되었습니다." in page
    assert _digest(page) != seen
    assert 'value="approve"' not in page  # nothing left to approve; deny stays
    assert _counts() == (1, 1, 0)
    assert db.session.scalars(select(Claim)).one().state == "open"


def test_deny_needs_a_note_and_the_customer_reads_it(app, make_client):
    customer = make_user("customer")
    order = make_policy_order(customer, "preparing", LINES)
    ticket = _file_claim(customer, order)
    desk = _browser(make_client, make_user("agent", queues=["orders"]))
    digest = _digest(_text(desk.get(f"/desk/tickets/{ticket.number}")))
    response = desk.post_form(f"/desk/tickets/{ticket.number}/decision",
                              {"action": "deny", "note": "  ", "evaluation_digest": digest})
    assert response.status_code == 422
    assert "거절 사유를 입력해 주세요." in _text(response)
    assert db.session.scalars(select(Claim)).one().state == "open"

    response = desk.post_form(f"/desk/tickets/{ticket.number}/decision",
                              {"action": "deny", "note": "판매자가 이미 출고했습니다.", "evaluation_digest": digest})
    assert response.status_code == 302
    req = db.session.scalars(select(Claim)).one()
    assert req.state == "denied" and req.decision_note == "판매자가 이미 출고했습니다."
    assert _counts() == (1, 1, 0)
    mine = _text(_browser(make_client, customer).get(f"/inquiries/{ticket.number}"))
    assert 'data-claim-state="denied"' in mine and "거절" in mine and "판매자가 이미 출고했습니다." in mine


def test_needs_review_is_approved_only_with_the_agents_judgement(app, make_client):
    customer = make_user("customer")
    order = make_policy_order(customer, "preparing", LINES)
    ticket = _file_claim(customer, order, reason="other")
    desk = _browser(make_client, make_user("agent", queues=["orders"]))
    page = _text(desk.get(f"/desk/tickets/{ticket.number}"))
    assert 'data-outcome="needs_review"' in page and "기타 사유는 상담원이 사유를 분류해야 합니다." in page
    assert 'name="judgement"' in page
    response = desk.post_form(f"/desk/tickets/{ticket.number}/decision",
                              {"action": "approve", "note": "", "evaluation_digest": _digest(page)})
    assert response.status_code == 422 and "상담원 판단이 필요한 신청입니다." in _text(response)
    response = desk.post_form(f"/desk/tickets/{ticket.number}/decision", {
        "action": "approve", "note": "단순 변심으로 분류", "judgement": "y", "evaluation_digest": _digest(page)})
    assert response.status_code == 302
    assert db.session.scalars(select(Claim)).one().state == "approved"


def test_a_large_refund_waits_for_a_second_approval_by_another_lead(app, make_client):
    customer = make_user("customer")
    order = make_policy_order(customer, "preparing", [{"name": "노트북", "unit_price": 450000, "quantity": 1}])
    ticket = _file_claim(customer, order, lines=(("L1", 1),))
    agent = make_user("agent", name="김상담", queues=["orders"])
    desk = _browser(make_client, agent)
    page = _text(desk.get(f"/desk/tickets/{ticket.number}"))
    assert "필요한 승인: 2" in page and "2차 승인이 필요합니다" in page
    response = desk.post_form(f"/desk/tickets/{ticket.number}/decision",
                              {"action": "approve", "note": "", "evaluation_digest": _digest(page)})
    assert response.status_code == 302
    page = _text(desk.get(f"/desk/tickets/{ticket.number}"))
    assert "1차 승인했습니다." in page and 'data-claim-state="awaiting_second_approval"' in page
    assert "김상담 님이 1차 승인했습니다." in page and 'value="approve"' not in page
    assert _counts() == (1, 1, 0)
    assert "2차 승인 대기" in _text(_browser(make_client, customer).get(f"/inquiries/{ticket.number}"))

    lead = _browser(make_client, make_user("lead", name="팀장"))
    page = _text(lead.get(f"/desk/tickets/{ticket.number}"))
    assert 'value="approve"' in page and "2차 승인" in page
    response = lead.post_form(f"/desk/tickets/{ticket.number}/decision",
                              {"action": "approve", "note": "", "evaluation_digest": _digest(page)})
    assert response.status_code == 302
    refund = db.session.scalars(select(Refund)).one()
    assert refund.approved_by_id == agent.id and refund.second_approved_by.name == "팀장"


def test_customers_and_other_queues_cannot_decide(app, make_client):
    customer = make_user("customer")
    order = make_policy_order(customer, "preparing", LINES)
    ticket = _file_claim(customer, order)
    desk = _browser(make_client, make_user("agent", queues=["orders"]))
    digest = _digest(_text(desk.get(f"/desk/tickets/{ticket.number}")))
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    decision = {"action": "approve", "note": "", "evaluation_digest": digest}

    owner = _browser(make_client, customer)
    assert owner.post_form(f"/desk/tickets/{ticket.number}/decision", decision).status_code == 403
    elsewhere = _browser(make_client, make_user("agent", queues=["general"]))
    assert elsewhere.post_form(f"/desk/tickets/{ticket.number}/decision", decision).status_code == 404
    assert elsewhere.get(f"/desk/tickets/{ticket.number}").status_code == 404
    assert _counts() == (1, 1, 0)
    assert db.session.scalars(select(Claim)).one().state == "open"
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events
    assert db.session.get(Order, order.id).status == "preparing"


def test_an_ordinary_ticket_has_no_decision(app, make_client):
    customer = make_user("customer")
    ticket = make_ticket(customer, category="delivery", order=make_policy_order(customer, "shipped"))
    desk = _browser(make_client, make_user("agent", queues=["orders"]))
    assert "취소/환불 결정" not in _text(desk.get(f"/desk/tickets/{ticket.number}"))
    assert desk.post_form(f"/desk/tickets/{ticket.number}/decision", {"action": "approve"}).status_code == 404


# ------------------------------------------------------------------ leads

def test_overdue_refunds_are_listed_for_leads_only(app, make_client):
    customer = make_user("customer")
    late_order = make_policy_order(customer, "preparing", LINES, coupon=2000, shipping_fee=3000)
    late = _file_claim(customer, late_order)
    fresh_order = make_policy_order(customer, "preparing")
    fresh = _file_claim(customer, fresh_order, lines=(("L1", 1),))
    agent = make_user("agent", queues=["orders"])
    desk = _browser(make_client, agent)
    for ticket in (late, fresh):
        page = _text(desk.get(f"/desk/tickets/{ticket.number}"))
        assert desk.post_form(f"/desk/tickets/{ticket.number}/decision", {
            "action": "approve", "note": "", "evaluation_digest": _digest(page)}).status_code == 302
    refund = db.session.scalars(select(Refund).where(Refund.order_id == late_order.id)).one()
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Seoul")).date()
    refund.due_by = today - timedelta(days=4)
    unit_of_work.commit()

    lead = _browser(make_client, make_user("lead"))
    assert 'href="/desk/refunds/overdue"' in _text(lead.get("/desk"))
    response = lead.get("/desk/refunds/overdue")
    assert response.status_code == 200
    page = _text(response)
    assert late.number in page and late_order.number in page and "₩30,000" in page
    assert (today - timedelta(days=4)).isoformat() in page and "4일" in page
    assert fresh.number not in page and fresh_order.number not in page

    assert 'href="/desk/refunds/overdue"' not in _text(desk.get("/desk"))
    assert desk.get("/desk/refunds/overdue").status_code == 403
    assert _browser(make_client, customer).get("/desk/refunds/overdue").status_code == 403
