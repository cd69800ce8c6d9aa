"""Search fixtures: the index lives in the test's own directory (conftest's app sets it)."""
from __future__ import annotations

import pytest

from app.services.search import whoosh_backend


@pytest.fixture(autouse=True)
def _fresh_searchers():
    """Each test opens its own index; cached searchers of earlier tests are closed."""
    whoosh_backend.forget_searchers()
    yield
    whoosh_backend.forget_searchers()
