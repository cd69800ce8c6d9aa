"""관리 › SLA: policies (ordered, first match wins), business calendars, days off/on, previews.

Admins only. Every change is a POST with a CSRF token; a refused form is shown again
with the errors next to its fields (422) and changes nothing.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from app.domain.errors import DomainError
from app.services import catalogue, unit_of_work
from app.services.sla import admin as sla_admin
from app.services.sla.admin import CalendarInput, PolicyInput, ValidationFailed
from app.services.sla.clock import schedule_sla_refresh
from app.web.admin.blueprint import bp
from app.web.admin.sla_forms import WEEKDAY_LABELS, CalendarDayForm, CalendarForm, PolicyForm
from app.web.clock import utcnow
from app.web.locale import locale_code
from app.web.permissions import admin_required

# Problem codes of app/services/sla/admin.py, for people.
PROBLEMS = {
    "required": _l("필수 항목입니다."),
    "too_long": _l("100자 이내로 입력해 주세요."),
    "unknown": _l("목록에 있는 값을 선택해 주세요."),
    "whole_minutes": _l("1 이상 100000 이하의 정수(분)로 입력하거나, 목표가 없으면 비워 두세요."),
    "percent": _l("1에서 99 사이의 정수로 입력해 주세요."),
    "windows": _l("시간대 형식이 올바르지 않습니다. 예: 09:00-12:00, 13:00-18:00 (비워 두면 휴무)"),
    "no_working_time": _l("영업시간이 하루도 없습니다. 요일별 시간대를 입력하거나 24시간으로 설정해 주세요."),
    "invalid_date": _l("날짜를 YYYY-MM-DD 형식으로 입력해 주세요."),
    "duplicate": _l("이미 등록된 날짜입니다. 먼저 삭제한 뒤 다시 추가해 주세요."),
}


def _show_errors(form: FlaskForm, exc: DomainError) -> list[str]:
    """Put each field's problem next to it; return the problems of fields the form lacks."""
    details = getattr(exc, "details", {})
    loose = []
    for name, code in exc.fields.items():
        text = str(PROBLEMS.get(code, code))
        if name in details:
            text = f"{text} ({details[name]})"
        if name in form:
            form[name].errors = list(form[name].errors) + [text]
        else:
            loose.append(text)
    return loose


def _labels():
    locale = locale_code()
    return locale, {
        "membership": {"plus": _("위메프플러스"), "basic": _("일반 회원")},
        "priority": {"low": _("낮음"), "normal": _("보통"), "high": _("높음"), "urgent": _("긴급")},
        "kind": {"off": _("휴무"), "on": _("근무")},
    }


# ----------------------------------------------------------------- overview

