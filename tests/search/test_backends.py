"""Choosing the backend: a desk that cannot search the way it is configured does not start."""
from __future__ import annotations

import pytest

from app import create_app
from config import TestingConfig


@pytest.mark.backends("whoosh")
@pytest.mark.parametrize(("backend", "message"), [
    ("postgres", "DATABASE_URL must name a PostgreSQL database"),
    ("elastic", "SEARCH_BACKEND must be one of whoosh, postgres"),
])
def test_a_backend_that_cannot_work_here_stops_the_start(tmp_path, backend, message):
    with pytest.raises(RuntimeError, match=message):
        create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.sqlite3'}",
                   SEARCH_BACKEND=backend, UPLOAD_DIR=str(tmp_path / "uploads"))
