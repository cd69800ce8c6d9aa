"""The API's error body and request parsing helpers."""
from __future__ import annotations

import json

from flask import jsonify, request

from app.domain.errors import DomainError
from app.web.errors import HTTP_MESSAGES
from app.web.locale import locale_code

API_MESSAGES = {
    "unauthorized": ("인증 토큰이 없거나 올바르지 않습니다.", "The bearer token is missing or invalid."),
    "invalid_credentials": ("이메일 또는 비밀번호가 맞지 않습니다.", "Wrong email or password."),
    "validation_failed": ("입력값을 확인해 주세요.", "Please check the fields."),
    "malformed_json": ("JSON 본문을 읽을 수 없습니다.", "The JSON body could not be parsed."),
}


def api_error(status: int, code: str, message: str | None = None, fields: dict | None = None):
    """(response, status) in the API's error format, message in the request's language."""
    if message is None:
        ko, en = API_MESSAGES.get(code) or HTTP_MESSAGES.get(status, HTTP_MESSAGES[400])[1:]
        message = en if locale_code() == "en" else ko
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return jsonify(body), status


# Deeper than any body the API describes; a 1,000-deep body must be a 400, not a RecursionError.
MAX_JSON_DEPTH = 16


def _too_deep(value, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when ``value`` nests objects/arrays deeper than ``limit`` (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def _malformed() -> DomainError:
    return DomainError("malformed_json", *API_MESSAGES["malformed_json"], status=400)


def checked_json(value):
    """A parsed JSON value the handlers can trust to be text and shallow: lone surrogates ("\\ud800")
    are not text and no database stores them; deep nesting is refused."""
    if _too_deep(value):
        raise DomainError("json_too_deep", "JSON이 너무 깊게 중첩되어 있습니다.",
                          f"The JSON nests deeper than {MAX_JSON_DEPTH} levels.", status=400)
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise _malformed() from None
    return value


def parse_json_text(text: str):
    """JSON given as text (a multipart form field), checked like a JSON body; ValueError if unreadable."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError("too deep") from None
    return checked_json(value)


def json_body() -> dict:
    """The request's JSON object; anything else is a 400 in the API's format."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        raise DomainError("json_too_deep", "JSON이 너무 깊게 중첩되어 있습니다.",
                          f"The JSON nests deeper than {MAX_JSON_DEPTH} levels.", status=400) from None
    if not isinstance(data, dict):
        raise _malformed()
    return checked_json(data)


def int_arg(name: str, default: int, *, minimum: int = 1, maximum: int = 10**9, cap: int | None = None) -> int:
    """A whole-number query value (ASCII digits) within [minimum, maximum], else a 400; above ``cap``
    (when given) the value is capped, as the document says of ``per_page``."""
    raw = one_arg(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.lstrip("-").isdigit()) or len(raw) > 18:
        raise DomainError("validation_failed", f"{name} 값은 숫자여야 합니다.",
                          f"{name} must be a whole number.", status=400, fields={name: "invalid"})
    value = int(raw)
    if value < minimum:
        raise DomainError("validation_failed", f"{name} 값은 {minimum} 이상이어야 합니다.",
                          f"{name} must be at least {minimum}.", status=400, fields={name: "too_small"})
    if value > maximum:
        raise DomainError("validation_failed", f"{name} 값은 {maximum} 이하여야 합니다.",
                          f"{name} must be at most {maximum}.", status=400, fields={name: "too_large"})
    return min(value, cap) if cap else value


def one_arg(name: str) -> str | None:
    """A query value that may be given once: ``?type=a&type=b`` is a 400, not a silent pick of one."""
    values = request.args.getlist(name)
    if len(values) > 1:
        raise DomainError("validation_failed", f"{name} 값은 한 번만 줄 수 있습니다.",
                          f"{name} may be given only once.", status=400, fields={name: "repeated"})
    return values[0] if values else None


