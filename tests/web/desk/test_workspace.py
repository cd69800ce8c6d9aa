"""The agent's workspace through the pages: take next, tags, saved views, away status, queue modes."""
from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, SavedView, SupportQueue, Tag, Ticket, User
from app.services import unit_of_work
from tests.factories import login, make_ticket, make_user

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


def _fresh(ticket_id: int) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket_id)


def _tags(ticket_id: int) -> list[str]:
    return [t.name for t in _fresh(ticket_id).tags]


def _browser(make_client, user):
    browser = make_client()
    login(browser, user)
    return browser


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# ------------------------------------------------------------------ take next

def test_take_next_gives_each_agent_a_different_ticket_nearest_to_breach_first(app, make_client):
    first_agent = make_user("agent", queues=["general"])
    second_agent = make_user("agent", queues=["general"])
    customer = make_user("customer")
    relaxed = make_ticket(customer, category="product", subject="여유", now=NOW - timedelta(days=1))
    urgent = make_ticket(customer, category="product", subject="급함", now=NOW)
    taken = make_ticket(customer, category="product", subject="이미 배정", now=NOW)
    relaxed.sla_due_at = NOW + timedelta(hours=8)
    urgent.sla_due_at = NOW + timedelta(minutes=30)
    taken.sla_due_at = NOW
    taken.assignee_id = second_agent.id
    unit_of_work.commit()

    one, two = _browser(make_client, first_agent), _browser(make_client, second_agent)
    response = one.post_form("/desk/take-next")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/desk/tickets/{urgent.number}")
    response = two.post_form("/desk/take-next")
    assert response.headers["Location"].endswith(f"/desk/tickets/{relaxed.number}")
    assert _fresh(urgent.id).assignee_id == first_agent.id
    assert _fresh(relaxed.id).assignee_id == second_agent.id

    response = one.post_form("/desk/take-next")
    assert response.status_code == 302 and response.headers["Location"].endswith("/desk")
    assert "가져올 미배정 문의가 없습니다." in _page(one.get("/desk"))


def test_take_next_only_takes_tickets_of_my_queues(app, make_client):
    outsider = make_user("agent", queues=["orders"])
    ticket = make_ticket(make_user("customer"), category="product")
    browser = _browser(make_client, outsider)
    response = browser.post_form("/desk/take-next")
    assert response.headers["Location"].endswith("/desk")
    assert _fresh(ticket.id).assignee_id is None


# ------------------------------------------------------------------ tags

def test_agent_adds_removes_and_filters_by_tags(app, make_client):
    agent = make_user("agent", queues=["general"])
    customer = make_user("customer")
    tagged = make_ticket(customer, category="product", subject="태그 붙일 문의")
    plain = make_ticket(customer, category="product", subject="태그 없는 문의")
    browser = _browser(make_client, agent)

    response = browser.post_form(f"/desk/tickets/{tagged.number}/tags", {"add": " 배송지연, VIP ,,배송지연 "})
    assert response.status_code == 302
    assert _tags(tagged.id) == ["VIP", "배송지연"]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.ticket_id == tagged.id,
                                                         AuditEvent.action == "tag_added")).all()
    assert sorted(e.new_value for e in events) == ["VIP", "배송지연"]
    assert all(e.actor_id == agent.id for e in events)
    page = _page(browser.get(f"/desk/tickets/{tagged.number}"))
    assert '<span class="tag">VIP</span>' in page and "태그 추가" in page

    # The same name reuses the tag.
    browser.post_form(f"/desk/tickets/{plain.number}/tags", {"add": "VIP"})
    assert db.session.scalar(select(db.func.count(Tag.id)).where(Tag.name == "VIP")) == 1

    listing = _page(browser.get("/desk?view=open&tag=배송지연"))
    assert tagged.number in listing and plain.number not in listing
    assert '<span class="tag">배송지연</span>' in listing
    listing = _page(browser.get("/desk?view=open&tag=VIP"))
    assert tagged.number in listing and plain.number in listing

    browser.post_form(f"/desk/tickets/{tagged.number}/tags", {"remove": "VIP"})
    assert _tags(tagged.id) == ["배송지연"]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.ticket_id == tagged.id,
                                                      AuditEvent.action == "tag_removed")).old_value == "VIP"


