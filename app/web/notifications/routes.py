"""The bell: the user's notifications, opened and marked read."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app.domain import access
from app.domain.hangul import particle
from app.services import unit_of_work
from app.services.notifications import mark_all_read, mark_read, recent_for
from app.services.sla.digest import set_sla_digest
from app.web.clock import utcnow
from app.web.labels import label
from app.web.locale import locale_code
from app.web.notifications.blueprint import bp
from app.web.use_case import run_use_case


def ticket_url(user, ticket_number: str) -> str:
    """Staff open the desk page; requesters their inquiry page."""
    if user.is_staff:
        return url_for("tickets.show", number=ticket_number)
    return url_for("customer.inquiry", number=ticket_number)


def status_phrase(user, status: str) -> str:
    """The new status as the reader knows it, quoted, with the particle Korean needs:
    "'해결됨'으로", "'보류'로" ("'Solved'" in English)."""
    name = label("status" if user.is_staff else "customer_status", status)
    if locale_code() == "en":
        return f"'{name}'"
    return f"'{name}'{particle(name, '으로')}"


@bp.route("/notifications")
@login_required
def index():
    return render_template("notifications/index.html", notifications=recent_for(current_user),
                           form=FlaskForm(), ticket_url=ticket_url,
                           status_phrase=lambda status: status_phrase(current_user, status),
                           chooses_digest=access.can_choose_sla_digest(current_user.actor()))


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def open_one(notification_id: int):
    if not FlaskForm().validate_on_submit():
        return redirect(url_for("notifications.index"))
    row = mark_read(current_user, notification_id, utcnow())
    unit_of_work.commit()
    link = (row.data or {}).get("link_path") or ""
    if row.kind == "sla_digest" and link.startswith("/desk/reports/"):
        return redirect(link)
    if row.ticket is not None:
        return redirect(ticket_url(current_user, row.ticket.number))
    return redirect(url_for("notifications.index"))


@bp.post("/notifications/read-all")
@login_required
def read_all():
    if FlaskForm().validate_on_submit():
        mark_all_read(current_user, utcnow())
        unit_of_work.commit()
    return redirect(url_for("notifications.index"))


@bp.post("/notifications/sla-digest")
@login_required
def sla_digest():
    """A lead's choice: a notice per SLA warning and breach, or one summary a day."""
    if not FlaskForm().validate_on_submit():
        return redirect(url_for("notifications.index"))
    with run_use_case() as outcome:
        set_sla_digest(current_user, request.form.get("sla_digest") == "daily")
    if outcome.ok:
        flash(_("SLA 알림을 하루 한 번 요약으로 받습니다.") if current_user.sla_digest
              else _("SLA 알림을 건마다 받습니다."), "success")
    return redirect(url_for("notifications.index"))
