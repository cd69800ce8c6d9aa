"""Errors the domain raises, each with a stable code and a Korean/English message."""
from __future__ import annotations


class DomainError(Exception):
    """A rule said no. ``code`` is stable (API clients match on it); messages are for people.

    ``status`` is the HTTP class the outer layer should answer with; ``fields`` maps
    a field name to a short problem code for form and API validation errors.

    A form refused for several reasons at once carries one message per field as well:
    ``field_messages`` maps a field name to its (Korean, English) message, read with
    ``field_message(name, locale)``. An error built with only ``fields`` (the usual
    single-problem case) answers every field with its one message, so callers need not
    know which kind they got. ``FieldErrors`` collects the problems of a whole form.
    """

    status = 422

    def __init__(self, code: str, message_ko: str, message_en: str, *,
                 status: int | None = None, fields: dict[str, str] | None = None,
                 field_messages: dict[str, tuple[str, str]] | None = None):
        super().__init__(message_en)
        self.code = code
        self.message_ko = message_ko
        self.message_en = message_en
        if status is not None:
            self.status = status
        self.fields = fields or {}
        self.field_messages = field_messages or {}

    def message(self, locale: str | None) -> str:
        """The message in ``locale`` ('ko' unless English was asked for)."""
        return self.message_en if _english(locale) else self.message_ko

    def field_message(self, name: str, locale: str | None) -> str:
        """What to show next to field ``name``: its own message, else the error's message."""
        pair = self.field_messages.get(name)
        if pair is None:
            return self.message(locale)
        return pair[1] if _english(locale) else pair[0]


def invalid(fields: dict[str, str], message_ko: str, message_en: str, *, code: str = "validation_failed",
            status: int = 422) -> DomainError:
    """A refused input: ``fields`` maps each field at fault to its problem code (``{"name": "required"}``).

    ``code`` is the error's stable code (``validation_failed`` unless a caller names its own,
    e.g. ``same_ticket``); ``status`` the HTTP class (422). Several problems of one form at
    once are ``FieldErrors``' job.
    """
    return DomainError(code, message_ko, message_en, status=status, fields=fields)


def _english(locale: str | None) -> bool:
    return (locale or "ko").startswith("en")


class FieldErrors:
    """The problems of one form, collected field by field so the form is refused once, with all of them.

    ``add`` records a field's problem (the first one per field wins: fix that, then the next);
    ``add_error`` takes a DomainError some check raised (an upload refused, say) for its fields.
    ``raise_if_any`` raises one DomainError: code and status of the lone problem when there is
    one (``unsupported_file_type`` stays a 415), else ``validation_failed``/422; its message
    is the field messages in order, and ``fields``/``field_messages`` name each field.
    """

    def __init__(self) -> None:
        self._problems: dict[str, tuple[str, str, str, str, int]] = {}

    def add(self, name: str, code: str, message_ko: str, message_en: str, *, status: int = 422,
            error_code: str = "validation_failed") -> None:
        self._problems.setdefault(name, (code, message_ko, message_en, error_code, status))

    def add_error(self, exc: DomainError) -> None:
        for name, code in (exc.fields or {"form": exc.code}).items():
            ko, en = exc.field_messages.get(name, (exc.message_ko, exc.message_en))
            self.add(name, code, ko, en, status=exc.status, error_code=exc.code)

    def __contains__(self, name: str) -> bool:
        return name in self._problems

    def __bool__(self) -> bool:
        return bool(self._problems)

    def error(self) -> DomainError:
        problems = self._problems
        if len(problems) == 1:
            ((_name, (_code, _ko, _en, error_code, status)),) = problems.items()
        else:
            error_code, status = "validation_failed", 422
        ko = " ".join(p[1] for p in problems.values())
        en = " ".join(p[2] for p in problems.values())
        return DomainError(error_code, ko, en, status=status,
                           fields={name: p[0] for name, p in problems.items()},
                           field_messages={name: (p[1], p[2]) for name, p in problems.items()})

    def raise_if_any(self) -> None:
        if self._problems:
            raise self.error()


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


# Row ids are INTEGER columns: 32-bit on PostgreSQL (SQLite would hold 64). A larger number in a
# URL or a body names nothing (404 / 422); it must never reach the database as a value it cannot hold.
MAX_ROW_ID = 2**31 - 1


def is_row_id(value: int) -> bool:
    """True when ``value`` can be the id of a stored row (1 … 2³¹−1)."""
    return 0 < value <= MAX_ROW_ID
