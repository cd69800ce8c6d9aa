"""자주 쓰는 답변 pages: management at /desk/canned, and the picker on the agent's ticket page."""
from __future__ import annotations

from datetime import UTC, datetime
from html import unescape

from sqlalchemy import func, select

from app.extensions import db
from app.models import CannedAnswer, CannedAnswerUse, Message
from app.services import canned, unit_of_work
from app.services.canned import AnswerInput
from tests.factories import login, make_order, make_ticket, make_user


def _shared(title="환불 접수 안내", body="{{ customer.name }}님, 환불을 접수했습니다.", **kw):
    lead = make_user("lead")
    answer = canned.create(lead, AnswerInput(title=title, body_ko=body, shared=True, **kw),
                           now=datetime.now(UTC))
    unit_of_work.commit()
    return answer


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


# ---------------------------------------------------------------- access

def test_customers_get_403_on_canned_pages(app, client):
    answer = _shared()
    login(client, make_user("customer"))
    assert client.get("/desk/canned").status_code == 403
    assert client.get("/desk/canned/new").status_code == 403
    assert client.get(f"/desk/canned/{answer.id}/edit").status_code == 403
    assert client.post_form("/desk/canned/new", {"title": "x", "body_ko": "y"}).status_code == 403


def test_agents_cannot_edit_shared_answers(app, client):
    answer = _shared()
    login(client, make_user("agent", queues=["orders"]))
    page = _text(client.get("/desk/canned"))
    assert "환불 접수 안내" in page and f"/desk/canned/{answer.id}/edit" not in page
    assert client.get(f"/desk/canned/{answer.id}/edit").status_code == 403
    assert client.post_form(f"/desk/canned/{answer.id}/edit", {"title": "바꿈", "body_ko": "x"}).status_code == 403
    assert client.post_form(f"/desk/canned/{answer.id}/active", {"active": "0"}).status_code == 403
    # Asking for a shared one only makes a personal one.
    response = client.post_form("/desk/canned/new", {"title": "내 인사", "body_ko": "안녕하세요", "shared": "y"})
    assert response.status_code == 302
    mine = db.session.scalar(select(CannedAnswer).where(CannedAnswer.title == "내 인사"))
    assert mine.owner_id is not None
    db.session.refresh(answer)
    assert answer.title == "환불 접수 안내" and answer.active


def test_lead_manages_shared_answers(app, client):
    lead = make_user("lead")
    login(client, lead)
    assert client.get("/desk/canned/new").status_code == 200
    response = client.post_form("/desk/canned/new", {
        "title": "배송 지연 안내", "body_ko": "{{ customer.name }}님, 주문 {{ order.number }} 배송이 늦어집니다.",
        "shared": "y", "categories": ["delivery"], "status": "pending", "priority": "high", "tag": "배송지연"})
    assert response.status_code == 302
    answer = db.session.scalar(select(CannedAnswer).where(CannedAnswer.title == "배송 지연 안내"))
    assert answer.owner_id is None and answer.category_codes == ["delivery"]
    assert answer.actions == {"status": "pending", "priority": "high", "tag": "배송지연"}
    edit = _text(client.get(f"/desk/canned/{answer.id}/edit"))
    assert "배송 지연 안내" in edit and "{{ customer.name }}" in edit
    response = client.post_form(f"/desk/canned/{answer.id}/edit", {
        "title": "배송 지연 사과", "body_ko": "죄송합니다.", "categories": ["delivery", "order"]})
    assert response.status_code == 302
    db.session.refresh(answer)
    assert answer.title == "배송 지연 사과" and answer.actions == {} and answer.owner_id is None
    assert client.post_form(f"/desk/canned/{answer.id}/active", {"active": "0"}).status_code == 302
    db.session.refresh(answer)
    assert answer.active is False


def test_unknown_placeholder_is_refused_on_the_form(app, client):
    login(client, make_user("agent", queues=["orders"]))
    response = client.post_form("/desk/canned/new", {"title": "t", "body_ko": "{{ config }} {{ ''.__class__ }}"})
    assert response.status_code == 422
    page = _text(response)
    assert "알 수 없는 치환 항목입니다: config" in page
    assert db.session.scalar(select(func.count(CannedAnswer.id))) == 0


