"""Claims from the customer's order to the agent's decision, through the pages people use.

A cancel that is allowed is previewed, filed, approved, and the ticket is finished: the
customer reads the decision in the thread, the ticket is solved and held by the deciding agent,
and take-next never hands it out again. A claim the policy refuses cannot be filed; the page says
why and offers the ways that are open.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.extensions import db
from app.models import Attachment, Claim, Refund, Ticket
from tests.conftest import BrowserClient
from tests.factories import PASSWORD, login, make_policy_order, make_user, png_bytes
from tests.journeys.browser import mail_to

SEOUL = ZoneInfo("Asia/Seoul")
LINES = [{"name": "반팔 티셔츠", "unit_price": 12000, "quantity": 2},
         {"name": "양말", "unit_price": 5000, "quantity": 1}]


def _ticket(number: str) -> Ticket:
    return db.session.scalars(select(Ticket).where(Ticket.number == number)).one()


def test_cancel_previewed_filed_approved_and_finished(app, browser, mail_dir):
    customer = make_user("customer", name="김민지")
    order = make_policy_order(customer, "preparing", LINES, coupon=2000, shipping_fee=3000)
    agent = make_user("agent", name="김상담", queues=["orders"])

    person = browser()
    page = person.sign_in(customer.email, PASSWORD).click("내 주문").click(order.number)
    page = page.click("취소 신청")
    form = page.form("#claim-form")
    page = form.set("reason", "change_of_mind").submit("미리 보기")
    assert "신청하실 수 있습니다." in page.text and "₩30,000" in page.text
    assert "아직 아무것도 접수되지 않았습니다" in page.text
    page = page.form("#claim-form").submit("신청하기")
    assert page.path.startswith("/inquiries/M-"), page.text
    number = page.path.rsplit("/", 1)[1]
    assert "신청이 접수되었습니다" in page.text

    desk = browser()
    queue = desk.sign_in(agent.email, PASSWORD).click("미배정")
    assert number in queue.text
    page = desk.get(f"/desk/tickets/{number}")
    page = page.form(".decision-form").submit("승인")
    assert "승인했습니다. 환불 금액 ₩30,000" in page.text
    assert "김상담 님이 주문 취소 신청을 승인했습니다." in page.text

    ticket = _ticket(number)
    assert ticket.status == "solved" and ticket.assignee_id == agent.id
    assert ticket.first_responded_at is not None and ticket.sla_due_at is None
    assert db.session.scalar(select(func.count(Refund.id))) == 1

    # The decision is a message the customer reads in the thread, beside the solved status.
    mine = person.get(f"/inquiries/{number}")
    assert "요청하신 주문 취소 신청이 승인되었습니다." in mine.text
    assert "환불 금액: ₩30,000" in mine.text and "카드 결제 취소로 환불됩니다" in mine.text
    assert "해결됨" in mine.text and "답변드릴 예정입니다" not in mine.text
    assert any("승인되었습니다" in m for m in mail_to(mail_dir, customer.email))

    # Nobody is handed the decided claim by take-next.
    other = make_user("agent", name="이서연", queues=["orders"])
    colleague = browser()
    page = colleague.sign_in(other.email, PASSWORD)
    page = page.form(action="/desk/take-next").submit()
    assert number not in page.path
    assert "가져올 미배정 문의가 없습니다." in page.flashes()


def test_denial_is_told_in_the_thread_and_solves_the_ticket(app, browser):
    customer = make_user("customer", name="김민지")
    order = make_policy_order(customer, "preparing", LINES)
    agent = make_user("agent", name="김상담", queues=["orders"])
    person = browser()
    page = person.sign_in(customer.email, PASSWORD).click("내 주문").click(order.number).click("취소 신청")
    page = page.form("#claim-form").submit("신청하기")
    number = page.path.rsplit("/", 1)[1]

    desk = browser()
    desk.sign_in(agent.email, PASSWORD)
    page = desk.get(f"/desk/tickets/{number}").form(".decision-form").submit("거절")
    assert "거절 사유를 입력해 주세요." in page.text
    page = page.form(".decision-form").fill(note="판매자가 이미 출고했습니다.").submit("거절")
    assert "신청을 거절했습니다" in page.text
    assert "김상담 님이 주문 취소 신청을 거절했습니다." in page.text
    assert _ticket(number).status == "solved"

    mine = person.get(f"/inquiries/{number}")
    assert "요청하신 주문 취소 신청은 승인되지 않았습니다." in mine.text
    assert "사유: 판매자가 이미 출고했습니다." in mine.text


def test_a_return_past_its_window_cannot_be_filed_and_an_exception_can_be_asked(app, browser, web_app):
    customer = make_user("customer", name="김민지")
    delivered = datetime.now(UTC) - timedelta(days=20)
    order = make_policy_order(customer, "delivered", LINES, paid_at=delivered - timedelta(days=2))
    person = browser()
    page = person.sign_in(customer.email, PASSWORD).click("내 주문").click(order.number).click("반품·환불 신청")
    page = page.form("#claim-form").set("qty-L1", 1).set("reason", "change_of_mind").submit("미리 보기")
    assert "이 신청은 받아들여질 수 없습니다." in page.text
    assert "검수 결과에 따라 최종 확정됩니다" not in page.text
    form = page.form("#claim-form")
    assert not any("신청하기" in b.get_text() for b in form.tag.find_all("button"))

    # Posting it anyway (an old tab, a script) is refused with the reasons, and nothing is filed.
    crafted = BrowserClient(web_app.test_client())
    login(crafted, customer)
    response = crafted.post_form(f"/orders/{order.number}/claim?kind=refund", {
        "qty-L1": "1", "qty-L2": "0", "reason": "change_of_mind", "action": "submit",
        "packaging_intact": "yes", "opened_for_inspection_only": "unknown", "unused": "yes", "submission_key": "k1"})
    assert response.status_code == 422
    assert "신청이 접수되지 않았습니다." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Ticket.id))) == 0
    assert db.session.scalar(select(func.count(Claim.id))) == 0

    # The way that is open: an ordinary inquiry asking for an exception, about this order.
    page = page.click("예외를 요청하는 1:1 문의")
    assert page.path == "/inquiries/new"
    form = page.form(action="/inquiries/new")
    assert form.value("order_number") == order.number and form.value("category") == "order"
    assert order.number in form.value("subject")
    page = form.fill(body="포장을 뜯지 않았습니다. 예외로 반품할 수 있을까요?").submit()
    assert page.path.startswith("/inquiries/M-"), page.errors()
    ticket = _ticket(page.path.rsplit("/", 1)[1])
    assert ticket.type == "inquiry" and ticket.order_id == order.id


def test_a_defect_return_with_photos_waits_for_the_parcel_then_is_solved(app, browser):
    customer = make_user("customer", name="김민지")
    order = make_policy_order(customer, "delivered", LINES)
    agent = make_user("agent", name="김상담", queues=["orders"])
    person = browser()
    page = person.sign_in(customer.email, PASSWORD).click("내 주문").click(order.number).click("반품·환불 신청")
    form = page.form("#claim-form").set("qty-L1", 1).set("reason", "defective")
    page = form.attach("files", "broken.png", png_bytes()).submit("미리 보기")
    # a preview keeps nothing, and says so about the chosen photo
    assert "broken.png" in page.text and "다시 선택해 주세요" in page.text
    assert "불량 상품 반품 신청 기한" in page.text
    assert "상품 정보와 다른 경우 반품 신청 기한" not in page.text
    assert db.session.scalar(select(func.count(Attachment.id))) == 0
    page = page.form("#claim-form").attach("files", "broken.png", png_bytes()).submit("신청하기")
    number = page.path.rsplit("/", 1)[1]
    assert "broken.png" in page.text
    assert db.session.scalar(select(func.count(Attachment.id))) == 1

    desk = browser()
    desk.sign_in(agent.email, PASSWORD)
    page = desk.get(f"/desk/tickets/{number}")
    assert "broken.png" in page.text
    page = page.form(".decision-form").submit("승인")
    ticket = _ticket(number)
    # approved before the parcel is back: waiting on the customer, the SLA paused
    assert ticket.status == "pending" and ticket.sla_paused and ticket.assignee_id == agent.id
    mine = person.get(f"/inquiries/{number}")
    assert "상품을 보내 주세요." in mine.text

    # The parcel reaches the seller: the agent records it on the ticket's claim card.
    page = desk.get(f"/desk/tickets/{number}")
    arrived = datetime.now(UTC).astimezone(SEOUL).strftime("%Y-%m-%dT%H:%M")
    page = page.form(action=f"/desk/tickets/{number}/return").fill(received_at=arrived).submit()
    assert "반품 도착과 검수 결과를 기록했습니다." in page.flashes()
    ticket = _ticket(number)
    refund = ticket.claim.refund
    assert ticket.status == "solved" and refund.due_by is not None
    assert "반품 상품 도착을 기록했습니다" in page.text
    mine = person.get(f"/inquiries/{number}")
    assert "보내 주신 반품 상품이 판매자에게 도착했습니다." in mine.text
    assert f"{refund.due_by.month}월 {refund.due_by.day}일" in mine.text
