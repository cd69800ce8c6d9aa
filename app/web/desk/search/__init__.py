"""검색: one search over every ticket the agent may see (/desk/search)."""
from app.web.desk.search import routes  # noqa: F401  (registers the routes)
from app.web.desk.search.blueprint import bp

__all__ = ["bp"]