def test_a_tag_longer_than_50_characters_is_refused(app, make_client):
    agent = make_user("agent", queues=["general"])
    ticket = make_ticket(make_user("customer"), category="product")
    browser = _browser(make_client, agent)
    response = browser.post_form(f"/desk/tickets/{ticket.number}/tags", {"add": "짧음, " + "가" * 51})
    assert response.status_code == 302
    assert _tags(ticket.id) == []
    assert "태그는 50자까지 쓸 수 있습니다." in _page(browser.get(f"/desk/tickets/{ticket.number}"))
    browser.post_form(f"/desk/tickets/{ticket.number}/tags", {"add": "가" * 50})
    assert _tags(ticket.id) == ["가" * 50]


def test_agent_of_another_queue_cannot_tag_and_customers_are_refused(app, make_client):
    outsider = make_user("agent", queues=["orders"])
    customer = make_user("customer")
    ticket = make_ticket(customer, category="product")
    response = _browser(make_client, outsider).post_form(f"/desk/tickets/{ticket.number}/tags", {"add": "x"})
    assert response.status_code == 404
    response = _browser(make_client, customer).post_form(f"/desk/tickets/{ticket.number}/tags", {"add": "x"})
    assert response.status_code == 403
    assert _tags(ticket.id) == []
    assert db.session.scalar(select(db.func.count(Tag.id))) == 0


def test_customers_cannot_use_the_workspace(app, make_client):
    customer = make_user("customer")
    make_ticket(customer, category="product")
    browser = _browser(make_client, customer)
    for url, data in (("/desk/take-next", {}), ("/desk/views", {"name": "x"}),
                      ("/desk/availability", {"available": "0"})):
        assert browser.post_form(url, data).status_code == 403
    assert browser.get("/desk?saved=1").status_code == 403
    db.session.expire_all()
    assert db.session.scalars(select(Ticket)).one().assignee_id is None
    assert db.session.scalar(select(db.func.count(SavedView.id))) == 0


# ------------------------------------------------------------------ saved views and filters

