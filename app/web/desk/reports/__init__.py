"""보고서: what team leads watch — SLA compliance and response times (/desk/reports)."""
from app.web.desk.reports import routes  # noqa: F401  (registers the routes)
from app.web.desk.reports.blueprint import bp

__all__ = ["bp"]
