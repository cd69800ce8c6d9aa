"""The blueprint the api routes register on (its own module, so the routes and the
package never import each other)."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
