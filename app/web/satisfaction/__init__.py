"""만족도: the survey a solved inquiry's customer answers by a signed link (/csat/<token>)."""
from app.web.satisfaction import routes  # noqa: F401  (registers the routes)
from app.web.satisfaction.blueprint import bp

__all__ = ["bp"]
