"""SLA in the ticket's life, with a controlled clock: apply, pause, resume, re-apply, sweep."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select

from app.domain.calendar import standard_calendar
from app.domain.sla import SlaState
from app.extensions import db
from app.models import Notification, OutboxEvent, SlaEvent, SlaTarget, Ticket
from app.services import unit_of_work
from app.services.sla import clock as sla
from app.services.sla.sweep import sweep
from app.services.tickets.core import add_message, update_ticket
from tests.factories import make_ticket, make_user

KST = ZoneInfo("Asia/Seoul")
CAL = standard_calendar([2026, 2027])


def kst(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=KST)


@pytest.fixture()
def people(app):
    return {
        "customer": make_user("customer", name="김민지"),
        "plus": make_user("customer", name="박서윤", plus=True),
        "agent": make_user("agent", name="김상담", queues=["general"]),
        "lead": make_user("lead", name="박팀장", queues=["general"]),
    }


def kinds(ticket):
    return [(e.kind, e.metric, e.cycle) for e in db.session.scalars(
        select(SlaEvent).where(SlaEvent.ticket_id == ticket.id).order_by(SlaEvent.at, SlaEvent.id))]


def test_normal_priority_ticket_gets_business_hours_targets(people):
    ticket = make_ticket(people["customer"], now=kst(11, 25, 10))  # Wednesday 10:00
    assert ticket.sla_policy.name == "보통"
    # 480 business minutes: Wed 10–12, 13–18 (7 h) + Thu 09–10.
    assert ticket.first_response_due_at == kst(11, 26, 10)
    assert ticket.resolution_due_at == CAL.add_business_time(kst(11, 25, 10), 2400)
    assert ticket.sla_due_at == kst(11, 26, 10)
    assert ticket.sla_next_check_at == kst(11, 25, 17)  # 75 % of 480 = 360 minutes
    assert sla.ticket_state(ticket, kst(11, 25, 16)) == SlaState.OK
    assert sla.ticket_state(ticket, kst(11, 25, 17, 30)) == SlaState.AT_RISK
    assert sla.ticket_state(ticket, kst(11, 26, 10)) == SlaState.BREACHED
    assert kinds(ticket) == [("applied", None, 0)]


def test_plus_members_run_on_the_24_7_calendar(people):
    ticket = make_ticket(people["plus"], now=kst(11, 28, 22))  # Saturday night
    assert ticket.sla_policy.membership == "plus"
    assert ticket.first_response_due_at == kst(11, 28, 23)


def test_pending_pauses_reply_resumes_and_priority_change_reapplies_from_history(people):
    customer, agent = people["customer"], people["agent"]
    ticket = make_ticket(customer, now=kst(11, 25, 10))
    # Agent answers at 11:00 (first response met) and waits on the customer.
    add_message(agent, ticket, body="주문번호를 알려주세요.", internal=False, files=[], now=kst(11, 25, 11))
    update_ticket(agent, ticket, status="pending", now=kst(11, 25, 11))
    unit_of_work.commit()
    assert ticket.first_responded_at == kst(11, 25, 11)
    assert ticket.sla_paused is True and ticket.sla_due_at is None
    assert sla.ticket_state(ticket, kst(11, 27, 9)) == SlaState.PAUSED
    assert sla.expected_answer_text(ticket, kst(11, 25, 12), "ko").startswith("고객님의 답변을 기다리고")

    # The customer replies on Thursday 14:00: clocks resume, a next-reply cycle starts.
    add_message(customer, ticket, body="20261120-000123 입니다.", internal=False, files=[], now=kst(11, 26, 14))
    unit_of_work.commit()
    assert ticket.status == "open" and not ticket.sla_paused
    assert ticket.next_reply_cycle == 1
    assert ticket.next_reply_due_at == CAL.add_business_time(kst(11, 26, 14), 480)
    # Resolution: 60 minutes ran before the pause; the pause (Wed 11:00 → Thu 14:00) does not count.
    assert ticket.resolution_due_at == CAL.add_business_time(kst(11, 26, 14), 2400 - 60)
    assert sla.expected_answer_text(ticket, kst(11, 26, 14), "ko") == \
        "영업일 기준 11월 27일(금) 오후 2시까지 답변드릴 예정입니다."

    # Raised to urgent at 15:00: the 긴급 policy's targets apply to the same history.
    update_ticket(agent, ticket, priority="urgent", now=kst(11, 26, 15))
    unit_of_work.commit()
    assert ticket.sla_policy.name == "긴급"
    assert ticket.next_reply_due_at == kst(11, 26, 16)          # 120 from Thu 14:00
    # 480 resolution minutes, 120 already spent (Wed 10–11, Thu 14–15): 360 left from 15:00.
    assert ticket.resolution_due_at == kst(11, 27, 12)
    assert ("applied", None, 0) in kinds(ticket)[1:]


def test_solve_fulfils_resolution_and_reopen_resumes_it(people):
    customer, agent = people["customer"], people["agent"]
    ticket = make_ticket(customer, now=kst(11, 25, 10))
    add_message(agent, ticket, body="처리되었습니다.", internal=False, files=[], now=kst(11, 25, 11))
    update_ticket(agent, ticket, status="solved", now=kst(11, 25, 11))
    unit_of_work.commit()
    clock = sla.clock_for(ticket, kst(11, 30, 9))
    assert {t.metric.value: t.state for t in clock.timers} == {"first_response": "met", "resolution": "met"}
    assert ticket.sla_due_at is None and sla.ticket_state(ticket, kst(11, 30, 9)) == SlaState.MET
    assert sla.expected_answer_text(ticket, kst(11, 30, 9), "ko") is None

    # The customer writes again on Monday 10:00: reopened; solved time does not count.
    add_message(customer, ticket, body="아직 해결이 안 됐어요.", internal=False, files=[], now=kst(11, 30, 10))
    unit_of_work.commit()
    assert ticket.status == "open"
    assert ticket.resolution_due_at == CAL.add_business_time(kst(11, 30, 10), 2400 - 60)
    assert ("resumed", "resolution", 0) in kinds(ticket)
    assert ticket.next_reply_cycle == 1


def notifications(kind):
    return db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == kind))


def test_sweep_warns_then_breaches_once_and_escalates(people):
    ticket = make_ticket(people["customer"], now=kst(11, 25, 10))
    update_ticket(people["agent"], ticket, assignee_id=people["agent"].id, now=kst(11, 25, 10, 5))
    unit_of_work.commit()

    assert sweep(kst(11, 25, 16)).checked == 0            # nothing near a deadline yet
    result = sweep(kst(11, 25, 17, 1))
    unit_of_work.commit()
    assert (result.warned, result.breached) == (1, 0)
    assert notifications("sla_warning") == 2                    # the assignee and the queue's lead
    assert sweep(kst(11, 25, 17, 2)).warned == 0            # recorded once
    unit_of_work.commit()

    result = sweep(kst(11, 26, 10, 1))
    unit_of_work.commit()
    assert result.breached == 1
    assert notifications("sla_breach") == 2
    # 보통 escalates to high; the 높음 policy then applies to the same history.
    assert ticket.priority == "high" and ticket.sla_policy.name == "높음"
    for minute in (2, 3):
        sweep(kst(11, 26, 10, minute))
        unit_of_work.commit()
    assert notifications("sla_breach") == 2
    breaches = [k for k in kinds(ticket) if k[0] == "breached"]
    assert breaches == [("breached", "first_response", 0)]
    emails = db.session.scalar(select(func.count(OutboxEvent.id)).where(OutboxEvent.kind == "email"))
    assert emails >= 4  # receipt + warning and breach emails to staff


def test_sweep_reads_only_tickets_at_a_deadline(people):
    near = make_ticket(people["customer"], now=kst(11, 25, 9))
    for hour in range(10, 16):
        make_ticket(people["customer"], now=kst(11, 25, hour))
    closed_early = make_ticket(people["plus"], now=kst(11, 25, 9))
    add_message(people["agent"], closed_early, body="답변", internal=False, files=[], now=kst(11, 25, 9, 5))
    unit_of_work.commit()
    # At 15:05 only the 09:00 ticket has crossed its warning (09:00 + 360 business minutes = 16:00? no:
    # 09–12 and 13–16 make 360 minutes, so 16:00) — none yet; at 16:01 exactly one.
    assert sweep(kst(11, 25, 15, 5)).checked == 0
    result = sweep(kst(11, 25, 16, 1))
    assert result.checked == 1 and result.warned == 1
    unit_of_work.commit()
    assert db.session.get(Ticket, near.id).sla_next_check_at == near.first_response_due_at


def test_a_late_sweep_records_the_breach_and_leaves_nothing_due(people):
    ticket = make_ticket(people["customer"], now=kst(11, 25, 10))
    result = sweep(kst(11, 27, 10))  # past both warning and due time
    unit_of_work.commit()
    # First response breached → escalated to high, whose 960-minute resolution target is
    # reached at this very moment: recorded in the same sweep, no warnings after the fact.
    assert (result.warned, result.breached) == (0, 2)
    assert ticket.priority == "urgent"
    assert ticket.sla_next_check_at is None or ticket.sla_next_check_at > kst(11, 27, 10)
    assert sweep(kst(11, 27, 10)).checked == 0


def test_targets_are_rebuilt_from_history_the_same_as_kept(app, now, runner):
    """`flask sla targets` (after an upgrade) writes what the clock kept on every change."""
    customer = make_user("customer")
    agent = make_user("agent", queues=["general"])
    ticket = make_ticket(customer, now=now)
    add_message(agent, ticket, body="답변", internal=False, files=[], now=now + timedelta(hours=1))
    unit_of_work.commit()

    def rows():
        return sorted((r.metric, r.cycle, r.outcome, r.due_at, r.fulfilled_at, r.business_minutes)
                      for r in db.session.scalars(select(SlaTarget)))
    kept = rows()
    assert ("first_response", 0, "met") in [(m, c, o) for m, c, o, *_ in kept]
    db.session.execute(delete(SlaTarget))
    unit_of_work.commit()
    result = runner.invoke(args=["sla", "targets"])
    assert result.exit_code == 0 and "1 ticket(s)" in result.output
    db.session.expire_all()
    assert rows() == kept
