"""자주 쓰는 답변: managing canned answers (/desk/canned) and sending one from a ticket."""
from app.web.desk.canned import routes  # noqa: F401  (registers the routes)
from app.web.desk.canned.blueprint import bp

__all__ = ["bp"]
