"""Queries a person or a script might type: results or a clear message, never an error page,
and never a way for a customer to reach a field they may not see."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.search_text import parse_query
from app.services.search import SearchRequest, search_tickets
from tests.factories import bearer, login, make_ticket, make_user

BAD = [
    '"환불 요청', '환불"', '"""', "status:closed", "notes:비밀", "email:a@b.c", "subject:(환불 OR 배송)",
    "*", "**", "?", "환*", "*불", "(" * 10_000, ")" * 5000 + "환불", "환불\x00요청", "\x07\x1b[31m배송",
    "AND", "OR NOT", "환불 AND", "NOT 배송", "~2", "^", "a" * 10_000, "환불 " * 3000, "\u200b\u202e",
    "'; DROP TABLE tickets; --", "<script>alert(1)</script>", "%", "_", "\\", "０１０－１２３４－５６７８",
]


@pytest.fixture()
def people(app):
    customer = make_user("customer")
    lead = make_user("lead")
    make_ticket(customer, subject="환불 요청 드립니다", body="배송이 늦어 환불 부탁드립니다 010-1234-5678")
    return customer, lead


@pytest.mark.parametrize("q", BAD)
def test_the_service_answers_every_bad_query(people, q):
    for actor in people:
        page = search_tickets(actor, SearchRequest(q=q))
        assert page.total >= 0


@pytest.mark.parametrize("q", ["*", "(((", "?", "~^", '"'])
def test_symbols_only_are_a_message_not_the_whole_index(people, q):
    page = search_tickets(people[1], SearchRequest(q=q))
    assert page.empty_query and page.hits == [] and page.total == 0


def test_full_width_phone_numbers_are_read_as_phone_numbers(people):
    assert search_tickets(people[1], SearchRequest(q="０１０－１２３４－５６７８")).total == 1


def test_a_long_query_is_cut_and_said_to_be(people):
    page = search_tickets(people[1], SearchRequest(q="환불 " + " ".join(f"낱말{i}" for i in range(40))))
    assert page.parsed.truncated


@pytest.mark.parametrize("q", BAD[:12] + ["(" * 10_000, "\x00"])
def test_the_pages_and_the_api_never_fail(app, client, people, q):
    customer, lead = people
    login(client, lead)
    desk = client.get("/desk/search", query_string={"q": q, "from": "2026-13-45", "sort": "nope", "page": "x",
                                                    "status": "bogus", "assignee": "abc", "priority": "?"})
    assert desk.status_code == 200
    client.post_form("/logout")
    login(client, customer)
    assert client.get("/inquiries", query_string={"q": q}).status_code == 200
    api = client.get("/api/v1/tickets", query_string={"q": q}, headers=bearer(customer))
    assert api.status_code == 200


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_parsing_never_raises(text):
    parsed = parse_query(text)
    assert len(parsed.parts) <= 12
    for part in parsed.parts:
        assert part.terms or part.emails
