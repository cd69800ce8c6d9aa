"""Backlog, volume, agents, claims and the breach drill-down, on the hand-built September of
tests/report_setup.py (the lead reads them on 10/1 12:00 KST) and, for claims, on refunds made
the way the desk makes them.

What the September leaves, worked out from the set-up (all KST, all in category 상품 정보):
- Filed 9/4 (T1), 9/8 (T3), 9/14 (T4), 9/23 (T5), 9/24 (T2): 5 created.
- Last solves: T1 9/7 14:00, T3 9/9 12:00 (its first solve 9/8 is not counted again), T2 9/25
  09:00: 3 solved. T1 and T3 are 김상담's; T2 was answered but never assigned.
- Public replies by staff: T1 2, T2 1, T3 2, T4 1, T5 1 = 7, all 김상담's (customers' messages
  and the lead's changes are not replies).
- Handling time (resolution business minutes, tests/report_setup.py): 김상담 T1 240 and T3 300 →
  median 270; unassigned T2 1,380; everyone 240 300 1,380 → median 300.
- Backlog on 10/1 12:00: T4 open, filed 17 days ago (14일 이상), its resolution due 9/18: breaching;
  T5 open, filed 7 days 22 hours ago (7~14일), resolution due 10/2 14:00 and warned from 10/1
  11:00 (75 % of 2,400 business minutes = 1,800, reached Thu 10/1 11:00): at risk.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.domain.errors import DomainError, Forbidden
from app.domain.vocabulary import SEOUL
from app.services import unit_of_work
from app.services.claims.intake import create_ticket
from app.services.claims.refunds import decide, parse_claim
from app.services.desk import canned
from app.services.desk.canned import AnswerInput
from app.services.reports.agents import agents_csv_rows, agents_report
from app.services.reports.backlog import backlog_csv_rows, backlog_report
from app.services.reports.claims import claims_csv_rows, claims_report
from app.services.reports.scope import ReportFilter, default_range
from app.services.reports.sla import breached_targets
from app.services.reports.volume import volume_csv_rows, volume_report
from app.services.satisfaction import latest_question, link_token, rate
from tests.factories import make_policy_order, make_ticket, make_user
from tests.refund_setup import approved_refund
from tests.report_setup import NOW, SEPTEMBER, build_september, kst


@pytest.fixture()
def september(app):
    return build_september()


def by_subject(tickets):
    return {t.subject: t for t in tickets}


# ----------------------------------------------------------------- backlog

def test_backlog_counts_open_tickets_by_status_and_age_and_the_ones_breaching_or_at_risk(september):
    report = backlog_report(september["lead"], SEPTEMBER, NOW)
    assert report.cells["open"] == {"lt_1d": 0, "1_3d": 0, "3_7d": 0, "7_14d": 1, "ge_14d": 1}
    assert all(sum(report.cells[s].values()) == 0 for s in ("new", "pending", "on_hold"))
    assert (report.total, report.breaching, report.at_risk) == (2, 1, 1)
    assert report.by_bucket["ge_14d"] == 1 and report.by_status["open"] == 2


def test_backlog_an_hour_earlier_t5_is_not_yet_at_risk_and_a_solved_ticket_leaves_it(september):
    assert backlog_report(september["lead"], SEPTEMBER, kst(10, 1, 10, 59)).at_risk == 0
    assert backlog_report(september["lead"], SEPTEMBER, kst(10, 1, 11, 0)).at_risk == 1


def test_backlog_narrowed_to_a_queue_keeps_only_its_tickets(september):
    orders = backlog_report(september["lead"], ReportFilter(SEPTEMBER.date_from, SEPTEMBER.date_to, queue="orders"),
                            NOW)
    assert (orders.total, orders.breaching, orders.at_risk) == (1, 1, 0)     # T4 was moved there
    assert orders.cells["open"]["ge_14d"] == 1


def test_backlog_csv_has_the_table_lines(september):
    rows = backlog_csv_rows(backlog_report(september["lead"], SEPTEMBER, NOW),
                            {"open": "처리중", "total": "합계"})
    assert rows[0] == ["status", "label", "lt_1d", "1_3d", "3_7d", "7_14d", "ge_14d", "total"]
    assert ["open", "처리중", "0", "0", "0", "1", "1", "2"] in rows
    assert rows[-2][0] == "breaching_now" and rows[-2][-1] == "1"
    assert rows[-1][0] == "at_risk" and rows[-1][-1] == "1"


# ----------------------------------------------------------------- volume

def test_volume_counts_filed_and_last_solved_tickets_per_seoul_day(september):
    report = volume_report(september["lead"], SEPTEMBER, NOW)
    created = {d: c.created for d, c in report.by_day.items() if c.created}
    solved = {d: c.solved for d, c in report.by_day.items() if c.solved}
    assert created == {"2026-09-04": 1, "2026-09-08": 1, "2026-09-14": 1, "2026-09-23": 1, "2026-09-24": 1}
    assert solved == {"2026-09-07": 1, "2026-09-09": 1, "2026-09-25": 1}
    assert (report.total.created, report.total.solved) == (5, 3)
    assert len(report.days) == 30 and report.by_day["2026-09-01"].created == 0
    assert [name for _, name in report.categories] == ["상품 정보"]


def test_volume_a_day_is_a_seoul_day(app):
    customer = make_user("customer")
    make_ticket(customer, subject="자정 직후", now=kst(9, 2, 0, 30))     # 9/1 15:30 UTC
    report = volume_report(make_user("lead"), ReportFilter(date(2026, 9, 1), date(2026, 9, 2)), NOW)
    assert report.by_day["2026-09-02"].created == 1 and report.by_day["2026-09-01"].created == 0


def test_volume_csv_agrees_with_the_table(september):
    report = volume_report(september["lead"], SEPTEMBER, NOW)
    rows = volume_csv_rows(report, "합계")
    assert rows[0] == ["day", "created", "solved", "상품 정보 created", "상품 정보 solved"]
    assert ["2026-09-09", "0", "1", "0", "1"] in rows
    assert rows[-1] == ["합계", "5", "3", "5", "3"]
    assert len(rows) == 1 + 30 + 1


# ----------------------------------------------------------------- agents

def test_agents_solved_replies_and_handling_time(september):
    report = agents_report(september["lead"], SEPTEMBER, NOW)
    rows = {r.name: r for r in report.rows}
    kim, unassigned = rows["김상담"], rows["(미배정)"]
    assert (kim.solved, kim.replies, kim.handled, kim.handling_median_minutes) == (2, 7, 2, 270.0)
    assert (unassigned.solved, unassigned.replies, unassigned.handling_median_minutes) == (1, 0, 1380.0)
    assert (report.total.solved, report.total.replies, report.total.handling_median_minutes) == (3, 7, 300.0)
    assert report.rows[-1] is unassigned        # the unassigned line comes last
    assert "박팀장" not in rows                    # the lead changed tickets but wrote no reply


def test_agents_csat_and_canned_answer_use(september):
    lead, agent = september["lead"], september["agent"]
    from app.extensions import db
    from app.models import Ticket
    tickets = by_subject(db.session.scalars(db.select(Ticket)))
    rate(link_token(latest_question(tickets["T1"]).id), 5, None, kst(9, 8, 9))
    rate(link_token(latest_question(tickets["T3"]).id), 2, "늦었어요", kst(9, 10, 9))
    unit_of_work.commit()
    answer = canned.create(lead, AnswerInput(title="배송 안내", body_ko="배송 중입니다.", shared=True),
                           now=kst(9, 1, 9))
    unit_of_work.commit()
    canned.use(agent, tickets["T4"], answer.id, now=kst(9, 16, 10))
    unit_of_work.commit()
    kim = {r.name: r for r in agents_report(lead, SEPTEMBER, NOW).rows}["김상담"]
    assert (kim.csat_count, kim.csat_average, kim.canned_uses, kim.replies) == (2, 3.5, 1, 8)
    # October holds none of it.
    october = agents_report(lead, ReportFilter(date(2026, 10, 1), date(2026, 10, 31)), NOW)
    assert october.rows == []
    rows = agents_csv_rows(agents_report(lead, SEPTEMBER, NOW), "합계")
    assert rows[0][:3] == ["agent_id", "agent_name", "solved"]
    assert [str(agent.id), "김상담", "2", "8", "270", "2", "3.5", "2", "1"] in rows
    assert rows[-1][:4] == ["total", "합계", "3", "8"]


def test_agents_narrowed_to_one_agent(september):
    agent = september["agent"]
    report = agents_report(september["lead"], ReportFilter(SEPTEMBER.date_from, SEPTEMBER.date_to,
                                                           agent_id=agent.id), NOW)
    assert [r.name for r in report.rows] == ["김상담"]
    assert report.total.solved == 2 and report.total.handling_median_minutes == 270.0


# ----------------------------------------------------------------- breaches

def test_the_breach_drill_down_lists_what_the_report_counted(september):
    lead = september["lead"]
    everything = breached_targets(lead, SEPTEMBER, NOW)
    # First response: T2 and T4; resolution: T4 (SLA report total 2 + 1).
    pairs = sorted((b.ticket.subject, b.target.metric) for b in everything.breaches)
    assert pairs == [("T2", "first_response"), ("T4", "first_response"), ("T4", "resolution")]
    assert everything.total == 3
    first = breached_targets(lead, SEPTEMBER, NOW, metric="first_response", group_by="queue",
                             key=str(by_subject(b.ticket for b in everything.breaches)["T4"].queue_id))
    assert [b.ticket.subject for b in first.breaches] == ["T4"]
    still = [b for b in everything.breaches if b.still_open]
    assert [(b.ticket.subject, b.target.metric) for b in still] == [("T4", "resolution")]


def test_the_drill_down_refuses_what_it_cannot_read(september):
    with pytest.raises(DomainError):
        breached_targets(september["lead"], SEPTEMBER, NOW, metric="lunch")
    with pytest.raises(DomainError):
        breached_targets(september["lead"], SEPTEMBER, NOW, group_by="queue", key="1 OR 1=1")
    with pytest.raises(Forbidden):
        breached_targets(september["agent"], SEPTEMBER, NOW)


# ----------------------------------------------------------------- claims

def test_claims_requested_decided_amounts_and_overdue(app):
    """Two cancels approved (₩24,000 of items + ₩3,000 shipping each, paid by card: the whole
    ₩27,000 back in cash), one ten days ago and so overdue now (3 business days to pay), one
    today; a third denied."""
    now = datetime.now(UTC)
    customer = make_user("customer")
    agent = make_user("agent", name="김상담", queues=["orders"])
    approved_refund(customer, requested_days_ago=10, agent=agent)
    approved_refund(customer, requested_days_ago=0.1, agent=agent)
    order = make_policy_order(customer, "paid", [{"name": "양말", "unit_price": 5000, "quantity": 1}])
    ticket = create_ticket(customer, category_code="cancellation", subject="취소", body="취소해주세요",
                           order_number=order.number, files=[], now=now - timedelta(hours=1),
                           claim=parse_claim({"lines": [{"line_id": "L1", "quantity": 1}],
                                              "reason": "change_of_mind"}, kind="cancel"))
    unit_of_work.commit()
    decide(agent, ticket, action="deny", note="이미 출고되었습니다.", now=now)
    unit_of_work.commit()
    lead = make_user("lead")
    report = claims_report(lead, ReportFilter(*default_range(now)), now)
    cancel = report.by_kind["cancel"]
    assert (cancel.requested, cancel.approved, cancel.denied) == (3, 2, 1)
    assert (cancel.refund_value, cancel.cash, cancel.points) == (54000, 54000, 0)
    assert (cancel.overdue, cancel.overdue_cash) == (1, 27000)
    assert report.by_kind["refund"].requested == 0
    assert report.total.refund_value == 54000
    rows = claims_csv_rows(report, {"cancel": "주문 취소", "total": "합계"})
    assert rows[0] == ["kind", "label", "requested", "approved", "denied", "refund_value", "cash", "points",
                       "overdue", "overdue_cash"]
    assert rows[1] == ["cancel", "주문 취소", "3", "2", "1", "54000", "54000", "0", "1", "27000"]
    # A range before all of it counts nothing but what is overdue now.
    today = now.astimezone(SEOUL).date()
    empty = claims_report(lead, ReportFilter(today - timedelta(days=60), today - timedelta(days=30)), now)
    assert (empty.total.requested, empty.total.refund_value, empty.total.overdue) == (0, 0, 1)
    # Narrowed to another queue, nothing.
    general = claims_report(lead, ReportFilter(*default_range(now), queue="general"), now)
    assert (general.total.requested, general.total.overdue) == (0, 0)


# ----------------------------------------------------------------- who may read

@pytest.mark.parametrize("report", [backlog_report, volume_report, agents_report, claims_report])
def test_only_leads_and_admins_read_reports(app, report):
    for role in ("agent", "customer"):
        with pytest.raises(Forbidden):
            report(make_user(role), SEPTEMBER, NOW)
    report(make_user("admin"), SEPTEMBER, NOW)


@pytest.mark.parametrize("report", [backlog_report, volume_report, agents_report, claims_report])
def test_a_backwards_range_is_refused(app, report):
    with pytest.raises(DomainError):
        report(make_user("lead"), ReportFilter(date(2026, 9, 30), date(2026, 9, 1)), NOW)
