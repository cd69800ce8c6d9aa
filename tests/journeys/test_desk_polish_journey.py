"""Issue 9, the minor list as a tester saw it: notices that say what happened, dates that say what
they are, names instead of codes, English that is English, the order's shipping and delivery,
a favicon, and a desk list that starts near the top."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.services import unit_of_work
from app.services.desk import canned
from app.services.desk.canned import AnswerInput
from app.services.tickets.core import add_message, update_ticket
from tests.factories import PASSWORD, make_policy_order, make_ticket, make_user


def _signed_in(browser, user, english=False):
    person = browser()
    page = person.sign_in(user.email, PASSWORD)
    if english:
        page.form(action="/language").submit()
    return person


def test_status_notices_name_the_new_status_in_both_languages(app, browser):
    customer = make_user("customer")
    agent = make_user("agent", queues=["general"])
    ticket = make_ticket(customer)
    now = datetime.now(UTC)
    update_ticket(agent, ticket, status="solved", now=now - timedelta(minutes=10))
    unit_of_work.commit()
    update_ticket(agent, ticket, status="pending", now=now - timedelta(minutes=5))
    unit_of_work.commit()
    update_ticket(agent, ticket, status="on_hold", now=now)
    unit_of_work.commit()
    person = _signed_in(browser, customer)
    text = person.get("/notifications").text
    assert "문의 상태가 '해결됨'으로 바뀌었습니다" in text
    assert "문의 상태가 '고객 확인 요청'으로 바뀌었습니다" in text
    assert "문의 상태가 '보류'로 바뀌었습니다" in text
    # Newest first.
    assert text.index("'보류'로") < text.index("'고객 확인 요청'으로") < text.index("'해결됨'으로")
    person.get("/notifications").form(action="/language").submit()
    assert "The inquiry's status changed to 'Solved'" in person.get("/notifications").text


def test_my_inquiries_label_the_filing_date_and_the_last_activity(app, browser):
    customer = make_user("customer")
    agent = make_user("agent", queues=["general"])
    filed = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)           # 10:00 KST
    ticket = make_ticket(customer, now=filed)
    add_message(agent, ticket, body="답변드립니다.", internal=False, files=[], now=filed + timedelta(days=2))
    unit_of_work.commit()
    untouched = make_ticket(customer, subject="답변 전 문의", now=filed + timedelta(days=3))
    text = _signed_in(browser, customer).get("/inquiries").text
    assert "접수일 2026-11-20 10:00 · 최근 답변·변경 2026-11-22 10:00" in text
    row = text[text.index(untouched.subject):]
    assert "접수일 2026-11-23 10:00" in row and "최근 답변·변경" not in row.split(ticket.subject)[0]


def test_agent_sees_names_not_codes(app, browser):
    lead = make_user("lead")
    canned.create(lead, AnswerInput(title="환불 접수 안내", body_ko="x", shared=True,
                                    category_codes=["refund", "cancellation", "membership"],
                                    queue_slugs=["orders"]), now=datetime.now(UTC))
    unit_of_work.commit()
    seller = make_user("seller")
    ticket = make_ticket(seller, category="seller")
    person = _signed_in(browser, lead)
    card = person.get(f"/desk/tickets/{ticket.number}").soup.select_one("[data-role]")
    assert card.get_text() == "판매자"
    page = person.get("/desk/canned")
    scope = page.soup.select_one("td.scope").get_text(" ")
    assert "환불/반품" in scope and "취소" in scope and "회원/위메프플러스" in scope and "주문·배송·클레임" in scope
    assert "refund" not in scope and "membership" not in scope and "orders" not in scope


def test_english_mode_shows_english_summaries_sla_and_priority(app, browser):
    customer = make_user("customer")
    order = make_policy_order(customer, status="delivered", lines=[
        {"name": "캔버스 백팩", "unit_price": 45000, "quantity": 1},
        {"name": "반팔 티셔츠", "unit_price": 12900, "quantity": 1}])
    ticket = make_ticket(customer, category="delivery", order=order)
    agent = make_user("agent", queues=["orders"])
    update_ticket(agent, ticket, priority="high", now=datetime.now(UTC))
    unit_of_work.commit()
    person = _signed_in(browser, customer, english=True)
    assert "캔버스 백팩 and 1 more" in person.get("/orders").text
    assert "캔버스 백팩 and 1 more" in person.get(f"/inquiries/{ticket.number}").text
    assert "외 1건" not in person.get("/inquiries/new").text
    desk = _signed_in(browser, agent, english=True).get(f"/desk/tickets/{ticket.number}").text
    assert "SLA · High" in desk and "높음" not in desk and "보통" not in desk
    admin = _signed_in(browser, make_user("admin"), english=True).get("/admin/sla").text
    assert "Plus members (24/7)" in admin and "Urgent" in admin and "긴급" not in admin


def test_order_page_shows_shipping_fee_and_delivery_times(app, browser):
    customer = make_user("customer")
    charged = make_policy_order(customer, status="delivered", shipping_fee=3000,
                                delivered_at="2026-11-21T14:30:00+09:00",
                                promised_delivery_by="2026-11-22T23:59:00+09:00")
    free = make_policy_order(customer, status="shipped", free_threshold=30000,
                             lines=[{"name": "에어프라이어 5L", "unit_price": 89000, "quantity": 1}])
    person = _signed_in(browser, customer)
    page = person.get(f"/orders/{charged.number}")
    facts = page.soup.select_one(".order-shipping").get_text(" ")
    assert "배송비" in facts and "₩3,000" in facts
    assert "배송 완료" in facts and "2026-11-21 14:30" in facts  # Asia/Seoul
    assert "도착 약속 기한" in facts and "2026-11-22 23:59" in facts
    assert "₩3,000" in page.soup.select_one("tr.shipping-fee").get_text()
    page = person.get(f"/orders/{free.number}")
    assert "무료배송 (₩30,000 이상 구매)" in " ".join(page.soup.select_one(".order-shipping").get_text(" ").split())
    # The order card on the agent's ticket page says the same.
    ticket = make_ticket(customer, category="delivery", order=charged)
    agent = _signed_in(browser, make_user("agent", queues=["orders"]))
    card = agent.get(f"/desk/tickets/{ticket.number}").soup.select_one(".order-shipping").get_text(" ")
    assert "₩3,000" in card and "2026-11-21 14:30" in card


def test_favicon_is_served_and_linked(app, browser, web_app):
    page = browser().get("/help")
    links = [link["href"] for link in page.soup.select('link[rel="icon"]')]
    assert "/favicon.ico" in links
    client = web_app.test_client()
    for href in links:
        icon = client.get(href, buffered=True)
        assert icon.status_code == 200 and icon.mimetype.startswith("image/"), href
        assert len(icon.data) > 100


def test_bulk_actions_are_folded_behind_one_control(app, browser):
    make_ticket(make_user("customer"))
    page = _signed_in(browser, make_user("agent", queues=["general"])).get("/desk?view=open")
    panel = page.soup.select_one("details.bulk-panel")
    assert panel is not None and not panel.has_attr("open")
    assert "선택한 문의 일괄 변경" in panel.select_one("summary").get_text()
    assert panel.select_one("select[name=status]") is not None
    # The folded form still carries the rows' checkboxes.
    assert page.soup.select_one('input[name=numbers][form="bulk-form"]') is not None
