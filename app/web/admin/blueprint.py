"""The blueprint the admin routes register on (its own module, so the routes and the
package never import each other)."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
