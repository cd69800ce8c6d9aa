"""The SLA report's figures on the hand-built September of tests/report_setup.py (worked out there).

Each figure is checked three ways: read from the targets themselves, from the worker's daily
figures (every day summed), and from both (the first half of the month summed, the rest raw).
"""
from __future__ import annotations

from datetime import date

import pytest

from app.domain.errors import DomainError, Forbidden
from app.services import unit_of_work
from app.services.reports.scope import ReportFilter
from app.services.reports.sla import report_csv_rows, sla_report
from app.services.reports.sla_daily import roll_up_day
from tests.report_setup import NOW, SEPTEMBER, build_september


@pytest.fixture(params=["raw", "summed", "half summed"])
def september(app, request):
    built = build_september()
    days = {"raw": [], "summed": SEPTEMBER.days, "half summed": SEPTEMBER.days[:15]}[request.param]
    for day in days:
        assert roll_up_day(day, NOW) == 1
    unit_of_work.commit()
    return built


def figures(row, metric):
    f = row.metrics[metric]
    return (f.met, f.breached, f.met_percent, f.answered, f.median_minutes, f.p90_minutes)


def test_the_total_is_what_was_worked_out_by_hand(september):
    report = sla_report(september["lead"], SEPTEMBER, "queue", NOW)
    assert figures(report.total, "first_response") == (3, 2, 60.0, 5, 300.0, 612.0)
    assert figures(report.total, "next_reply") == (2, 0, 100.0, 2, 75.0, 87.0)
    assert figures(report.total, "resolution") == (3, 1, 75.0, 3, 300.0, 1164.0)


def test_by_queue_a_moved_ticket_counts_where_it_went(september):
    report = sla_report(september["lead"], SEPTEMBER, "queue", NOW)
    rows = {r.label: r for r in report.rows}
    assert set(rows) == {"일반·회원·판매자", "주문·배송·클레임"}
    general, orders = rows["일반·회원·판매자"], rows["주문·배송·클레임"]
    assert figures(general, "first_response") == (3, 1, 75.0, 4, 180.0, 405.0)   # 60 60 300 450
    assert figures(orders, "first_response") == (0, 1, 0.0, 1, 720.0, 720.0)
    assert figures(general, "resolution")[:3] == (3, 0, 100.0)
    assert figures(orders, "resolution") == (0, 1, 0.0, 0, None, None)            # breached, never solved


def test_by_week_targets_count_in_the_week_they_were_decided(september):
    report = sla_report(september["lead"], SEPTEMBER, "week", NOW)
    weeks = {r.key: {m: (f.met, f.breached) for m, f in r.metrics.items() if f.decided} for r in report.rows}
    assert weeks == {
        "2026-08-31": {"first_response": (1, 0)},                                   # T1 Fri 9/4
        "2026-09-07": {"first_response": (1, 0), "next_reply": (2, 0), "resolution": (2, 0)},  # T1, T3
        "2026-09-14": {"first_response": (0, 1), "resolution": (0, 1)},             # T4
        "2026-09-21": {"first_response": (0, 1), "resolution": (1, 0)},             # T2 during 추석
        "2026-09-28": {"first_response": (1, 0)},                                   # T5 after 추석
    }
    assert [r.label for r in report.rows][0] == "2026-08-31 주"


def test_by_agent_and_filters(september):
    lead = september["lead"]
    by_agent = {r.label: r for r in sla_report(lead, SEPTEMBER, "agent", NOW).rows}
    assert figures(by_agent["김상담"], "first_response")[:2] == (2, 0)     # T1 and T3 were assigned
    assert figures(by_agent["(미배정)"], "first_response")[:2] == (1, 2)   # T2 T4 breached, T5 met
    plus_only = sla_report(lead, ReportFilter(SEPTEMBER.date_from, SEPTEMBER.date_to, membership="plus"),
                           "queue", NOW)
    assert figures(plus_only.total, "first_response") == (0, 1, 0.0, 1, 300.0, 300.0)
    orders_only = sla_report(lead, ReportFilter(SEPTEMBER.date_from, SEPTEMBER.date_to, queue="orders"),
                             "category", NOW)
    assert figures(orders_only.total, "first_response")[:2] == (0, 1)
    # A range that ends before T2: 추석's breach is not in it.
    early = sla_report(lead, ReportFilter(date(2026, 9, 1), date(2026, 9, 20)), "queue", NOW)
    assert figures(early.total, "first_response")[:2] == (2, 1)


def test_csv_rows_carry_the_same_numbers(september):
    report = sla_report(september["lead"], SEPTEMBER, "queue", NOW)
    header, *lines = report_csv_rows(report)
    total = dict(zip(header, lines[-1], strict=True))
    assert total["label"] == "합계" and total["first_response_met"] == "3"
    assert total["first_response_met_percent"] == "60" and total["resolution_p90_minutes"] == "1164"


def test_only_leads_and_admins_see_reports_and_bad_ranges_are_refused(september):
    with pytest.raises(Forbidden):
        sla_report(september["agent"], SEPTEMBER, "queue", NOW)
    with pytest.raises(DomainError) as refused:
        sla_report(september["lead"], ReportFilter(date(2026, 9, 30), date(2026, 9, 1)), "queue", NOW)
    assert refused.value.fields == {"to": "before_from"}
    with pytest.raises(DomainError) as refused:
        sla_report(september["lead"], SEPTEMBER, "planet", NOW)
    assert refused.value.fields == {"group_by": "invalid"}
