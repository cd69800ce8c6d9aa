"""The survey page: works without signing in (the link is signed), answers once."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.domain.errors import DomainError
from app.services import unit_of_work
from app.services.satisfaction import RatingLinkInvalid, rate, rating_for_token
from app.web.clock import utcnow
from app.web.locale import locale_code
from app.web.satisfaction.blueprint import bp
from app.web.satisfaction.forms import RatingForm


def _owner_signed_in(rating) -> bool:
    return current_user.is_authenticated and current_user.id == rating.ticket.requester_id


@bp.route("/csat/<token>", methods=["GET", "POST"])
def survey(token: str):
    """The survey of one solve: the form (GET), the answer (POST, once)."""
    try:
        rating = rating_for_token(token, utcnow())
    except RatingLinkInvalid as exc:
        return render_template("satisfaction/closed.html", message=exc.message(locale_code())), exc.status
    form = RatingForm()
    page = {"form": form, "rating": rating, "token": token, "show_ticket": _owner_signed_in(rating)}
    if request.method == "GET":
        return render_template("satisfaction/survey.html", **page)
    if not form.validate_on_submit():
        return render_template("satisfaction/survey.html", **page), 400
    try:
        rate(token, form.rating.data, form.comment.data, utcnow())
        unit_of_work.commit()
    except RatingLinkInvalid as exc:
        unit_of_work.rollback()
        return render_template("satisfaction/closed.html", message=exc.message(locale_code())), exc.status
    except DomainError as exc:
        unit_of_work.rollback()
        field = getattr(form, next(iter(exc.fields or {"rating": ""})), form.rating)
        field.errors = [*field.errors, exc.message(locale_code())]
        return render_template("satisfaction/survey.html", **page), exc.status
    flash(_("소중한 의견 감사합니다."))
    if _owner_signed_in(rating):
        return redirect(url_for("customer.inquiry", number=rating.ticket.number))
    return redirect(url_for("satisfaction.thanks"))


@bp.get("/csat/thanks")
def thanks():
    return render_template("satisfaction/closed.html", message=_("소중한 의견 감사합니다."))
