"""The demo desk `flask seed demo` loads: people, orders and tickets in Korean.

Built through the same services the pages use, at past times, so the audit
trail, notifications and statuses are what real use would have produced.
Deterministic (a fixed random seed) so screenshots and walkthroughs repeat.
Tickets whose SLA still runs are dated backwards from ``now`` on their policy's
business calendar (``DESK_MIX``), so the desk looks like a normal day — mostly on
time, a few at risk, a couple late — whenever the demo is loaded.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from app.domain.vocabulary import SELLER_CENTER, Role
from app.extensions import db
from app.models import Category, Order, User
from app.seed.canned_answers import ensure_default_canned_answers
from app.seed.defaults import ensure_default_catalogue
from app.services.accounts.users import create_user
from app.services.audit import record_event
from app.services.claims.intake import create_ticket
from app.services.satisfaction import RatingLinkInvalid, latest_question, link_token, rate
from app.services.tickets.core import add_message, update_ticket

DEMO_PASSWORD = "munui-demo-1234"
DOMAIN = "demo.munui.kr"

# sign-in name (before @DOMAIN) → name, role, queues
STAFF = {
    "admin": ("관리자", Role.ADMIN, ()),
    "lead": ("박지현 팀장", Role.LEAD, ("orders", "general")),
    "agent1": ("김상담", Role.AGENT, ("orders",)),
    "agent2": ("이서연", Role.AGENT, ("orders", "general")),
    "agent3": ("최민수", Role.AGENT, ("general",)),
}
CUSTOMERS = ("김민지", "이준호", "박서윤", "정하늘", "최유진", "강도현", "조수아", "윤지훈", "장예린", "임태윤")
PLUS_CUSTOMERS = 3

PRODUCTS = (
    ("TS-01", "반팔 티셔츠", 12900), ("SN-22", "러닝화 270mm", 59000), ("KB-07", "무선 키보드", 34900),
    ("CF-03", "원두 커피 1kg", 21500), ("LT-11", "LED 스탠드", 27800), ("BG-05", "캔버스 백팩", 45000),
    ("WT-02", "생수 2L x 12", 8900), ("PH-30", "휴대폰 케이스", 9900), ("TW-12", "호텔 수건 5장", 19800),
    ("AP-44", "에어프라이어 5L", 89000), ("SK-08", "수분 크림 50ml", 23000), ("BK-19", "그림책 세트", 32000),
)
ORDER_STATUSES = ("payment_pending", "paid", "preparing", "shipped", "delivered",
                  "purchase_confirmed", "cancelled")

# category → (subject, first message, agent reply) in Korean
CONVERSATIONS = {
    "delivery": [
        ("배송이 아직 안 왔어요", "주문한 지 5일이 지났는데 아직 배송 조회가 안 됩니다. 언제 받을 수 있을까요?",
         "불편을 드려 죄송합니다. 판매자에게 확인한 결과 내일 출고 예정이며, 출고 후 송장번호를 안내드리겠습니다."),
        ("배송지 변경 가능할까요?", "이사를 하게 되어 배송지를 변경하고 싶습니다. 아직 출고 전이면 바꿀 수 있나요?",
         "출고 전이라 배송지 변경이 가능합니다. 새 주소를 남겨 주시면 판매자에게 전달하겠습니다."),
        ("택배가 파손되어 도착했어요", "상자가 찌그러져 있고 안의 제품도 깨져 있습니다. 사진 첨부합니다.",
         "사진 확인했습니다. 파손 상품은 무료로 교환 또는 환불 가능합니다. 원하시는 방법을 알려 주세요."),
    ],
    "order": [
        ("결제가 두 번 된 것 같아요", "카드 결제 문자가 두 번 왔습니다. 중복 결제인지 확인 부탁드립니다.",
         "확인 결과 한 건은 승인 후 즉시 취소된 건으로, 3~7영업일 내 카드사에서 취소 처리됩니다."),
        ("쿠폰이 적용되지 않았어요", "장바구니 쿠폰을 선택했는데 결제 금액에 반영되지 않았습니다.",
         "해당 쿠폰은 3만원 이상 구매 시 적용되는 쿠폰입니다. 조건을 확인해 주시면 감사하겠습니다."),
    ],
    "cancellation": [
        ("주문 취소하고 싶어요", "단순 변심으로 주문을 취소하려고 합니다. 아직 상품 준비중으로 나옵니다.",
         "상품 준비중 단계라 취소 요청을 판매자에게 전달했습니다. 승인되면 결제 수단으로 환불됩니다."),
    ],
    "refund": [
        ("사이즈가 맞지 않아 반품 요청합니다", "신발 사이즈가 작아서 반품하고 싶습니다. 포장은 뜯지 않았습니다.",
         "반품 접수되었습니다. 단순 변심 반품은 왕복 배송비가 차감되며, 회수 후 3영업일 내 환불됩니다."),
        ("환불은 언제 되나요?", "반품한 상품이 판매자에게 도착했다고 나오는데 아직 환불이 안 되었습니다.",
         "판매자 검수가 완료되어 환불 처리되었습니다. 카드사 사정에 따라 3~7영업일 걸릴 수 있습니다."),
    ],
    "product": [
        ("이 제품 세탁기 사용 가능한가요?", "반팔 티셔츠 세탁기 사용해도 괜찮은지 궁금합니다.",
         "찬물 세탁기 사용 가능하며, 건조기 사용은 수축될 수 있어 권장하지 않습니다."),
        ("재입고 일정이 궁금합니다", "품절된 무선 키보드 재입고 예정이 있나요?",
         "판매자 확인 결과 다음 주 수요일 재입고 예정입니다."),
    ],
    "membership": [
        ("위메프플러스 혜택 문의", "위메프플러스에 가입하면 무료배송 기준이 어떻게 되나요?",
         "위메프플러스 회원은 더 낮은 금액부터 무료배송이 적용되고 전용 고객센터를 이용하실 수 있습니다."),
        ("적립금이 사라졌어요", "지난달 받은 적립금이 보이지 않습니다.",
         "확인 결과 유효기간이 지난 적립금이 소멸되었습니다. 소멸 예정 적립금은 마이페이지에서 확인하실 수 있습니다."),
    ],
    "other": [
        ("영수증 발급 문의", "회사 제출용으로 현금영수증을 발급받고 싶습니다.",
         "마이페이지 > 주문내역에서 현금영수증을 직접 발급하실 수 있습니다."),
    ],
    SELLER_CENTER: [
        ("상품 등록 오류가 납니다", "판매자센터에서 상품 등록 시 '옵션 정보가 올바르지 않습니다' 오류가 계속 납니다.",
         "옵션명에 특수문자가 포함되어 발생한 오류입니다. 특수문자를 제거한 뒤 다시 등록해 주세요."),
        ("정산 통계가 맞지 않아요", "판매자센터 통계의 판매 금액과 정산 금액이 다릅니다.",
         "통계는 주문일 기준, 정산은 구매확정일 기준으로 집계되어 차이가 날 수 있습니다."),
    ],
}
CUSTOMER_FOLLOW_UPS = ("확인 감사합니다. 그런데 조금 더 빨리 처리될 수는 없을까요?",
                       "네, 알겠습니다. 처리되면 알려 주세요.", "아직 해결이 안 되었어요. 다시 확인 부탁드립니다.")
INTERNAL_NOTES = ("판매자에게 유선 확인함. 내일 오전 재확인 필요.", "동일 고객 이전 문의 이력 있음. 친절 응대 요망.",
                  "택배사 사고 접수 번호: CJ-2026-1182")
# Final status of each demo ticket, so every status is represented.
FINAL_STATUSES = ("new",) * 7 + ("open",) * 9 + ("pending",) * 6 + ("on_hold",) * 4 + \
    ("solved",) * 8 + ("closed",) * 6


def demo_logins() -> list[tuple[str, str]]:
    """(role, email) of the demo accounts, for printing."""
    rows = [(role, f"{key}@{DOMAIN}") for key, (_n, role, _q) in STAFF.items()]
    rows += [(Role.CUSTOMER, f"customer{i}@{DOMAIN}" + (" (plus)" if i <= PLUS_CUSTOMERS else ""))
             for i in (1, 2, 4)]
    rows.append((Role.SELLER, f"seller@{DOMAIN}"))
    return rows


def _snapshot(rng: random.Random, number: str, customer: User, status: str, paid_at: datetime) -> dict:
    picks = rng.sample(PRODUCTS, rng.randint(1, 3))
    lines = []
    for i, (sku, name, price) in enumerate(picks, start=1):
        lines.append({"line_id": f"L{i}", "sku": sku, "name": name, "unit_price": price,
                      "quantity": rng.randint(1, 2), "on_sale": rng.random() < 0.2,
                      "perishable": sku == "CF-03", "reproducible_media": False,
                      "hygiene": sku == "SK-08", "custom_made": False, "custom_made_consent": None,
                      "restriction_notice_given": True, "earned_points": 0})
    gross = sum(line["unit_price"] * line["quantity"] for line in lines)
    threshold = 19800 if customer.is_plus else 30000
    fee = 0 if gross >= threshold else 3000
    total = gross + fee
    stamps = {"paid_at": None, "preparing_at": None, "shipped_at": None, "delivered_at": None,
              "confirmed_at": None, "cancelled_at": None}
    order_flow = ["paid_at", "preparing_at", "shipped_at", "delivered_at", "confirmed_at"]
    reached = {"payment_pending": 0, "paid": 1, "preparing": 2, "shipped": 3, "delivered": 4,
               "purchase_confirmed": 5, "cancelled": 2}[status]
    for step, key in enumerate(order_flow[:reached]):
        stamps[key] = (paid_at + timedelta(hours=20 * step)).isoformat()
    if status == "cancelled":
        stamps["cancelled_at"] = (paid_at + timedelta(hours=30)).isoformat()
    return {
        "order_id": number, "seller_id": "wemakeshop", "status": status, **stamps,
        "promised_delivery_by": None, "lines": lines, "order_coupon": None,
        "shipping": {"base_fee": 3000, "fee_charged": fee,
                     "free_reason": "threshold" if fee == 0 else "none",
                     "free_threshold": threshold, "plus_member_at_order": customer.is_plus},
        "payments": [] if status == "payment_pending" else
        [{"method": rng.choice(["card", "card", "easy_pay", "bank_transfer"]), "amount": total,
          "approval_id": f"A-{number[-6:]}"}],
        "seller_policy": {"withdrawal_days": None},
        "customer": {"customer_id": str(customer.id), "refund_account_on_file": True},
    }


def _total(snap: dict) -> int:
    gross = sum(line["unit_price"] * line["quantity"] for line in snap["lines"])
    coupon = snap["order_coupon"]["amount"] if snap.get("order_coupon") else 0
    return gross - coupon + snap["shipping"]["fee_charged"]


# (order status, claim kind, reason, attestations, decision) for the demo's special tickets.
CLAIMS = (
    ("preparing", "cancel", "change_of_mind", {}, None),                 # eligible: cancelled at once
    ("shipped", "refund", "damaged_in_transit", {}, None),               # damaged parcel: the seller pays
    ("delivered", "refund", "change_of_mind", {"packaging_intact": True, "unused": True}, None),
    ("delivered", "refund", "defective", {}, "approve"),                 # seller pays the return
    ("purchase_confirmed", "refund", "change_of_mind", {"packaging_intact": False}, None),  # needs review
    ("preparing", "cancel", "change_of_mind", {}, "approve"),
)


CLAIM_BODIES = {"change_of_mind": "마음이 바뀌었어요.", "damaged_in_transit": "상자가 찌그러져 제품이 깨져 왔어요."}


def _load_claims(customers, staff, orders, now) -> None:
    """Cancellation and refund tickets that exercise the policy module's rules."""
    from app.domain.claim_flow import claim_subject, ticket_type_of
    from app.services.claims.refunds import ClaimIneligible, ClaimInput, decide, record_return

    used: set[int] = set()
    everything = [o for c in customers for o in orders[c.id]]
    by_id = {c.id: c for c in customers}
    for i, (status, kind, reason, attestations, decision) in enumerate(CLAIMS):
        # The first order in that status the policy would accept the request for (an ineligible
        # claim is refused at submit, so the demo holds none).
        for order in (o for o in everything if o.status == status and o.id not in used):
            customer = by_id[order.customer_id]
            line = order.snapshot["lines"][0]
            # undecided claims filed recently enough to be on time; decided ones days ago (환불 지연)
            when = _claim_filed_at(customer, ticket_type_of(kind), now, i) \
                if decision is None else now - timedelta(days=6, hours=i)
            try:
                ticket = create_ticket(
                    customer, category_code=ticket_type_of(kind),
                    subject=claim_subject(kind, order.number),
                    body=CLAIM_BODIES.get(reason, "받은 상품이 불량입니다."),
                    order_number=order.number, files=[], now=when,
                    claim=ClaimInput(kind=kind, lines=[(line["line_id"], 1)], reason=reason,
                                     attestations=attestations))
            except ClaimIneligible:
                continue
            used.add(order.id)
            db.session.flush()
            if decision and kind == "refund":
                # The parcel is back at the seller: the refund's 3 business days run from here.
                record_return(staff["agent1"], ticket, {"return_received_at": (when + timedelta(hours=1)).isoformat()},
                              when + timedelta(hours=1))
            if decision:
                decide(staff["agent1"], ticket, action=decision, note="데모: 정책 확인 후 승인",
                       now=when + timedelta(hours=2), judgement=True)
            break
    db.session.flush()


