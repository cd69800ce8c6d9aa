"""Search through the pages and the API as people use them: the desk's search box (a GET form,
read from the page), /desk/search with filters and sorting, the customer's 내 문의 내역 box, and
GET /api/v1/tickets?q=. Snippets mark the words found and stay escaped."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from app.services import unit_of_work
from app.services.tickets.core import add_message
from tests.factories import bearer, login, make_order, make_ticket, make_user


@pytest.fixture()
def desk(app, now):
    customer = make_user("customer", name="이수진", email="sujin@example.com")
    agent = make_user("agent", name="최상담", queues=["orders"])
    order = make_order(customer, number="20261120-004321")
    refund = make_ticket(customer, category="refund", order=order, subject="환불 문의",
                         body="<b>환불요청</b> 드립니다 <script>alert(1)</script>")
    late = make_ticket(customer, category="delivery", subject="배송이 안 와요", body="배송 지연이 너무 깁니다")
    add_message(agent, late, body="택배사에 확인 요청함", internal=True, files=[], now=now)
    unit_of_work.commit()
    # A ticket of a queue the agent does not work: never shown to them.
    make_ticket(customer, category="membership", subject="회원 등급 환불 문의", body="환불요청 관련 회원 문의")
    return {"customer": customer, "agent": agent, "refund": refund, "late": late, "order": order}


def _submit_search_box(client, page_url: str, q: str):
    """Find the search form on a page and submit it as a browser does (GET, its own fields)."""
    soup = BeautifulSoup(client.get(page_url).get_data(as_text=True), "html.parser")
    form = soup.find("form", attrs={"role": "search"})
    assert form is not None and form.get("method", "get").lower() == "get"
    fields = {i["name"]: i.get("value", "") for i in form.find_all("input") if i.get("name")}
    fields["q"] = q
    return client.get(urlsplit(form["action"]).path, query_string=fields)


def _rows(response):
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return soup.select("ul.search-results > li")


def test_the_desks_search_box_goes_to_desk_search_and_finds_body_words(client, desk):
    login(client, desk["agent"])
    response = _submit_search_box(client, "/desk?view=mine", "환불요청")
    assert response.status_code == 200 and response.request.path == "/desk/search"
    rows = _rows(response)
    assert [r.select_one(".ticket-number").text for r in rows] == [desk["refund"].number]
    html = str(rows[0])
    assert "<mark>환불요청</mark>" in html
    # The text around the mark is escaped: the customer's markup is shown, never run.
    assert "&lt;b&gt;" in html and "&lt;script&gt;" in html and "<script>" not in html


def test_an_unassigned_ticket_typed_by_number_on_my_view_is_found(client, desk):
    login(client, desk["agent"])
    response = _submit_search_box(client, "/desk?view=mine", desk["late"].number)
    assert [r.select_one(".ticket-number").text for r in _rows(response)] == [desk["late"].number]
    response = _submit_search_box(client, "/desk?view=mine", desk["late"].number[-4:])
    assert desk["late"].number in [r.select_one(".ticket-number").text for r in _rows(response)]


@pytest.mark.parametrize("q", ["004321", "20261120-004321", "sujin@example.com", "이수진"])
def test_order_numbers_and_customers_are_found_by_staff(client, desk, q):
    login(client, desk["agent"])
    numbers = [r.select_one(".ticket-number").text for r in _rows(client.get("/desk/search", query_string={"q": q}))]
    assert desk["refund"].number in numbers


def test_internal_notes_are_found_and_labelled_for_staff(client, desk):
    login(client, desk["agent"])
    rows = _rows(client.get("/desk/search", query_string={"q": "택배사"}))
    assert [r.select_one(".ticket-number").text for r in rows] == [desk["late"].number]
    assert "내부 메모" in rows[0].text


def test_filters_and_sorting(client, desk):
    login(client, desk["agent"])

    def numbers(**args):
        return [r.select_one(".ticket-number").text for r in _rows(client.get("/desk/search", query_string=args))]

    both = {desk["refund"].number, desk["late"].number}
    assert set(numbers(status="new")) == both
    assert numbers(category="delivery") == [desk["late"].number]
    assert numbers(type="refund") == [desk["refund"].number]
    assert set(numbers(queue="orders", assignee="none")) == both
    assert numbers(q="문의", status="closed") == []
    assert numbers(sort="newest", queue="orders") == [desk["late"].number, desk["refund"].number]
    assert set(numbers(sort="sla_due", queue="orders")) == both
    assert set(numbers(**{"from": "2000-01-01", "to": "2999-12-31"})) == both
    assert numbers(**{"from": "2999-01-01"}) == []


def test_customers_are_turned_away_from_the_desk_search(client, desk):
    login(client, desk["customer"])
    assert client.get("/desk/search", query_string={"q": "환불"}).status_code == 403


def test_the_customers_inquiry_list_has_a_search_box(client, desk):
    login(client, desk["customer"])
    response = _submit_search_box(client, "/inquiries", "배송")
    assert response.status_code == 200 and response.request.path == "/inquiries"
    rows = _rows(response)
    assert [r.select_one(".ticket-number").text for r in rows] == [desk["late"].number]
    assert "<mark>배송</mark>" in str(rows[0])
    # Notes are not searched for customers: 택배사 is only in an internal note.
    assert _rows(_submit_search_box(client, "/inquiries", "택배사")) == []


def test_the_api_searches_with_the_same_engine_and_filters(client, desk):
    headers = bearer(desk["agent"])

    def numbers(**args):
        response = client.get("/api/v1/tickets", query_string=args, headers=headers)
        assert response.status_code == 200
        return [t["number"] for t in response.get_json()["items"]]

    assert numbers(q="환불요청") == [desk["refund"].number]
    assert numbers(q="배송 지연") == [desk["late"].number]
    assert numbers(q="환불", category="delivery") == []
    assert numbers(q="환불", order_number="20261120-004321") == [desk["refund"].number]
    assert numbers(q="택배사") == [desk["late"].number]
    customer = bearer(desk["customer"])
    response = client.get("/api/v1/tickets", query_string={"q": "택배사"}, headers=customer)
    assert response.get_json()["items"] == []


def test_the_search_page_reads_in_english(client, desk):
    login(client, desk["agent"])
    page = client.get("/desk/search", query_string={"q": "*"}, headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert "Please type a word to find" in text or "찾을 낱말을 입력해 주세요" in text
