"""관리 › SLA through the pages: the policies with their previews, forms that change which
policy a new ticket gets, refused forms (422, errors next to the fields, nothing changed),
calendars and their days off — and nobody but an admin may use any of it."""
from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import CalendarDay, SlaPolicy, Ticket, WorkCalendar
from app.web.admin import sla_routes
from tests.factories import login, make_ticket, make_user, sign_in

SEOUL = ZoneInfo("Asia/Seoul")

# Wednesday 2026-11-25 10:00 in Seoul.
NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
DEFAULT_NAMES = ["위메프플러스 전용 (24시간)", "긴급", "높음", "보통", "낮음"]


@pytest.fixture()
def fixed_now(monkeypatch):
    monkeypatch.setattr(sla_routes, "utcnow", lambda: NOW)
    return NOW


@pytest.fixture()
def admin_browser(app, make_client, fixed_now):
    browser = make_client()
    login(browser, make_user("admin", name="관리자"))
    return browser


def text(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", fragment))).strip()


def cell(page: str, attribute: str, value) -> str:
    """The text of the element carrying ``attribute="value"``."""
    match = re.search(rf'<(\w+)[^>]*\b{attribute}="{re.escape(str(value))}"[^>]*>(.*?)</\1>', page, re.S)
    assert match, f"no {attribute}={value}"
    return text(match.group(2))


def field_error(page: str, field: str) -> str:
    """The error shown right after the input/select named ``field``."""
    match = re.search(rf'name="{field}"[^>]*>(?:.*?</select>)?\s*<p class="error" role="alert">([^<]*)</p>',
                      page, re.S)
    assert match, f"no error next to {field}"
    return html.unescape(match.group(1))


def policies() -> list[SlaPolicy]:
    db.session.expire_all()
    return list(db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.position, SlaPolicy.id)))


def policy(name: str) -> SlaPolicy:
    return next(p for p in policies() if p.name == name)


def business() -> WorkCalendar:
    db.session.expire_all()
    return db.session.scalar(select(WorkCalendar).where(WorkCalendar.slug == "business"))


def snapshot() -> dict:
    db.session.expire_all()

    def rows(model):
        columns = model.__table__.columns.keys()
        return sorted(tuple(getattr(r, c) for c in columns) for r in db.session.scalars(select(model)))

    return {m.__name__: rows(m) for m in (SlaPolicy, WorkCalendar, CalendarDay)}


def policy_form(**changes) -> dict:
    data = {"name": "배송 문의 빠른 응답", "active": "y", "position": "1", "membership": "", "priority": "",
            "category": "delivery", "queue": "", "first_response_minutes": "30", "next_reply_minutes": "60",
            "resolution_minutes": "240", "warn_percent": "80", "calendar": "business", "escalate_priority": "",
            "escalate_queue": ""}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# ------------------------------------------------------------------ the overview

def test_admin_sees_policies_targets_and_previews(admin_browser):
    response = admin_browser.get("/admin/sla")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    rows = re.findall(r'<tr class="sla-policy[^"]*" id="policy-(\d+)"', page)
    assert [p.id for p in policies()] == [int(r) for r in rows]
    for name in DEFAULT_NAMES:
        assert html.escape(name) in page or name in page
    urgent, plus = policy("긴급"), policy("위메프플러스 전용 (24시간)")
    # Wed 10:00 + 60 business minutes, + 480 (Wed 10–12, 13–18, Thu 09–10).
    assert cell(page, "data-preview", urgent.id) == \
        "지금 접수되면 첫 응답 기한 2026-11-25 11:00 (수요일), 해결 기한 2026-11-26 10:00 (목요일)"
    # 24/7: every minute counts.
    assert cell(page, "data-preview", plus.id) == \
        "지금 접수되면 첫 응답 기한 2026-11-25 11:00 (수요일), 해결 기한 2026-11-26 10:00 (목요일)"
    assert cell(page, "data-preview", policy("낮음").id) == \
        "지금 접수되면 첫 응답 기한 2026-11-27 10:00 (금요일), 해결 기한 2026-12-09 10:00 (수요일)"
    row = page[page.index(f'id="policy-{policy("보통").id}"'):]
    row = row[:row.index("</tr>")]
    assert "480분 (8시간)" in text(row) and "2400분 (40시간)" in text(row) and "목표의 75%" in text(row)
    assert "우선순위 → 높음" in text(row)
    assert "지금 + 8 영업시간 = 2026-11-26 10:00 (목요일)" in text(page)
    assert 'style=' not in page and "<script" not in page
    assert "/admin/sla" in admin_browser.get("/admin/").get_data(as_text=True)


