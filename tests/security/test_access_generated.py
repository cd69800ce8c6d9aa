"""Access as a generated matrix: every route of the URL map that names an object × every role for
which that object is someone else's → refused (401/403/404, or sign-in for a visitor), and nothing
in the database changed.

The routes come from the app itself, so a new route with an object in its URL cannot ship
unclassified: ``test_every_object_route_is_classified`` fails until it is added to ``KINDS``.
The hand-written matrix of tests/security/test_access_matrix.py says what each role *may* do; this one
says, for all routes at once, what nobody may do to what is not theirs.
"""
from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.models import Attachment, CalendarDay, Notification, OutboxEvent, SlaPolicy, WorkCalendar
from app.services import unit_of_work
from app.services.claims.intake import create_ticket
from app.services.claims.refunds import ClaimInput, decide
from app.services.desk.canned import AnswerInput
from app.services.desk.canned import create as create_canned
from app.services.desk.workspace import save_view
from app.services.tickets.core import add_message
from tests.factories import api_token, make_policy_order, make_user, png_bytes, sign_in

# What each URL parameter names, by the route's endpoint (a ticket number on /inquiries, an order
# number on /orders …). "admin" routes name the desk's own configuration: only admins use them.
KINDS = {
    "customer.inquiry": "ticket", "customer.reply": "ticket", "customer.solve": "ticket",
    "tickets.show": "ticket", "tickets.assign_me": "ticket", "tickets.decision": "ticket", "tickets.merge": "ticket",
    "tickets.post_message": "ticket", "tickets.split": "ticket", "tickets.presence_ping": "ticket",
    "tickets.tags": "ticket", "tickets.update": "ticket", "canned.preview": "ticket", "tickets.record_return": "ticket",
    "api.show": "ticket", "api.patch": "ticket", "api.get_decision": "ticket", "api.post_decision": "ticket",
    "api.post_message": "ticket",
    "attachments.download": "attachment", "attachments.inline": "attachment", "api.attachment": "attachment",
    "orders.show": "order", "orders.claim": "order", "api.order": "order", "api.put_order": "shop",
    "queues.refund_paid": "refund", "api.get_refund": "refund", "api.refund_paid": "shop",
    "notifications.open_one": "notification",
    "canned.set_active": "canned", "canned.edit": "canned",
    "queues.remove_view": "view",
    "admin.edit_category": "admin", "admin.retry_job": "admin", "admin.retry_outbox": "admin",
    "admin.queue_assignment": "admin", "admin.sla_edit_calendar": "admin", "admin.sla_add_calendar_day": "admin",
    "admin.sla_delete_calendar_day": "admin", "admin.sla_edit_policy": "admin", "admin.sla_activate_policy": "admin",
    "admin.sla_deactivate_policy": "admin", "admin.sla_move_policy": "admin", "admin.staff_member": "admin",
    "admin.deactivate_staff": "admin", "admin.reset_staff_password": "admin", "admin.reactivate_staff": "admin",
}
# Routes whose parameter is not an object of anyone's (a reset link or a survey link proves itself).
UNOWNED = {"auth.reset_password", "satisfaction.survey"}

# For whom each kind of object is someone else's. The ticket is the owner's, in the `orders` queue;
# the canned answer and saved view are the orders agent's own; the notification is the owner's.
ATTACKERS = {
    "ticket": ("anonymous", "other_customer", "seller", "agent_other_queue"),
    "attachment": ("anonymous", "other_customer", "seller", "agent_other_queue"),
    "order": ("anonymous", "other_customer", "seller"),
    "refund": ("anonymous", "other_customer", "seller", "agent_other_queue"),
    "shop": ("anonymous", "owner", "other_customer", "seller", "agent", "agent_other_queue", "lead"),
    "notification": ("anonymous", "other_customer", "seller", "agent", "agent_other_queue", "lead", "admin"),
    "canned": ("anonymous", "owner", "other_customer", "seller", "agent_other_queue", "lead", "admin"),
    "view": ("anonymous", "owner", "other_customer", "seller", "agent_other_queue", "lead", "admin"),
    "admin": ("anonymous", "owner", "other_customer", "seller", "agent", "agent_other_queue", "lead"),
}
ROLES = ("anonymous", "owner", "other_customer", "seller", "agent", "agent_other_queue", "lead", "admin")
# Everything a form of the desk might carry: the request must reach the access check, not stop at
# validation, so that a missing check would show as a change.
FORM = {"body": "matrix", "status": "solved", "priority": "urgent", "note": "matrix", "action": "deny",
        "add": "matrix", "remove": "matrix", "target": "", "reason": "change_of_mind", "qty-L1": "1",
        "name": "matrix", "title": "matrix", "body_ko": "matrix", "active": "0", "available": "0",
        "name_ko": "매트릭스", "name_en": "matrix", "queue": "general", "mode": "round_robin",
        "role": "agent", "paid_at": "", "reference": "R-1", "direction": "up", "date": "2026-12-25",
        "kind": "off", "assignee_id": "", "submission_key": "matrix", "internal": "y"}
JSON_BODY = {"body": "matrix", "status": "solved", "action": "deny", "note": "matrix", "reference": "R-1",
             "customer_email": "x@example.com"}


