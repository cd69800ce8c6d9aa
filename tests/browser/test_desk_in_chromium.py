"""The desk's journeys in a real Chromium, at desktop and at phone size: an agent answers from the
queue with a canned answer and keeps a note internal, a return is filed and decided, and a lead
records an overdue refund as paid from the 환불 지연 list."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Message, Refund, Ticket
from app.seed.canned_answers import ensure_default_canned_answers
from app.services import unit_of_work
from tests.factories import PASSWORD, make_policy_order, make_ticket, make_user
from tests.refund_setup import approved_refund

LINES = [{"name": "반팔 티셔츠", "unit_price": 12000, "quantity": 2}]


def _ticket(number: str) -> Ticket:
    db.session.expire_all()  # the served app committed in its own session
    return db.session.scalars(select(Ticket).where(Ticket.number == number)).one()


def _status(window) -> str:
    """The ticket's status badge as the page shows it."""
    return window.page.inner_text(".meta .status").strip()


def _on_screen(window, locator) -> bool:
    """Scrolled to (a phone's tables scroll sideways), the element lies inside the window."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    return box is not None and 0 <= box["x"] and box["x"] + box["width"] <= window.page.viewport_size["width"] + 1


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_agent_answers_from_the_queue_with_a_canned_answer_and_a_note_stays_internal(app, person, size):
    buyer = make_user("customer", name="김민지")
    agent = make_user("agent", name="김상담", queues=["general"])
    ensure_default_canned_answers()
    unit_of_work.commit()
    number = make_ticket(buyer, subject="재입고 일정이 궁금합니다",
                         body="품절된 무선 키보드는 언제 다시 들어오나요?").number

    desk = person(size, label=f"agent-canned-{size}")
    desk.sign_in(agent.email, PASSWORD)
    desk.page.wait_for_url("**/desk")  # staff land on the desk
    desk.page.click("nav.views >> text=미배정 (내 큐)")
    desk.page.wait_for_load_state()
    assert number in desk.text() and "재입고 일정이 궁금합니다" in desk.text()
    desk.shot("1-queue")
    desk.page.click(f"table.tickets >> text={number}")
    desk.page.wait_for_url(f"**/desk/tickets/{number}")
    assert _status(desk) == "접수"

    # The picker: typing filters the list (초성 too); 답변란에 넣기 puts the answer, filled in, into the box.
    answer = desk.page.locator("li[data-canned-title='추가 확인 요청']")
    other = desk.page.locator("li[data-canned-title='반품 안내']")
    assert answer.is_visible() and other.is_visible()
    desk.page.fill("#canned-q", "ㅊㄱㅎㅇ")
    assert answer.is_visible() and not other.is_visible()
    answer.locator("text=답변란에 넣기").click()
    # (the page's CSP forbids eval, so wait with a locator assertion, not wait_for_function)
    expect(desk.page.locator("#reply-body")).to_have_value(re.compile("김민지 고객님"))
    draft = desk.page.input_value("#reply-body")
    assert f"문의({number}) 확인을 위해 추가 정보가 필요합니다." in draft and "김상담 드림" in draft
    assert "{{" not in draft
    picked = desk.page.inner_text("#canned-picked")
    assert "추가 확인 요청" in picked and "상태 → 답변 대기" in picked
    if size == "phone":
        assert desk.no_horizontal_scroll()
    desk.shot("2-canned-answer-in-the-box")
    desk.page.click("#reply button.primary")
    desk.page.wait_for_load_state()
    assert "자주 쓰는 답변을 보냈습니다." in desk.text()
    assert _status(desk) == "답변 대기"

    desk.page.fill("#reply-body", "재고 담당자에게 입고 예정일 확인 요청함 (고객 비공개)")
    desk.page.check("input[name=internal]")
    desk.page.click("#reply button.primary")
    desk.page.wait_for_load_state()
    assert "내부 메모를 남겼습니다." in desk.text()
    note = desk.page.locator("article.message.internal")
    assert note.count() == 1 and "고객 비공개" in note.inner_text() and "내부 메모" in note.inner_text()
    assert _status(desk) == "답변 대기"  # a note does not move the ticket
    desk.shot("3-answered-and-noted")

    customer = person(size)
    customer.sign_in(buyer.email, PASSWORD)
    customer.page.click("nav >> text=내 문의 내역")
    customer.page.click("text=재입고 일정이 궁금합니다")
    customer.page.wait_for_url(f"**/inquiries/{number}")
    text = customer.text()
    assert "추가 정보가 필요합니다" in text and "상담원 김상담" in text
    assert "고객 비공개" not in text and "재고 담당자" not in text and "내부 메모" not in text
    assert _status(customer) == "고객 확인 요청"  # what 답변 대기 means to the customer: we wait for you
    if size == "phone":
        assert customer.no_horizontal_scroll()
    customer.shot("4-customer-reads-the-answer")

    ticket = _ticket(number)
    assert ticket.status == "pending"
    notes = db.session.scalars(select(Message).where(Message.ticket_id == ticket.id, Message.internal)).all()
    assert [m.body for m in notes] == ["재고 담당자에게 입고 예정일 확인 요청함 (고객 비공개)"]
    assert not customer.dialogs and not desk.dialogs


@pytest.mark.parametrize(("size", "decision"), [("desktop", "approve"), ("phone", "deny")])
def test_customer_asks_to_return_a_delivered_order_and_an_agent_decides(app, person, size, decision):
    buyer = make_user("customer", name="김민지")
    order = make_policy_order(buyer, "delivered", LINES)
    agent = make_user("agent", name="김상담", queues=["orders"])

    customer = person(size)
    customer.sign_in(buyer.email, PASSWORD)
    customer.page.click("nav >> text=내 주문")
    customer.page.click(f"text={order.number}")
    customer.page.wait_for_url(f"**/orders/{order.number}")
    customer.page.click("text=반품·환불 신청")
    customer.page.wait_for_url("**/claim?kind=refund")
    customer.page.select_option("select[name=qty-L1]", "1")
    customer.page.select_option("#reason", "change_of_mind")
    customer.page.fill("#reason_text", "사이즈가 맞지 않습니다.")
    customer.page.select_option("#packaging_intact", "yes")
    customer.page.select_option("#unused", "yes")
    customer.page.click("button[value=preview]")
    customer.page.wait_for_load_state()
    text = customer.text()
    assert "신청하실 수 있습니다." in text and "아직 아무것도 접수되지 않았습니다" in text
    assert "반품 배송비 3,000원이 차감됩니다." in text and "₩9,000" in text  # ₩12,000 less the return shipping
    if size == "phone":
        assert customer.no_horizontal_scroll()
    customer.shot("1-return-preview")
    customer.page.click("button[value=submit]")
    customer.page.wait_for_url("**/inquiries/M-*")
    number = customer.page.url.rsplit("/", 1)[1]
    assert "신청이 접수되었습니다" in customer.text()
    customer.shot("2-return-filed")

    desk = person("desktop", label=f"agent-return-{size}")
    desk.sign_in(agent.email, PASSWORD)
    desk.page.wait_for_url("**/desk")  # staff land on the desk
    desk.page.click("nav.views >> text=미배정 (내 큐)")
    desk.page.click(f"table.tickets >> text={number}")
    desk.page.wait_for_url(f"**/desk/tickets/{number}")
    claim = desk.page.inner_text("#claim")
    assert "반품" in claim and "반팔 티셔츠 × 1" in claim and "단순 변심" in claim
    if decision == "approve":
        desk.page.click(".decision-form button[value=approve]")
        desk.page.wait_for_load_state()
        assert "승인했습니다. 환불 금액 ₩9,000" in desk.text()
        assert _status(desk) == "답변 대기"  # waiting for the parcel
    else:
        desk.page.fill("#decision-note", "사용 흔적이 확인되어 반품이 어렵습니다.")
        desk.page.click(".decision-form button[value=deny]")
        desk.page.wait_for_load_state()
        assert "신청을 거절했습니다. 고객에게 사유를 알렸습니다." in desk.text()
        assert _status(desk) == "해결됨"
    desk.shot(f"3-decided-{decision}")

    customer.page.click("nav >> text=내 문의 내역")
    customer.page.click(f"text={number}")
    customer.page.wait_for_url(f"**/inquiries/{number}")
    text = customer.text()
    if decision == "approve":
        assert "요청하신 반품·환불 신청이 승인되었습니다." in text and "상품을 보내 주세요." in text
        assert "환불 금액: ₩9,000" in text
        assert _status(customer) == "고객 확인 요청"
        assert _ticket(number).status == "pending"
    else:
        assert "요청하신 반품·환불 신청은 승인되지 않았습니다." in text
        assert "사유: 사용 흔적이 확인되어 반품이 어렵습니다." in text
        assert _status(customer) == "해결됨"
        assert _ticket(number).status == "solved"
    if size == "phone":
        assert customer.no_horizontal_scroll()
    customer.shot("4-customer-reads-decision")
    assert not customer.dialogs and not desk.dialogs


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_lead_records_an_overdue_refund_as_paid_from_the_overdue_list(app, person, size):
    buyer = make_user("customer", name="김민지")
    refund = approved_refund(buyer)  # approved, its due date days ago, not paid
    number, refund_id = refund.request.ticket.number, refund.id
    make_user("lead", name="박팀장", email=f"lead-{size}@test.munui.kr")

    lead = person(size)
    lead.sign_in(f"lead-{size}@test.munui.kr", PASSWORD)
    lead.page.wait_for_url("**/desk/reports")  # a lead lands on the SLA report
    lead.page.click("nav >> text=상담 데스크")
    lead.page.wait_for_url("**/desk")
    lead.page.click("nav.views >> text=환불 지연")
    lead.page.wait_for_url("**/desk/refunds/overdue")
    row = lead.page.locator(f"tr[data-refund='{refund_id}']")
    assert number in row.inner_text()
    amount = row.locator("td", has_text="₩27,000")
    assert amount.count() == 1 and _on_screen(lead, amount)
    pay = row.locator("button", has_text="지급 기록")
    assert _on_screen(lead, pay)  # on a phone the table scrolls sideways to it, the page does not
    if size == "phone":
        assert lead.no_horizontal_scroll()
    lead.shot("1-overdue-list")

    pay.click()
    lead.page.wait_for_url(f"**/desk/refunds/{refund_id}/paid*")
    assert "환불 지급 기록" in lead.text() and number in lead.text()
    lead.page.fill("#refund-reference", "입금-1127")
    lead.page.fill("#refund-note", "통장 입금 내역으로 확인 (쇼핑몰 연동 장애)")
    if size == "phone":
        assert lead.no_horizontal_scroll()
    lead.shot("2-payment-form")
    lead.page.click("form.refund-payment-form button.primary")
    lead.page.wait_for_url("**/desk/refunds/overdue")
    text = lead.text()
    assert "환불 지급을 기록했습니다: ₩27,000" in text
    assert number not in text and "기한이 지난 환불이 없습니다." in text
    lead.shot("3-list-without-it")

    db.session.expire_all()
    stored = db.session.get(Refund, refund_id)
    assert stored.status == "completed" and stored.paid_via == "desk" and stored.paid_by.name == "박팀장"
    assert not lead.dialogs
