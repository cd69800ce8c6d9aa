"""The blueprint the customer routes register on (its own module, so the routes and the
package never import each other)."""
from flask import Blueprint

bp = Blueprint("customer", __name__)
