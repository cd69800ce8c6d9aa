"""Canned answers as a use case (app/services/desk/canned.py): saving, scoping, search, rendering, sending."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.domain import placeholders
from app.domain.errors import DomainError, Forbidden, NotFound
from app.extensions import db
from app.models import CannedAnswer, CannedAnswerUse, Claim, Message, Refund
from app.seed import canned_answers
from app.services import unit_of_work
from app.services.desk import canned
from app.services.desk.canned import AnswerInput
from tests.factories import make_order, make_ticket, make_user


@pytest.fixture()
def people(app):
    return {
        "admin": make_user("admin", name="관리자"),
        "lead": make_user("lead", name="팀장"),
        "agent": make_user("agent", name="김상담", queues=["orders", "general"]),
        "other": make_user("agent", name="박상담", queues=["orders", "general"]),
        "customer": make_user("customer", name="홍길동"),
    }


def shared(people, now, title="환불 접수 안내", body="{{ customer.name }}님, 환불을 접수했습니다.", **kw):
    answer = canned.create(people["lead"], AnswerInput(title=title, body_ko=body, shared=True, **kw), now=now)
    unit_of_work.commit()
    return answer


# ---------------------------------------------------------------- saving

def test_unknown_placeholder_is_refused_at_save_time(people, now):
    with pytest.raises(DomainError) as exc:
        canned.create(people["agent"], AnswerInput(title="t", body_ko="{{ customer.phone }}"), now=now)
    assert exc.value.code == "placeholder_invalid" and exc.value.fields == {"body_ko": "placeholder_invalid"}
    assert "customer.phone" in exc.value.message_ko and "customer.phone" in exc.value.message_en
    with pytest.raises(DomainError) as exc:
        canned.create(people["agent"], AnswerInput(title="t", body_ko="ok", body_en="{% for x in y %}"), now=now)
    assert exc.value.fields == {"body_en": "placeholder_invalid"}


@pytest.mark.parametrize("data, field", [
    (AnswerInput(title=" ", body_ko="x"), "title"),
    (AnswerInput(title="t", body_ko=" "), "body_ko"),
    (AnswerInput(title="t", body_ko="x", category_codes=["nope"]), "category_codes"),
    (AnswerInput(title="t", body_ko="x", queue_slugs=["nope"]), "queue_slugs"),
    (AnswerInput(title="t", body_ko="x", status="closed"), "status"),
    (AnswerInput(title="t", body_ko="x", priority="asap"), "priority"),
    (AnswerInput(title="t", body_ko="x", tag="a,b"), "tag"),
])
def test_invalid_input_names_the_field(people, now, data, field):
    with pytest.raises(DomainError) as exc:
        canned.create(people["agent"], data, now=now)
    assert field in exc.value.fields


def test_who_manages_what(people, now):
    with pytest.raises(Forbidden):
        canned.create(people["agent"], AnswerInput(title="t", body_ko="x", shared=True), now=now)
    with pytest.raises(Forbidden):
        canned.create(people["customer"], AnswerInput(title="t", body_ko="x"), now=now)
    answer = shared(people, now)
    assert answer.owner_id is None
    with pytest.raises(Forbidden):
        canned.update(people["agent"], answer.id, AnswerInput(title="x", body_ko="y"), now=now)
    with pytest.raises(Forbidden):
        canned.deactivate(people["agent"], answer.id, now=now)
    canned.update(people["admin"], answer.id, AnswerInput(title="환불 안내", body_ko="y"), now=now)
    mine = canned.create(people["agent"], AnswerInput(title="내 인사말", body_ko="안녕하세요"), now=now)
    assert mine.owner_id == people["agent"].id
    canned.update(people["agent"], mine.id, AnswerInput(title="내 인사", body_ko="반가워요"), now=now)
    # Someone else's personal answer does not exist for you, not even for an admin.
    for who in ("other", "admin"):
        with pytest.raises(NotFound):
            canned.update(people[who], mine.id, AnswerInput(title="x", body_ko="y"), now=now)
    canned.deactivate(people["agent"], mine.id, now=now)
    assert mine.active is False


# ---------------------------------------------------------------- finding

def test_scoping_by_category_queue_and_owner(people, now):
    customer = people["customer"]
    delivery = make_ticket(customer, category="delivery", now=now)
    product = make_ticket(customer, category="product", now=now)
    everywhere = shared(people, now, title="추가 확인 요청")
    for_delivery = shared(people, now, title="배송 지연 안내", category_codes=["delivery"])
    for_general = shared(people, now, title="일반 큐 안내", queue_slugs=["general"])
    off = shared(people, now, title="꺼진 답변")
    canned.deactivate(people["lead"], off.id, now=now)
    mine = canned.create(people["agent"], AnswerInput(title="내 답변", body_ko="x"), now=now)
    unit_of_work.commit()
    ids = lambda rows: {a.id for a in rows}  # noqa: E731
    assert ids(canned.answers_for(people["agent"], delivery)) == {everywhere.id, for_delivery.id, mine.id}
    assert ids(canned.answers_for(people["agent"], product)) == {everywhere.id, for_general.id, mine.id}
    assert ids(canned.answers_for(people["other"], delivery)) == {everywhere.id, for_delivery.id}
    # The other agent can neither preview nor use it: 404.
    with pytest.raises(NotFound):
        canned.preview(people["other"], delivery, mine.id)
    with pytest.raises(NotFound):
        canned.use(people["other"], delivery, mine.id, now=now)
    # Out of scope: offered after the fitting ones, and usable (a 배송 ticket may need the 환불 answer).
    assert [a.title for a in canned.usable_answers(people["agent"], product)] == [
        "일반 큐 안내", "내 답변", "추가 확인 요청", "배송 지연 안내"]
    assert canned.fit(for_delivery, product) == 2 and canned.fit(for_delivery, delivery) == 0
    assert canned.preview(people["agent"], product, for_delivery.id).answer.id == for_delivery.id
    # Inactive: neither offered nor usable.
    assert off.id not in ids(canned.usable_answers(people["agent"], delivery))
    with pytest.raises(NotFound):
        canned.preview(people["agent"], delivery, off.id)
    with pytest.raises(NotFound):
        canned.use(people["agent"], delivery, off.id, now=now)
    with pytest.raises(DomainError) as exc:
        canned.answers_for(people["customer"], delivery)
    assert exc.value.status == 403


def test_search_by_substring_and_initial_consonants(people, now):
    ticket = make_ticket(people["customer"], category="refund", now=now)
    refund = shared(people, now, title="환불 접수 안내")
    ret = shared(people, now, title="반품 안내")
    shared(people, now, title="Plus 혜택 안내")
    titles = lambda q: [a.title for a in canned.search(people["agent"], ticket, q)]  # noqa: E731
    assert titles("환불") == ["환불 접수 안내"]
    assert titles("ㅎㅂ") == ["환불 접수 안내"]
    assert titles("ㅎㅂㅈㅅ") == ["환불 접수 안내"]
    assert titles("ㅂㅍ") == ["반품 안내"]
    assert set(titles("안내")) == {"환불 접수 안내", "반품 안내", "Plus 혜택 안내"}
    assert titles("plus") == ["Plus 혜택 안내"]
    assert titles("배송") == []
    assert {a.id for a in canned.search(people["agent"], ticket, "")} >= {refund.id, ret.id}


# ---------------------------------------------------------------- rendering

def test_values_for_a_ticket(people, now):
    customer = people["customer"]
    order = make_order(customer, status="preparing", number="20261120-777777")
    ticket = make_ticket(customer, category="delivery", order=order, now=now)
    values = canned.values_for(ticket, people["agent"], "ko")
    assert values["customer.name"] == "홍길동"
    assert values["ticket.number"] == ticket.number
    assert values["order.number"] == "20261120-777777"
    assert values["order.status"] == "상품 준비중"
    assert values["agent.name"] == "김상담"
    assert values["refund.amount"] is None
    assert values["ticket.category"] == "배송"
    if ticket.first_response_due_at:
        assert values["sla.first_response_due"] == canned._seoul(ticket.first_response_due_at)
        assert len(values["sla.first_response_due"]) == 16


def test_order_status_says_what_the_pages_say_in_either_language(people, now):
    from flask_babel import force_locale

    from app.domain.placeholders import ORDER_STATUS_TEXT
    from app.web.labels import LABELS

    for locale in ("ko", "en"):
        with force_locale(locale):
            pages = {code: str(text) for code, text in LABELS["order_status"].items()}
        assert {code: placeholders.order_status_text(code, locale) for code in ORDER_STATUS_TEXT} == pages
    order = make_order(people["customer"], status="preparing")
    ticket = make_ticket(people["customer"], category="delivery", order=order, now=now)
    assert canned.values_for(ticket, people["agent"], "en")["order.status"] == "Preparing"


def test_refund_amount_is_the_latest_refund_in_won(people, now):
    customer = people["customer"]
    order = make_order(customer)
    ticket = make_ticket(customer, category="refund", order=order, now=now)
    request = Claim(ticket_id=ticket.id, order_id=order.id, request_key="k-1", kind="refund", lines=[],
                            reason="defective", requested_at=now, status_at_request="delivered", state="approved")
    db.session.add(request)
    db.session.flush()
    db.session.add(Refund(request_id=request.id, order_id=order.id, kind="refund", lines=[], breakdown={},
                          refund_value_total=32900, cash_refund_total=32900, points_restored=0,
                          due_by=date(2026, 11, 30), approved_by_id=people["lead"].id, created_at=now))
    db.session.flush()
    values = canned.values_for(ticket, people["agent"])
    assert values["refund.amount"] == "₩32,900"
    assert values["refund.due_date"] == "2026-11-30"


def test_preview_with_and_without_values_and_defaults(people, now):
    customer = people["customer"]
    no_order = make_ticket(customer, category="product", now=now)
    with_order = make_ticket(customer, category="delivery", order=make_order(customer, number="20261120-123456"),
                             now=now)
    answer = shared(people, now, title="주문 안내",
                    body="{{ customer.name }}님 주문 {{ order.number }} ({{ order.status | default('확인 중') }})")
    p = canned.preview(people["agent"], with_order, answer.id)
    assert p.text == "홍길동님 주문 20261120-123456 (배송 완료)" and p.missing == []
    p = canned.preview(people["agent"], no_order, answer.id)
    assert p.missing == ["order.number"]
    assert p.text == "홍길동님 주문 {{ order.number }} (확인 중)"
    defaulted = shared(people, now, title="기본값",
                       body='주문 {{ order.number | default("주문번호 확인 중") }}')
    p = canned.preview(people["agent"], no_order, defaulted.id)
    assert p.text == "주문 주문번호 확인 중" and p.missing == []


def test_english_version_for_english_readers(people, now):
    answer = shared(people, now, title="인사", body="안녕하세요 {{ customer.name }}님",
                    body_en="Hello {{ customer.name }}")
    ticket = make_ticket(people["customer"], now=now)
    assert canned.preview(people["agent"], ticket, answer.id, "en").text == "Hello 홍길동"
    assert canned.preview(people["agent"], ticket, answer.id, "ko").text == "안녕하세요 홍길동님"


# ---------------------------------------------------------------- sending

def test_missing_value_blocks_sending(people, now):
    ticket = make_ticket(people["customer"], category="product", now=now)
    answer = shared(people, now, body="주문 {{ order.number }} 확인했습니다.")
    before = db.session.scalar(select(func.count(Message.id)))
    with pytest.raises(DomainError) as exc:
        canned.use(people["agent"], ticket, answer.id, now=now)
    assert exc.value.status == 422 and exc.value.code == "placeholder_missing"
    assert "order.number" in exc.value.message_ko
    # An edit that still has the placeholder is refused too; one that replaced it goes out.
    with pytest.raises(DomainError):
        canned.use(people["agent"], ticket, answer.id, body_override="주문 {{order.number}}", now=now)
    unit_of_work.rollback()
    assert db.session.scalar(select(func.count(Message.id))) == before
    message = canned.use(people["agent"], ticket, answer.id, body_override="주문번호를 알려 주세요.", now=now)
    assert message.body == "주문번호를 알려 주세요." and message.internal is False


def test_use_sends_applies_actions_and_counts(people, now):
    ticket = make_ticket(people["customer"], category="delivery", now=now)
    answer = shared(people, now, title="배송 지연 안내", body="{{ customer.name }}님, 지연되어 죄송합니다.",
                    status="on_hold", priority="high", tag="배송지연")
    message = canned.use(people["agent"], ticket, answer.id, now=now)
    unit_of_work.commit()
    assert message.body == "홍길동님, 지연되어 죄송합니다."
    assert ticket.status == "on_hold" and ticket.priority == "high"
    assert [t.name for t in ticket.tags] == ["배송지연"]
    canned.use(people["other"], ticket, answer.id, body_override="수정한 {{ agent.name }} 답변", now=now)
    canned.use(people["agent"], ticket, answer.id, now=now)
    unit_of_work.commit()
    assert ticket.messages[-2].body == "수정한 박상담 답변"
    usage = canned.usage_counts(answer)
    assert usage.total == 3 and usage.by_agent == [("김상담", 2), ("박상담", 1)]
    assert canned.usage_totals([answer.id]) == {answer.id: 3}
    assert canned.my_usage(people["other"], [answer.id]) == {answer.id: 1}
    assert db.session.scalar(select(func.count(CannedAnswerUse.id))) == 3


def test_default_set_covers_every_category_and_is_idempotent(people, now):
    from app.models import Category

    added = canned_answers.ensure_default_canned_answers(now)
    assert added == len(canned_answers.DEFAULT_ANSWERS)
    assert canned_answers.ensure_default_canned_answers(now) == 0
    rows = db.session.scalars(select(CannedAnswer)).all()
    covered = {code for a in rows for code in a.category_codes}
    assert set(db.session.scalars(select(Category.code))) <= covered | {"other"}
    titles = {a.title for a in rows}
    for title in ("배송 지연 안내", "준비중 취소 안내", "환불 접수 안내", "반품 안내", "위메프플러스 혜택 안내",
                  "판매자센터 상품 등록 오류 안내"):
        assert title in titles
    ticket = make_ticket(people["customer"], category="refund", now=now)
    assert [a.title for a in canned.search(people["agent"], ticket, "ㅎㅂ")] == ["환불 접수 안내"]
    for answer in canned.answers_for(people["agent"], ticket):
        canned.preview(people["agent"], ticket, answer.id)
