from app.web.orders import routes  # noqa: F401  (registers the routes)
from app.web.orders.blueprint import bp

__all__ = ["bp"]
