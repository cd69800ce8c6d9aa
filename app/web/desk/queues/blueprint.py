"""The blueprint the queues routes register on (its own module, so the routes and the
package never import each other)."""
from flask import Blueprint

bp = Blueprint("queues", __name__, url_prefix="/desk")
