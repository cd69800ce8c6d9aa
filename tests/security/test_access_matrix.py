"""Who reaches what, by page: role × route × someone else's object.

One customer (the owner) files a 배송 inquiry in the `orders` queue with a screenshot;
an agent of that queue answers with an internal note that carries its own file. Every
other role then tries every route on those objects. Someone else's ticket, order,
attachment or notification is 404 (never 403, which would confirm it exists), a role
that may not use a page gets 403, an anonymous visitor is sent to /login, and a refused
POST changes nothing. The staff pages act on a staff member (정직원) and a deactivated
leaver (퇴사자); a customer's account is not found there. 비밀번호 찾기 and the reset
link are open to everyone (anyone holding the link may use it).
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from app.extensions import db
from app.models import Attachment, AuditEvent, Category, Message, Notification, OutboxEvent, Ticket, User
from app.services import unit_of_work
from app.services.accounts import password_reset
from app.services.tickets.core import add_message
from tests.factories import make_order, make_ticket, make_user, png_bytes, sign_in, upload

ROLES = ("anonymous", "owner", "other_customer", "seller", "agent", "agent_other_queue", "lead", "admin")
SECRET_SUBJECT = "ZX-MATRIX-7781 배송 지연"
NOTE_TEXT = "INTERNAL-SECRET-55 판매자와 통화함"

LOGIN = "login"   # 302 to /login
OK = 200
DONE = 302        # the action was carried out (redirect back to a page)


def _expect(*, anonymous=LOGIN, owner, other_customer, seller, agent, agent_other_queue, lead, admin):
    return {"anonymous": anonymous, "owner": owner, "other_customer": other_customer, "seller": seller,
            "agent": agent, "agent_other_queue": agent_other_queue, "lead": lead, "admin": admin}


# Customer pages: requesters only; someone else's inquiry does not exist for them.
CUSTOMER_TICKET = _expect(owner=OK, other_customer=404, seller=404, agent=403, agent_other_queue=403,
                          lead=403, admin=403)
CUSTOMER_ACTION = {**CUSTOMER_TICKET, "owner": DONE}
# Desk pages: staff only; an agent outside the ticket's queue does not see it.
DESK_TICKET = _expect(owner=403, other_customer=403, seller=403, agent=OK, agent_other_queue=404, lead=OK,
                      admin=OK)
DESK_ACTION = {k: (DONE if v == OK else v) for k, v in DESK_TICKET.items()}
ATTACHMENT = _expect(owner=OK, other_customer=404, seller=404, agent=OK, agent_other_queue=404, lead=OK,
                     admin=OK)
NOTE_ATTACHMENT = {**ATTACHMENT, "owner": 404}
ADMIN_PAGE = _expect(owner=403, other_customer=403, seller=403, agent=403, agent_other_queue=403, lead=403,
                     admin=OK)
ADMIN_ACTION = {**ADMIN_PAGE, "admin": DONE}
# An account the staff page does not manage (a customer) is not found there, even by an admin.
ADMIN_NOT_STAFF = {**ADMIN_PAGE, "admin": 404}
EVERYONE = _expect(anonymous=OK, owner=OK, other_customer=OK, seller=OK, agent=OK, agent_other_queue=OK,
                   lead=OK, admin=OK)
EVERYONE_DONE = {k: DONE for k in EVERYONE}
NEW_PASSWORD = "matrix-reset-pass-1"


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    url: str
    expect: dict
    data: dict | None = None


ROUTES = (
    Route("inquiry", "GET", "/inquiries/{ticket}", CUSTOMER_TICKET),
    Route("inquiry_reply", "POST", "/inquiries/{ticket}/reply", CUSTOMER_ACTION, {"body": "matrix reply"}),
    Route("inquiry_solve", "POST", "/inquiries/{ticket}/solve", CUSTOMER_ACTION, {}),
    Route("desk", "GET", "/desk?view=open",
          _expect(owner=403, other_customer=403, seller=403, agent=OK, agent_other_queue=OK, lead=OK, admin=OK)),
    Route("desk_ticket", "GET", "/desk/tickets/{ticket}", DESK_TICKET),
    Route("desk_message", "POST", "/desk/tickets/{ticket}/messages", DESK_ACTION, {"body": "matrix answer"}),
    Route("desk_update", "POST", "/desk/tickets/{ticket}/update", DESK_ACTION,
          {"status": "pending", "priority": "high", "assignee_id": "", "queue": "orders"}),
    Route("desk_assign_me", "POST", "/desk/tickets/{ticket}/assign-me", DESK_ACTION, {}),
    Route("attachment", "GET", "/attachments/{attachment}", ATTACHMENT),
    Route("attachment_inline", "GET", "/attachments/{attachment}/inline", ATTACHMENT),
    Route("note_attachment", "GET", "/attachments/{note_attachment}", NOTE_ATTACHMENT),
    Route("note_attachment_inline", "GET", "/attachments/{note_attachment}/inline", NOTE_ATTACHMENT),
    Route("orders", "GET", "/orders",
          _expect(owner=OK, other_customer=OK, seller=403, agent=403, agent_other_queue=403, lead=403,
                  admin=403)),
    Route("order", "GET", "/orders/{order}",
          _expect(owner=OK, other_customer=404, seller=403, agent=OK, agent_other_queue=OK, lead=OK, admin=OK)),
    Route("admin", "GET", "/admin/", ADMIN_PAGE),
    Route("admin_create_user", "POST", "/admin/users", ADMIN_ACTION,
          {"email": "matrix-new@test.munui.kr", "name": "새 상담원", "role": "agent",
           "password": "long-enough-42", "queues": "orders"}),
    Route("admin_category", "POST", "/admin/categories/product", ADMIN_ACTION,
          {"product-name_ko": "상품 문의(변경)", "product-name_en": "Product (renamed)", "product-queue": "general",
           "product-active": "y"}),
    Route("admin_staff", "GET", "/admin/users/{staff}", ADMIN_PAGE),
    Route("admin_customer_account", "GET", "/admin/users/{owner_id}", ADMIN_NOT_STAFF),
    Route("admin_edit_user", "POST", "/admin/users/{staff}", ADMIN_ACTION,
          {"name": "정직원(변경)", "role": "lead", "queues": "orders"}),
    Route("admin_edit_customer", "POST", "/admin/users/{owner_id}", ADMIN_NOT_STAFF,
          {"name": "바꾼 고객", "role": "admin"}),
    Route("admin_deactivate", "POST", "/admin/users/{staff}/deactivate", ADMIN_ACTION, {}),
    Route("admin_reactivate", "POST", "/admin/users/{leaver}/reactivate", ADMIN_ACTION, {}),
    Route("admin_password_reset", "POST", "/admin/users/{staff}/password-reset", ADMIN_ACTION, {}),
    Route("forgot_password", "GET", "/password/forgot", EVERYONE),
    # An address with no account: the same answer, and nothing written.
    Route("forgot_password_send", "POST", "/password/forgot", EVERYONE, {"email": "nobody@test.munui.kr"}),
    Route("reset_password", "GET", "/password/reset/{reset_token}", EVERYONE),
    Route("reset_password_set", "POST", "/password/reset/{reset_token}", EVERYONE_DONE,
          {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}),
    Route("notification_open", "POST", "/notifications/{notification}/open",
          _expect(owner=DONE, other_customer=404, seller=404, agent=404, agent_other_queue=404, lead=404,
                  admin=404), {}),
)


@dataclass
class World:
    users: dict
    ticket: Ticket
    order_number: str
    attachment_id: int
    note_attachment_id: int
    notification_id: int

    def url(self, template: str) -> str:
        # A fresh reset link for each person (the previous one dies when it is used).
        token = password_reset.token_for(self.users["staff"], datetime.now(UTC)) \
            if "{reset_token}" in template else ""
        return template.format(ticket=self.ticket.number, order=self.order_number,
                               attachment=self.attachment_id, note_attachment=self.note_attachment_id,
                               notification=self.notification_id, staff=self.users["staff"].id,
                               leaver=self.users["leaver"].id, owner_id=self.users["owner"].id,
                               reset_token=token)


def _world() -> World:
    now = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    owner = make_user("customer", name="김민지", commit=False)
    users = {
        "owner": owner,
        "other_customer": make_user("customer", name="이준호", commit=False),
        "seller": make_user("seller", name="판매자", commit=False),
        "agent": make_user("agent", name="김상담", queues=["orders"], commit=False),
        "agent_other_queue": make_user("agent", name="박일반", queues=["general"], commit=False),
        "lead": make_user("lead", name="팀장", commit=False),
        # The admin works the orders queue, so may take its tickets (admins outside a queue may not).
        "admin": make_user("admin", name="관리자", queues=["orders"], commit=False),
        # Not signed in as: the accounts the staff pages act on.
        "staff": make_user("agent", name="정직원", queues=["orders"], commit=False),
        "leaver": make_user("agent", name="퇴사자", queues=["orders"], commit=False),
    }
    users["leaver"].active = False
    order = make_order(owner, commit=False)
    ticket = make_ticket(owner, category="delivery", order=order, subject=SECRET_SUBJECT,
                         files=[upload(png_bytes(), "screenshot.png")], now=now, commit=False)
    add_message(users["agent"], ticket, body=NOTE_TEXT, internal=True,
                files=[upload(png_bytes(color=(0, 0, 0)), "note.png")], now=now)
    unit_of_work.commit()
    attachments = {a.filename: a.id for a in db.session.scalars(db.select(Attachment))}
    notification = db.session.scalars(db.select(Notification).where(Notification.user_id == owner.id)).first()
    return World(users=users, ticket=ticket, order_number=order.number,
                 attachment_id=attachments["screenshot.png"], note_attachment_id=attachments["note.png"],
                 notification_id=notification.id)


def _snapshot(ticket_id: int) -> dict:
    """Everything a refused request could have changed (two queries)."""
    db.session.expire_all()
    count = lambda model: db.select(db.func.count()).select_from(model).scalar_subquery()  # noqa: E731
    row = db.session.execute(db.select(
        count(Message), count(Attachment), count(AuditEvent), count(User),
        db.select(Ticket.status).where(Ticket.id == ticket_id).scalar_subquery(),
        db.select(Ticket.priority).where(Ticket.id == ticket_id).scalar_subquery(),
        db.select(Ticket.assignee_id).where(Ticket.id == ticket_id).scalar_subquery(),
        db.select(Ticket.queue_id).where(Ticket.id == ticket_id).scalar_subquery(),
        db.select(Category.name_ko).where(Category.code == "product").scalar_subquery(),
        db.select(db.func.count(Notification.id)).where(Notification.read_at.is_(None)).scalar_subquery(),
        count(OutboxEvent),
    )).one()
    snapshot = dict(zip(("messages", "attachments", "events", "users", "status", "priority", "assignee", "queue",
                         "category", "unread", "outbox"), row, strict=True))
    # Every account as the staff pages could change it: name, role, active, session version.
    snapshot["accounts"] = {user_id: rest for user_id, *rest in db.session.execute(
        db.select(User.id, User.name, User.role, User.active, User.session_version)).all()}
    return snapshot


def _account(snapshot: dict, name: str) -> tuple:
    """(name, role, active, session_version) of the account called ``name``."""
    return next(tuple(a) for a in snapshot["accounts"].values() if a[0] == name)


# Each staff role that may change the ticket sets its own values, so every success is visible.
UPDATES = {"agent": ("pending", "high"), "lead": ("on_hold", "urgent"), "admin": ("open", "low")}


def _form_data(route: Route, role: str, token: str) -> dict:
    data = dict(route.data or {}, csrf_token=token)
    if route.name == "admin_category":
        data["product-csrf_token"] = token   # the category forms carry a prefix
    if route.name == "desk_update" and role in UPDATES:
        data["status"], data["priority"] = UPDATES[role]
    return data


def _check_done(route: Route, before: dict, after: dict, user_id: int, role: str) -> None:
    """A permitted POST did the thing it is for."""
    if route.name in ("inquiry_reply", "desk_message"):
        assert after["messages"] == before["messages"] + 1
    elif route.name == "inquiry_solve":
        assert after["status"] == "solved"
    elif route.name == "desk_update":
        assert (after["status"], after["priority"]) == UPDATES[role]
    elif route.name == "desk_assign_me":
        assert after["assignee"] == user_id
    elif route.name == "admin_create_user":
        assert after["users"] == before["users"] + 1
    elif route.name == "admin_category":
        assert after["category"] == "상품 문의(변경)"
    elif route.name == "notification_open":
        assert after["unread"] == before["unread"] - 1
    elif route.name == "admin_edit_user":
        assert _account(after, "정직원(변경)")[1] == "lead"
    elif route.name == "admin_deactivate":
        _name, _role, active, version = _account(after, "정직원")
        assert not active and version == _account(before, "정직원")[3] + 1
    elif route.name == "admin_reactivate":
        assert _account(after, "퇴사자")[2] is True
    elif route.name == "admin_password_reset":
        assert after["outbox"] == before["outbox"] + 1
    elif route.name == "reset_password_set":
        # the staff member's password changed: their sessions ended
        assert _account(after, "정직원")[3] == _account(before, "정직원")[3] + 1


def _check_shown(route: Route, role: str, world: World, body: str) -> None:
    """A page that opens shows what the role may see, and nothing more."""
    if route.name == "inquiry":
        assert SECRET_SUBJECT in body and NOTE_TEXT not in body
    elif route.name == "desk_ticket":
        assert SECRET_SUBJECT in body and NOTE_TEXT in body
    elif route.name == "desk":
        assert (SECRET_SUBJECT in body) == (role != "agent_other_queue"), "queue list"
    elif route.name == "orders":
        assert (world.order_number in body) == (role == "owner"), "order list"
    elif route.name == "order":
        assert world.order_number in body
        assert (SECRET_SUBJECT in body) == (role != "agent_other_queue"), "tickets of the order"
    elif route.name == "admin":
        assert "김상담" in body and "product" in body   # staff accounts and category routing
    elif route.name == "admin_staff":
        assert "정직원" in body and "계정 비활성화" in body
    elif route.name in ("forgot_password", "forgot_password_send"):
        assert "비밀번호 찾기" in body
        assert ("입력하신 주소로 가입된 계정이 있으면" in body) == (route.method == "POST")
    elif route.name == "reset_password":
        assert "새 비밀번호" in body


def _check_cell(route: Route, role: str, world: World, browser, token: str | None) -> None:
    url = world.url(route.url)
    before = _snapshot(world.ticket.id)
    if route.method == "GET":
        response = browser.get(url)
    else:
        response = browser.post(url, data=_form_data(route, role, token))
    after = _snapshot(world.ticket.id)
    expected = route.expect[role]
    body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""

    if expected == LOGIN:
        assert response.status_code == 302, f"got {response.status_code}"
        assert urlsplit(response.headers["Location"]).path == "/login"
    else:
        assert response.status_code == expected, f"got {response.status_code}"

    if expected == DONE:
        assert urlsplit(response.headers["Location"]).path != "/login"
        _check_done(route, before, after, world.users[role].id if role in world.users else None, role)
    elif route.method == "POST" or expected != OK:
        assert after == before, "a refused request changed something"

    if expected == OK:
        _check_shown(route, role, world, body)
    if expected in (403, 404, LOGIN):
        # A refusal never shows the object it refused.
        assert SECRET_SUBJECT not in body and NOTE_TEXT not in body
    if expected == 404 and body:
        assert "찾을 수 없습니다" in body


@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_access(app, make_client, route: Route):
    """One route, every role in turn on the same objects; each cell of the matrix is checked
    and every mismatch is reported together (role × route)."""
    world = _world()
    mismatches = []
    for role in ROLES:
        browser = make_client()
        if role != "anonymous":
            sign_in(browser, world.users[role])
        token = browser.csrf_token() if route.method == "POST" else None
        try:
            _check_cell(route, role, world, browser, token)
        except AssertionError as exc:
            mismatches.append(f"{route.name} as {role} (expected {route.expect[role]}): {exc}")
    assert not mismatches, "\n".join(mismatches)


def test_agent_of_another_queue_sees_no_trace_of_the_ticket(app, make_client):
    """Queue views and an order's ticket list are filtered by queue too (no cross-queue leak)."""
    world = _world()
    outsider = make_client()
    sign_in(outsider, world.users["agent_other_queue"])
    for view in ("mine", "unassigned", "open", "status-new", "status-open"):
        page = outsider.get(f"/desk?view={view}").get_data(as_text=True)
        assert SECRET_SUBJECT not in page and world.ticket.number not in page
    assert SECRET_SUBJECT not in outsider.get(f"/desk?view=open&q={world.ticket.number}").get_data(as_text=True)
    order_page = outsider.get(f"/orders/{world.order_number}").get_data(as_text=True)
    assert world.ticket.number not in order_page and SECRET_SUBJECT not in order_page

    insider = make_client()
    sign_in(insider, world.users["agent"])
    assert SECRET_SUBJECT in insider.get("/desk?view=open").get_data(as_text=True)