def test_a_day_off_shows_in_the_previews(admin_browser):
    calendar = business()
    response = admin_browser.post_form(f"/admin/sla/calendars/{calendar.id}/days",
                                       {"day": "2026-11-26", "kind": "off", "note": "창립기념일"})
    assert response.status_code == 302
    page = admin_browser.get("/admin/sla").get_data(as_text=True)
    assert cell(page, "data-preview", policy("긴급").id) == \
        "지금 접수되면 첫 응답 기한 2026-11-25 11:00 (수요일), 해결 기한 2026-11-27 10:00 (금요일)"


# ------------------------------------------------------------------ who may

def _sla_rules(web_app):
    return [r for r in web_app.url_map.iter_rules() if r.rule.startswith("/admin/sla")]


def _url(rule, ids) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(ids[m.group(1)]), rule.rule)


def _post_data(rule) -> dict:
    return {
        "admin.sla_new_policy": policy_form(),
        "admin.sla_edit_policy": policy_form(name="바뀐 이름"),
        "admin.sla_move_policy": {"direction": "down"},
        "admin.sla_edit_calendar": {"name_ko": "바뀐 이름", "name_en": "Changed", "weekday_0": "10:00-11:00"},
        "admin.sla_add_calendar_day": {"day": "2026-12-01", "kind": "off", "note": "x"},
    }.get(rule.endpoint, {})


@pytest.mark.parametrize("role", ["agent", "lead", "customer", "seller"])
def test_only_admins_may_use_any_sla_page(app, web_app, make_client, role):
    calendar = business()
    day = CalendarDay(calendar_id=calendar.id, day=datetime(2026, 12, 24).date(), kind="off", note="")
    db.session.add(day)
    db.session.commit()
    ids = {"policy_id": policies()[1].id, "calendar_id": calendar.id, "day_id": day.id}
    rules = _sla_rules(web_app)
    assert {r.endpoint for r in rules} >= {
        "admin.sla", "admin.sla_new_policy", "admin.sla_edit_policy", "admin.sla_move_policy",
        "admin.sla_deactivate_policy", "admin.sla_activate_policy", "admin.sla_edit_calendar",
        "admin.sla_add_calendar_day", "admin.sla_delete_calendar_day"}
    before = snapshot()
    browser = make_client()
    login(browser, make_user(role, queues=["orders"] if role in ("agent", "lead") else ()))
    for rule in rules:
        url = _url(rule, ids)
        if "GET" in rule.methods:
            assert browser.get(url).status_code == 403, url
        if "POST" in rule.methods:
            assert browser.post_form(url, _post_data(rule)).status_code == 403, url
    assert snapshot() == before

    anonymous = make_client()
    for rule in rules:
        if "GET" in rule.methods:
            response = anonymous.get(_url(rule, ids))
            assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert snapshot() == before


def test_unknown_ids_are_not_found(admin_browser):
    assert admin_browser.get("/admin/sla/policies/9999").status_code == 404
    assert admin_browser.get("/admin/sla/calendars/9999").status_code == 404
    assert admin_browser.post_form("/admin/sla/policies/9999/move", {"direction": "up"}).status_code == 404
    assert admin_browser.post_form(f"/admin/sla/calendars/{business().id}/days/9999/delete").status_code == 404


# ------------------------------------------------------------------ policies through the forms

