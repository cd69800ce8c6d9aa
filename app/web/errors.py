"""Error pages and JSON errors: a clear message in the request's language, never a traceback."""
from __future__ import annotations

import logging
import uuid

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.domain.errors import DomainError
from app.services import unit_of_work
from app.web.locale import locale_code

log = logging.getLogger(__name__)

# (code, Korean, English) for HTTP errors raised outside the domain.
HTTP_MESSAGES = {
    400: ("bad_request", "요청을 이해할 수 없습니다.", "The request could not be understood."),
    401: ("unauthorized", "로그인이 필요합니다.", "Please sign in."),
    403: ("forbidden", "이 작업을 할 권한이 없습니다.", "You are not allowed to do this."),
    404: ("not_found", "요청하신 항목을 찾을 수 없습니다.", "The requested item was not found."),
    405: ("method_not_allowed", "허용되지 않는 요청 방식입니다.", "This method is not allowed here."),
    413: ("request_too_large", "요청이 너무 큽니다. 파일 하나는 10MB, 한 번에 5개까지 올릴 수 있습니다.",
          "The request is too large. Each file may be at most 10 MB, five files at a time."),
    415: ("unsupported_media_type", "지원하지 않는 형식입니다.", "Unsupported media type."),
    429: ("rate_limited", "요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.",
          "Too many attempts. Please wait a moment and try again."),
    500: ("internal_error", "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.",
          "Something went wrong on our side. Please try again shortly."),
    503: ("unavailable", "서비스를 잠시 사용할 수 없습니다. 잠시 후 다시 시도해 주세요.",
          "The service is briefly unavailable. Please try again shortly."),
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, code: str, message: str, fields: dict | None = None):
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return jsonify(body), status


def _message(status: int) -> tuple[str, str]:
    code, ko, en = HTTP_MESSAGES.get(status, HTTP_MESSAGES[500] if status >= 500 else HTTP_MESSAGES[400])
    return code, (en if locale_code() == "en" else ko)


def forget_user_for_this_request() -> None:
    """Render the rest of this request as for a visitor, without touching the database."""
    from flask import g
    from flask_login import AnonymousUserMixin

    g._login_user = AnonymousUserMixin()
    g.database_down = True


def render_error(status: int, code: str, message: str, fields: dict | None = None, **extra):
    if wants_json():
        return json_error(status, code, message, fields)
    from sqlalchemy.exc import OperationalError

    try:
        return render_template("errors/error.html", status=status, code=code, message=message, **extra), status
    except OperationalError:
        # The page header reads the signed-in user; with the database gone, show it to a visitor.
        forget_user_for_this_request()
        code, message = _message(503)
        return render_template("errors/error.html", status=503, code=code, message=message), 503


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        unit_of_work.rollback()
        return render_error(exc.status, exc.code, exc.message(locale_code()), exc.fields)

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        log.info("CSRF refused: %s", exc.description)
        unit_of_work.rollback()
        message = _("보안 확인이 만료되었습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.")
        return render_error(400, "csrf_failed", message)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        unit_of_work.rollback()
        status = exc.code or 500
        code, message = _message(status)
        if status == 413:
            limit = app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024)
            count = app.config["MAX_UPLOAD_FILES"]
            message = (f"Upload too large. Each file may be at most {limit} MB, {count} files at a time."
                       if locale_code() == "en" else
                       f"업로드가 너무 큽니다. 파일 하나는 {limit}MB, 한 번에 {count}개까지 올릴 수 있습니다.")
        response, status = render_error(status, code, message)
        response = make_response(response, status)
        # A 405 names the methods the route has (RFC 9110 §15.5.6); other headers of the exception too.
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        unit_of_work.rollback()
        request_id = uuid.uuid4().hex[:12]
        log.exception("unhandled error, request %s", request_id)
        code, message = _message(500)
        return render_error(500, code, message, request_id=request_id)


def register_database_errors(app: Flask) -> None:
    """A database that is down or locked answers 503, a value it cannot hold 400; never a traceback."""
    from sqlalchemy.exc import DataError, OperationalError

    @app.errorhandler(OperationalError)
    def _database_unavailable(exc: OperationalError):
        try:
            unit_of_work.rollback()
        except OperationalError:
            pass  # the connection is gone; the pool replaces it (pool_pre_ping) once the database is back
        # The page must render without the database: nobody is loaded as signed in, nothing is counted.
        forget_user_for_this_request()
        log.warning("database unavailable: %s", exc.__class__.__name__)
        code, message = _message(503)
        return render_error(503, code, message)

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def _value_out_of_range(exc: Exception):
        # Input the database cannot hold (a NUL byte in text on PostgreSQL, an id or
        # page beyond 64 bits) is bad input: 400, never a 500.
        unit_of_work.rollback()
        log.info("value refused by the database: %s", exc.__class__.__name__)
        code, message = _message(400)
        return render_error(400, code, message)
