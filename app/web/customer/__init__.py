from app.web.customer import routes  # noqa: F401  (registers the routes)
from app.web.customer.blueprint import bp

__all__ = ["bp"]
