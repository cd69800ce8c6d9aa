"""Admin use cases for SLA: the ordered policies (first match wins) and the business calendars.

Every change is validated completely before anything is touched: a refused form
raises ``ValidationFailed`` (a DomainError with ``fields`` mapping each field to a
short problem code) and leaves the database as it was. Positions are always a
clean 0…n-1 order, inactive policies included.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import select

from app.domain import access
from app.domain.calendar import CalendarError, format_windows, parse_windows
from app.domain.errors import DomainError, Forbidden, NotFound
from app.domain.vocabulary import Membership, Priority
from app.extensions import db
from app.models import CalendarDay, Category, SlaPolicy, SupportQueue, User, WorkCalendar
from app.services.sla.clock import calendar_for

MEMBERSHIPS = tuple(m.value for m in Membership)
PRIORITIES = tuple(p.value for p in Priority)
DAY_KINDS = ("off", "on")
WEEKDAYS = tuple(range(7))
TARGET_FIELDS = ("first_response_minutes", "next_reply_minutes", "resolution_minutes")
# A target beyond this could not be reached within the calendar's search horizon
# (about 200 business days of 8 hours); nobody promises answers that far out.
MAX_TARGET_MINUTES = 100_000
NAME_MAX = 100
NOTE_MAX = 100
PREVIEW_MINUTES = 8 * 60
_DIGITS = re.compile(r"[0-9]+")
# "09:00~18:00" and "09:00–18:00" are what people type and what the default names show.
_DASHES = str.maketrans({"~": "-", "–": "-", "—": "-", "〜": "-", "～": "-"})


class ValidationFailed(DomainError):
    """A refused form: ``fields`` maps a field to a problem code, ``details`` adds the
    parser's own words where it has some (malformed working windows)."""

    def __init__(self, fields: dict[str, str], details: dict[str, str] | None = None):
        super().__init__("validation_failed", "입력값을 확인해 주세요.", "Please check the fields.",
                         status=422, fields=fields)
        self.details = details or {}