# ---------------------------------------------------------------- dating the desk

# Final statuses whose SLA clock is still running when the demo is loaded.
RUNNING = ("new", "open", "on_hold")
# Which running tickets (by position in FINAL_STATUSES) are at risk or breached: a desk on a
# normal day, not in a crisis. Every other running ticket is comfortably on time.
DESK_MIX = {1: "at_risk", 9: "at_risk", 12: "breached", 24: "breached"}
# The share of its target a ticket's nearest running timer has used by ``now``, per state.
TARGET_USED = {"ok": (0.1, 0.55), "at_risk": (0.8, 0.92), "breached": (1.08, 1.3)}


def _sla_targets(requester: User, code: str, priority: str, now: datetime):
    """The SLA policy a ticket of this requester, category and priority will get, and its calendar
    (the same matching and calendar the SLA service uses); None without a matching policy."""
    from app.services.sla.clock import active_policies, calendar_for, policy_matches

    category = db.session.scalar(select(Category).where(Category.code == code))
    policy = next((p for p in active_policies() if policy_matches(
        p, membership=requester.membership, priority=priority, category_id=category.id,
        queue_id=category.queue_id)), None)
    return (policy, calendar_for(policy.calendar, now)) if policy is not None else None


def _running_plan(rng: random.Random, requester: User, code: str, priority: str, final: str,
                  follow_up: bool, state: str, now: datetime) -> tuple[datetime, datetime | None] | None:
    """(when the ticket was filed, when the customer followed up) so that at ``now`` its SLA is in
    ``state``, counted backwards on the policy's business calendar from ``now`` — a demo loaded
    on a Saturday night or during 추석 looks like one loaded on a Tuesday morning.

    The timer that decides the badge: the first response for a new ticket; the next reply
    after a customer's follow-up; otherwise the resolution.
    """
    targets = _sla_targets(requester, code, priority, now)
    if targets is None:
        return None
    policy, calendar = targets
    low, high = TARGET_USED[state]
    used = rng.uniform(low, high)
    if final == "new":
        minutes = policy.first_response_minutes
    elif follow_up:
        minutes = policy.next_reply_minutes
    else:
        minutes = policy.resolution_minutes
    if not minutes or not policy.resolution_minutes:
        return None
    if not follow_up:
        return calendar.subtract_business_time(now, used * minutes), None
    # The resolution clock started earlier but is far from its warning (≤ 50 % used).
    follow_up_at = calendar.subtract_business_time(now, used * minutes)
    started = calendar.subtract_business_time(
        follow_up_at, max(rng.uniform(0.3, 0.5) * policy.resolution_minutes - used * minutes, 60))
    return started, follow_up_at


