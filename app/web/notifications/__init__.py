from app.web.notifications import routes  # noqa: F401  (registers the routes)
from app.web.notifications.blueprint import bp

__all__ = ["bp"]
