"""One commit per request, job or command, with side effects released only after it.

Services register work to run after a successful commit (``after_commit``) and
files they wrote (``track_new_file``). ``commit()`` runs the hooks once the
transaction is durable; ``rollback()`` (or a request that ends without a commit)
deletes the files, so a failed request leaves no orphan file behind.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable

from app.extensions import db

log = logging.getLogger(__name__)
_HOOKS = "munui_after_commit"
_FILES = "munui_new_files"
_MEMO = "munui_unit_memo"


def after_commit(hook: Callable[[], None]) -> None:
    """Run ``hook`` after the current transaction commits; drop it on rollback."""
    db.session.info.setdefault(_HOOKS, []).append(hook)


def track_new_file(path: str) -> None:
    """Remember a file written in this unit of work so a rollback can delete it."""
    db.session.info.setdefault(_FILES, []).append(path)


def memo(name: str) -> dict:
    """A dict that lives as long as the current unit of work (forgotten on commit and rollback)."""
    return db.session.info.setdefault(_MEMO, {}).setdefault(name, {})


def commit() -> None:
    """Commit the unit of work, then release its side effects."""
    try:
        db.session.commit()
    except Exception:
        rollback()
        raise
    db.session.info.pop(_FILES, None)
    db.session.info.pop(_MEMO, None)
    hooks = db.session.info.pop(_HOOKS, [])
    db.session.info.pop("munui_outbox_pending", None)
    for hook in hooks:
        hook()


def rollback() -> None:
    """Undo the unit of work: roll the session back and delete files it wrote."""
    db.session.rollback()
    discard_pending()


def discard_pending() -> None:
    """Forget hooks and delete files of a unit of work that did not commit."""
    db.session.info.pop(_HOOKS, None)
    db.session.info.pop(_MEMO, None)
    db.session.info.pop("munui_outbox_pending", None)
    for path in db.session.info.pop(_FILES, []):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError:
            log.exception("could not delete uncommitted upload %s", path)
