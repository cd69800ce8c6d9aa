"""Business time on a Korean calendar: working windows per weekday, holidays, days off and on.

All arithmetic is exact to the second and done in the calendar's time zone (Asia/
Seoul by default); inputs and outputs are timezone-aware datetimes. Windows are
given in minutes from local midnight, so a window may end at 1440 (midnight).
A 24/7 calendar (Plus members' dedicated desk) counts every minute.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.domain.vocabulary import SEOUL

Window = tuple[int, int]  # (start minute, end minute) of a local day, 0 ≤ start < end ≤ 1440
DAY = 1440
# Searching further than this for working time means the calendar has none.
MAX_SEARCH_DAYS = 3 * 366
ANSWERS_KEPT = 4096           # a calendar remembers this many answers, then starts again


class CalendarError(ValueError):
    """The calendar cannot answer (no working time at all, malformed windows)."""


def parse_windows(text: str) -> tuple[Window, ...]:
    """'09:00-12:00, 13:00-18:00' → ((540, 720), (780, 1080)); '24:00' means midnight."""
    windows = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            start_text, end_text = (p.strip() for p in part.split("-"))
            windows.append((_minutes(start_text), _minutes(end_text)))
        except ValueError:
            raise CalendarError(f"not a time window: {part!r} (use HH:MM-HH:MM)") from None
    return normalise_windows(windows)


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    value = int(hours) * 60 + int(minutes)
    if not 0 <= value <= DAY or not 0 <= int(minutes) < 60:
        raise ValueError(text)
    return value


def format_windows(windows: Iterable[Window]) -> str:
    """The inverse of parse_windows."""
    return ", ".join(f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in windows)


def normalise_windows(windows: Iterable[Window]) -> tuple[Window, ...]:
    """Sorted, non-overlapping windows; refuses empty or inverted ones."""
    result: list[list[int]] = []
    for start, end in sorted(windows):
        if not 0 <= start < end <= DAY:
            raise CalendarError(f"bad window {start}-{end}")
        if result and start <= result[-1][1]:
            result[-1][1] = max(result[-1][1], end)
        else:
            result.append([start, end])
    return tuple((s, e) for s, e in result)


@dataclass(frozen=True)
class BusinessCalendar:
    """When the desk works.

    ``weekly`` maps weekday (0 = Monday) to that day's windows; a weekday missing is a
    day off. ``holidays`` are days off (public holidays and admin-added ones);
    ``days_on`` are extra working days (e.g. a Saturday before a long holiday) that
    use ``days_on_windows``. A date in both is a working day: the admin's explicit
    "on" wins over a holiday.
    """

    weekly: Mapping[int, tuple[Window, ...]]
    holidays: frozenset[date] = frozenset()
    days_on: frozenset[date] = frozenset()
    days_on_windows: tuple[Window, ...] = ((540, 1080),)
    tz: ZoneInfo = SEOUL
    name: str = "business"

    def __post_init__(self):
        weekly = {int(day): normalise_windows(w) for day, w in self.weekly.items() if w}
        object.__setattr__(self, "weekly", weekly)
        object.__setattr__(self, "days_on_windows", normalise_windows(self.days_on_windows))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "days_on", frozenset(self.days_on))
        # Answers already worked out: a batch of clock work (the SLA sweep) asks one calendar
        # the same spans again and again while a ticket escalates. Bounded, as instances may live long.
        object.__setattr__(self, "_answers", {})

    def _remembered(self, key: tuple, work):
        answers = self._answers
        if key not in answers:
            if len(answers) >= ANSWERS_KEPT:
                answers.clear()
            answers[key] = work()
        return answers[key]

    # ------------------------------------------------------------- days

    def windows_on(self, day: date) -> tuple[Window, ...]:
        """The working windows of a local date (empty on a day off)."""
        if day in self.days_on:
            return self.days_on_windows
        if day in self.holidays:
            return ()
        return self.weekly.get(day.weekday(), ())

    def _intervals_from(self, local_day: date) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals as aware local datetimes, day by day from ``local_day``."""
        for offset in range(MAX_SEARCH_DAYS):
            day = local_day + timedelta(days=offset)
            midnight = datetime.combine(day, time(0), tzinfo=self.tz)
            for start, end in self.windows_on(day):
                yield midnight + timedelta(minutes=start), midnight + timedelta(minutes=end)
        raise CalendarError(f"calendar {self.name!r} has no working time within {MAX_SEARCH_DAYS} days")

    def _intervals_back_from(self, local_day: date) -> Iterator[tuple[datetime, datetime]]:
        """The same intervals, latest first, day by day back from ``local_day``."""
        for offset in range(MAX_SEARCH_DAYS):
            day = local_day - timedelta(days=offset)
            midnight = datetime.combine(day, time(0), tzinfo=self.tz)
            for start, end in reversed(self.windows_on(day)):
                yield midnight + timedelta(minutes=start), midnight + timedelta(minutes=end)
        raise CalendarError(f"calendar {self.name!r} has no working time within {MAX_SEARCH_DAYS} days")

    # ------------------------------------------------------------- arithmetic

    def add_business_time(self, start: datetime, minutes: float) -> datetime:
        """The instant ``minutes`` of working time after ``start`` (UTC out).

        A start outside working hours counts from the next window's opening; a
        result that lands exactly on a window's end stays there (18:00, not the
        next morning).
        """
        _require_aware(start)
        return self._remembered(("add", start, minutes), lambda: self._add_business_time(start, minutes))

    def _add_business_time(self, start: datetime, minutes: float) -> datetime:
        if minutes < 0:
            raise ValueError("minutes must not be negative")
        remaining = timedelta(minutes=minutes)
        cursor = start.astimezone(self.tz)
        if remaining == timedelta(0):
            return start.astimezone(ZoneInfo("UTC"))
        # Start from the previous day: a window ending at midnight belongs to it.
        for window_start, window_end in self._intervals_from(cursor.date() - timedelta(days=1)):
            if window_end <= cursor:
                continue
            begin = max(window_start, cursor)
            available = window_end - begin
            if remaining <= available:
                return (begin + remaining).astimezone(ZoneInfo("UTC"))
            remaining -= available
        raise CalendarError("unreachable")  # pragma: no cover - _intervals_from raises first

    def subtract_business_time(self, end: datetime, minutes: float) -> datetime:
        """The latest instant with ``minutes`` of working time between it and ``end`` (UTC out).

        The inverse of ``add_business_time``, for dating things backwards ("a ticket
        that has used 80 % of its target by now"): an end outside working hours counts
        back from the previous window's close; a result that lands exactly on a window's
        start stays there (09:00, not the evening before).
        """
        _require_aware(end)
        if minutes < 0:
            raise ValueError("minutes must not be negative")
        remaining = timedelta(minutes=minutes)
        cursor = end.astimezone(self.tz)
        if remaining == timedelta(0):
            return end.astimezone(ZoneInfo("UTC"))
        # Start from the next day: a window of that day starting before ``end`` cannot exist,
        # but one of today's may end after it.
        for window_start, window_end in self._intervals_back_from(cursor.date() + timedelta(days=1)):
            if window_start >= cursor:
                continue
            finish = min(window_end, cursor)
            available = finish - window_start
            if remaining <= available:
                return (finish - remaining).astimezone(ZoneInfo("UTC"))
            remaining -= available
        raise CalendarError("unreachable")  # pragma: no cover - _intervals_back_from raises first

    def business_seconds_between(self, a: datetime, b: datetime) -> float:
        """Working seconds in [a, b); 0 when b ≤ a."""
        _require_aware(a)
        _require_aware(b)
        if b <= a:
            return 0.0
        return self._remembered(("between", a, b), lambda: self._business_seconds_between(a, b))

    def _business_seconds_between(self, a: datetime, b: datetime) -> float:
        a_local, b_local = a.astimezone(self.tz), b.astimezone(self.tz)
        total = timedelta(0)
        for window_start, window_end in self._intervals_from(a_local.date() - timedelta(days=1)):
            if window_start >= b_local:
                break
            overlap = min(window_end, b_local) - max(window_start, a_local)
            if overlap > timedelta(0):
                total += overlap
        return total.total_seconds()

    def business_minutes_between(self, a: datetime, b: datetime) -> float:
        """Working minutes in [a, b) (fractional when the ends are not on whole minutes)."""
        return self.business_seconds_between(a, b) / 60

    def next_working_moment(self, at: datetime) -> datetime:
        """``at`` if the desk is working then, else the next opening (UTC out)."""
        _require_aware(at)
        local = at.astimezone(self.tz)
        for window_start, window_end in self._intervals_from(local.date() - timedelta(days=1)):
            if window_end > local:
                return max(window_start, local).astimezone(ZoneInfo("UTC"))
        raise CalendarError("unreachable")  # pragma: no cover