def _require_admin(actor: User) -> None:
    if not access.can_administer(actor.actor()):
        raise Forbidden()


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _whole_number(value) -> int:
    """An int from an int or a string of ASCII digits; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not _DIGITS.fullmatch(text):
        raise ValueError(value)
    return int(text)


def _choice(value) -> str | None:
    return None if _blank(value) else str(value).strip()


# ----------------------------------------------------------------- policies

@dataclass(frozen=True)
class PolicyInput:
    """What the policy form sends. Conditions left empty match anything; an empty target
    means no target. Category by code, queues by slug, calendar by slug."""

    name: str = ""
    # None leaves the English name as it is (cleared when the Korean name changes); "" clears it.
    name_en: str | None = None
    active: bool = True
    membership: str | None = None
    priority: str | None = None
    category: str | None = None
    queue: str | None = None
    first_response_minutes: int | str | None = None
    next_reply_minutes: int | str | None = None
    resolution_minutes: int | str | None = None
    warn_percent: int | str | None = 75
    calendar: str | None = "business"
    escalate_priority: str | None = None
    escalate_queue: str | None = None


def _queue(slug: str | None) -> SupportQueue | None:
    return db.session.scalar(select(SupportQueue).where(SupportQueue.slug == slug)) if slug else None


def _policy_values(data: PolicyInput) -> dict:
    """The column values of a valid form, or ValidationFailed naming every bad field."""
    fields: dict[str, str] = {}
    values: dict = {"active": bool(data.active)}

    name = (data.name or "").strip()
    if not name:
        fields["name"] = "required"
    elif len(name) > NAME_MAX:
        fields["name"] = "too_long"
    values["name"] = name
    if data.name_en is not None:
        name_en = data.name_en.strip()
        if len(name_en) > NAME_MAX:
            fields["name_en"] = "too_long"
        values["name_en"] = name_en or None

    membership = _choice(data.membership)
    if membership is not None and membership not in MEMBERSHIPS:
        fields["membership"] = "unknown"
    values["membership"] = membership

    for key in ("priority", "escalate_priority"):
        priority = _choice(getattr(data, key))
        if priority is not None and priority not in PRIORITIES:
            fields[key] = "unknown"
        values[key] = priority

    code = _choice(data.category)
    category = db.session.scalar(select(Category).where(Category.code == code)) if code else None
    if code and category is None:
        fields["category"] = "unknown"
    values["category"] = category

    for key in ("queue", "escalate_queue"):
        slug = _choice(getattr(data, key))
        queue = _queue(slug)
        if slug and queue is None:
            fields[key] = "unknown"
        values[key] = queue

    slug = _choice(data.calendar)
    calendar = db.session.scalar(select(WorkCalendar).where(WorkCalendar.slug == slug)) if slug else None
    if slug is None:
        fields["calendar"] = "required"
    elif calendar is None:
        fields["calendar"] = "unknown"
    values["calendar"] = calendar

    for key in TARGET_FIELDS:
        raw = getattr(data, key)
        if _blank(raw):
            values[key] = None
            continue
        try:
            minutes = _whole_number(raw)
        except ValueError:
            minutes = 0
        if not 1 <= minutes <= MAX_TARGET_MINUTES:
            fields[key] = "whole_minutes"
        values[key] = minutes

    try:
        percent = _whole_number(data.warn_percent)
    except ValueError:
        percent = 0
    if not 1 <= percent <= 99:
        fields["warn_percent"] = "percent"
    values["warn_percent"] = percent

    if fields:
        raise ValidationFailed(fields)
    return values


def _apply(policy: SlaPolicy, values: dict) -> None:
    for key, value in values.items():
        setattr(policy, key, value)


def _ordered() -> list[SlaPolicy]:
    return list(db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.position, SlaPolicy.id)))


def _renumber(policies: list[SlaPolicy]) -> None:
    for index, policy in enumerate(policies):
        if policy.position != index:
            policy.position = index


def list_policies(actor: User) -> list[SlaPolicy]:
    """Every policy, active or not, in the order they are tried."""
    _require_admin(actor)
    return _ordered()


def get_policy(actor: User, policy_id: int) -> SlaPolicy:
    _require_admin(actor)
    policy = db.session.get(SlaPolicy, policy_id)
    if policy is None:
        raise NotFound("sla_policy")
    return policy


def create_policy(actor: User, data: PolicyInput, *, position: int | str | None = None) -> SlaPolicy:
    """A new policy at ``position`` (1 = tried first; empty = last)."""
    _require_admin(actor)
    policies = _ordered()
    problems: dict[str, str] = {}
    try:
        values = _policy_values(data)
    except ValidationFailed as exc:
        problems, values = dict(exc.fields), {}
    if _blank(position):
        index = len(policies)
    else:
        try:
            index = _whole_number(position) - 1
        except ValueError:
            index = -1
        if not 0 <= index <= len(policies):
            problems["position"] = "unknown"
    if problems:
        raise ValidationFailed(problems)
    policy = SlaPolicy()
    _apply(policy, values)
    db.session.add(policy)
    policies.insert(index, policy)
    _renumber(policies)
    db.session.flush()
    return policy


def update_policy(actor: User, policy_id: int, data: PolicyInput) -> SlaPolicy:
    policy = get_policy(actor, policy_id)
    values = _policy_values(data)
    if "name_en" not in values and values["name"] != policy.name:
        # A renamed policy must not keep showing its old name in English.
        values["name_en"] = None
    _apply(policy, values)
    db.session.flush()
    return policy


def move_policy(actor: User, policy_id: int, direction: str) -> SlaPolicy:
    """One place earlier ('up') or later ('down'); at either end nothing moves."""
    policy = get_policy(actor, policy_id)
    if direction not in ("up", "down"):
        raise ValidationFailed({"direction": "unknown"})
    policies = _ordered()
    index = policies.index(policy)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(policies):
        policies[index], policies[other] = policies[other], policies[index]
    _renumber(policies)
    db.session.flush()
    return policy


def set_policy_active(actor: User, policy_id: int, active: bool) -> SlaPolicy:
    """Switch a policy off (new tickets skip it; tickets it already governs keep it) or on."""
    policy = get_policy(actor, policy_id)
    policy.active = bool(active)
    db.session.flush()
    return policy


# ----------------------------------------------------------------- calendars

@dataclass(frozen=True)
class CalendarInput:
    """What the calendar form sends; ``weekly`` maps weekday (0 = Monday) to its windows
    text, e.g. '09:00-12:00, 13:00-18:00' ('' = day off)."""

    name_ko: str = ""
    name_en: str = ""
    always_open: bool = False
    korean_public_holidays: bool = True
    weekly: Mapping[int, str] = field(default_factory=dict)


def list_calendars(actor: User) -> list[WorkCalendar]:
    _require_admin(actor)
    return list(db.session.scalars(select(WorkCalendar).order_by(WorkCalendar.id)))


def get_calendar(actor: User, calendar_id: int) -> WorkCalendar:
    _require_admin(actor)
    calendar = db.session.get(WorkCalendar, calendar_id)
    if calendar is None:
        raise NotFound("calendar")
    return calendar


def weekly_texts(calendar: WorkCalendar) -> dict[int, str]:
    """Weekday → its windows as text ('' on a day off)."""
    stored = calendar.weekly or {}
    return {day: stored.get(str(day), "") or "" for day in WEEKDAYS}


def update_calendar(actor: User, calendar_id: int, data: CalendarInput) -> WorkCalendar:
    """Names, 24/7, Korean public holidays on/off and the weekly working windows."""
    calendar = get_calendar(actor, calendar_id)
    fields: dict[str, str] = {}
    details: dict[str, str] = {}
    names = {}
    for key in ("name_ko", "name_en"):
        names[key] = (getattr(data, key) or "").strip()
        if not names[key]:
            fields[key] = "required"
        elif len(names[key]) > NAME_MAX:
            fields[key] = "too_long"
    weekly: dict[str, str] = {}
    for day in WEEKDAYS:
        text = (data.weekly.get(day) or "").translate(_DASHES)
        try:
            windows = parse_windows(text)
        except CalendarError as exc:
            fields[f"weekday_{day}"] = "windows"
            details[f"weekday_{day}"] = str(exc)
            continue
        if windows:
            weekly[str(day)] = format_windows(windows)
    if not data.always_open and not weekly and not any(k.startswith("weekday_") for k in fields):
        fields["weekly"] = "no_working_time"
    if fields:
        raise ValidationFailed(fields, details)
    calendar.name_ko = names["name_ko"]
    calendar.name_en = names["name_en"]
    calendar.always_open = bool(data.always_open)
    calendar.korean_public_holidays = bool(data.korean_public_holidays)
    calendar.weekly = weekly
    db.session.flush()
    return calendar


def add_calendar_day(actor: User, calendar_id: int, *, day: date | str | None, kind: str,
                     note: str = "") -> CalendarDay:
    """A company day off ('off') or an extra working day ('on', e.g. a Saturday)."""
    calendar = get_calendar(actor, calendar_id)
    fields: dict[str, str] = {}
    when: date | None = None
    if isinstance(day, datetime):
        fields["day"] = "invalid_date"
    elif isinstance(day, date):
        when = day
    elif _blank(day):
        fields["day"] = "required"
    else:
        try:
            when = date.fromisoformat(str(day).strip())
        except ValueError:
            fields["day"] = "invalid_date"
    if when is not None and any(d.day == when for d in calendar.days):
        fields["day"] = "duplicate"
    if kind not in DAY_KINDS:
        fields["kind"] = "unknown"
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        fields["note"] = "too_long"
    if fields:
        raise ValidationFailed(fields)
    row = CalendarDay(day=when, kind=kind, note=note)
    calendar.days.append(row)
    db.session.flush()
    return row


def delete_calendar_day(actor: User, calendar_id: int, day_id: int) -> None:
    calendar = get_calendar(actor, calendar_id)
    row = next((d for d in calendar.days if d.id == day_id), None)
    if row is None:
        raise NotFound("calendar_day")
    calendar.days.remove(row)
    db.session.flush()


# ----------------------------------------------------------------- previews

def hours(minutes: int) -> str:
    """Business minutes as hours for people: 480 → '8', 90 → '1.5', 100 → '1.67'."""
    return f"{round(minutes / 60, 2):g}"


@dataclass(frozen=True)
class PolicyPreview:
    """When a ticket filed at ``now`` would be due under the policy (None: no target)."""

    first_response: datetime | None
    next_reply: datetime | None
    resolution: datetime | None
    problem: str | None = None


def policy_preview(policy: SlaPolicy, now: datetime) -> PolicyPreview:
    try:
        calendar = calendar_for(policy.calendar, now)
        due = [None if m is None else calendar.add_business_time(now, m)
               for m in (policy.first_response_minutes, policy.next_reply_minutes, policy.resolution_minutes)]
    except CalendarError as exc:
        return PolicyPreview(None, None, None, str(exc))
    return PolicyPreview(*due)


def calendar_preview(calendar: WorkCalendar, now: datetime, minutes: int = PREVIEW_MINUTES) -> datetime | None:
    """now + ``minutes`` of the calendar's working time (None if it has none)."""
    try:
        return calendar_for(calendar, now).add_business_time(now, minutes)
    except CalendarError:
        return None


