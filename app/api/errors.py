"""The API's error body and request parsing helpers."""
from __future__ import annotations

import json

from flask import jsonify, request

from app.domain.errors import DomainError
from app.errors import HTTP_MESSAGES
from app.web import locale_code

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


def json_body() -> dict:
    """The request's JSON object; anything else is a 400 in the API's format."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError("malformed_json", *API_MESSAGES["malformed_json"], status=400)
    try:
        # JSON may escape lone surrogates ("\ud800"), which are not text and no database stores.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise DomainError("malformed_json", *API_MESSAGES["malformed_json"], status=400) from None
    return data


def int_arg(name: str, default: int, *, minimum: int = 1, maximum: int | None = None) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise DomainError("validation_failed", f"{name} 값이 올바르지 않습니다.",
                          f"{name} must be a number.", status=400, fields={name: "invalid"}) from None
    value = max(minimum, value)
    return min(value, maximum) if maximum else value