def test_saved_views_personal_and_shared(app, make_client):
    owner = make_user("agent", queues=["general"])
    colleague = make_user("agent", queues=["general"])
    customer = make_user("customer")
    vip = make_ticket(customer, category="product", subject="VIP 고객 문의")
    other = make_ticket(customer, category="product", subject="일반 문의")
    mine, theirs = _browser(make_client, owner), _browser(make_client, colleague)
    mine.post_form(f"/desk/tickets/{vip.number}/tags", {"add": "VIP"})

    response = mine.post_form("/desk/views", {"name": "VIP 미해결", "tag": "VIP", "status": "unresolved",
                                              "priority": "normal", "sla": ""})
    personal = db.session.scalars(select(SavedView)).one()
    assert response.headers["Location"].endswith(f"/desk?saved={personal.id}")
    assert personal.filters == {"tag": "VIP", "status": "unresolved", "priority": "normal"}
    assert personal.shared is False and personal.owner_id == owner.id

    page = _page(mine.get(f"/desk?saved={personal.id}"))
    assert "VIP 미해결" in page and vip.number in page and other.number not in page
    assert theirs.get(f"/desk?saved={personal.id}").status_code == 404
    assert "VIP 미해결" not in _page(theirs.get("/desk"))

    mine.post_form("/desk/views", {"name": "팀 VIP", "tag": "VIP", "shared": "1"})
    shared = db.session.scalar(select(SavedView).where(SavedView.name == "팀 VIP"))
    assert shared.shared is True
    shared_id = shared.id
    assert f'data-saved-view="{shared.id}"' in theirs.get("/desk").get_data(as_text=True)
    page = _page(theirs.get(f"/desk?saved={shared.id}"))
    assert vip.number in page and other.number not in page

    # Only the owner deletes.
    assert theirs.post_form(f"/desk/views/{shared.id}/delete").status_code == 404
    assert db.session.get(SavedView, shared.id) is not None
    assert mine.post_form(f"/desk/views/{shared_id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(SavedView, shared_id) is None
    assert mine.get("/desk?saved=999999").status_code == 404


def test_saving_a_view_needs_a_name_and_valid_filters(app, make_client):
    browser = _browser(make_client, make_user("agent", queues=["general"]))
    assert browser.post_form("/desk/views", {"name": "  ", "tag": "VIP"}).status_code == 302
    assert browser.post_form("/desk/views", {"name": "x", "sla": "soon"}).status_code == 302
    assert browser.post_form("/desk/views", {"name": "x", "status": "bogus"}).status_code == 302
    assert db.session.scalar(select(db.func.count(SavedView.id))) == 0


def test_desk_filters_by_priority_assignee_and_sla_state(app, make_client):
    agent = make_user("agent", queues=["general"])
    customer = make_user("customer")
    tickets = {name: make_ticket(customer, category="product", subject=f"SLA {name}", now=NOW)
               for name in ("ok", "at_risk", "breached", "paused")}
    now = datetime.now(UTC)
    for name, ticket in tickets.items():
        assert ticket.sla_policy_id is not None
        ticket.sla_paused = name == "paused"
        ticket.sla_due_at = now - timedelta(hours=1) if name == "breached" else now + timedelta(hours=2)
        ticket.sla_warn_at = now - timedelta(minutes=5) if name == "at_risk" else now + timedelta(hours=1)
    tickets["breached"].priority = "high"
    tickets["ok"].assignee_id = agent.id
    unit_of_work.commit()
    browser = _browser(make_client, agent)

    for state in tickets:
        page = _page(browser.get(f"/desk?view=open&sla={state}"))
        shown = {name for name, t in tickets.items() if t.number in page}
        assert shown == {state}, (state, shown)
    page = _page(browser.get("/desk?view=open&priority=high"))
    assert tickets["breached"].number in page and tickets["ok"].number not in page
    page = _page(browser.get("/desk?view=open&assignee=me"))
    assert tickets["ok"].number in page and tickets["paused"].number not in page
    assert browser.get("/desk?view=open&sla=nonsense").status_code == 400


# ------------------------------------------------------------------ away status and queue modes

def test_agent_goes_away_and_gets_no_new_tickets(app, make_client):
    queue = db.session.scalar(select(SupportQueue).where(SupportQueue.slug == "general"))
    queue.assignment_mode = "round_robin"
    unit_of_work.commit()
    agent = make_user("agent", queues=["general"])
    browser = _browser(make_client, agent)
    assert "자리 비움으로 바꾸기" in _page(browser.get("/desk"))

    response = browser.post_form("/desk/availability", {"available": "0", "next": "/desk?view=open"})
    assert response.headers["Location"].endswith("/desk?view=open")
    db.session.expire_all()
    assert db.session.get(User, agent.id).available is False
    assert "상담 가능으로 바꾸기" in _page(browser.get("/desk"))
    assert make_ticket(make_user("customer"), category="product").assignee_id is None

    browser.post_form("/desk/availability", {"available": "1", "next": "//evil.example"})
    db.session.expire_all()
    assert db.session.get(User, agent.id).available is True
    assert make_ticket(make_user("customer"), category="product").assignee_id == agent.id


def test_admin_sets_a_queue_assignment_mode(app, make_client):
    admin = make_user("admin")
    agent = make_user("agent", queues=["general"])
    browser = _browser(make_client, admin)
    assert 'action="/admin/queues/general/assignment"' in browser.get("/admin/").get_data(as_text=True)

    assert browser.post_form("/admin/queues/general/assignment", {"mode": "least_loaded"}).status_code == 302
    db.session.expire_all()
    queue = db.session.scalar(select(SupportQueue).where(SupportQueue.slug == "general"))
    assert queue.assignment_mode == "least_loaded"
    browser.post_form("/admin/queues/general/assignment", {"mode": "random"})
    assert browser.post_form("/admin/queues/nope/assignment", {"mode": "manual"}).status_code == 404
    assert _browser(make_client, agent).post_form(
        "/admin/queues/general/assignment", {"mode": "manual"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(SupportQueue, queue.id).assignment_mode == "least_loaded"
