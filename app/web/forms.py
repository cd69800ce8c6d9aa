"""Helpers of the pages' forms."""
from __future__ import annotations


def chosen_file_names(files, limit: int = 10) -> list[str]:
    """The names of the files a refused form carried, to ask for them again.

    A browser never puts a file back into a file input, so a form shown again after an
    error has lost them; the page names them instead of dropping them silently.
    """
    names = [(f.filename or "").strip() for f in files or [] if f is not None]
    return [name[:80] for name in names if name][:limit]

