"""The blueprint the orders routes register on (its own module, so the routes and the
package never import each other)."""
from flask import Blueprint

bp = Blueprint("orders", __name__)
