from app.web.admin import routes, sla_routes  # noqa: F401  (registers the routes)
from app.web.admin.blueprint import bp

__all__ = ["bp"]