@dataclass
class World:
    users: dict
    values: dict


def _world() -> World:
    now = datetime.now(UTC)
    users = {
        "owner": make_user("customer", name="주인"), "other_customer": make_user("customer", name="남"),
        "seller": make_user("seller", name="판매자"), "agent": make_user("agent", name="담당", queues=["orders"]),
        "agent_other_queue": make_user("agent", name="다른큐", queues=["general"]),
        "lead": make_user("lead", name="팀장"), "admin": make_user("admin", name="관리자"),
    }
    owner, agent = users["owner"], users["agent"]
    order = make_policy_order(owner, "preparing", [{"name": "반팔 티셔츠", "unit_price": 12000, "quantity": 2}])
    shot = FileStorage(io.BytesIO(png_bytes()), filename="shot.png", content_type="image/png")
    ticket = create_ticket(owner, category_code="cancellation", subject="취소", body="취소해 주세요",
                           order_number=order.number, files=[shot], now=now - timedelta(hours=2),
                           claim=ClaimInput(kind="cancel", lines=[("L1", 1)], reason="change_of_mind"))
    unit_of_work.commit()
    later = add_message(owner, ticket, body="추가 문의", internal=False, files=[], now=now - timedelta(hours=1))
    decide(agent, ticket, action="approve", note="", now=now - timedelta(minutes=30))
    unit_of_work.commit()
    canned = create_canned(agent, AnswerInput(title="내 답변", body_ko="안녕하세요"), now=now)
    view = save_view(agent, name="내 보기", filters={"status": "open"}, shared=False, now=now)
    unit_of_work.commit()
    notification = db.session.scalars(select(Notification).where(Notification.user_id == owner.id)).first()
    assert notification is not None, "the owner was told of the decision"
    values = {
        "ticket": {"number": ticket.number, "message_id": later.id, "answer_id": canned.id},
        "attachment": {"attachment_id": db.session.scalars(select(Attachment.id)).first()},
        "order": {"number": order.number}, "shop": {"number": order.number,
                                                    "refund_id": ticket.claim.refund.id},
        "refund": {"refund_id": ticket.claim.refund.id},
        "notification": {"notification_id": notification.id},
        "canned": {"answer_id": canned.id}, "view": {"view_id": view.id},
        "admin": {"code": "product", "queue": "default", "job_id": "x", "slug": "orders",
                  "event_id": db.session.scalars(select(OutboxEvent.id)).first(),
                  "calendar_id": db.session.scalars(select(WorkCalendar.id)).first(),
                  "day_id": db.session.scalars(select(CalendarDay.id)).first() or 1,
                  "policy_id": db.session.scalars(select(SlaPolicy.id)).first(), "user_id": agent.id},
    }
    return World(users, values)


def _digest() -> str:
    """Every row of every table but the session table (signing in writes it), as one digest."""
    db.session.expire_all()
    h = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        if table.name == "user_sessions":
            continue
        order = ", ".join(c.name for c in table.primary_key.columns) or "1"
        for row in db.session.execute(text(f"SELECT * FROM {table.name} ORDER BY {order}")):
            h.update(json.dumps([str(v) for v in row], ensure_ascii=False).encode())
    return h.hexdigest()


def _routes(app, kinds: set[str]):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        kind = KINDS.get(rule.endpoint)
        if kind in kinds:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method, kind


def _url(rule, values: dict) -> str:
    from werkzeug.routing import Map

    adapter = Map([rule.empty()]).bind("localhost")
    return adapter.build(rule.endpoint, {k: values[k] for k in rule.arguments})


def test_every_object_route_is_classified(web_app):
    unclassified = [f"{r.rule} ({r.endpoint})" for r in web_app.url_map.iter_rules()
                    if r.arguments and r.endpoint != "static" and r.endpoint not in KINDS
                    and r.endpoint not in UNOWNED]
    assert not unclassified, "classify these routes in KINDS: " + ", ".join(unclassified)


@pytest.mark.parametrize("role", ROLES)
def test_nobody_reaches_what_is_not_theirs(app, web_app, make_client, role):
    world = _world()
    kinds = {kind for kind, attackers in ATTACKERS.items() if role in attackers}
    client = make_client()
    token = None
    if role != "anonymous":
        sign_in(client, world.users[role])
        token = api_token(world.users[role])
    before = _digest()
    problems = []
    for rule, method, kind in _routes(web_app, kinds):
        url = _url(rule, world.values[kind])
        if rule.rule.startswith("/api/"):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = client.open(url, method=method, headers=headers,
                                   json=JSON_BODY if method != "GET" else None)
            allowed = {401, 403, 404} if token else {401}
        elif method == "GET":
            response = client.get(url)
            allowed = {403, 404}
        else:
            response = client.post_form(url, dict(FORM))
            allowed = {403, 404}
        status = response.status_code
        to_login = status == 302 and "/login" in response.headers.get("Location", "")
        if not (status in allowed or (role == "anonymous" and to_login)):
            problems.append(f"{role} {method} {url} ({rule.endpoint}) → {status} "
                            f"{response.headers.get('Location', '')}")
        after = _digest()
        if after != before:
            problems.append(f"{role} {method} {url} ({rule.endpoint}) changed the database")
            before = after
    assert not problems, "\n".join(problems)
