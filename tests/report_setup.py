"""A hand-built September 2026 for the SLA report tests (tests/services/reports, tests/web/desk).

The SLA report on a hand-built September 2026, every figure worked out by hand below.

Default policies: 보통 (normal) answers within 480 and resolves within 2,400 business minutes on
the business calendar (Mon–Fri 09–12 and 13–18, Korean public holidays off); a 위메프플러스 member
gets 60 / 1,440 minutes on the 24/7 calendar. 추석 2026 is 9/24–9/26. Times are KST.

T1 paused over a weekend (general): filed Fri 9/4 10:00, answered 11:00 (first response 60,
   met) and set pending; the customer writes Mon 9/7 10:00 (reopens; next reply starts), the
   agent answers 11:00 (next reply 60, met), solves 14:00. Resolution: Fri 10–11 (60) + Mon
   10–12 (120) + 13–14 (60) = 240, met — the weekend and the pending time do not count.
T2 breached during 추석 (general, Plus, 24/7): filed Thu 9/24 10:00 (the day before 추석), first
   response due 11:00, answered 15:00: 300 minutes, breached at 11:00. Solved Fri 9/25 09:00:
   resolution 1,380 of 1,440, met.
T3 reopened after solving (general): filed Tue 9/8 09:00, answered 10:00 (60, met), solved
   11:00; the customer writes Wed 9/9 09:00 (reopens; next reply starts), answered 10:30 (90,
   met), solved again 12:00. Resolution: Tue 9–11 (120) + Wed 9–12 (180) = 300, met — the solved
   span Tue 11:00 → Wed 09:00 (360 business minutes) does not count.
T4 moved between queues (general → orders Mon 9/14 10:00): filed Mon 9/14 09:00, not answered
   until Tue 9/15 14:00. First response due Mon 18:00 (180 + 300 = 480): breached; it took 480 +
   180 + 60 = 720. Never solved: resolution due Fri 9/18 18:00 (5 × 480): breached at the report's
   "now" (10/1). Both count in orders, where the ticket is.
T5 across 추석 (general): filed Wed 9/23 14:00, answered Mon 9/28 13:30: Wed 14–18 (240) + Mon 9–12
   (180) + 13–13:30 (30) = 450 of 480, met — five calendar days, three of them holidays and two a
   weekend. Resolution still running (due Fri 10/2 14:00), not counted.

First response: met T1 T3 T5, breached T2 T4 → 3 / 2, 60.0 %; durations 60 60 300 450 720 →
median 300, p90 = 450 + 0.6 × 270 = 612. Next reply: met T1 T3 → 2 / 0; 60 90 → median 75, p90 87.
Resolution: met T1 T2 T3, breached T4 → 3 / 1, 75.0 %; 240 300 1380 → median 300, p90 = 300 + 0.8
× 1080 = 1164.
"""
from __future__ import annotations

from datetime import date, datetime

from app.domain.vocabulary import SEOUL
from app.services import unit_of_work
from app.services.reports.scope import ReportFilter
from app.services.tickets.core import add_message, update_ticket
from tests.factories import make_ticket, make_user

SEPTEMBER = ReportFilter(date(2026, 9, 1), date(2026, 9, 30))
NOW = datetime(2026, 10, 1, 12, 0, tzinfo=SEOUL)


def kst(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SEOUL)


def build_september():
    """The five tickets of the docstring; returns the lead, the agent and the tickets."""
    lead = make_user("lead", name="박팀장")
    agent = make_user("agent", name="김상담", queues=["general", "orders"])
    kim = make_user("customer", name="김민지")
    plus = make_user("customer", name="이플러스", plus=True)

    def reply(who, ticket, when, body="답변드립니다."):
        add_message(who, ticket, body=body, internal=False, files=[], now=when)
        unit_of_work.commit()

    def change(ticket, when, **values):
        update_ticket(lead, ticket, now=when, **values)
        unit_of_work.commit()

    t1 = make_ticket(kim, subject="T1", now=kst(9, 4, 10))
    change(t1, kst(9, 4, 10), assignee_id=agent.id)
    reply(agent, t1, kst(9, 4, 11))
    change(t1, kst(9, 4, 11), status="pending")
    reply(kim, t1, kst(9, 7, 10), "아직 안 왔어요")
    reply(agent, t1, kst(9, 7, 11))
    change(t1, kst(9, 7, 14), status="solved")

    t2 = make_ticket(plus, subject="T2", now=kst(9, 24, 10))
    reply(agent, t2, kst(9, 24, 15))
    change(t2, kst(9, 25, 9), status="solved")

    t3 = make_ticket(kim, subject="T3", now=kst(9, 8, 9))
    change(t3, kst(9, 8, 9), assignee_id=agent.id)
    reply(agent, t3, kst(9, 8, 10))
    change(t3, kst(9, 8, 11), status="solved")
    reply(kim, t3, kst(9, 9, 9), "다시 문의드려요")
    reply(agent, t3, kst(9, 9, 10, 30))
    change(t3, kst(9, 9, 12), status="solved")

    t4 = make_ticket(kim, subject="T4", now=kst(9, 14, 9))
    change(t4, kst(9, 14, 10), queue="orders")
    reply(agent, t4, kst(9, 15, 14))

    t5 = make_ticket(kim, subject="T5", now=kst(9, 23, 14))
    reply(agent, t5, kst(9, 28, 13, 30))
    return {"lead": lead, "agent": agent, "tickets": {"T1": t1, "T2": t2, "T3": t3, "T4": t4, "T5": t5}}
