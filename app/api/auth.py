"""Bearer tokens: issuing them and requiring them."""
from __future__ import annotations

from functools import wraps

from flask import current_app, g, jsonify, request

from app.api.blueprint import bp
from app.api.errors import api_error, json_body
from app.extensions import limiter
from app.services import unit_of_work
from app.services.accounts.users import authenticate, issue_token, user_for_token
from app.web.clock import utcnow


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def token_required(*roles: str):
    """A valid bearer token (and, if given, one of ``roles``); 401/403 otherwise."""
    allowed = frozenset(roles)

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = user_for_token(_bearer() or "", utcnow())
            if user is None:
                response = api_error(401, "unauthorized")
                response[0].headers["WWW-Authenticate"] = 'Bearer realm="munui"'
                return response
            if allowed and user.role not in allowed:
                return api_error(403, "forbidden")
            g.api_user = user
            return view(*args, **kwargs)
        return wrapper
    return decorator


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.post("/auth/tokens")
@limiter.limit(_login_limit)
def create_token():
    data = json_body()
    email, password = data.get("email"), data.get("password")
    if not isinstance(email, str) or not isinstance(password, str):
        return api_error(422, "validation_failed", fields={
            k: "required" for k in ("email", "password") if not isinstance(data.get(k), str)})
    user = authenticate(email, password)
    if user is None:
        return api_error(401, "invalid_credentials")
    token, row = issue_token(user, name="api", now=utcnow(),
                             hours=current_app.config["API_TOKEN_HOURS"])
    unit_of_work.commit()
    return jsonify({"token": token, "expires_at": row.expires_at.isoformat()}), 201


@bp.get("/me")
@token_required()
def me():
    user = g.api_user
    return jsonify({"id": user.id, "email": user.email, "name": user.name, "role": user.role,
                    "membership": user.membership, "locale": user.locale})
