"""Search fixtures: every test here runs on each backend the run's database offers.

On SQLite that is the embedded Whoosh index (in the test's own directory, conftest's app
sets it); on PostgreSQL (``make test-pg``) the same tests run again with
``SEARCH_BACKEND=postgres``. A test about one backend's own mechanics says so with
``@pytest.mark.backends("whoosh")``.
"""
from __future__ import annotations

import importlib

import pytest
from sqlalchemy import delete

from app.extensions import db
from app.models import SearchDocument
from app.services.search import index_root, whoosh_backend
from tests.conftest import USING_PG

BACKENDS = ("whoosh", "postgres") if USING_PG else ("whoosh",)
# The PostgreSQL backend's own mechanics (its statistics, its SQL) run only where PostgreSQL is.
collect_ignore = [] if USING_PG else ["test_postgres_backend.py"]


def pytest_generate_tests(metafunc):
    if "search_backend" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("backends")
        wanted = [b for b in BACKENDS if marker is None or b in marker.args]
        metafunc.parametrize("search_backend", wanted, indirect=True)


@pytest.fixture(autouse=True)
def search_backend(request, app, web_app):
    """The backend of this run of the test, for the test body's app and the served one."""
    for one in (app, web_app):
        one.config["SEARCH_BACKEND"] = request.param
    whoosh_backend.forget_searchers()
    yield request.param
    whoosh_backend.forget_searchers()


@pytest.fixture()
def backend_module(search_backend):
    """The module of the backend under test (to stand in for it where a test must)."""
    return importlib.import_module(f"app.services.search.{search_backend}_backend")


@pytest.fixture()
def unindex(search_backend):
    """Take tickets out of the index behind the writer's back (drift, as a crash would leave it)."""
    def drop(*ticket_ids: int) -> None:
        if search_backend == "postgres":
            db.session.execute(delete(SearchDocument).where(SearchDocument.ticket_id.in_(ticket_ids)))
            db.session.commit()
            return
        ix = whoosh_backend.open_live(index_root(), create=True)
        whoosh_backend.write(ix, [], list(ticket_ids))
        ix.close()
    return drop
