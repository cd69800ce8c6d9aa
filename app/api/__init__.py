"""JSON API under /api/v1 (see shared design/api.md), authenticated with bearer tokens."""
from app.api import auth, decisions, openapi, orders, refunds, reports, tickets  # noqa: F401  (registers the routes)
from app.api.blueprint import bp

__all__ = ["bp"]
