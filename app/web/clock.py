"""The clock of the pages: read only by the outermost callers (views, jobs, commands)."""
from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, in UTC; the domain and services are handed it, never read it."""
    return datetime.now(UTC)
