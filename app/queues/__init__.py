from flask import Blueprint

bp = Blueprint("queues", __name__)

from app.queues import refund_payments, routes  # noqa: E402,F401