def test_created_and_edited_policy_decides_what_new_tickets_get(app, admin_browser):
    customer = make_user("customer")
    assert make_ticket(customer, category="delivery").sla_policy.name == "보통"

    page = admin_browser.get("/admin/sla/policies/new").get_data(as_text=True)
    assert 'name="position"' in page and "맨 끝" in page
    response = admin_browser.post_form("/admin/sla/policies/new", policy_form())
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/sla")
    assert [p.name for p in policies()] == ["배송 문의 빠른 응답", *DEFAULT_NAMES]
    assert [p.position for p in policies()] == list(range(6))
    created = policy("배송 문의 빠른 응답")
    assert (created.first_response_minutes, created.next_reply_minutes, created.resolution_minutes,
            created.warn_percent) == (30, 60, 240, 80)
    assert "SLA 정책 '배송 문의 빠른 응답'을(를) 만들었습니다." in text(admin_browser.get("/admin/sla").get_data(
        as_text=True))

    db.session.expire_all()
    assert make_ticket(customer, category="delivery").sla_policy.name == "배송 문의 빠른 응답"
    assert make_ticket(customer, category="refund").sla_policy.name == "보통"

    # The edit form shows the saved values; change it to refunds only, no resolution target.
    page = admin_browser.get(f"/admin/sla/policies/{created.id}").get_data(as_text=True)
    assert 'value="배송 문의 빠른 응답"' in page and '<option selected value="delivery">' in page
    assert admin_browser.post_form(f"/admin/sla/policies/{created.id}", policy_form(
        name="환불 빠른 응답", category="refund", resolution_minutes="", position=None)).status_code == 302
    edited = policy("환불 빠른 응답")
    assert edited.resolution_minutes is None and edited.position == 0
    db.session.expire_all()
    assert make_ticket(customer, category="delivery").sla_policy.name == "보통"
    assert make_ticket(customer, category="refund").sla_policy.name == "환불 빠른 응답"

    # Moved below "보통" it no longer wins; deactivated, it is skipped wherever it stands.
    for _ in range(4):
        assert admin_browser.post_form(f"/admin/sla/policies/{created.id}/move",
                                       {"direction": "down"}).status_code == 302
    assert [p.name for p in policies()] == [*DEFAULT_NAMES[:4], "환불 빠른 응답", "낮음"]
    assert [p.position for p in policies()] == list(range(6))
    db.session.expire_all()
    assert make_ticket(customer, category="refund").sla_policy.name == "보통"
    for _ in range(4):
        admin_browser.post_form(f"/admin/sla/policies/{created.id}/move", {"direction": "up"})
    db.session.expire_all()
    assert make_ticket(customer, category="refund").sla_policy.name == "환불 빠른 응답"
    assert admin_browser.post_form(f"/admin/sla/policies/{created.id}/deactivate").status_code == 302
    assert policy("환불 빠른 응답").active is False
    db.session.expire_all()
    assert make_ticket(customer, category="refund").sla_policy.name == "보통"
    page = admin_browser.get("/admin/sla").get_data(as_text=True)
    assert f'class="sla-policy inactive" id="policy-{created.id}"' in page and "사용 안 함" in page
    assert admin_browser.post_form(f"/admin/sla/policies/{created.id}/activate").status_code == 302
    assert policy("환불 빠른 응답").active is True


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"first_response_minutes": "1.5"}, "first_response_minutes",
     "1 이상 100000 이하의 정수(분)로 입력하거나, 목표가 없으면 비워 두세요."),
    ({"resolution_minutes": "0"}, "resolution_minutes",
     "1 이상 100000 이하의 정수(분)로 입력하거나, 목표가 없으면 비워 두세요."),
    ({"warn_percent": "100"}, "warn_percent", "1에서 99 사이의 정수로 입력해 주세요."),
    ({"name": "  "}, "name", "필수 항목입니다."),
    ({"calendar": "nope"}, "calendar", "목록에 있는 값을 선택해 주세요."),
    ({"queue": "nope"}, "queue", "목록에 있는 값을 선택해 주세요."),
    ({"category": "nope"}, "category", "목록에 있는 값을 선택해 주세요."),
    ({"priority": "asap"}, "priority", "목록에 있는 값을 선택해 주세요."),
    ({"position": "99"}, "position", "목록에 있는 값을 선택해 주세요."),
])
def test_refused_policy_form_is_422_with_the_error_next_to_the_field(admin_browser, changes, field, message):
    before = snapshot()
    response = admin_browser.post_form("/admin/sla/policies/new", policy_form(**changes))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, field) == message
    assert "입력값을 확인해 주세요." in page
    # What was typed is still there.
    typed = changes.get("first_response_minutes") or changes.get("warn_percent")
    if typed:
        assert f'value="{typed}"' in page
    assert snapshot() == before

    if field == "position":
        return
    target = policy("보통")
    response = admin_browser.post_form(f"/admin/sla/policies/{target.id}", policy_form(**changes))
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), field) == message
    assert snapshot() == before