@bp.route("/sla")
@admin_required
def sla():
    now = utcnow()
    policies = sla_admin.list_policies(current_user)
    calendars = sla_admin.list_calendars(current_user)
    _locale, labels = _labels()
    return render_template(
        "admin/sla.html", policies=policies, calendars=calendars, now=now, labels=labels, locale=_locale,
        previews={p.id: sla_admin.policy_preview(p, now) for p in policies},
        calendar_previews={c.id: sla_admin.calendar_preview(c, now) for c in calendars},
        weekly={c.id: sla_admin.weekly_texts(c) for c in calendars}, weekday_labels=WEEKDAY_LABELS,
        preview_hours=sla_admin.PREVIEW_MINUTES // 60, hours=sla_admin.hours, form=FlaskForm())


# ----------------------------------------------------------------- policies

def _policy_choices(form: PolicyForm, *, new: bool) -> None:
    locale, labels = _labels()
    anything = SelectChoice("", _("전체"))
    queues = catalogue.list_queues()
    categories = catalogue.list_categories()
    form.membership.choices = [anything] + [SelectChoice(k, v) for k, v in labels["membership"].items()]
    form.priority.choices = [anything] + [SelectChoice(k, v) for k, v in labels["priority"].items()]
    form.category.choices = [anything] + [SelectChoice(c.code, c.display_name(locale)) for c in categories]
    form.queue.choices = [anything] + [SelectChoice(q.slug, q.display_name(locale)) for q in queues]
    form.calendar.choices = [SelectChoice(c.slug, c.display_name(locale))
                             for c in sla_admin.list_calendars(current_user)]
    none = SelectChoice("", _("하지 않음"))
    form.escalate_priority.choices = [none] + [SelectChoice(k, v) for k, v in labels["priority"].items()]
    form.escalate_queue.choices = [none] + [SelectChoice(q.slug, q.display_name(locale)) for q in queues]
    if new:
        policies = sla_admin.list_policies(current_user)
        form.position.choices = [
            SelectChoice(str(i + 1), _("%(n)s번째 — '%(name)s' 앞", n=i + 1, name=p.name))
            for i, p in enumerate(policies)] + [SelectChoice(str(len(policies) + 1), _("맨 끝"))]
        if not form.position.data:
            form.position.data = str(len(policies) + 1)


def _policy_input(form: PolicyForm) -> PolicyInput:
    return PolicyInput(**{name: form[name].data for name in (
        "name", "name_en", "active", "membership", "priority", "category", "queue", "first_response_minutes",
        "next_reply_minutes", "resolution_minutes", "warn_percent", "calendar", "escalate_priority",
        "escalate_queue")})


def _policy_form_data(policy) -> dict:
    def text(value):
        return "" if value is None else str(value)

    return {
        "name": policy.name, "name_en": policy.name_en or "", "active": policy.active,
        "membership": text(policy.membership),
        "priority": text(policy.priority), "category": policy.category.code if policy.category else "",
        "queue": policy.queue.slug if policy.queue else "",
        "first_response_minutes": text(policy.first_response_minutes),
        "next_reply_minutes": text(policy.next_reply_minutes),
        "resolution_minutes": text(policy.resolution_minutes), "warn_percent": text(policy.warn_percent),
        "calendar": policy.calendar.slug, "escalate_priority": text(policy.escalate_priority),
        "escalate_queue": policy.escalate_queue.slug if policy.escalate_queue else "",
    }


def _render_policy(form: PolicyForm, policy=None, *, errors=(), status=200):
    _policy_choices(form, new=policy is None)
    now = utcnow()
    preview = sla_admin.policy_preview(policy, now) if policy is not None else None
    return render_template("admin/sla_policy.html", form=form, policy=policy, preview=preview, now=now,
                           errors=errors), status


@bp.route("/sla/policies/new", methods=["GET", "POST"])
@admin_required
def sla_new_policy():
    if request.method == "GET":
        return _render_policy(PolicyForm())
    form = PolicyForm()
    form.validate_on_submit()  # the CSRF token; the service checks the values
    try:
        policy = sla_admin.create_policy(current_user, _policy_input(form), position=form.position.data)
        schedule_sla_refresh(utcnow())
        unit_of_work.commit()
    except ValidationFailed as exc:
        unit_of_work.rollback()
        return _render_policy(form, errors=_show_errors(form, exc), status=exc.status)
    flash(_("SLA 정책 '%(name)s'을(를) 만들었습니다.", name=policy.name))
    return redirect(url_for("admin.sla"))


@bp.route("/sla/policies/<int:policy_id>", methods=["GET", "POST"])
@admin_required
def sla_edit_policy(policy_id: int):
    policy = sla_admin.get_policy(current_user, policy_id)
    if request.method == "GET":
        return _render_policy(PolicyForm(data=_policy_form_data(policy)), policy)
    form = PolicyForm()
    form.validate_on_submit()
    try:
        sla_admin.update_policy(current_user, policy_id, _policy_input(form))
        schedule_sla_refresh(utcnow())
        unit_of_work.commit()
    except ValidationFailed as exc:
        unit_of_work.rollback()
        policy = sla_admin.get_policy(current_user, policy_id)
        return _render_policy(form, policy, errors=_show_errors(form, exc), status=exc.status)
    flash(_("SLA 정책을 저장했습니다."))
    return redirect(url_for("admin.sla"))


@bp.post("/sla/policies/<int:policy_id>/move")
@admin_required
def sla_move_policy(policy_id: int):
    sla_admin.move_policy(current_user, policy_id, request.form.get("direction", ""))
    schedule_sla_refresh(utcnow())
    unit_of_work.commit()
    flash(_("정책 순서를 바꿨습니다."))
    return redirect(url_for("admin.sla"))


@bp.post("/sla/policies/<int:policy_id>/deactivate")
@admin_required
def sla_deactivate_policy(policy_id: int):
    policy = sla_admin.set_policy_active(current_user, policy_id, False)
    schedule_sla_refresh(utcnow())
    unit_of_work.commit()
    flash(_("'%(name)s' 정책을 사용 중지했습니다. 이미 적용된 문의는 그대로 유지됩니다.", name=policy.name))
    return redirect(url_for("admin.sla"))


@bp.post("/sla/policies/<int:policy_id>/activate")
@admin_required
def sla_activate_policy(policy_id: int):
    policy = sla_admin.set_policy_active(current_user, policy_id, True)
    schedule_sla_refresh(utcnow())
    unit_of_work.commit()
    flash(_("'%(name)s' 정책을 다시 사용합니다.", name=policy.name))
    return redirect(url_for("admin.sla"))


# ----------------------------------------------------------------- calendars

def _render_calendar(calendar_id: int, *, form=None, day_form=None, errors=(), status=200):
    calendar = sla_admin.get_calendar(current_user, calendar_id)
    locale, labels = _labels()
    if form is None:
        form = CalendarForm(data={"name_ko": calendar.name_ko, "name_en": calendar.name_en,
                                  "always_open": calendar.always_open,
                                  "korean_public_holidays": calendar.korean_public_holidays,
                                  **{f"weekday_{d}": text
                                     for d, text in sla_admin.weekly_texts(calendar).items()}})
    day_form = day_form or CalendarDayForm()
    day_form.kind.choices = [SelectChoice(k, v) for k, v in labels["kind"].items()]
    now = utcnow()
    return render_template(
        "admin/sla_calendar.html", calendar=calendar, form=form, day_form=day_form, errors=errors,
        delete_form=FlaskForm(), labels=labels, now=now, weekday_labels=WEEKDAY_LABELS,
        days_off=sla_admin.upcoming_days_off(calendar, now, locale=locale),
        preview=sla_admin.calendar_preview(calendar, now), preview_hours=sla_admin.PREVIEW_MINUTES // 60,
    ), status


@bp.route("/sla/calendars/<int:calendar_id>", methods=["GET", "POST"])
@admin_required
def sla_edit_calendar(calendar_id: int):
    if request.method == "GET":
        return _render_calendar(calendar_id)
    form = CalendarForm()
    form.validate_on_submit()
    data = CalendarInput(name_ko=form.name_ko.data or "", name_en=form.name_en.data or "",
                         always_open=form.always_open.data,
                         korean_public_holidays=form.korean_public_holidays.data,
                         weekly={d: form[f"weekday_{d}"].data or "" for d in range(7)})
    try:
        sla_admin.update_calendar(current_user, calendar_id, data)
        schedule_sla_refresh(utcnow())
        unit_of_work.commit()
    except ValidationFailed as exc:
        unit_of_work.rollback()
        return _render_calendar(calendar_id, form=form, errors=_show_errors(form, exc), status=exc.status)
    flash(_("캘린더를 저장했습니다."))
    return redirect(url_for("admin.sla_edit_calendar", calendar_id=calendar_id))


@bp.post("/sla/calendars/<int:calendar_id>/days")
@admin_required
def sla_add_calendar_day(calendar_id: int):
    day_form = CalendarDayForm()
    day_form.validate_on_submit()
    try:
        row = sla_admin.add_calendar_day(current_user, calendar_id, day=day_form.day.data,
                                         kind=day_form.kind.data or "", note=day_form.note.data or "")
        schedule_sla_refresh(utcnow())
        unit_of_work.commit()
    except ValidationFailed as exc:
        unit_of_work.rollback()
        return _render_calendar(calendar_id, day_form=day_form, errors=_show_errors(day_form, exc),
                                status=exc.status)
    flash(_("%(day)s을(를) 추가했습니다.", day=row.day.isoformat()))
    return redirect(url_for("admin.sla_edit_calendar", calendar_id=calendar_id))


@bp.post("/sla/calendars/<int:calendar_id>/days/<int:day_id>/delete")
@admin_required
def sla_delete_calendar_day(calendar_id: int, day_id: int):
    sla_admin.delete_calendar_day(current_user, calendar_id, day_id)
    schedule_sla_refresh(utcnow())
    unit_of_work.commit()
    flash(_("날짜를 삭제했습니다."))
    return redirect(url_for("admin.sla_edit_calendar", calendar_id=calendar_id))
