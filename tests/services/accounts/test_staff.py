"""직원 관리 (app/services/accounts/staff.py): edits, deactivation and its consequences, the rules that
keep the desk administered, and who may be an assignee afterwards."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.domain.errors import DomainError, Forbidden, NotFound
from app.extensions import db
from app.models import ApiToken, AuditEvent, SupportQueue, Ticket, UserSession
from app.services import unit_of_work
from app.services.accounts import staff
from app.services.accounts.sessions import start_session
from app.services.accounts.users import issue_token, load_user_for_session
from app.services.desk.assignment import candidates, take_next
from app.services.tickets.core import assignable_agents, update_ticket
from tests.factories import make_ticket, make_user

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


def refused(call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    unit_of_work.rollback()
    return caught.value


def _queue(slug: str) -> SupportQueue:
    return db.session.scalar(select(SupportQueue).where(SupportQueue.slug == slug))


def _assigned(agent, status: str, category: str = "delivery") -> Ticket:
    ticket = make_ticket(make_user("customer"), category=category, now=NOW, commit=False)
    ticket.assignee_id = agent.id
    ticket.status = status
    unit_of_work.commit()
    return ticket


def test_only_admins_manage_staff_and_only_staff_accounts_are_found(app):
    admin = make_user("admin")
    agent = make_user("agent")
    for role in ("agent", "lead", "customer"):
        assert isinstance(refused(staff.deactivate, make_user(role), agent.id, NOW), Forbidden)
    assert isinstance(refused(staff.load_staff, admin, make_user("customer").id), NotFound)
    assert isinstance(refused(staff.load_staff, admin, 99999), NotFound)
    assert staff.load_staff(admin, make_user("seller").id).role == "seller"


def test_deactivation_shuts_the_account_out_and_lets_go_of_open_tickets_only(app):
    admin = make_user("admin")
    leaver = make_user("agent", name="박퇴사", queues=["orders"])
    session_id = leaver.get_id()
    browser = start_session(leaver, NOW, max_age=timedelta(days=14))
    issue_token(leaver, name="cli", now=NOW, hours=1)
    open_one, pending, solved = (_assigned(leaver, s) for s in ("open", "pending", "solved"))

    outcome = staff.deactivate(admin, leaver.id, NOW)
    unit_of_work.commit()

    assert sorted(outcome.unassigned) == sorted([open_one.number, pending.number])
    assert outcome.tokens_revoked == 1
    assert not leaver.active and leaver.deactivated_at == NOW
    assert load_user_for_session(session_id, browser, NOW, max_age=timedelta(days=14)) is None
    assert db.session.scalars(select(UserSession).where(UserSession.user_id == leaver.id)).all() == []
    assert db.session.scalars(select(ApiToken)).all() == []
    assert [db.session.get(Ticket, t.id).assignee_id for t in (open_one, pending, solved)] == [None, None, leaver.id]
    for ticket in (open_one, pending):
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.ticket_id == ticket.id,
                                                            AuditEvent.action == "assignee")).one()
        assert (event.actor_id, event.old_value, event.new_value, event.detail) == (
            admin.id, "박퇴사", None, {"via": "deactivated"})
    account = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_user_id == leaver.id)).one()
    assert account.action == "deactivated" and account.actor_id == admin.id
    # Queue memberships stay (for a reactivation) but they take no part in assignment.
    assert [q.slug for q in leaver.queues] == ["orders"]
    assert leaver not in candidates(_queue("orders").id)
    assert take_next(leaver, NOW) is None
    assert leaver not in assignable_agents(open_one)
    error = refused(update_ticket, admin, open_one, assignee_id=leaver.id, now=NOW)
    assert error.fields == {"assignee_id": "not_assignable"}


def test_deactivating_twice_or_reactivating_an_active_account_is_a_conflict(app):
    admin = make_user("admin")
    agent = make_user("agent")
    assert refused(staff.reactivate, admin, agent.id, NOW).code == "already_active"
    staff.deactivate(admin, agent.id, NOW)
    unit_of_work.commit()
    assert refused(staff.deactivate, admin, agent.id, NOW).code == "already_inactive"
    staff.reactivate(admin, agent.id, NOW)
    unit_of_work.commit()
    assert agent.active and agent.deactivated_at is None


def test_an_admin_cannot_deactivate_or_demote_themself_and_one_admin_always_remains(app):
    admin = make_user("admin")
    assert refused(staff.deactivate, admin, admin.id, NOW).code == "cannot_deactivate_self"
    assert refused(staff.update_staff, admin, admin.id, name=admin.name, role="lead", queue_slugs=[],
                   now=NOW).code == "cannot_demote_self"
    other = make_user("admin")
    staff.update_staff(admin, other.id, name=other.name, role="lead", queue_slugs=[], now=NOW)
    unit_of_work.commit()
    assert other.role == "lead" and admin.active and admin.role == "admin"


def test_leaving_a_queue_lets_go_of_that_queues_tickets_only(app):
    admin = make_user("admin")
    agent = make_user("agent", name="김상담", queues=["orders", "general"])
    orders_ticket = _assigned(agent, "open", category="delivery")
    general_ticket = _assigned(agent, "open", category="product")

    outcome = staff.update_staff(admin, agent.id, name=" 김상담  ", role="agent", queue_slugs=["general"], now=NOW)
    unit_of_work.commit()

    assert outcome.changed == {"queues": [["general", "orders"], ["general"]]}
    assert outcome.unassigned == [orders_ticket.number]
    assert db.session.get(Ticket, orders_ticket.id).assignee_id is None
    assert db.session.get(Ticket, general_ticket.id).assignee_id == agent.id
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_user_id == agent.id)).one()
    assert event.detail == {"queues": [["general", "orders"], ["general"]], "unassigned": [orders_ticket.number]}


def test_promotion_to_lead_keeps_every_ticket(app):
    admin = make_user("admin")
    agent = make_user("agent", queues=["orders"])
    ticket = _assigned(agent, "open")
    outcome = staff.update_staff(admin, agent.id, name=agent.name, role="lead", queue_slugs=[], now=NOW)
    unit_of_work.commit()
    assert outcome.unassigned == [] and db.session.get(Ticket, ticket.id).assignee_id == agent.id


def test_saving_without_changes_records_nothing(app):
    admin = make_user("admin")
    agent = make_user("agent", queues=["orders"])
    outcome = staff.update_staff(admin, agent.id, name=agent.name, role="agent", queue_slugs=["orders"], now=NOW)
    unit_of_work.commit()
    assert outcome.changed == {}
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.subject_user_id == agent.id)).all() == []


@pytest.mark.parametrize(("values", "fields"), [
    ({"name": "  "}, {"name": "required"}),
    ({"name": "가" * 101}, {"name": "too_long"}),
    ({"role": "customer"}, {"role": "invalid"}),
    ({"role": "integration"}, {"role": "invalid"}),
    ({"queue_slugs": ["nope"]}, {"queues": "unknown"}),
    ({"role": "seller", "queue_slugs": ["orders"]}, {"queues": "not_staff"}),
])
def test_bad_edits_are_refused_and_change_nothing(app, values, fields):
    admin = make_user("admin")
    agent = make_user("agent", name="김상담", queues=["orders"])
    args = {"name": "김상담", "role": "agent", "queue_slugs": ["orders"], **values}
    assert refused(staff.update_staff, admin, agent.id, now=NOW, **args).fields == fields
    db.session.expire_all()
    assert (agent.name, agent.role, [q.slug for q in agent.queues]) == ("김상담", "agent", ["orders"])


def test_creating_staff_is_audited_and_checks_the_role(app):
    admin = make_user("admin")
    user = staff.create_staff(admin, email="new@test.munui.kr", name="새 상담원", role="agent",
                              password="long-enough-1", queue_slugs=["orders"], now=NOW)
    unit_of_work.commit()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_user_id == user.id)).one()
    assert (event.action, event.actor_id, event.detail) == ("staff_created", admin.id,
                                                            {"role": "agent", "queues": ["orders"]})
    assert refused(staff.create_staff, admin, email="c@test.munui.kr", name="x", role="customer",
                   password="long-enough-1", queue_slugs=[], now=NOW).fields == {"role": "invalid"}


def test_an_admin_is_an_assignee_only_in_queues_they_work(app):
    admin = make_user("admin")
    lead = make_user("lead")
    ticket = make_ticket(make_user("customer"), category="delivery", now=NOW)   # orders
    assert admin not in assignable_agents(ticket) and lead in assignable_agents(ticket)
    assert refused(update_ticket, admin, ticket, assignee_id=admin.id, now=NOW).fields == {
        "assignee_id": "not_assignable"}
    assert take_next(admin, NOW) is None
    assert take_next(lead, NOW).id == ticket.id
    unit_of_work.rollback()

    staff.update_staff(admin, admin.id, name=admin.name, role="admin", queue_slugs=["orders"], now=NOW)
    unit_of_work.commit()
    assert admin in assignable_agents(ticket)
    assert take_next(admin, NOW).id == ticket.id


def test_a_reset_link_goes_only_to_active_staff_and_not_twice_at_once(app):
    from datetime import timedelta

    admin = make_user("admin")
    agent = make_user("agent")
    staff.send_password_reset(admin, agent.id, NOW)
    unit_of_work.commit()
    assert refused(staff.send_password_reset, admin, agent.id, NOW + timedelta(seconds=30)).code == "reset_too_soon"
    staff.send_password_reset(admin, agent.id, NOW + timedelta(minutes=3))
    staff.deactivate(admin, agent.id, NOW + timedelta(minutes=4))
    unit_of_work.commit()
    assert refused(staff.send_password_reset, admin, agent.id, NOW + timedelta(minutes=10)).code == "not_resettable"
    actions = [e.action for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.subject_user_id == agent.id).order_by(AuditEvent.id))]
    assert actions == ["password_reset_sent", "password_reset_sent", "deactivated"]


def test_two_admins_deactivating_each_other_at_once_leave_one_admin(app):
    """The last-admin rule holds under concurrency (row locks on PostgreSQL; SQLite's single writer)."""
    import threading

    from app.models import User

    first, second = make_user("admin"), make_user("admin")
    pairs = [(first.id, second.id), (second.id, first.id)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(actor_id: int, target_id: int):
        with app.app_context():
            try:
                actor = db.session.get(User, actor_id)
                barrier.wait()
                staff.deactivate(actor, target_id, NOW)
                unit_of_work.commit()
                result = "done"
            except DomainError as exc:
                unit_of_work.rollback()
                result = exc.code
            except Exception as exc:  # noqa: BLE001 - SQLite: the second writer's snapshot is stale
                unit_of_work.rollback()
                result = type(exc).__name__
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    pool = [threading.Thread(target=worker, args=pair) for pair in pairs]
    for t in pool:
        t.start()
    for t in pool:
        t.join(60)
    db.session.expire_all()
    active_admins = db.session.scalars(select(User.id).where(User.role == "admin", User.active.is_(True))).all()
    assert len(active_admins) == 1, outcomes
    assert outcomes.count("done") == 1, outcomes
