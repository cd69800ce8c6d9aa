"""app/web/use_case.py through the pages that use it: commit on success; on a refusal, undo everything
the use case wrote and flash why in the reader's language; the statuses a page passes on (404, 403)
reach the error pages instead."""
from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.domain.errors import DomainError, Forbidden
from app.extensions import db
from app.models import AuditEvent, Message, Ticket
from app.services import unit_of_work
from app.services.desk.workspace import change_tags
from app.services.tickets.core import add_message
from app.web.desk.tickets import routes as ticket_routes
from tests.factories import login, make_ticket, make_user

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


def _browser(make_client, user):
    browser = make_client()
    login(browser, user)
    return browser


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _tags_and_events(ticket_id: int) -> tuple[list[str], int]:
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket_id)
    events = db.session.scalars(select(AuditEvent.id).where(AuditEvent.ticket_id == ticket_id,
                                                            AuditEvent.action == "tag_added")).all()
    return [t.name for t in ticket.tags], len(events)


def _tags_then(error: DomainError):
    """change_tags that does its writes (tag, link, audit row, flushed) and then refuses."""
    def fake(actor, ticket, **kwargs):
        change_tags(actor, ticket, **kwargs)
        db.session.flush()
        raise error
    return fake


def test_success_commits_and_the_page_says_so(app, make_client):
    ticket = make_ticket(make_user("customer"), category="product")
    browser = _browser(make_client, make_user("agent", queues=["general"]))
    response = browser.post_form(f"/desk/tickets/{ticket.number}/tags", {"add": "VIP"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/desk/tickets/{ticket.number}")
    assert _tags_and_events(ticket.id) == (["VIP"], 1)
    assert "태그를 변경했습니다." in _page(browser.get(f"/desk/tickets/{ticket.number}"))


def test_a_refusal_undoes_what_the_use_case_wrote_and_is_flashed(app, make_client, monkeypatch):
    ticket = make_ticket(make_user("customer"), category="product")
    refusal = DomainError("validation_failed", "지금은 태그를 바꿀 수 없습니다.", "Tags cannot be changed now.",
                          status=422)
    monkeypatch.setattr(ticket_routes, "change_tags", _tags_then(refusal))
    browser = _browser(make_client, make_user("agent", queues=["general"]))
    response = browser.post_form(f"/desk/tickets/{ticket.number}/tags", {"add": "VIP"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/desk/tickets/{ticket.number}")
    assert _tags_and_events(ticket.id) == ([], 0)
    page = _page(browser.get(f"/desk/tickets/{ticket.number}"))
    assert "지금은 태그를 바꿀 수 없습니다." in page and "태그를 변경했습니다." not in page


def test_a_passed_on_status_reaches_the_error_page_and_is_rolled_back(app, make_client, monkeypatch):
    ticket = make_ticket(make_user("customer"), category="product")
    monkeypatch.setattr(ticket_routes, "change_tags", _tags_then(Forbidden()))
    browser = _browser(make_client, make_user("agent", queues=["general"]))
    response = browser.post_form(f"/desk/tickets/{ticket.number}/tags", {"add": "VIP"})
    assert response.status_code == 403
    assert _tags_and_events(ticket.id) == ([], 0)
    assert "이 작업을 할 권한이 없습니다." not in _page(browser.get(f"/desk/tickets/{ticket.number}"))


def test_the_refusal_is_flashed_in_the_readers_language(app, make_client):
    customer = make_user("customer")
    ticket = make_ticket(customer, category="product", now=NOW)
    browser = _browser(make_client, make_user("agent", queues=["general"]))
    first_id = db.session.scalar(select(Message.id).where(Message.ticket_id == ticket.id))
    response = browser.post_form(f"/desk/tickets/{ticket.number}/messages/{first_id}/split")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/desk/tickets/{ticket.number}")
    assert "첫 문의 내용은 분리할 수 없습니다." in _page(browser.get(f"/desk/tickets/{ticket.number}"))

    browser.post_form("/language", {"lang": "en"})
    browser.post_form(f"/desk/tickets/{ticket.number}/messages/{first_id}/split")
    page = _page(browser.get(f"/desk/tickets/{ticket.number}"))
    assert "The first message of an inquiry cannot be split off." in page
    assert "첫 문의 내용은 분리할 수 없습니다." not in page


def test_a_404_inside_the_use_case_is_the_not_found_page_by_default(app, make_client):
    customer = make_user("customer")
    ticket = make_ticket(customer, category="product", now=NOW)
    other = make_ticket(customer, category="product", now=NOW)
    later = add_message(customer, other, body="다른 문의의 메시지", internal=False, files=[],
                        now=NOW + timedelta(minutes=1))
    unit_of_work.commit()
    browser = _browser(make_client, make_user("agent", queues=["general"]))
    # A message of another inquiry is not this inquiry's: 404, not a flash on the ticket page.
    response = browser.post_form(f"/desk/tickets/{ticket.number}/messages/{later.id}/split")
    assert response.status_code == 404
    assert "요청하신 항목을 찾을 수 없습니다." not in _page(browser.get(f"/desk/tickets/{ticket.number}"))
