"""자주 쓰는 답변: managing canned answers (/desk/canned) and sending one from a ticket."""
from flask import Blueprint

bp = Blueprint("canned", __name__)

from app.canned import routes  # noqa: E402,F401
