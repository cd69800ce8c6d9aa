"""Decorators for page roles and the loaders that turn a refusal into 404/403."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from app.domain import access
from app.domain.vocabulary import REQUESTER_ROLES, STAFF_ROLES


def role_required(*roles: str):
    """Signed in with one of ``roles``, else 403 (the page exists, the role may not use it)."""
    allowed = frozenset(roles)

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)
        return wrapper
    return decorator


def access_required(question):
    """Signed in and ``question`` (app/domain/access.py) true of the user, else 403."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not question(current_user.actor()):
                abort(403)
            return view(*args, **kwargs)
        return wrapper
    return decorator


staff_required = role_required(*STAFF_ROLES)
requester_required = role_required(*REQUESTER_ROLES)
admin_required = access_required(access.can_administer)