# ------------------------------------------------------------------ calendars through the forms

def test_calendar_page_lists_days_off_with_seollal_and_a_preview(admin_browser):
    calendar = business()
    page = admin_browser.get(f"/admin/sla/calendars/{calendar.id}").get_data(as_text=True)
    assert "지금 + 8 영업시간 = 2026-11-26 10:00 (목요일)" in text(page)
    assert 'value="09:00-12:00, 13:00-18:00"' in page
    upcoming = re.findall(r'<li data-day="([0-9-]+)">', page)
    assert upcoming[:6] == ["2026-12-25", "2027-01-01", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09"]
    assert len(upcoming) == 10
    assert "설날" in cell(page, "data-day", "2027-02-07") and "대체" in cell(page, "data-day", "2027-02-09")


def test_adding_a_day_off_through_the_form_lists_it(admin_browser):
    calendar = business()
    response = admin_browser.post_form(f"/admin/sla/calendars/{calendar.id}/days",
                                       {"day": "2026-11-26", "kind": "off", "note": "창립기념일"})
    assert response.status_code == 302
    page = admin_browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "2026-11-26을(를) 추가했습니다." in page
    row = re.search(r'<tr class="calendar-day" data-day="2026-11-26" data-kind="off">(.*?)</tr>', page, re.S)
    assert row and "창립기념일" in text(row.group(1)) and "휴무" in text(row.group(1))
    assert re.findall(r'<li data-day="([0-9-]+)">', page)[0] == "2026-11-26"
    assert "회사 휴무" in cell(page, "data-day", "2026-11-26")
    # Wed 10:00 + 8 business hours skips Thursday now.
    assert "지금 + 8 영업시간 = 2026-11-27 10:00 (금요일)" in text(page)

    response = admin_browser.post_form(f"/admin/sla/calendars/{calendar.id}/days",
                                       {"day": "2026-11-26", "kind": "on", "note": ""})
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "day") == \
        "이미 등록된 날짜입니다. 먼저 삭제한 뒤 다시 추가해 주세요."
    response = admin_browser.post_form(f"/admin/sla/calendars/{calendar.id}/days", {"day": "26/11", "kind": "off"})
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "day") == "날짜를 YYYY-MM-DD 형식으로 입력해 주세요."

    day = business().days[0]
    response = admin_browser.post_form(f"/admin/sla/calendars/{calendar.id}/days/{day.id}/delete")
    assert response.status_code == 302
    assert business().days == []
    page = admin_browser.get(f"/admin/sla/calendars/{calendar.id}").get_data(as_text=True)
    assert 'data-day="2026-11-26"' not in page and "등록한 날짜가 없습니다." in page


