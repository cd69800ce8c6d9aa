from app.web.desk.tickets import routes  # noqa: F401  (registers the routes)
from app.web.desk.tickets.blueprint import bp

__all__ = ["bp"]