def _claim_filed_at(customer: User, code: str, now: datetime, i: int) -> datetime:
    """When an undecided demo claim was filed: its first answer comfortably on time at ``now``."""
    targets = _sla_targets(customer, code, "normal", now)
    if targets is None or not targets[0].first_response_minutes:
        return now - timedelta(days=1, hours=i)
    policy, calendar = targets
    return calendar.subtract_business_time(now, policy.first_response_minutes * (0.2 + 0.05 * i))


def load_demo(now: datetime, *, force: bool = False) -> bool:
    """Load the demo desk; False (and nothing done) if it is already there."""
    if not force and db.session.scalar(select(User.id).where(User.email == f"admin@{DOMAIN}")):
        return False
    rng = random.Random(20261126)
    ensure_default_catalogue()
    staff = {}
    for key, (name, role, queues) in STAFF.items():
        staff[key] = create_user(f"{key}@{DOMAIN}", role=role, password=DEMO_PASSWORD, name=name,
                                 queue_slugs=list(queues), now=now - timedelta(days=60))
    customers = [create_user(f"customer{i}@{DOMAIN}", role=Role.CUSTOMER, password=DEMO_PASSWORD,
                             name=name, plus=i <= PLUS_CUSTOMERS, now=now - timedelta(days=90))
                 for i, name in enumerate(CUSTOMERS, start=1)]
    seller = create_user(f"seller@{DOMAIN}", role=Role.SELLER, password=DEMO_PASSWORD,
                         name="위메이크샵 판매자", now=now - timedelta(days=90))

    orders: dict[int, list[Order]] = {c.id: [] for c in customers}
    for n in range(60):
        customer = customers[n % len(customers)]
        status = ORDER_STATUSES[n % len(ORDER_STATUSES)]
        paid_at = now - timedelta(days=rng.randint(1, 40), hours=rng.randint(0, 23))
        number = f"{paid_at:%Y%m%d}-{100000 + n:06d}"
        snap = _snapshot(rng, number, customer, status, paid_at)
        order = Order(number=number, customer_id=customer.id, customer_email=customer.email,
                      seller_id=snap["seller_id"], status=status, total_amount=_total(snap),
                      item_summary=snap["lines"][0]["name"] + (
                          f" 외 {len(snap['lines']) - 1}건" if len(snap["lines"]) > 1 else ""),
                      ordered_at=paid_at, snapshot=snap, created_at=paid_at, updated_at=paid_at)
        db.session.add(order)
        orders[customer.id].append(order)
    db.session.flush()

    agents_by_queue = {"orders": [staff["agent1"], staff["agent2"]],
                       "general": [staff["agent2"], staff["agent3"]]}
    codes = [c for c in CONVERSATIONS if c != SELLER_CENTER]
    for n, final in enumerate(FINAL_STATUSES):
        is_seller = n % 13 == 12
        requester = seller if is_seller else customers[n % len(customers)]
        code = SELLER_CENTER if is_seller else codes[n % len(codes)]
        subject, body, answer = CONVERSATIONS[code][n % len(CONVERSATIONS[code])]
        follow_up = final in ("open", "solved", "closed") and n % 2 == 0
        priority = "high" if final == "open" and n % 4 == 1 else "normal"
        plan = None
        if final in RUNNING:
            plan = _running_plan(rng, requester, code, priority, final, follow_up, DESK_MIX.get(n, "ok"), now)
        if plan is not None:
            started, follow_up_at = plan
        else:
            # Leave room for the replies and the auto-close that follow, so nothing is in the future.
            earliest_day = {"new": 0, "closed": 5}.get(final, 2)
            started = now - timedelta(days=rng.randint(earliest_day, 13), hours=rng.randint(1, 20),
                                      minutes=rng.randint(0, 59))
            follow_up_at = None
        needs_order = code in ("order", "delivery", "cancellation", "refund")
        order = rng.choice(orders[requester.id]) if needs_order else None
        ticket = create_ticket(requester, category_code=code, subject=subject, body=body,
                               order_number=order.number if order else None, files=[], now=started)
        db.session.flush()
        if final == "new":
            continue
        agent = rng.choice(agents_by_queue[ticket.queue.slug])
        if plan is not None:
            # An SLA still running: the first answer came soon after filing (well inside any target),
            # and everything happened before ``now``.
            span = (follow_up_at or now) - started
            t = started + min(span * 0.2, timedelta(minutes=rng.randint(15, 40)))
            reply_gap = min(span * 0.1, timedelta(minutes=10))
        else:
            t = started + timedelta(minutes=rng.randint(20, 300))
            reply_gap = timedelta(minutes=10)
        update_ticket(agent, ticket, assignee_id=agent.id, now=t)
        if n % 3 == 0:
            add_message(agent, ticket, body=rng.choice(INTERNAL_NOTES), internal=True, files=[],
                        now=t + reply_gap / 3)
        add_message(agent, ticket, body=answer, internal=False, files=[], now=t + reply_gap)
        t += reply_gap
        if priority == "high":
            update_ticket(agent, ticket, priority="high", now=t + reply_gap / 2)
        if plan is None:
            t += timedelta(hours=rng.randint(1, 20))
        elif follow_up_at is None:
            # The rest of a running ticket's story fits between the answer and ``now``.
            t += (now - t) / 2
        if follow_up:
            t = follow_up_at or t
            add_message(requester, ticket, body=rng.choice(CUSTOMER_FOLLOW_UPS), internal=False,
                        files=[], now=t)
            t += timedelta(hours=1)
        if final in ("pending", "on_hold", "solved", "closed"):
            update_ticket(agent, ticket, status="solved" if final == "closed" else final, now=t)
        if final == "closed":
            closed_at = t + timedelta(days=3)
            record_event(ticket, None, "status", closed_at, old=ticket.status, new="closed",
                         detail={"via": "auto_close"})
            ticket.status, ticket.closed_at, ticket.updated_at = "closed", closed_at, closed_at
        db.session.flush()
        if final in ("solved", "closed") and n % 3 != 0:
            _rate(rng, ticket, t + timedelta(hours=2), now)
    _load_claims(customers, staff, orders, now)
    ensure_default_canned_answers(now)
    return True


RATING_COMMENTS = {5: "빠르고 친절한 답변 감사합니다.", 4: "도움이 되었어요.", 3: "", 2: "답변이 늦었어요.",
                   1: "문제가 해결되지 않았습니다."}


def _rate(rng: random.Random, ticket, when: datetime, now: datetime) -> None:
    """The customer answers the solve's survey (most are content; a few are not)."""
    question = latest_question(ticket)
    if question is None or when > now:
        return
    score = rng.choice((5, 5, 5, 4, 4, 4, 3, 2, 1))
    try:
        rate(link_token(question.id), score, RATING_COMMENTS[score], when)
    except RatingLinkInvalid:
        pass  # asked too long ago: the link has expired, as it would have for the customer
