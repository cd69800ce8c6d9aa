"""SLA administration (app/services/sla/admin.py): policies in a clean order, refused forms that
change nothing, and calendars whose days off/on and weekly windows move the clock."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.domain.errors import Forbidden, NotFound
from app.extensions import db
from app.models import CalendarDay, SlaPolicy, WorkCalendar
from app.services import unit_of_work
from app.services.sla import admin as sla_admin
from app.services.sla.admin import CalendarInput, PolicyInput, ValidationFailed
from app.services.sla.clock import calendar_for, match_policy
from tests.factories import make_ticket, make_user

SEOUL = ZoneInfo("Asia/Seoul")
# Wednesday 2026-11-25 10:00 in Seoul: an ordinary working morning.
NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
DEFAULT_NAMES = ["위메프플러스 전용 (24시간)", "긴급", "높음", "보통", "낮음"]


def seoul(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SEOUL).astimezone(UTC)


@pytest.fixture()
def admin(app):
    return make_user("admin")


def business() -> WorkCalendar:
    return db.session.scalar(select(WorkCalendar).where(WorkCalendar.slug == "business"))


def policies() -> list[SlaPolicy]:
    return list(db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.position, SlaPolicy.id)))


def names() -> list[str]:
    return [p.name for p in policies()]


def positions() -> list[int]:
    return [p.position for p in policies()]


def snapshot() -> dict:
    """Every column of every policy, calendar and calendar day, as the database has them."""
    db.session.expire_all()

    def rows(model):
        columns = model.__table__.columns.keys()
        return sorted(tuple(getattr(r, c) for c in columns) for r in db.session.scalars(select(model)))

    return {m.__name__: rows(m) for m in (SlaPolicy, WorkCalendar, CalendarDay)}


def valid(**changes) -> PolicyInput:
    base = {"name": "배송 문의", "category": "delivery", "first_response_minutes": "30",
            "next_reply_minutes": "", "resolution_minutes": "240", "warn_percent": "80", "calendar": "business"}
    return PolicyInput(**{**base, **changes})


def refused(call) -> ValidationFailed:
    """Run a service call that must be refused; check it touched nothing, then roll back."""
    with pytest.raises(ValidationFailed) as caught:
        call()
    assert not db.session.new and not db.session.dirty and not db.session.deleted
    unit_of_work.rollback()
    return caught.value


# ---------------------------------------------------------------- policies

def test_defaults_are_in_a_clean_order(admin):
    assert names() == DEFAULT_NAMES
    assert positions() == [0, 1, 2, 3, 4]
    assert [p.name for p in sla_admin.list_policies(admin)] == DEFAULT_NAMES


def test_create_at_a_position_keeps_the_order_clean(admin):
    policy = sla_admin.create_policy(admin, valid(), position="1")
    unit_of_work.commit()
    assert names() == ["배송 문의"] + DEFAULT_NAMES
    assert positions() == list(range(6))
    assert (policy.first_response_minutes, policy.next_reply_minutes, policy.resolution_minutes) == (30, None, 240)
    assert policy.warn_percent == 80 and policy.category.code == "delivery" and policy.calendar.slug == "business"

    sla_admin.create_policy(admin, valid(name="맨 끝"))
    sla_admin.create_policy(admin, valid(name="세 번째"), position=3)
    unit_of_work.commit()
    assert names() == ["배송 문의", DEFAULT_NAMES[0], "세 번째", *DEFAULT_NAMES[1:], "맨 끝"]
    assert positions() == list(range(8))


def test_a_new_policy_first_wins_for_new_tickets(admin):
    customer = make_user("customer")
    assert make_ticket(customer, category="delivery", now=NOW).sla_policy.name == "보통"
    sla_admin.create_policy(admin, valid(), position=1)
    unit_of_work.commit()
    assert make_ticket(customer, category="delivery", now=NOW).sla_policy.name == "배송 문의"
    assert make_ticket(customer, category="product", now=NOW).sla_policy.name == "보통"


BAD_POLICIES = [
    ({"name": ""}, "name", "required"),
    ({"name": "   "}, "name", "required"),
    ({"name": "가" * 101}, "name", "too_long"),
    ({"first_response_minutes": "0"}, "first_response_minutes", "whole_minutes"),
    ({"first_response_minutes": "-5"}, "first_response_minutes", "whole_minutes"),
    ({"next_reply_minutes": "1.5"}, "next_reply_minutes", "whole_minutes"),
    ({"resolution_minutes": "한 시간"}, "resolution_minutes", "whole_minutes"),
    ({"resolution_minutes": "100001"}, "resolution_minutes", "whole_minutes"),
    ({"resolution_minutes": "１２"}, "resolution_minutes", "whole_minutes"),  # full-width digits
    ({"first_response_minutes": 0}, "first_response_minutes", "whole_minutes"),
    ({"first_response_minutes": True}, "first_response_minutes", "whole_minutes"),
    ({"warn_percent": "0"}, "warn_percent", "percent"),
    ({"warn_percent": "100"}, "warn_percent", "percent"),
    ({"warn_percent": ""}, "warn_percent", "percent"),
    ({"warn_percent": "75%"}, "warn_percent", "percent"),
    ({"calendar": "nope"}, "calendar", "unknown"),
    ({"calendar": ""}, "calendar", "required"),
    ({"queue": "nope"}, "queue", "unknown"),
    ({"category": "nope"}, "category", "unknown"),
    ({"priority": "critical"}, "priority", "unknown"),
    ({"membership": "gold"}, "membership", "unknown"),
    ({"escalate_priority": "asap"}, "escalate_priority", "unknown"),
    ({"escalate_queue": "nope"}, "escalate_queue", "unknown"),
]


@pytest.mark.parametrize(("changes", "field", "problem"), BAD_POLICIES)
def test_refused_policy_changes_nothing(admin, changes, field, problem):
    before = snapshot()
    error = refused(lambda: sla_admin.create_policy(admin, valid(**changes), position=1))
    assert error.fields == {field: problem} and error.status == 422
    assert error.message("ko") == "입력값을 확인해 주세요." and error.message("en") == "Please check the fields."

    target = policies()[2]
    error = refused(lambda: sla_admin.update_policy(admin, target.id, valid(**changes)))
    assert error.fields == {field: problem}
    assert snapshot() == before


@pytest.mark.parametrize("position", ["0", "7", "첫째", -1])
def test_refused_position_changes_nothing(admin, position):
    before = snapshot()
    error = refused(lambda: sla_admin.create_policy(admin, valid(), position=position))
    assert error.fields == {"position": "unknown"}
    assert snapshot() == before


def test_every_problem_is_reported_at_once(admin):
    error = refused(lambda: sla_admin.create_policy(
        admin, valid(name="", first_response_minutes="x", warn_percent="120", calendar="nope"), position="x"))
    assert error.fields == {"name": "required", "first_response_minutes": "whole_minutes",
                            "warn_percent": "percent", "calendar": "unknown", "position": "unknown"}


def test_update_sets_every_field_and_empty_means_any_or_no_target(admin):
    target = policies()[3]
    sla_admin.update_policy(admin, target.id, PolicyInput(
        name="  보통 (주문 큐)  ", active=True, membership="basic", priority="normal", category="", queue="orders",
        first_response_minutes=" 240 ", next_reply_minutes="", resolution_minutes="1200", warn_percent="50",
        calendar="always", escalate_priority="urgent", escalate_queue="general"))
    unit_of_work.commit()
    db.session.expire_all()
    policy = db.session.get(SlaPolicy, target.id)
    assert policy.name == "보통 (주문 큐)"
    assert (policy.membership, policy.priority, policy.category, policy.queue.slug) == \
        ("basic", "normal", None, "orders")
    assert (policy.first_response_minutes, policy.next_reply_minutes, policy.resolution_minutes) == (240, None, 1200)
    assert policy.warn_percent == 50 and policy.calendar.slug == "always"
    assert (policy.escalate_priority, policy.escalate_queue.slug) == ("urgent", "general")
    assert positions() == [0, 1, 2, 3, 4]


def test_moving_keeps_positions_consistent(admin):
    ids = [p.id for p in policies()]
    sla_admin.move_policy(admin, ids[3], "up")
    unit_of_work.commit()
    assert names() == ["위메프플러스 전용 (24시간)", "긴급", "보통", "높음", "낮음"]
    sla_admin.move_policy(admin, ids[0], "up")      # already first: nothing moves
    sla_admin.move_policy(admin, ids[4], "down")    # already last: nothing moves
    sla_admin.move_policy(admin, ids[0], "down")
    unit_of_work.commit()
    assert names() == ["긴급", "위메프플러스 전용 (24시간)", "보통", "높음", "낮음"]
    assert positions() == [0, 1, 2, 3, 4]
    with pytest.raises(ValidationFailed):
        sla_admin.move_policy(admin, ids[1], "sideways")
    unit_of_work.rollback()
    assert positions() == [0, 1, 2, 3, 4]


def test_moving_repairs_a_messy_order(admin):
    for policy, position in zip(policies(), [10, 10, 3, 7, 7], strict=True):
        policy.position = position
    unit_of_work.commit()
    order = names()
    sla_admin.move_policy(admin, policies()[0].id, "down")
    unit_of_work.commit()
    assert positions() == [0, 1, 2, 3, 4]
    assert names() == [order[1], order[0], *order[2:]]


def test_deactivated_policy_keeps_its_place_and_is_skipped(admin):
    customer = make_user("customer")
    plus = make_user("customer", plus=True)
    first = policies()[0]
    sla_admin.set_policy_active(admin, first.id, False)
    unit_of_work.commit()
    assert names() == DEFAULT_NAMES and positions() == [0, 1, 2, 3, 4]
    assert make_ticket(plus, now=NOW).sla_policy.name == "보통"
    assert make_ticket(customer, now=NOW).sla_policy.name == "보통"
    sla_admin.set_policy_active(admin, first.id, True)
    unit_of_work.commit()
    assert make_ticket(plus, now=NOW).sla_policy.name == "위메프플러스 전용 (24시간)"


def test_only_admins(app):
    before = snapshot()
    policy, calendar = policies()[0], business()
    calls = [
        lambda user: sla_admin.list_policies(user),
        lambda user: sla_admin.create_policy(user, valid()),
        lambda user: sla_admin.update_policy(user, policy.id, valid()),
        lambda user: sla_admin.move_policy(user, policy.id, "down"),
        lambda user: sla_admin.set_policy_active(user, policy.id, False),
        lambda user: sla_admin.list_calendars(user),
        lambda user: sla_admin.update_calendar(user, calendar.id, CalendarInput("a", "b", True, True, {})),
        lambda user: sla_admin.add_calendar_day(user, calendar.id, day="2026-12-01", kind="off"),
    ]
    for role in ("agent", "lead", "customer", "seller"):
        user = make_user(role)
        for call in calls:
            with pytest.raises(Forbidden):
                call(user)
            unit_of_work.rollback()
    after = snapshot()
    assert after == before


def test_unknown_ids_are_not_found(admin):
    with pytest.raises(NotFound):
        sla_admin.update_policy(admin, 9999, valid())
    with pytest.raises(NotFound):
        sla_admin.get_calendar(admin, 9999)
    with pytest.raises(NotFound):
        sla_admin.delete_calendar_day(admin, business().id, 9999)


# ---------------------------------------------------------------- calendars

def due_after(minutes: int, now: datetime = NOW) -> datetime:
    db.session.expire_all()
    return calendar_for(business(), now).add_business_time(now, minutes)


def test_a_day_off_moves_the_due_time_across_it(admin):
    # Wed 10:00 + 8 business hours: Wed 10–12, 13–18 (7 h), Thu 09–10 → Thu 10:00.
    assert due_after(480) == seoul(2026, 11, 26, 10)
    day = sla_admin.add_calendar_day(admin, business().id, day="2026-11-26", kind="off", note="창립기념일")
    unit_of_work.commit()
    assert due_after(480) == seoul(2026, 11, 27, 10)

    # Friday off too, Saturday on: the Saturday works the weekday hours.
    sla_admin.add_calendar_day(admin, business().id, day=date(2026, 11, 27), kind="off")
    sla_admin.add_calendar_day(admin, business().id, day="2026-11-28", kind="on", note="특근")
    unit_of_work.commit()
    assert due_after(480) == seoul(2026, 11, 28, 10)

    sla_admin.delete_calendar_day(admin, business().id, day.id)
    unit_of_work.commit()
    assert due_after(480) == seoul(2026, 11, 26, 10)
    assert [(d.day, d.kind) for d in business().days] == [(date(2026, 11, 27), "off"), (date(2026, 11, 28), "on")]


def test_a_day_off_changes_the_policy_preview(admin):
    urgent = policies()[1]
    preview = sla_admin.policy_preview(urgent, NOW)
    assert (preview.first_response, preview.next_reply, preview.resolution) == \
        (seoul(2026, 11, 25, 11), seoul(2026, 11, 25, 12), seoul(2026, 11, 26, 10))
    sla_admin.add_calendar_day(admin, business().id, day="2026-11-26", kind="off")
    unit_of_work.commit()
    db.session.expire_all()
    assert sla_admin.policy_preview(policies()[1], NOW).resolution == seoul(2026, 11, 27, 10)
    plus = sla_admin.policy_preview(policies()[0], NOW)
    assert plus.first_response == NOW + timedelta(hours=1) and plus.resolution == NOW + timedelta(hours=24)


@pytest.mark.parametrize(("day", "kind", "note", "fields"), [
    ("", "off", "", {"day": "required"}),
    ("2026-13-01", "off", "", {"day": "invalid_date"}),
    ("내일", "off", "", {"day": "invalid_date"}),
    (datetime(2026, 12, 1, 9, 0), "off", "", {"day": "invalid_date"}),
    ("2026-12-01", "holiday", "", {"kind": "unknown"}),
    ("2026-12-01", "off", "가" * 101, {"note": "too_long"}),
])
def test_refused_day_changes_nothing(admin, day, kind, note, fields):
    before = snapshot()
    error = refused(lambda: sla_admin.add_calendar_day(admin, business().id, day=day, kind=kind, note=note))
    assert error.fields == fields
    assert snapshot() == before


def test_the_same_date_twice_is_refused(admin):
    sla_admin.add_calendar_day(admin, business().id, day="2026-12-01", kind="off")
    unit_of_work.commit()
    before = snapshot()
    error = refused(lambda: sla_admin.add_calendar_day(admin, business().id, day="2026-12-01", kind="on"))
    assert error.fields == {"day": "duplicate"}
    assert snapshot() == before


def weekdays(text: str, days=range(5)) -> dict[int, str]:
    return {d: text if d in days else "" for d in range(7)}


def test_editing_weekly_windows_changes_the_clock(admin):
    calendar = business()
    sla_admin.update_calendar(admin, calendar.id, CalendarInput(
        name_ko="단축 근무", name_en="Short hours", always_open=False, korean_public_holidays=True,
        weekly=weekdays("10:00~16:00")))
    unit_of_work.commit()
    # Wed 10–16 (6 h), Thu 10–12 → Thu 12:00.
    assert due_after(480) == seoul(2026, 11, 26, 12)
    db.session.expire_all()
    assert business().weekly == {str(d): "10:00-16:00" for d in range(5)}
    assert sla_admin.weekly_texts(business())[5] == ""

    # Saturday mornings too; windows given out of order and overlapping are tidied.
    weekly = weekdays("13:00-18:00, 09:00-12:00")
    weekly[5] = "09:00-11:00, 10:00-12:00"
    sla_admin.update_calendar(admin, calendar.id, CalendarInput("영업일", "Business days", False, True, weekly))
    unit_of_work.commit()
    db.session.expire_all()
    assert business().weekly["0"] == "09:00-12:00, 13:00-18:00" and business().weekly["5"] == "09:00-12:00"
    # Fri 2026-11-27 17:00 + 2 h: Fri 17–18, Sat 09–10.
    assert due_after(120, seoul(2026, 11, 27, 17)) == seoul(2026, 11, 28, 10)


def test_always_open_counts_every_minute(admin):
    sla_admin.update_calendar(admin, business().id, CalendarInput("상시", "Always", True, True, weekdays("")))
    unit_of_work.commit()
    assert due_after(480) == NOW + timedelta(hours=8)


def test_public_holidays_can_be_switched_off(admin):
    # Fri 2027-02-05 17:00 + 2 h: 설날 Mon 2/8 and its substitute Tue 2/9 are off → Wed 2/10 10:00.
    friday = seoul(2027, 2, 5, 17)
    assert due_after(120, friday) == seoul(2027, 2, 10, 10)
    calendar = business()
    sla_admin.update_calendar(admin, calendar.id, CalendarInput(
        calendar.name_ko, calendar.name_en, False, False, sla_admin.weekly_texts(calendar)))
    unit_of_work.commit()
    assert due_after(120, friday) == seoul(2027, 2, 8, 10)


@pytest.mark.parametrize(("weekly", "fields"), [
    ({0: "9시-12시"}, {"weekday_0": "windows"}),
    ({2: "18:00-09:00"}, {"weekday_2": "windows"}),
    ({4: "09:00-25:00"}, {"weekday_4": "windows"}),
    ({6: "09:00"}, {"weekday_6": "windows"}),
    ({}, {"weekly": "no_working_time"}),
])
def test_refused_calendar_changes_nothing(admin, weekly, fields):
    before = snapshot()
    error = refused(lambda: sla_admin.update_calendar(admin, business().id, CalendarInput(
        "바뀐 이름", "Changed", False, True, weekly)))
    assert error.fields == fields
    for key in fields:
        if key.startswith("weekday_"):
            assert error.details[key]  # the parser's own words, shown next to the field
    assert snapshot() == before


def test_refused_calendar_names(admin):
    error = refused(lambda: sla_admin.update_calendar(admin, business().id, CalendarInput(
        " ", "x" * 101, False, True, weekdays("09:00-18:00"))))
    assert error.fields == {"name_ko": "required", "name_en": "too_long"}


def test_upcoming_days_off_show_seollal_and_the_admins_days(admin):
    sla_admin.add_calendar_day(admin, business().id, day="2026-12-31", kind="off", note="종무식")
    sla_admin.add_calendar_day(admin, business().id, day="2027-01-01", kind="on", note="신년 특근")
    unit_of_work.commit()
    db.session.expire_all()
    days = sla_admin.upcoming_days_off(business(), NOW)
    assert [d.day for d in days] == [date(2026, 12, 25), date(2026, 12, 31), date(2027, 2, 6), date(2027, 2, 7),
                                     date(2027, 2, 8), date(2027, 2, 9), date(2027, 3, 1), date(2027, 5, 1),
                                     date(2027, 5, 3), date(2027, 5, 5)]
    by_day = {d.day: d for d in days}
    assert by_day[date(2026, 12, 31)].name == "종무식" and not by_day[date(2026, 12, 31)].public
    assert "설날" in by_day[date(2027, 2, 7)].name and by_day[date(2027, 2, 7)].usually_off
    assert "대체" in by_day[date(2027, 2, 9)].name and not by_day[date(2027, 2, 9)].usually_off
    english = sla_admin.upcoming_days_off(business(), NOW, count=3, locale="en")
    assert english[2].name == "The day preceding Korean New Year"
    always = db.session.scalar(select(WorkCalendar).where(WorkCalendar.slug == "always"))
    assert sla_admin.upcoming_days_off(always, NOW) == []


def test_calendar_preview_and_hours(admin):
    assert sla_admin.calendar_preview(business(), NOW) == seoul(2026, 11, 26, 10)
    assert [sla_admin.hours(m) for m in (60, 480, 90, 100, 1)] == ["1", "8", "1.5", "1.67", "0.02"]


def test_match_policy_follows_the_edited_policies(admin):
    customer = make_user("customer")
    ticket = make_ticket(customer, category="refund", now=NOW)
    assert match_policy(ticket).name == "보통"
    sla_admin.update_policy(admin, policies()[4].id, valid(name="환불 전용", category="refund"))
    sla_admin.move_policy(admin, policies()[4].id, "up")
    unit_of_work.commit()
    db.session.expire_all()
    assert names()[3] == "환불 전용"
    assert match_policy(ticket).name == "환불 전용"


def test_policies_have_english_names_that_follow_a_rename(admin):
    assert [p.display_name("en") for p in policies()] == ["Plus members (24/7)", "Urgent", "High", "Normal", "Low"]
    assert [p.display_name("ko") for p in policies()] == DEFAULT_NAMES
    urgent = policies()[1]
    # Saved without touching the English name: kept.
    sla_admin.update_policy(admin, urgent.id, valid(name="긴급", priority="urgent"))
    assert urgent.name_en == "Urgent"
    # Renamed in Korean only: the old English name would be wrong, so English shows the new name.
    sla_admin.update_policy(admin, urgent.id, valid(name="긴급 (VIP)", priority="urgent"))
    assert urgent.name_en is None and urgent.display_name("en") == "긴급 (VIP)"
    sla_admin.update_policy(admin, urgent.id, valid(name="긴급 (VIP)", name_en=" Urgent (VIP) ", priority="urgent"))
    assert urgent.display_name("en") == "Urgent (VIP)"
    with pytest.raises(ValidationFailed) as exc:
        sla_admin.update_policy(admin, urgent.id, valid(name="긴급", name_en="x" * 101))
    assert exc.value.fields == {"name_en": "too_long"}
