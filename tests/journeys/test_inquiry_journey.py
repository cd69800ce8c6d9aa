"""A 1:1 inquiry from the customer's first form to its end, through the pages and the emails."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Ticket
from tests.factories import PASSWORD, make_order, make_user, png_bytes
from tests.journeys.browser import mail_to


def test_file_with_a_screenshot_get_an_answer_reply_and_finish(app, browser, mail_dir):
    customer = make_user("customer", name="김민지")
    order = make_order(customer)
    agent = make_user("agent", name="김상담", queues=["orders"])

    person = browser()
    page = person.sign_in(customer.email, PASSWORD).click("1:1 문의")
    form = page.form(action="/inquiries/new")
    form.fill(category="delivery", order_number=order.number, subject="배송이 아직 안 왔어요",
              body="주문한 지 5일이 지났는데 배송 조회가 안 됩니다.")
    page = form.attach("files", "screenshot.png", png_bytes()).submit()
    assert page.path.startswith("/inquiries/M-"), page.errors()
    number = page.path.rsplit("/", 1)[1]
    assert f"문의가 접수되었습니다. 문의 번호는 {number} 입니다." in page.flashes()
    assert "screenshot.png" in page.text and "답변드릴 예정입니다" in page.text
    received = mail_to(mail_dir, customer.email)
    assert any(number in m and "접수되었습니다" in m for m in received)

    desk = browser()
    page = desk.sign_in(agent.email, PASSWORD).click("미배정")
    page = page.click(number)
    assert "screenshot.png" in page.text
    page = page.form(action=f"/desk/tickets/{number}/messages").fill(body="내일 출고 예정입니다.").submit()
    assert "답변을 보냈습니다." in page.flashes()
    page = page.form(action=f"/desk/tickets/{number}/messages").fill(
        body="판매자 통화 완료 — 고객에게 비공개", internal="y").submit()
    assert "내부 메모를 남겼습니다." in page.flashes()

    page = person.get(f"/inquiries/{number}")
    assert "내일 출고 예정입니다." in page.text and "비공개" not in page.text
    assert any("내일 출고 예정입니다." in m for m in mail_to(mail_dir, customer.email))

    page = page.form(action=f"/inquiries/{number}/reply").fill(body="감사합니다. 기다릴게요.").submit()
    assert "답글을 등록했습니다." in page.flashes()
    page = page.form(action=f"/inquiries/{number}/solve").submit()
    assert "해결됨" in page.text
    ticket = db.session.scalars(select(Ticket).where(Ticket.number == number)).one()
    assert ticket.status == "solved"

    # A reply to a solved inquiry opens it again.
    page = page.form(action=f"/inquiries/{number}/reply").fill(body="아직 안 왔어요.").submit()
    db.session.refresh(ticket)
    assert ticket.status == "open"
