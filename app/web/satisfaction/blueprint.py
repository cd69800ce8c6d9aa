"""The blueprint the satisfaction survey registers on."""
from flask import Blueprint

bp = Blueprint("satisfaction", __name__)
