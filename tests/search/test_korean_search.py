"""The engine end to end on the embedded path: tickets filed through the services are found
by Korean words in their inflected, compound and spaced forms, by codes and numbers."""
from __future__ import annotations

import pytest

from app.services import unit_of_work
from app.services.search import SearchRequest, search_tickets
from app.services.tickets.core import add_message
from tests.factories import make_order, make_ticket, make_user


def numbers(actor, q, **filters):
    page = search_tickets(actor, SearchRequest(q=q, **filters), per_page=100)
    return [t.number for t in page.tickets]


@pytest.fixture()
def lead(app):
    return make_user("lead", name="박팀장")


@pytest.fixture()
def customer(app):
    return make_user("customer", name="김민지", email="minji@example.com")


@pytest.mark.parametrize("body", ["환불을 받고 싶어요", "환불이 안 됩니다", "빨리 환불해주세요", "환불요청 드립니다"])
def test_refund_finds_its_inflected_and_compound_forms(app, lead, customer, body):
    ticket = make_ticket(customer, subject="문의드립니다", body=body)
    make_ticket(customer, subject="문의드립니다", body="배송 언제 오나요")
    assert numbers(lead, "환불") == [ticket.number]


@pytest.mark.parametrize("body", ["배송이 늦어요", "배송지연 보상 문의", "배송 지연이 심합니다"])
def test_delivery_finds_particles_compounds_and_spaced_forms(app, lead, customer, body):
    ticket = make_ticket(customer, subject="문의", body=body)
    make_ticket(customer, subject="문의", body="환불 부탁드립니다")
    assert numbers(lead, "배송") == [ticket.number]


def test_compound_query_finds_the_spaced_form(app, lead, customer):
    spaced = make_ticket(customer, subject="문의", body="환불 요청 드립니다")
    joined = make_ticket(customer, subject="문의", body="환불요청 드립니다")
    make_ticket(customer, subject="문의", body="요청하신 환불은 처리 중")  # words apart, other order
    assert set(numbers(lead, "환불요청")) == {spaced.number, joined.number}
    assert set(numbers(lead, "환불 요청")) >= {spaced.number, joined.number}


def test_mixed_korean_latin_digits_and_codes(app, lead, customer):
    phone = make_ticket(customer, subject="아이폰15 케이스 색상 문의", body="SKU-AB-1234 제품, 연락처 010-1234-5678")
    other = make_ticket(customer, subject="아이폰14 케이스", body="SKU-AB-9999, 연락처 010-9999-0000")
    assert numbers(lead, "아이폰15 케이스") == [phone.number]
    assert numbers(lead, "SKU-AB-1234") == [phone.number]
    assert numbers(lead, "sku-ab-9999") == [other.number]
    assert numbers(lead, "010-1234-5678") == [phone.number]
    assert numbers(lead, "01012345678") == [phone.number]


def test_ticket_number_whole_or_tail_and_order_number(app, lead, customer):
    order = make_order(customer, number="20261120-000123")
    ticket = make_ticket(customer, category="delivery", order=order, subject="언제 와요", body="기다립니다")
    make_ticket(customer, subject="언제 와요", body="기다립니다")
    assert numbers(lead, ticket.number) == [ticket.number]
    assert numbers(lead, ticket.number[-4:]) == [ticket.number]
    assert numbers(lead, ticket.number.split("-", 1)[1]) == [ticket.number]
    assert numbers(lead, "20261120-000123") == [ticket.number]
    assert numbers(lead, "000123") == [ticket.number]


def test_customer_name_and_email_for_staff_only(app, lead, customer):
    ticket = make_ticket(customer, subject="문의", body="상품 문의")
    assert numbers(lead, "minji@example.com") == [ticket.number]
    assert numbers(lead, "김민지") == [ticket.number]
    assert numbers(customer, "김민지") == []
    assert numbers(customer, "minji@example.com") == []


def test_public_replies_and_attachment_names_are_found_and_notes_for_staff(app, lead, customer, now):
    from tests.factories import png_bytes, upload

    ticket = make_ticket(customer, subject="문의", body="상품 문의",
                         files=[upload(png_bytes(), "파손사진.png", "image/png")])
    add_message(lead, ticket, body="교환 안내 드립니다", internal=False, files=[], now=now)
    add_message(lead, ticket, body="블랙리스트 고객 주의", internal=True, files=[], now=now)
    unit_of_work.commit()
    assert numbers(customer, "교환") == [ticket.number]
    assert numbers(customer, "파손사진") == [ticket.number]
    assert numbers(lead, "블랙리스트") == [ticket.number]
    assert numbers(customer, "블랙리스트") == []


def test_a_whole_sentence_ranks_the_best_match_first(app, lead, customer):
    best = make_ticket(customer, subject="배송 지연",
                       body="주문한 운동화가 일주일째 배송이 안 되고 있어요 환불 가능한가요")
    make_ticket(customer, subject="배송 문의", body="배송은 언제 시작되나요")
    make_ticket(customer, subject="환불 문의", body="환불 계좌를 바꾸고 싶어요")
    make_ticket(customer, subject="운동화 사이즈", body="사이즈 교환 문의")
    found = numbers(lead, "운동화 배송이 일주일째 안 되는데 환불 가능한가요")
    assert found[0] == best.number


def test_a_word_in_the_subject_ranks_above_newer_mentions_in_the_body(app, lead, customer):
    titled = make_ticket(customer, subject="환불 요청", body="지난주 주문 건입니다")
    for i in range(3):
        make_ticket(customer, subject=f"배송 문의 {i}", body="상품을 받으면 환불도 가능한가요")
    found = numbers(lead, "환불")
    assert len(found) == 4 and found[0] == titled.number