def calendar_form(calendar, **changes) -> dict:
    data = {"name_ko": calendar.name_ko, "name_en": calendar.name_en, "korean_public_holidays": "y",
            **{f"weekday_{d}": "09:00-12:00, 13:00-18:00" if d < 5 else "" for d in range(7)}}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_editing_the_weekly_windows_changes_the_clock(admin_browser):
    calendar = business()
    response = admin_browser.post_form(f"/admin/sla/calendars/{calendar.id}", calendar_form(
        calendar, name_ko="단축 근무", **{f"weekday_{d}": "10:00~16:00" for d in range(5)}))
    assert response.status_code == 302
    calendar = business()
    assert calendar.name_ko == "단축 근무" and calendar.weekly == {str(d): "10:00-16:00" for d in range(5)}
    page = admin_browser.get(f"/admin/sla/calendars/{calendar.id}").get_data(as_text=True)
    assert "캘린더를 저장했습니다." in page
    # Wed 10–16 (6 h), Thu 10–12.
    assert "지금 + 8 영업시간 = 2026-11-26 12:00 (목요일)" in text(page)
    assert cell(admin_browser.get("/admin/sla").get_data(as_text=True), "data-preview", policy("긴급").id) == \
        "지금 접수되면 첫 응답 기한 2026-11-25 11:00 (수요일), 해결 기한 2026-11-26 12:00 (목요일)"


def test_refused_calendar_form_is_422_and_changes_nothing(admin_browser):
    calendar = business()
    before = snapshot()
    response = admin_browser.post_form(f"/admin/sla/calendars/{calendar.id}", calendar_form(
        calendar, name_ko="바뀐 이름", weekday_0="9시-12시", weekday_3="18:00-09:00"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "weekday_0").startswith("시간대 형식이 올바르지 않습니다.")
    assert "9시-12시" in field_error(page, "weekday_0")  # the parser's words name the bad part
    assert field_error(page, "weekday_3").startswith("시간대 형식이 올바르지 않습니다.")
    assert 'value="바뀐 이름"' in page and 'value="9시-12시"' in page
    assert snapshot() == before

    response = admin_browser.post_form(f"/admin/sla/calendars/{calendar.id}", calendar_form(
        calendar, **{f"weekday_{d}": "" for d in range(7)}))
    assert response.status_code == 422
    assert "영업시간이 하루도 없습니다." in response.get_data(as_text=True)
    response = admin_browser.post_form(f"/admin/sla/calendars/{calendar.id}", calendar_form(calendar, name_en=""))
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "name_en") == "필수 항목입니다."
    assert snapshot() == before


def test_pages_carry_csrf_and_no_inline_code(admin_browser):
    calendar = business()
    for url in ("/admin/sla", "/admin/sla/policies/new", f"/admin/sla/policies/{policies()[0].id}",
                f"/admin/sla/calendars/{calendar.id}"):
        page = admin_browser.get(url).get_data(as_text=True)
        forms = re.findall(r"<form[^>]*>(.*?)</form>", page, re.S)
        assert forms, url
        for form in forms:
            assert 'name="csrf_token"' in form, url
        assert "style=" not in page and "<script" not in page and " on" + "click=" not in page


def test_a_post_without_token_changes_nothing(app, make_client):
    admin = make_user("admin")
    browser = make_client()
    sign_in(browser, admin)
    before = snapshot()
    response = browser.post("/admin/sla/policies/new", data=policy_form())
    assert response.status_code == 400
    assert snapshot() == before


def test_open_tickets_follow_a_changed_policy_and_calendar(app, admin_browser):
    customer = make_user("customer")
    ticket = make_ticket(customer, category="delivery", now=datetime(2026, 11, 25, 1, 0, tzinfo=UTC))
    assert ticket.sla_policy.name == "보통"
    before = ticket.first_response_due_at
    # A faster policy for deliveries: the open ticket moves to it, keeping its start time.
    assert admin_browser.post_form("/admin/sla/policies/new", policy_form()).status_code == 302
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.sla_policy.name == "배송 문의 빠른 응답"
    assert ticket.first_response_due_at < before
    # The company takes Wednesday 2026-11-25 off: the due time moves past it.
    calendar = ticket.sla_policy.calendar
    admin_browser.post_form(f"/admin/sla/calendars/{calendar.id}/days",
                            {"day": "2026-11-25", "kind": "off", "note": "창립기념일"})
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.first_response_due_at.astimezone(SEOUL).date() == date(2026, 11, 26)
