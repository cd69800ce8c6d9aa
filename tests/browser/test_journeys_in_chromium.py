"""The main journeys in a real Chromium, at desktop and at phone size."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Ticket
from tests.factories import PASSWORD, make_policy_order, make_user, png_bytes

LINES = [{"name": "반팔 티셔츠", "unit_price": 12000, "quantity": 2}]


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_customer_signs_up_files_with_a_screenshot_and_reads_the_answer(app, person, size, tmp_path):
    agent = make_user("agent", name="김상담", queues=["general"])
    shot = tmp_path / "screenshot.png"
    shot.write_bytes(png_bytes((64, 48)))

    customer = person(size)
    customer.go("/help")
    customer.page.click("text=회원가입")
    customer.page.fill("#name", "김민지")
    customer.page.fill("#email", f"minji-{size}@example.com")
    customer.page.fill("#password", "long-enough-1")
    customer.page.fill("#confirm", "long-enough-1")
    customer.page.click("form[action='/signup'] button[type=submit]")
    customer.page.wait_for_url("**/help")
    assert "가입을 환영합니다" in customer.text()
    customer.shot("1-signed-up")

    customer.page.click("nav >> text=1:1 문의")
    customer.page.check("input[name=category][value=product]")
    customer.page.fill("#subject", "재입고 일정이 궁금합니다")
    customer.page.fill("#body", "품절된 무선 키보드는 언제 다시 들어오나요?")
    customer.page.set_input_files("#files", str(shot))
    assert customer.no_horizontal_scroll()
    customer.shot("2-inquiry-form")
    customer.page.click("form[action='/inquiries/new'] button[type=submit]")
    customer.page.wait_for_url("**/inquiries/M-*")
    number = customer.page.url.rsplit("/", 1)[1]
    text = customer.text()
    assert number in text and "screenshot.png" in text and "답변드릴 예정입니다" in text
    # the ticket number stays on one line in the flash, even on a phone
    assert customer.page.evaluate(
        "[...document.querySelectorAll('.flash')].every(e => e.getClientRects().length > 0)")
    assert customer.no_horizontal_scroll()
    customer.shot("3-inquiry-filed")

    desk = person("desktop", label=f"agent-{size}")
    desk.sign_in(agent.email, PASSWORD)
    desk.go(f"/desk/tickets/{number}")
    desk.page.fill("#reply-body", "다음 주 수요일 재입고 예정입니다.")
    desk.page.click("form[action$='/messages'] button.primary")
    desk.page.wait_for_load_state()
    assert "답변을 보냈습니다." in desk.text()
    desk.page.fill("#reply-body", "판매자 확인 완료 (고객 비공개)")
    desk.page.check("input[name=internal]")
    desk.page.click("form[action$='/messages'] button.primary")
    desk.page.wait_for_load_state()
    assert "내부 메모를 남겼습니다." in desk.text()
    desk.shot("4-agent-answered")

    customer.go(f"/inquiries/{number}")
    text = customer.text()
    assert "다음 주 수요일 재입고 예정입니다." in text and "고객 비공개" not in text
    assert customer.no_horizontal_scroll()
    customer.shot("5-answer-read")
    assert not customer.dialogs and not desk.dialogs


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_customer_cancels_an_order_and_an_agent_approves_it(app, person, size):
    buyer = make_user("customer", name="김민지")
    order = make_policy_order(buyer, "preparing", LINES)
    agent = make_user("agent", name="김상담", queues=["orders"])

    customer = person(size)
    customer.sign_in(buyer.email, PASSWORD)
    customer.go(f"/orders/{order.number}")
    customer.page.click("text=취소 신청")
    customer.page.click("button[value=preview]")
    customer.page.wait_for_load_state()
    assert "신청하실 수 있습니다." in customer.text()
    assert customer.no_horizontal_scroll()
    customer.shot("1-preview")
    customer.page.click("button[value=submit]")
    customer.page.wait_for_url("**/inquiries/M-*")
    number = customer.page.url.rsplit("/", 1)[1]
    customer.shot("2-filed")

    desk = person("desktop", label=f"agent-claim-{size}")
    desk.sign_in(agent.email, PASSWORD)
    desk.go(f"/desk/tickets/{number}")
    desk.page.click(".decision-form button[value=approve]")
    desk.page.wait_for_load_state()
    assert "승인했습니다" in desk.text()
    desk.shot("3-approved")

    customer.go(f"/inquiries/{number}")
    assert "요청하신 주문 취소 신청이 승인되었습니다." in customer.text()
    customer.shot("4-customer-reads-decision")
    assert db.session.scalars(select(Ticket).where(Ticket.number == number)).one().status == "solved"


def test_plain_forms_work_without_javascript(app, person, tmp_path):
    buyer = make_user("customer", name="김민지")
    customer = person("phone", javascript=False)
    customer.sign_in(buyer.email, PASSWORD)
    customer.go("/inquiries/new")
    customer.page.check("input[name=category][value=product]")
    customer.page.fill("#subject", "자바스크립트 없이")
    customer.page.fill("#body", "스크립트를 끈 브라우저에서도 문의할 수 있나요?")
    customer.page.click("form[action='/inquiries/new'] button[type=submit]")
    customer.page.wait_for_url("**/inquiries/M-*")
    number = customer.page.url.rsplit("/", 1)[1]
    customer.page.fill("textarea[name=body]", "추가로 여쭙니다.")
    customer.page.click(f"form[action='/inquiries/{number}/reply'] button[type=submit]")
    customer.page.wait_for_load_state()
    assert "답글을 등록했습니다." in customer.text()
    customer.page.click(f"form[action='/inquiries/{number}/solve'] button[type=submit]")
    customer.page.wait_for_load_state()
    assert "해결됨" in customer.text()
    customer.shot("no-js-inquiry")
