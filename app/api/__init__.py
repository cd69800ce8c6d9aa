"""JSON API under /api/v1 (see shared design/api.md), authenticated with bearer tokens."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from app.api import auth, decisions, openapi, orders, refunds, tickets  # noqa: E402,F401
