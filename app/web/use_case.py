"""Running a page's use case: commit what it did, or undo it and tell the reader why it was refused.

A button's POST usually ends the same way either way — back to the page it came from — with a flash
saying what happened::

    with run_use_case(reraise=(403, 404)) as outcome:
        change_tags(current_user, ticket, add=..., now=utcnow())
    if outcome.ok:
        flash(_("태그를 변경했습니다."))
    return redirect(url_for("tickets.show", number=number))

Pages that show a refusal next to a form's fields (and re-render it) handle their DomainError
themselves.
"""
from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash

from app.domain.errors import DomainError
from app.services import unit_of_work
from app.web.locale import locale_code


@dataclass
class Outcome:
    """How the block of ``run_use_case`` ended: ``error`` is the refusal that was flashed, if any."""

    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        """The use case ran and its unit of work is committed."""
        return self.error is None


@contextmanager
def run_use_case(*, reraise: Collection[int] = (404,)) -> Iterator[Outcome]:
    """Commit the unit of work when the block ends; when it raises a DomainError, roll back and flash
    the error's message in the reader's language instead, and carry on after the block.

    A DomainError whose status is in ``reraise`` is rolled back and raised again, so the error pages
    answer it (by default a 404: what is not there for this reader is no flash on another page).
    Any other exception is left alone, as a view's own code would."""
    outcome = Outcome()
    try:
        yield outcome
        unit_of_work.commit()
    except DomainError as exc:
        unit_of_work.rollback()
        if exc.status in reraise:
            raise
        flash(exc.message(locale_code()))
        outcome.error = exc
