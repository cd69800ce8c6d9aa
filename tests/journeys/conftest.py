"""Journey fixtures: browsers that use only the pages' own forms."""
from __future__ import annotations

import pytest

from tests.journeys.browser import Browser


@pytest.fixture()
def browser(web_app):
    """A new person's browser (call it once per person)."""
    return lambda: Browser(web_app.test_client())


@pytest.fixture()
def mail_dir(app):
    return app.config["MAIL_FILE_DIR"]
