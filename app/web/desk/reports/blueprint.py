"""The blueprint the report pages register on."""
from flask import Blueprint

bp = Blueprint("desk_reports", __name__, url_prefix="/desk")
