"""The reader's language, for the pages and the JSON API."""
from __future__ import annotations

from flask_babel import get_locale


def locale_code() -> str:
    """``ko`` or ``en``: the language the response is written in (Korean when nothing says otherwise)."""
    locale = get_locale()
    return locale.language if locale else "ko"
