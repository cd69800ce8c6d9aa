"""What the reports read, generated with each bench ticket (bench/generate.py): SLA targets and
their warning/breach events, the ticket's SLA columns, CSAT answers, canned-answer uses, and
the claims and refunds behind cancellation and refund inquiries.

Targets follow the ticket's real policy (the seeded defaults, matched by membership and
priority like ``services/sla/clock.match_policy``) and its calendar: due times and business
minutes come from the same ``BusinessCalendar`` (Korean public holidays off), through a
cumulative-minutes table per day so a million tickets take minutes, not hours. Pauses are not
modelled (pending spans count as running time): the figures are realistic in shape and size,
which is what a timing needs; the hand-computed set in tests/report_setup.py is what checks
the arithmetic.
"""
from __future__ import annotations

import bisect
import random
from datetime import UTC, date, datetime, time, timedelta

SEOUL_OFFSET = timedelta(hours=9)
CSAT_ASKED_ANSWERED = 0.45        # share of solves whose survey is answered
CANNED_SHARE = 0.25               # share of agents' replies sent from a canned answer
CLAIM_STATES = (("approved", 70), ("denied", 15), ("open", 15))
RATINGS = ((5, 45), (4, 25), (3, 12), (2, 8), (1, 10))


class BusinessClock:
    """Business minutes on one calendar as a cumulative table: minute ``t`` ↔ business minute ``b``."""

    def __init__(self, calendar, first: date, last: date):
        self.first = first
        self.starts: list[float] = []       # UTC epoch minutes of each working interval's start
        self.cum: list[float] = []          # business minutes before that interval
        self.lengths: list[float] = []
        total = 0.0
        day = first
        while day <= last:
            midnight = datetime.combine(day, time(0), tzinfo=UTC) - SEOUL_OFFSET
            base = midnight.timestamp() / 60
            for start, end in calendar.windows_on(day):
                self.starts.append(base + start)
                self.cum.append(total)
                self.lengths.append(end - start)
                total += end - start
            day += timedelta(days=1)

    def at(self, moment: datetime) -> float:
        """Business minutes from the table's start to ``moment``."""
        m = moment.timestamp() / 60
        i = bisect.bisect_right(self.starts, m) - 1
        if i < 0:
            return 0.0
        return self.cum[i] + min(m - self.starts[i], self.lengths[i])

    def after(self, moment: datetime, minutes: float) -> datetime:
        """The instant ``minutes`` of business time after ``moment``."""
        target = self.at(moment) + minutes
        i = bisect.bisect_right(self.cum, target) - 1
        i = max(0, min(i, len(self.cum) - 1))
        while i + 1 < len(self.cum) and self.cum[i] + self.lengths[i] < target:
            i += 1
        return datetime.fromtimestamp((self.starts[i] + target - self.cum[i]) * 60, tz=UTC)


def pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


