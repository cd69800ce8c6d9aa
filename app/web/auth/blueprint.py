"""The blueprint the auth routes register on (its own module, so the routes and the
package never import each other)."""
from flask import Blueprint

bp = Blueprint("auth", __name__)
