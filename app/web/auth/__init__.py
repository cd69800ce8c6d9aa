from app.web.auth import routes  # noqa: F401  (registers the routes)
from app.web.auth.blueprint import bp

__all__ = ["bp"]
