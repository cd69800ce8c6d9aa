from flask import Blueprint

bp = Blueprint("queues", __name__)

from app.queues import routes  # noqa: E402,F401