def _require_aware(value: datetime) -> None:
    if value.tzinfo is None:
        raise ValueError("naive datetime: business time needs timezone-aware datetimes")


def weekday_windows(text: str, days: Iterable[int] = range(5)) -> dict[int, tuple[Window, ...]]:
    """The same windows on each of ``days`` (Monday–Friday by default)."""
    windows = parse_windows(text)
    return {day: windows for day in days}


def korean_public_holidays(years: Iterable[int]) -> frozenset[date]:
    """Korean public holidays (설날, 추석, 대체공휴일, election days …) from the `holidays` package."""
    import holidays as holiday_data

    return frozenset(holiday_data.country_holidays("KR", years=list(years)).keys())


def standard_calendar(years: Iterable[int], *, extra_holidays: Iterable[date] = (),
                      days_on: Iterable[date] = (), hours: str = "09:00-12:00, 13:00-18:00",
                      name: str = "business") -> BusinessCalendar:
    """Monday–Friday office hours with a lunch break, Korean public holidays off."""
    return BusinessCalendar(weekly=weekday_windows(hours),
                            holidays=korean_public_holidays(years) | frozenset(extra_holidays),
                            days_on=frozenset(days_on), days_on_windows=parse_windows(hours), name=name)


def always_open_calendar(name: str = "24/7") -> BusinessCalendar:
    """Every minute of every day: the Plus members' dedicated desk."""
    return BusinessCalendar(weekly={day: ((0, DAY),) for day in range(7)}, name=name)
