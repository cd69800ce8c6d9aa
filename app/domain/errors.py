"""Errors the domain raises, each with a stable code and a Korean/English message."""
from __future__ import annotations


class DomainError(Exception):
    """A rule said no. ``code`` is stable (API clients match on it); messages are for people.

    ``status`` is the HTTP class the outer layer should answer with; ``fields`` maps
    a field name to a short problem for form and API validation errors.
    """

    status = 422

    def __init__(self, code: str, message_ko: str, message_en: str, *,
                 status: int | None = None, fields: dict[str, str] | None = None):
        super().__init__(message_en)
        self.code = code
        self.message_ko = message_ko
        self.message_en = message_en
        if status is not None:
            self.status = status
        self.fields = fields or {}

    def message(self, locale: str | None) -> str:
        """The message in ``locale`` ('ko' unless English was asked for)."""
        return self.message_en if (locale or "ko").startswith("en") else self.message_ko


class NotFound(DomainError):
    """The object does not exist *or* the actor may not know it exists (never 403 for that)."""

    status = 404

    def __init__(self, what: str = "ticket"):
        super().__init__(
            "not_found",
            "요청하신 항목을 찾을 수 없습니다.",
            "The requested item was not found.",
        )
        self.what = what


class Forbidden(DomainError):
    """The actor's role may not do this (their own object, wrong role)."""

    status = 403

    def __init__(self, message_ko: str = "이 작업을 할 권한이 없습니다.",
                 message_en: str = "You are not allowed to do this."):
        super().__init__("forbidden", message_ko, message_en)


class Conflict(DomainError):
    """The object's state changed so the request no longer applies."""

    status = 409