class ReportHistory:
    def __init__(self, gen, conn):
        from sqlalchemy import select

        from app.domain.calendar import BusinessCalendar, always_open_calendar, korean_public_holidays, parse_windows
        from app.models import (
            CannedAnswer,
            CannedAnswerUse,
            Claim,
            Refund,
            SatisfactionRating,
            SlaEvent,
            SlaPolicy,
            SlaTarget,
            WorkCalendar,
        )

        self.gen = gen
        self.rng = random.Random(gen.args.seed + 7)
        first = (gen.start - timedelta(days=3)).date()
        last = (gen.now + timedelta(days=120)).date()
        years = range(first.year, last.year + 1)
        clocks = {}
        for row in conn.execute(select(WorkCalendar.id, WorkCalendar.always_open, WorkCalendar.weekly)):
            cal_id, always, weekly = row
            if always:
                calendar = always_open_calendar()
            else:
                windows = {int(d): parse_windows(t) for d, t in (weekly or {}).items() if t}
                calendar = BusinessCalendar(weekly=windows, holidays=korean_public_holidays(years))
            clocks[cal_id] = BusinessClock(calendar, first, last)
        self.policies = []
        for p in conn.execute(select(SlaPolicy).where(SlaPolicy.active.is_(True))
                              .order_by(SlaPolicy.position, SlaPolicy.id)):
            self.policies.append({"id": p.id, "membership": p.membership, "priority": p.priority,
                                  "category_id": p.category_id, "queue_id": p.queue_id,
                                  "first": p.first_response_minutes, "reply": p.next_reply_minutes,
                                  "resolution": p.resolution_minutes, "warn": p.warn_percent,
                                  "clock": clocks[p.calendar_id]})
        self.tables = {"sla_targets": SlaTarget.__table__, "sla_events": SlaEvent.__table__,
                       "satisfaction_ratings": SatisfactionRating.__table__,
                       "canned_answer_uses": CannedAnswerUse.__table__, "refund_requests": Claim.__table__,
                       "refunds": Refund.__table__}
        self.canned_table = CannedAnswer.__table__
        self.ids = dict.fromkeys(self.tables, 0)
        self.counts = dict.fromkeys(self.tables, 0)

    def create_canned_answers(self, conn) -> None:
        titles = ["배송 지연 안내", "주문 취소 접수", "환불 일정 안내", "교환 절차", "상품 문의 답변", "회원 등급 안내"]
        self.canned_ids = []
        for i, title in enumerate(titles, start=1):
            self.canned_ids.append(i)
            conn.execute(self.canned_table.insert(), [{
                "id": i, "title": title, "body_ko": f"{{고객명}}님, {title}입니다.", "body_en": None,
                "owner_id": None, "category_codes": [], "queue_slugs": [], "actions": {}, "active": True,
                "created_by_id": None, "created_at": self.gen.start, "updated_at": self.gen.start}])
        if conn.dialect.name == "postgresql":
            from sqlalchemy import text
            conn.execute(text("SELECT setval(pg_get_serial_sequence('canned_answers', 'id'), 10)"))

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        self.counts[table] += 1
        return self.ids[table]

    def _policy(self, ticket: dict, membership: str) -> dict | None:
        for p in self.policies:
            if ((p["membership"] is None or p["membership"] == membership)
                    and (p["priority"] is None or p["priority"] == ticket["priority"])
                    and (p["category_id"] is None or p["category_id"] == ticket["category_id"])
                    and (p["queue_id"] is None or p["queue_id"] == ticket["queue_id"])):
                return p
        return None

    def add(self, rows: dict, ticket: dict, thread: list[tuple[str, datetime]], requester: dict,
            order: dict | None, code: str) -> None:
        """The ticket's targets, alerts, SLA columns, survey, canned uses and claim."""
        now = self.gen.now
        membership = requester["membership"]
        policy = self._policy(ticket, membership)
        if policy is None:
            return
        clock = policy["clock"]
        ticket["sla_policy_id"] = policy["id"]
        common = {"ticket_id": ticket["id"], "queue_id": ticket["queue_id"], "assignee_id": ticket["assignee_id"],
                  "category_id": ticket["category_id"], "priority": ticket["priority"], "membership": membership}
        running: list[tuple[datetime, datetime | None]] = []

        def target(metric: str, cycle: int, started: datetime, minutes: int | None, fulfilled: datetime | None):
            if not minutes:
                return None
            due = clock.after(started, minutes)
            warn = clock.after(started, minutes * policy["warn"] / 100)
            outcome = business = None
            if fulfilled is not None:
                business = round(clock.at(fulfilled) - clock.at(started), 1)
                outcome = "met" if fulfilled <= due else "breached"
            elif ticket["status"] in ("solved", "closed"):
                return None      # fulfilled by nothing the generator models: leave it out
            else:
                running.append((due, warn))
            rows["sla_targets"].append({"id": self.next_id("sla_targets"), "metric": metric, "cycle": cycle,
                                        "started_at": started, "target_minutes": minutes, "due_at": due,
                                        "warn_at": warn, "fulfilled_at": fulfilled, "outcome": outcome,
                                        "business_minutes": business, **common})
            for kind, at in (("warned", warn), ("breached", due)):
                if at <= now and (fulfilled is None or fulfilled > at):
                    rows["sla_events"].append({
                        "id": self.next_id("sla_events"), "ticket_id": ticket["id"], "kind": kind, "metric": metric,
                        "cycle": cycle, "at": at, "policy_id": policy["id"], "alert_key": f"{metric}:{cycle}:{kind}",
                        "detail": {"due_at": due.isoformat(), "target_minutes": minutes}})
            return due

        agent_times = [at for role, at in thread if role == "agent"]
        first_agent = agent_times[0] if agent_times else None
        ticket["first_response_due_at"] = target("first_response", 0, ticket["created_at"], policy["first"],
                                                 first_agent)
        cycle = 0
        for role, at in thread[1:]:
            if role != "customer" or first_agent is None or at <= first_agent:
                continue
            cycle += 1
            answer = next((a for a in agent_times if a > at), None)
            due = target("next_reply", cycle, at, policy["reply"], answer)
            if answer is None:
                ticket["next_reply_due_at"] = due
        ticket["next_reply_cycle"] = cycle
        ticket["resolution_due_at"] = target("resolution", 0, ticket["created_at"], policy["resolution"],
                                             ticket["solved_at"])
        if running and ticket["status"] not in ("solved", "closed"):
            ticket["sla_due_at"] = min(d for d, _ in running)
            ticket["sla_warn_at"] = min(w for _, w in running)
            upcoming = [m for d, w in running for m in (d, w) if m > now]
            ticket["sla_next_check_at"] = min(upcoming) if upcoming else None
        self._survey(rows, ticket)
        self._canned(rows, ticket, thread)
        if code in ("cancellation", "refund") and order is not None:
            self._claim(rows, ticket, order, code)

    def _survey(self, rows: dict, ticket: dict) -> None:
        if ticket["solved_at"] is None:
            return
        rng = self.rng
        answered = rng.random() < CSAT_ASKED_ANSWERED
        rated = ticket["solved_at"] + timedelta(hours=rng.uniform(0.2, 48)) if answered else None
        if rated is not None and rated > self.gen.now:
            rated, answered = None, False
        rows["satisfaction_ratings"].append({
            "id": self.next_id("satisfaction_ratings"), "ticket_id": ticket["id"], "solve_number": 1,
            "assignee_id": ticket["assignee_id"], "queue_id": ticket["queue_id"], "asked_at": ticket["solved_at"],
            "rating": pick(rng, RATINGS) if answered else None, "comment": None, "rated_at": rated})

    def _canned(self, rows: dict, ticket: dict, thread: list[tuple[str, datetime]]) -> None:
        agent = ticket["assignee_id"]
        if agent is None:
            return
        for role, at in thread:
            if role == "agent" and self.rng.random() < CANNED_SHARE:
                rows["canned_answer_uses"].append({"id": self.next_id("canned_answer_uses"),
                                                   "answer_id": self.rng.choice(self.canned_ids),
                                                   "agent_id": agent, "ticket_id": ticket["id"], "used_at": at})

    def _claim(self, rows: dict, ticket: dict, order: dict, code: str) -> None:
        rng = self.rng
        kind = "cancel" if code == "cancellation" else "refund"
        state = pick(rng, CLAIM_STATES) if ticket["status"] in ("solved", "closed") else "open"
        requested = ticket["created_at"]
        decided = None
        if state != "open":
            decided = min(requested + timedelta(hours=rng.uniform(1, 72)), self.gen.now)
        line = order["snapshot"]["lines"][0]
        claim_id = self.next_id("refund_requests")
        rows["refund_requests"].append({
            "id": claim_id, "ticket_id": ticket["id"], "order_id": order["id"], "request_key": f"bench-{claim_id}",
            "kind": kind, "lines": [{"line_id": line["line_id"], "quantity": line["quantity"]}],
            "reason": rng.choice(("change_of_mind", "defective", "wrong_item", "late_delivery")),
            "reason_text": "", "attestations": {}, "discovered_at": None, "requested_at": requested,
            "status_at_request": order["status"], "return_received_at": None, "return_inspection": None,
            "state": state, "version": 1, "first_approver_id": None, "first_approved_at": None,
            "decided_by_id": ticket["assignee_id"] if decided else None, "decided_at": decided,
            "decision_note": None})
        if state != "approved":
            return
        value = line["unit_price"] * line["quantity"]
        cash = value - (rng.choice((0, 0, 0, 1000, 2000)) if value > 5000 else 0)
        due = (decided + SEOUL_OFFSET).date() + timedelta(days=3 if kind == "cancel" else 5)
        paid = rng.random() < 0.97 or (self.gen.now + SEOUL_OFFSET).date() <= due
        executed = min(decided + timedelta(days=rng.uniform(0.1, 2.5)), self.gen.now) if paid else None
        rows["refunds"].append({
            "id": self.next_id("refunds"), "request_id": claim_id, "order_id": order["id"], "kind": kind,
            "lines": [{"line_id": line["line_id"], "quantity": line["quantity"]}],
            "breakdown": {"items": value, "cash": cash}, "refund_value_total": value, "cash_refund_total": cash,
            "points_restored": value - cash, "due_by": due, "status": "completed" if paid else "pending",
            "approved_by_id": ticket["assignee_id"] or self.gen.agents[0]["id"], "second_approved_by_id": None,
            "created_at": decided, "executed_at": executed, "paid_reference": f"PG-{claim_id}" if paid else None,
            "paid_note": None, "paid_by_id": None, "paid_via": "shop" if paid else None,
            "overdue_notified_on": None})
