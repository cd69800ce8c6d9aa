"""관리: staff accounts and category routing (admins only)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.admin import bp
from app.admin.forms import CategoryForm, StaffForm
from app.domain.errors import DomainError
from app.extensions import db
from app.models import Category, SupportQueue, User
from app.permissions import admin_required
from app.services import unit_of_work
from app.services.admin import update_category
from app.services.assignment import MODES, set_mode
from app.services.users import create_user
from app.web import locale_code, utcnow


def _queues():
    return list(db.session.scalars(select(SupportQueue).order_by(SupportQueue.id)))


def _render(staff_form=None, status=200):
    staff = db.session.scalars(select(User).where(User.role.in_(["agent", "lead", "admin", "seller"]))
                               .order_by(User.role, User.name)).all()
    categories = db.session.scalars(select(Category).order_by(Category.position, Category.id)).all()
    queues = _queues()
    form = staff_form or StaffForm()
    form.queues.choices = [(q.slug, q.display_name(locale_code())) for q in queues]
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
    form.queues.choices = [(q.slug, q.slug) for q in _queues()]
    if not form.validate_on_submit():
        return _render(form, 400)
    try:
        user = create_user(form.email.data or "", role=form.role.data, password=form.password.data or "",
                           name=form.name.data, queue_slugs=form.queues.data or [], now=utcnow())
        unit_of_work.commit()
    except DomainError as exc:
        unit_of_work.rollback()
        field = getattr(form, next(iter(exc.fields), "email"), form.email)
        field.errors = list(field.errors) + [exc.message(locale_code())]
        return _render(form, exc.status)
    flash(_("%(name)s 계정을 만들었습니다.", name=user.name))
    return redirect(url_for("admin.index"))


@bp.post("/queues/<slug>/assignment")
@admin_required
def queue_assignment(slug: str):
    """How the queue assigns new tickets: manual, round-robin or least-loaded."""
    try:
        queue = set_mode(slug, request.form.get("mode", ""))
        unit_of_work.commit()
    except DomainError as exc:
        unit_of_work.rollback()
        if exc.status == 404:
            raise
        flash(exc.message(locale_code()))
        return redirect(url_for("admin.index"))
    flash(_("%(queue)s 큐의 배정 방식을 저장했습니다.", queue=queue.display_name(locale_code())))
    return redirect(url_for("admin.index"))


@bp.post("/categories/<code>")
@admin_required
def edit_category(code: str):
    form = CategoryForm(prefix=code)
    if form.validate_on_submit():
        try:
            update_category(current_user, code, name_ko=form.name_ko.data, name_en=form.name_en.data,
                            queue_slug=form.queue.data, requires_order=form.requires_order.data,
                            active=form.active.data)
            unit_of_work.commit()
            flash(_("문의 유형을 저장했습니다."))
        except DomainError as exc:
            unit_of_work.rollback()
            flash(exc.message(locale_code()))
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