@dataclass(frozen=True)
class DayOff:
    day: date
    public: bool            # a Korean public holiday (else the admin's day off)
    name: str               # the holiday's name and/or the admin's note
    usually_off: bool       # the weekly schedule has no working time that weekday anyway


@lru_cache(maxsize=16)
def _holiday_names(first_year: int, last_year: int, language: str) -> dict[date, str]:
    import holidays as holiday_data

    return dict(holiday_data.country_holidays("KR", years=range(first_year, last_year + 1),
                                              language=language))


def upcoming_days_off(calendar: WorkCalendar, now: datetime, *, count: int = 10,
                      locale: str = "ko") -> list[DayOff]:
    """The next ``count`` days off from today: public holidays (설날, 추석, 대체공휴일 …) and
    the admin's days off, minus days turned on — as the calendar's clock sees them."""
    if calendar.always_open:
        return []
    try:
        business = calendar_for(calendar, now)
    except CalendarError:
        return []
    today = now.astimezone(business.tz).date()
    days = sorted(d for d in business.holidays if d >= today and d not in business.days_on)[:count]
    names = _holiday_names(now.year - 1, now.year + 2, "en_US" if locale.startswith("en") else "ko") \
        if calendar.korean_public_holidays else {}
    notes = {d.day: d.note for d in calendar.days if d.kind == "off"}
    result = []
    for day in days:
        label = " · ".join(part for part in (names.get(day), notes.get(day)) if part)
        result.append(DayOff(day=day, public=day in names, name=label,
                             usually_off=not business.weekly.get(day.weekday())))
    return result
