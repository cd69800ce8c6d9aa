"""Sign in, sign out, sign up, change or reset the password, choose language."""
from __future__ import annotations

from flask import current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from app.domain import access
from app.domain.errors import DomainError
from app.extensions import limiter
from app.services import unit_of_work
from app.services.accounts import password_reset
from app.services.accounts.users import authenticate, change_password, sign_up_customer
from app.web.auth.blueprint import bp
from app.web.auth.forms import ForgotPasswordForm, LoginForm, PasswordForm, ResetPasswordForm, SignupForm
from app.web.clock import utcnow
from app.web.locale import locale_code
from app.web.redirects import safe_next
from app.web.sign_in import SESSION_KEY, begin_session, end_session


def home_for(user) -> str:
    """Where a user lands after signing in: a lead on the report overview, other staff on the desk."""
    if access.lands_on_reports(user.actor()):
        return url_for("desk_reports.index")
    if user.is_staff:
        return url_for("queues.index")
    return url_for("customer.my_inquiries")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("이메일 또는 비밀번호가 맞지 않습니다."))
        else:
            begin_session(user)
            return redirect(safe_next(form.next.data, home_for(user)))
    return render_template("auth/login.html", form=form), (200 if request.method == "GET" or
                                                          not form.errors else 400)


@bp.post("/logout")
@login_required
def logout():
    end_session()
    flash(_("로그아웃되었습니다."))
    return redirect(url_for("auth.login"))


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def signup():
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = sign_up_customer(form.email.data, form.password.data, form.name.data, utcnow())
            user.locale = locale_code()
            unit_of_work.commit()
        except DomainError as exc:
            unit_of_work.rollback()
            field = next(iter(exc.fields), "email")
            getattr(form, field, form.email).errors.append(exc.message(locale_code()))
        else:
            begin_session(user)
            flash(_("가입을 환영합니다. 이제 1:1 문의를 남길 수 있습니다."))
            return redirect(url_for("customer.help_center"))
    return render_template("auth/signup.html", form=form), (400 if form.errors else 200)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current_password.data, form.new_password.data, now=utcnow(),
                            keep_session=session.get(SESSION_KEY))
            unit_of_work.commit()
        except DomainError as exc:
            unit_of_work.rollback()
            field = next(iter(exc.fields), "current_password")
            getattr(form, field, form.current_password).errors.append(exc.message(locale_code()))
        else:
            # keep this session on the new version; pass the user, not the proxy (a proxy in
            # g._login_user would resolve to itself and recurse without end)
            login_user(current_user._get_current_object())
            flash(_("비밀번호를 변경했습니다. 다른 기기의 로그인은 해제되었고, API 토큰도 모두 폐기되었습니다."))
            return redirect(home_for(current_user))
    return render_template("auth/password.html", form=form), (400 if form.errors else 200)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    """비밀번호 찾기: the same answer whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        password_reset.request_reset(form.email.data, utcnow())
        unit_of_work.commit()
        return render_template("auth/forgot_sent.html")
    return render_template("auth/forgot.html", form=form), (400 if form.errors else 200)


def _reset_invalid(exc: DomainError):
    return render_template("auth/reset_invalid.html", message=exc.message(locale_code())), 400


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def reset_password(token: str):
    """The link from the email: choose a new password, then be signed in afresh."""
    try:
        password_reset.user_for_token(token, utcnow())
    except password_reset.ResetLinkInvalid as exc:
        return _reset_invalid(exc)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = password_reset.reset_password(token, form.new_password.data, utcnow())
            unit_of_work.commit()
        except password_reset.ResetLinkInvalid as exc:
            unit_of_work.rollback()
            return _reset_invalid(exc)
        except DomainError as exc:
            unit_of_work.rollback()
            form.new_password.errors.append(exc.message(locale_code()))
        else:
            begin_session(user)  # a fresh session: whoever was signed in here before is not any more
            flash(_("비밀번호를 재설정했습니다. 다른 기기의 로그인은 모두 해제되었고, API 토큰도 모두 폐기되었습니다."))
            return redirect(home_for(user))
    return render_template("auth/reset.html", form=form, token=token), (400 if form.errors else 200)


@bp.post("/language")
def language():
    """Switch between 한국어 and English; remembered on the account and in a cookie."""
    lang = request.form.get("lang", "ko")
    if lang not in current_app.config["LANGUAGES"]:
        lang = "ko"
    if current_user.is_authenticated:
        current_user.locale = lang
        unit_of_work.commit()
    response = make_response(redirect(safe_next(request.form.get("next"), url_for("customer.index"))))
    response.set_cookie("lang", lang, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response
