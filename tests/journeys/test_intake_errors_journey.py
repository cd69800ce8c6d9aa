"""Issue 9, intake: a refused form shows every problem at once, in natural Korean, and says which
attached files must be chosen again (a browser never refills a file input) — on the 1:1 inquiry
form, the customer's reply and the agent's reply. Nothing is stored, no file is left on disk."""
from __future__ import annotations

import os

from sqlalchemy import func, select

from app.extensions import db
from app.models import Attachment, Message, Ticket
from tests.factories import PASSWORD, bearer, make_order, make_ticket, make_user, png_bytes


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _files_on_disk(app) -> list[str]:
    return [name for _dir, _sub, names in os.walk(app.config["UPLOAD_DIR"]) for name in names]


def test_an_empty_inquiry_shows_every_problem_at_once(app, browser):
    customer = make_user("customer")
    person = browser()
    person.sign_in(customer.email, PASSWORD)
    page = person.get("/inquiries/new").form(action="/inquiries/new").submit()
    assert page.status == 422
    errors = page.errors()
    assert "문의 유형을 선택해 주세요." in errors
    assert "제목을 입력해 주세요." in errors
    assert "문의 내용을 입력해 주세요." in errors
    assert not any("(를)" in e or "(는)" in e for e in errors)
    assert _count(Ticket) == 0


def test_order_subject_and_body_refused_together_and_the_file_is_asked_for_again(app, browser):
    customer = make_user("customer")
    make_order(customer)
    person = browser()
    person.sign_in(customer.email, PASSWORD)
    form = person.get("/inquiries/new").form(action="/inquiries/new")
    page = form.fill(category="delivery", subject="  ", body="").attach(
        "files", "screenshot.png", png_bytes()).submit()
    assert page.status == 422
    errors = " ".join(page.errors())
    assert "'배송' 문의는 주문을 선택해 주세요." in errors
    assert "제목을 입력해 주세요." in errors and "문의 내용을 입력해 주세요." in errors
    # Next to the file field: which file to choose again.
    note = page.soup.select_one("[data-choose-again]")
    assert note is not None and "screenshot.png" in note.get_text()
    assert "첨부하신 파일(screenshot.png)은 저장되지 않았습니다. 보내기 전에 다시 선택해 주세요." in page.text
    # What was typed and picked stays.
    again = page.form(action="/inquiries/new")
    assert again.value("category") == "delivery"
    assert _count(Ticket) == 0 and _count(Attachment) == 0 and _files_on_disk(app) == []


def test_a_bad_file_is_named_with_the_other_problems(app, browser):
    customer = make_user("customer")
    person = browser()
    person.sign_in(customer.email, PASSWORD)
    page = person.get("/inquiries/new").form(action="/inquiries/new").fill(
        category="product", subject="재입고 문의", body="").attach("files", "virus.exe", b"MZ\x90\x00binary").submit()
    errors = " ".join(page.errors())
    assert "문의 내용을 입력해 주세요." in errors and "'virus.exe' 파일은 첨부할 수 없습니다" in errors
    assert _count(Ticket) == 0


def test_a_good_inquiry_still_goes_through(app, browser):
    customer = make_user("customer")
    person = browser()
    person.sign_in(customer.email, PASSWORD)
    page = person.get("/inquiries/new").form(action="/inquiries/new").fill(
        category="product", subject="재입고 문의", body="언제 들어오나요?").attach(
        "files", "screenshot.png", png_bytes()).submit()
    assert page.status == 200 and page.path.startswith("/inquiries/M-")
    ticket = db.session.scalars(select(Ticket)).one()
    # The ticket number in the flash never breaks across lines on a phone.
    flash = page.soup.select_one(".flash .ticket-number")
    assert flash is not None and flash.get_text() == ticket.number


def test_customer_reply_refused_says_which_files_to_choose_again(app, browser):
    customer = make_user("customer")
    ticket = make_ticket(customer)
    person = browser()
    person.sign_in(customer.email, PASSWORD)
    page = person.get(f"/inquiries/{ticket.number}").form(action="/reply").fill(body=" ").attach(
        "files", "photo.png", png_bytes()).submit()
    assert page.status == 422
    assert "내용을 입력해 주세요." in page.errors()
    assert "첨부하신 파일(photo.png)은 저장되지 않았습니다" in page.text
    assert _count(Message) == 1 and _files_on_disk(app) == []


def test_agent_reply_refused_says_which_files_to_choose_again(app, browser):
    ticket = make_ticket(make_user("customer"))
    agent = make_user("agent", queues=["general"])
    person = browser()
    person.sign_in(agent.email, PASSWORD)
    form = person.get(f"/desk/tickets/{ticket.number}").form(action="/messages")
    page = form.fill(body="").attach("files", "a.png", png_bytes()).attach("files", "b.png", png_bytes()).submit()
    assert page.status == 422
    assert "내용을 입력해 주세요." in page.errors()
    assert "첨부하신 파일(a.png, b.png)은 저장되지 않았습니다" in page.text
    assert _count(Message) == 1 and _files_on_disk(app) == []


def test_api_returns_every_field_problem_in_one_422(app, client):
    customer = make_user("customer")
    response = client.post("/api/v1/tickets", json={"category": "delivery", "subject": "", "body": ""},
                           headers=bearer(customer))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert error["fields"] == {"subject": "required", "body": "required", "order_number": "required"}
    assert "제목을 입력해 주세요." in error["message"] and "(를)" not in error["message"]
    response = client.post("/api/v1/tickets", json={"category": "nope", "subject": "x", "body": "y"},
                           headers={**bearer(customer), "Accept-Language": "en"})
    assert response.get_json()["error"]["fields"] == {"category": "unknown"}
