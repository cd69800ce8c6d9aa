"""The blueprint the notifications routes register on (its own module, so the routes and the
package never import each other)."""
from flask import Blueprint

bp = Blueprint("notifications", __name__)
