"""The blueprint the desk search route registers on."""
from flask import Blueprint

bp = Blueprint("desk_search", __name__, url_prefix="/desk")
