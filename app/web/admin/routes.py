"""관리: staff accounts and category routing (admins only)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from app.domain.errors import DomainError
from app.domain.vocabulary import MANAGED_ROLES, Role
from app.services import catalogue, unit_of_work
from app.services.accounts import staff as staff_service
from app.services.accounts.admin import update_category
from app.services.audit import account_events_for
from app.services.desk.assignment import MODES, set_mode
from app.web.admin.blueprint import bp
from app.web.admin.forms import CategoryForm, StaffActionForm, StaffEditForm, StaffForm
from app.web.clock import utcnow
from app.web.labels import label
from app.web.locale import locale_code
from app.web.permissions import admin_required
from app.web.use_case import run_use_case


def _staff_choices(form, queues) -> None:
    """Translated role names and queue display names (never the stored codes)."""
    # SelectChoice, not tuples: tuple choices are deprecated in WTForms 3.3.
    form.role.choices = [SelectChoice(r.value, label("role", r.value)) for r in MANAGED_ROLES]
    form.queues.choices = [SelectChoice(q.slug, q.display_name(locale_code())) for q in queues]


def _field_error(form, exc: DomainError, default: str) -> None:
    field = getattr(form, next(iter(exc.fields), default), None) or getattr(form, default)
    field.errors = list(field.errors) + [exc.message(locale_code())]


def _render(staff_form=None, status=200):
    staff = staff_service.list_staff(current_user)
    categories = catalogue.list_categories()
    queues = catalogue.list_queues()
    form = staff_form or StaffForm(role=Role.AGENT)
    _staff_choices(form, queues)
    category_forms = {}
    for c in categories:
        cf = CategoryForm(prefix=c.code, name_ko=c.name_ko, name_en=c.name_en, queue=c.queue.slug,
                          requires_order=c.requires_order, active=c.active)
        cf.queue.choices = [(q.slug, q.display_name(locale_code())) for q in queues]
        category_forms[c.code] = cf
    return render_template("admin/index.html", staff=staff, categories=categories,
                           staff_form=form, category_forms=category_forms, queues=queues,
                           assignment_modes=MODES), status


@bp.route("/")
@admin_required
def index():
    return _render()


@bp.post("/users")
@admin_required
def create_staff():
    form = StaffForm()
    _staff_choices(form, catalogue.list_queues())
    if not form.validate_on_submit():
        return _render(form, 400)
    try:
        user = staff_service.create_staff(current_user, email=form.email.data or "", name=form.name.data,
                                          role=form.role.data or "", password=form.password.data or "",
                                          queue_slugs=form.queues.data or [], now=utcnow())
        unit_of_work.commit()
    except DomainError as exc:
        unit_of_work.rollback()
        _field_error(form, exc, "email")
        return _render(form, exc.status)
    flash(_("%(name)s 계정을 만들었습니다.", name=user.name))
    return redirect(url_for("admin.index"))


def _render_staff(user, edit_form=None, status=200):
    """One staff member: the edit form, activation, a reset link, and the account's trail."""
    queues = catalogue.list_queues()
    form = edit_form or StaffEditForm(name=user.name, role=user.role, queues=[q.slug for q in user.queues])
    _staff_choices(form, queues)
    return render_template(
        "admin/staff.html", user=user, form=form, action_form=StaffActionForm(),
        open_tickets=staff_service.open_assigned(user) if user.active else [],
        events=account_events_for(user), queue_names={q.slug: q.display_name(locale_code()) for q in queues},
    ), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def staff_member(user_id: int):
    """A staff member's page; its form changes the name, role and queues."""
    user = staff_service.load_staff(current_user, user_id)
    if request.method == "GET":
        return _render_staff(user)
    form = StaffEditForm()
    _staff_choices(form, catalogue.list_queues())
    if not form.validate_on_submit():
        return _render_staff(user, form, 400)
    try:
        outcome = staff_service.update_staff(current_user, user_id, name=form.name.data or "",
                                             role=form.role.data or "", queue_slugs=form.queues.data or [],
                                             now=utcnow())
        unit_of_work.commit()
    except DomainError as exc:
        unit_of_work.rollback()
        if exc.status in (403, 404):
            raise
        _field_error(form, exc, "name")
        return _render_staff(staff_service.load_staff(current_user, user_id), form, exc.status)
    if not outcome.changed:
        flash(_("바뀐 내용이 없습니다."))
    elif outcome.unassigned:
        flash(_("%(name)s 님의 정보를 저장했습니다. 더 이상 맡을 수 없는 미해결 문의 %(count)s건은 담당자를 해제해 "
                "큐의 미배정 목록으로 돌려보냈습니다.", name=outcome.user.name, count=len(outcome.unassigned)))
    else:
        flash(_("%(name)s 님의 정보를 저장했습니다.", name=outcome.user.name))
    return redirect(url_for("admin.staff_member", user_id=user_id))