def test_someone_elses_personal_answer_is_404(app, client, make_client):
    owner = make_user("agent", queues=["orders"])
    mine = canned.create(owner, AnswerInput(title="내 비밀 답변", body_ko="x"), now=datetime.now(UTC))
    unit_of_work.commit()
    ticket = make_ticket(make_user("customer"), category="delivery")
    other = make_user("agent", queues=["orders"])
    login(client, other)
    assert "내 비밀 답변" not in _text(client.get("/desk/canned"))
    assert client.get(f"/desk/canned/{mine.id}/edit").status_code == 404
    page = _text(client.get(f"/desk/tickets/{ticket.number}?canned={mine.id}"))
    assert "내 비밀 답변" not in page
    response = client.post_form(f"/desk/tickets/{ticket.number}/canned/{mine.id}", {"body": "x"})
    assert response.status_code == 404
    owner_client = make_client()
    login(owner_client, owner)
    assert "내 비밀 답변" in _text(owner_client.get(f"/desk/tickets/{ticket.number}"))


# ---------------------------------------------------------------- the picker

def test_picker_search_preview_and_send(app, client):
    refund = _shared(body="{{ customer.name }}님, 주문 {{ order.number }} 환불을 접수했습니다.",
                     status="on_hold", tag="환불")
    _shared(title="반품 안내", body="반품 안내입니다.")
    _shared(title="판매자센터 상품 등록 오류 안내", body="x", category_codes=["seller"])
    customer = make_user("customer", name="홍길동")
    ticket = make_ticket(customer, category="refund", order=make_order(customer, number="20261120-424242"))
    agent = make_user("agent", name="김상담", queues=["orders"])
    login(client, agent)
    page = _text(client.get(f"/desk/tickets/{ticket.number}"))
    assert "자주 쓰는 답변" in page and "환불 접수 안내" in page and "반품 안내" in page
    assert "판매자센터 상품 등록 오류 안내" not in page  # another category
    assert 'src="/static/js/canned.js"' in page
    page = _text(client.get(f"/desk/tickets/{ticket.number}?q=ㅎㅂ"))
    assert "환불 접수 안내" in page and "반품 안내" not in page
    page = _text(client.get(f"/desk/tickets/{ticket.number}?q=반품"))
    assert "반품 안내" in page and "환불 접수 안내" not in page
    page = _text(client.get(f"/desk/tickets/{ticket.number}?canned={refund.id}"))
    assert "홍길동님, 주문 20261120-424242 환불을 접수했습니다." in page
    assert "이 답변으로 보내기" in page and "missing-placeholders" not in page
    response = client.post_form(f"/desk/tickets/{ticket.number}/canned/{refund.id}",
                                {"body": "홍길동님, 환불을 접수했습니다. (수정함)"})
    assert response.status_code == 302
    last = db.session.scalar(select(Message).where(Message.ticket_id == ticket.id).order_by(Message.id.desc()))
    assert last.body == "홍길동님, 환불을 접수했습니다. (수정함)" and not last.internal
    db.session.refresh(ticket)
    assert ticket.status == "on_hold" and [t.name for t in ticket.tags] == ["환불"]
    assert db.session.scalar(select(func.count(CannedAnswerUse.id))) == 1
    login(client, make_user("lead"))
    listing = _text(client.get("/desk/canned"))
    assert 'data-uses="1"' in listing
    assert "김상담 · 1" in _text(client.get(f"/desk/canned/{refund.id}/edit"))


def test_missing_placeholder_is_shown_and_blocks_sending(app, client):
    answer = _shared(title="주문 확인", body="주문 {{ order.number }} 확인했습니다.")
    defaulted = _shared(title="주문 확인 기본값", body='주문 {{ order.number | default("주문번호 확인 중") }}')
    ticket = make_ticket(make_user("customer"), category="product")
    login(client, make_user("agent", queues=["general"]))
    page = _text(client.get(f"/desk/tickets/{ticket.number}?canned={answer.id}"))
    assert "missing-placeholders" in page and "{{ order.number }}" in page
    before = db.session.scalar(select(func.count(Message.id)))
    response = client.post_form(f"/desk/tickets/{ticket.number}/canned/{answer.id}",
                                {"body": "주문 {{ order.number }} 확인했습니다."})
    assert response.status_code == 422
    assert "order.number" in _text(response)
    assert db.session.scalar(select(func.count(Message.id))) == before
    assert db.session.scalar(select(func.count(CannedAnswerUse.id))) == 0
    page = _text(client.get(f"/desk/tickets/{ticket.number}?canned={defaulted.id}"))
    assert "missing-placeholders" not in page and "주문 주문번호 확인 중" in page
    assert client.post_form(f"/desk/tickets/{ticket.number}/canned/{defaulted.id}",
                            {"body": "주문 주문번호 확인 중"}).status_code == 302


def test_canned_pages_send_csp_without_inline_script(app, client):
    _shared()
    ticket = make_ticket(make_user("customer"), category="refund")
    login(client, make_user("admin"))
    for url in ("/desk/canned", "/desk/canned/new", f"/desk/tickets/{ticket.number}?q=ㅎㅂ"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "<script>" not in response.get_data(as_text=True)
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