def test_owner_never_sees_the_internal_note_or_its_file(app, make_client):
    world = _world()
    owner = make_client()
    sign_in(owner, world.users["owner"])
    page = owner.get(f"/inquiries/{world.ticket.number}").get_data(as_text=True)
    assert "screenshot.png" in page
    assert NOTE_TEXT not in page and "note.png" not in page
    assert f"/attachments/{world.note_attachment_id}" not in page
    orders_page = owner.get(f"/orders/{world.order_number}").get_data(as_text=True)
    assert world.ticket.number in orders_page and NOTE_TEXT not in orders_page


@pytest.mark.parametrize("bad_id", ["0", "-1", "2abc", "99999999999999999999"])
def test_odd_attachment_ids_are_not_found(app, make_client, bad_id):
    world = _world()
    owner = make_client()
    sign_in(owner, world.users["owner"])
    response = owner.get(f"/attachments/{bad_id}")
    assert response.status_code in (400, 404)
    assert "Traceback" not in response.get_data(as_text=True)


def test_refused_reply_with_a_file_leaves_no_file(app, make_client):
    """Another customer's reply, with a screenshot, to someone else's inquiry: 404 and nothing stored."""
    world = _world()
    upload_dir = app.config["UPLOAD_DIR"]
    import os

    def files():
        return sorted(os.path.join(d, f) for d, _, names in os.walk(upload_dir) for f in names)

    before_files = files()
    before = _snapshot(world.ticket.id)
    stranger = make_client()
    sign_in(stranger, world.users["other_customer"])
    response = stranger.post_form(f"/inquiries/{world.ticket.number}/reply", {
        "body": "제 문의인가요?", "files": [(io.BytesIO(png_bytes()), "mine.png")]},
        content_type="multipart/form-data")
    assert response.status_code == 404
    assert _snapshot(world.ticket.id) == before
    assert files() == before_files