def _staff_action(user_id: int, action, message):
    """Run one button's use case and say what it did; a refusal is shown on the member's page."""
    user = staff_service.load_staff(current_user, user_id)
    if not StaffActionForm().validate_on_submit():
        return _render_staff(user, status=400)
    with run_use_case(reraise=(403, 404)) as outcome:
        result = action(current_user, user.id, utcnow())
    if outcome.ok:
        flash(message(result))
    return redirect(url_for("admin.staff_member", user_id=user_id))


@bp.post("/users/<int:user_id>/deactivate")
@admin_required
def deactivate_staff(user_id: int):
    return _staff_action(user_id, staff_service.deactivate, lambda outcome: _(
        "%(name)s 계정을 비활성화했습니다. 로그인과 API 토큰이 막혔고, 열려 있던 세션도 끝났습니다. "
        "맡고 있던 미해결 문의 %(count)s건은 담당자를 해제해 큐의 미배정 목록으로 돌려보냈습니다.",
        name=outcome.user.name, count=len(outcome.unassigned)))


@bp.post("/users/<int:user_id>/reactivate")
@admin_required
def reactivate_staff(user_id: int):
    return _staff_action(user_id, staff_service.reactivate, lambda outcome: _(
        "%(name)s 계정을 다시 활성화했습니다. 이제 로그인할 수 있습니다.", name=outcome.user.name))


@bp.post("/users/<int:user_id>/password-reset")
@admin_required
def reset_staff_password(user_id: int):
    return _staff_action(user_id, staff_service.send_password_reset, lambda user: _(
        "%(email)s 주소로 비밀번호 재설정 링크를 보냈습니다.", email=user.email))


@bp.post("/queues/<slug>/assignment")
@admin_required
def queue_assignment(slug: str):
    """How the queue assigns new tickets: manual, round-robin or least-loaded."""
    with run_use_case() as outcome:
        queue = set_mode(slug, request.form.get("mode", ""))
    if outcome.ok:
        flash(_("%(queue)s 큐의 배정 방식을 저장했습니다.", queue=queue.display_name(locale_code())))
    return redirect(url_for("admin.index"))


@bp.post("/categories/<code>")
@admin_required
def edit_category(code: str):
    form = CategoryForm(prefix=code)
    if form.validate_on_submit():
        with run_use_case(reraise=()) as outcome:
            update_category(current_user, code, name_ko=form.name_ko.data, name_en=form.name_en.data,
                            queue_slug=form.queue.data, requires_order=form.requires_order.data,
                            active=form.active.data)
        if outcome.ok:
            flash(_("문의 유형을 저장했습니다."))
    return redirect(url_for("admin.index"))


@bp.route("/operations")
@admin_required
def operations():
    """Background work: queues, workers, failed jobs (with retry) and undelivered outbox rows."""
    from flask_wtf import FlaskForm

    from app.services.operations import overview

    return render_template("admin/operations.html", info=overview(current_user), form=FlaskForm())


@bp.post("/operations/failed/<queue>/<job_id>/retry")
@admin_required
def retry_job(queue: str, job_id: str):
    from app.services.operations import retry_failed_job

    retry_failed_job(current_user, queue, job_id)
    unit_of_work.commit()
    flash(_("작업을 다시 대기열에 넣었습니다."))
    return redirect(url_for("admin.operations"))


@bp.post("/operations/outbox/<int:event_id>/retry")
@admin_required
def retry_outbox(event_id: int):
    from app.services.operations import retry_outbox_event

    retry_outbox_event(current_user, event_id, utcnow())
    unit_of_work.commit()
    flash(_("작업을 다시 실행했습니다."))
    return redirect(url_for("admin.operations"))
