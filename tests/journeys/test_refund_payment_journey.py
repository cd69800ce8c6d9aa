"""A refund that is due finishes: the lead records its payment by hand from the overdue list, the
row leaves the list, the claim card says 지급 완료, and the customer reads (page and email) that it
was paid, with the amount — in the same words the policy's timing gives everywhere."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Refund
from app.services.claims.refunds import refund_timing_of
from tests.factories import PASSWORD, make_user
from tests.journeys.browser import mail_to
from tests.refund_setup import approved_refund


def test_lead_records_an_overdue_refund_as_paid_and_the_customer_is_told(app, browser, mail_dir):
    customer = make_user("customer", name="김민지", email="minji@example.com")
    refund = approved_refund(customer)  # approved, due days ago, still 지급 대기
    ticket_number = refund.request.ticket.number
    pending_text = refund_timing_of(refund).ko
    assert "카드 결제 취소로 환불됩니다" in pending_text
    make_user("lead", name="박팀장", email="lead@test.munui.kr")

    # The customer's page and the approval email say the same thing about when the money comes.
    person = browser()
    person.sign_in("minji@example.com", PASSWORD)
    before = person.get(f"/inquiries/{ticket_number}")
    assert pending_text in before.text and "환불 완료" not in before.text
    approval = [m for m in mail_to(mail_dir, "minji@example.com") if "승인되었습니다" in m]
    assert len(approval) == 1 and pending_text in approval[0]
    assert "3~7일" in approval[0] and "1~3" not in approval[0]

    lead = browser()
    lead.sign_in("lead@test.munui.kr", PASSWORD)
    overdue = lead.get("/desk/refunds/overdue")
    assert overdue.status == 200 and ticket_number in overdue.text and "₩27,000" in overdue.text

    # The row's button opens the payment form; without a note nothing is recorded.
    form_page = overdue.form(action=f"/desk/refunds/{refund.id}/paid").submit()
    assert form_page.status == 200 and "환불 지급 기록" in form_page.text and ticket_number in form_page.text
    refused = form_page.form(action=f"/desk/refunds/{refund.id}/paid").fill(reference="입금-1127").submit()
    assert refused.status == 422
    assert any("메모를 입력해 주세요" in e for e in refused.errors())
    assert db.session.get(Refund, refund.id).status == "pending"

    done = refused.form(action=f"/desk/refunds/{refund.id}/paid").fill(
        reference="입금-1127", note="통장 입금 내역으로 확인 (쇼핑몰 연동 장애)").submit()
    assert done.status == 200 and done.path == "/desk/refunds/overdue"
    assert any("환불 지급을 기록했습니다: ₩27,000" in f for f in done.flashes())
    assert ticket_number not in done.text and "기한이 지난 환불이 없습니다." in done.text

    stored = db.session.get(Refund, refund.id)
    assert stored.status == "completed" and stored.paid_via == "desk" and stored.paid_by.name == "박팀장"
    paid_day = stored.executed_at.astimezone(ZoneInfo("Asia/Seoul")).strftime("%Y-%m-%d")

    # The ticket's claim card: paid, when, by whom, with the reference and the note; the trail records it.
    card = lead.get(f"/desk/tickets/{ticket_number}")
    claim = " ".join(card.soup.select_one("#claim").get_text(" ").split())
    assert f"지급 완료 {paid_day}" in claim and "지급 대기" not in claim
    assert "상담원 직접 기록 · 박팀장" in claim and "입금-1127" in claim and "통장 입금 내역으로 확인" in claim
    assert not card.has_form(action=f"/desk/refunds/{refund.id}/paid")
    trail = [" ".join(li.get_text(" ").split()) for li in card.soup.select("ol.audit li")]
    assert any("박팀장 님이 환불 ₩27,000 지급을 기록했습니다" in line for line in trail), trail
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "refund_paid")).one()
    assert event.detail["note"].startswith("통장 입금 내역으로 확인") and event.detail["reference"] == "입금-1127"

    # The customer's page and email: paid, with the amount and the day, in the same words.
    paid_text = refund_timing_of(stored).ko
    assert paid_text.startswith("₩27,000은 ") and "카드 결제 취소로 환불 처리되었습니다" in paid_text
    after = person.get(f"/inquiries/{ticket_number}")
    assert f"환불 완료: {paid_day}" in after.text and paid_text in after.text
    # the claim's status card now says paid (the decision message in the thread keeps its words)
    card = " ".join(after.soup.select_one(".claim-status").get_text(" ").split())
    assert pending_text not in card and paid_text in card
    paid_mail = [m for m in mail_to(mail_dir, "minji@example.com") if "환불이 지급되었습니다" in m]
    assert len(paid_mail) == 1
    assert "27,000원" in paid_mail[0] and "카드 결제 취소" in paid_mail[0] and paid_day in paid_mail[0]
    assert paid_text in paid_mail[0]
    assert "통장 입금 내역" not in paid_mail[0]  # the desk's note is not for the customer
    notices = person.get("/notifications")
    assert "환불 금액이 지급되었습니다" in notices.text


def test_an_agent_records_payment_on_the_claim_card(app, browser):
    customer = make_user("customer", name="김민지")
    make_user("agent", name="이상담", email="agent@test.munui.kr", queues=["orders"])
    refund = approved_refund(customer, requested_days_ago=0)  # not due yet: still payable by hand
    number = refund.request.ticket.number
    agent = browser()
    agent.sign_in("agent@test.munui.kr", PASSWORD)
    page = agent.get(f"/desk/tickets/{number}")
    claim = " ".join(page.soup.select_one("#claim").get_text(" ").split())
    assert "지급 대기" in claim and refund_timing_of(refund).ko in claim

    page = page.form(action=f"/desk/refunds/{refund.id}/paid").fill(note="PG 관리자 화면에서 취소 확인").submit()
    assert page.status == 200 and page.path == f"/desk/tickets/{number}"
    claim = " ".join(page.soup.select_one("#claim").get_text(" ").split())
    assert "지급 완료" in claim and "PG 관리자 화면에서 취소 확인" in claim and "이상담" in claim
    assert "환불 처리되었습니다" in claim

    # An agent of another queue cannot reach it; a second click changes nothing.
    other = browser()
    make_user("agent", email="other@test.munui.kr", queues=["general"])
    other.sign_in("other@test.munui.kr", PASSWORD)
    assert other.get(f"/desk/refunds/{refund.id}/paid").status == 404
    again = agent.get(f"/desk/refunds/{refund.id}/paid")
    assert "이미 지급 완료로 기록된 환불입니다." in again.text and not again.has_form(
        action=f"/desk/refunds/{refund.id}/paid")
