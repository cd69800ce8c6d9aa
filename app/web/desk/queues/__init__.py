from app.web.desk.queues import refund_payments, routes  # noqa: F401  (registers the routes)
from app.web.desk.queues.blueprint import bp

__all__ = ["bp"]
