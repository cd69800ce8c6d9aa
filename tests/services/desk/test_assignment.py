"""Auto-assignment of new tickets (round-robin, least-loaded, manual) and "take next"."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Notification, SupportQueue, Ticket
from app.services import unit_of_work
from app.services.desk.assignment import least_loaded, next_round_robin, take_next
from app.services.tickets.core import update_ticket
from tests.factories import make_ticket, make_user

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


def _mode(slug: str, mode: str) -> SupportQueue:
    queue = db.session.scalar(select(SupportQueue).where(SupportQueue.slug == slug))
    queue.assignment_mode = mode
    unit_of_work.commit()
    return queue


def _away(user) -> None:
    user.available = False
    unit_of_work.commit()


def test_round_robin_is_fair_over_many_tickets_and_skips_away_agents(app):
    _mode("general", "round_robin")
    agents = [make_user("agent", queues=["general"]) for _ in range(3)]
    away = make_user("agent", queues=["general"])
    _away(away)
    make_user("agent", queues=["orders"])            # another queue's agent
    make_user("lead", queues=["general"])            # leads are not in the rotation
    customer = make_user("customer")

    tickets = [make_ticket(customer, category="product", subject=f"문의 {i}", now=NOW + timedelta(minutes=i))
               for i in range(31)]

    counts = Counter(t.assignee_id for t in tickets)
    assert set(counts) == {a.id for a in agents}
    assert max(counts.values()) - min(counts.values()) <= 1
    assert away.id not in counts
    # A stable order: agent by agent, by user id.
    assert [t.assignee_id for t in tickets[:6]] == [a.id for a in agents] * 2


def test_auto_assignment_is_audited_as_the_system_and_notifies_the_assignee(app):
    _mode("general", "round_robin")
    agent = make_user("agent", queues=["general"])
    ticket = make_ticket(make_user("customer"), category="product", now=NOW)

    assert ticket.assignee_id == agent.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.ticket_id == ticket.id,
                                                       AuditEvent.action == "assignee"))
    assert event.actor_id is None and event.new_value == agent.name
    assert db.session.scalar(select(Notification).where(
        Notification.user_id == agent.id, Notification.kind == "assigned")) is not None


def test_an_agent_back_from_away_rejoins_the_rotation(app):
    _mode("general", "round_robin")
    first, second = make_user("agent", queues=["general"]), make_user("agent", queues=["general"])
    customer = make_user("customer")
    _away(second)
    assert {make_ticket(customer, category="product").assignee_id for _ in range(3)} == {first.id}
    second.available = True
    unit_of_work.commit()
    got = [make_ticket(customer, category="product").assignee_id for _ in range(4)]
    assert Counter(got) == Counter({first.id: 2, second.id: 2})


def test_nobody_available_leaves_the_ticket_unassigned(app):
    _mode("general", "round_robin")
    _away(make_user("agent", queues=["general"]))
    assert make_ticket(make_user("customer"), category="product").assignee_id is None


def test_least_loaded_picks_the_agent_with_fewest_unresolved_tickets_of_the_queue(app):
    queue = _mode("general", "least_loaded")
    busy, light, idle_away = (make_user("agent", queues=["general"]) for _ in range(3))
    _away(idle_away)
    lead = make_user("lead")
    customer = make_user("customer")
    _mode("general", "manual")
    for _ in range(2):
        update_ticket(lead, make_ticket(customer, category="product"), assignee_id=busy.id, now=NOW)
    solved = make_ticket(customer, category="product")
    update_ticket(lead, solved, assignee_id=light.id, now=NOW)
    update_ticket(lead, make_ticket(customer, category="product"), assignee_id=light.id, now=NOW)
    update_ticket(lead, solved, status="solved", now=NOW)   # resolved work does not count
    unit_of_work.commit()
    _mode("general", "least_loaded")

    assert least_loaded(queue.id).id == light.id
    ticket = make_ticket(customer, category="product")
    assert ticket.assignee_id == light.id
    # Now 2 and 2: the tie goes to the lower user id.
    assert make_ticket(customer, category="product").assignee_id == min(busy.id, light.id)


def test_manual_assigns_nobody(app):
    queue = _mode("general", "manual")
    make_user("agent", queues=["general"])
    ticket = make_ticket(make_user("customer"), category="product")
    assert ticket.assignee_id is None
    assert db.session.get(SupportQueue, queue.id).last_assigned_user_id is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.ticket_id == ticket.id,
                                                      AuditEvent.action == "assignee")) is None


def test_concurrent_round_robin_never_hands_the_same_turn_twice(app):
    queue = _mode("general", "round_robin")
    agents = [make_user("agent", queues=["general"]) for _ in range(3)]
    queue_id = queue.id
    threads, per_thread = 4, 6
    barrier = threading.Barrier(threads)
    picks: list[int | None] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker():
        try:
            with app.app_context():
                barrier.wait()
                for _ in range(per_thread):
                    agent = next_round_robin(queue_id)
                    unit_of_work.commit()
                    with lock:
                        picks.append(agent.id if agent else None)
                db.session.remove()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(60)
    assert not errors
    moved = [p for p in picks if p is not None]
    assert len(moved) >= threads * per_thread - threads  # a rare loser gives up after retries
    counts = Counter(moved)
    assert set(counts) <= {a.id for a in agents}
    # Every successful move went from the place it read to the next agent: fair to within one.
    assert max(counts.values()) - min(counts.get(a.id, 0) for a in agents) <= 1


def test_take_next_picks_nearest_to_breach_then_oldest_and_claims_once(app):
    agent = make_user("agent", queues=["general"])
    other = make_user("agent", queues=["general"])
    outsider = make_user("agent", queues=["orders"])
    customer = make_user("customer")
    old_no_sla = make_ticket(customer, category="product", subject="오래된", now=NOW - timedelta(days=3))
    later = make_ticket(customer, category="product", subject="나중", now=NOW)
    sooner = make_ticket(customer, category="product", subject="먼저", now=NOW)
    for ticket, due in ((old_no_sla, None), (later, NOW + timedelta(hours=5)), (sooner, NOW + timedelta(hours=1))):
        ticket.sla_due_at = due
    unit_of_work.commit()

    assert take_next(outsider, NOW) is None
    first = take_next(agent, NOW)
    unit_of_work.commit()
    second = take_next(other, NOW)
    unit_of_work.commit()
    third = take_next(agent, NOW)
    unit_of_work.commit()
    assert [first.id, second.id, third.id] == [sooner.id, later.id, old_no_sla.id]
    assert take_next(agent, NOW) is None
    db.session.expire_all()
    assert db.session.get(Ticket, sooner.id).assignee_id == agent.id
    assert db.session.get(Ticket, later.id).assignee_id == other.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.ticket_id == sooner.id,
                                                       AuditEvent.action == "assignee"))
    assert event.actor_id == agent.id and event.detail == {"via": "take_next"}


def test_two_agents_taking_at_once_never_get_the_same_ticket(app):
    agents = [make_user("agent", queues=["general"]) for _ in range(4)]
    customer = make_user("customer")
    tickets = [make_ticket(customer, category="product", now=NOW + timedelta(minutes=i)) for i in range(3)]
    ids = [a.id for a in agents]
    barrier = threading.Barrier(len(ids))
    taken: list[tuple[int, int | None]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(user_id: int):
        try:
            with app.app_context():
                from app.models import User

                me = db.session.get(User, user_id)
                barrier.wait()
                ticket = take_next(me, NOW)
                number = ticket.id if ticket else None
                unit_of_work.commit()
                with lock:
                    taken.append((user_id, number))
                db.session.remove()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    pool = [threading.Thread(target=worker, args=(i,)) for i in ids]
    for t in pool:
        t.start()
    for t in pool:
        t.join(60)
    assert not errors
    got = [ticket_id for _user, ticket_id in taken if ticket_id is not None]
    assert len(got) == len(set(got)) == len(tickets)
    db.session.expire_all()
    owners = {t.id: db.session.get(Ticket, t.id).assignee_id for t in tickets}
    assert owners == {ticket_id: user for user, ticket_id in taken if ticket_id is not None}
