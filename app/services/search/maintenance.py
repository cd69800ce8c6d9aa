"""Rebuilding the index from the database and reporting drift (``flask search reindex|check``)."""
from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select

from app.extensions import db
from app.models import Ticket
from app.services import search
from app.services.search import documents

BATCH = 500


@dataclass
class Drift:
    """How the index differs from the database."""

    tickets: int = 0
    indexed: int = 0
    missing: list[int] = field(default_factory=list)   # in the database, not in the index
    extra: list[int] = field(default_factory=list)     # in the index, gone from the database
    stale: list[int] = field(default_factory=list)     # indexed before the ticket's last change
    no_index: bool = False

    @property
    def clean(self) -> bool:
        return not (self.missing or self.extra or self.stale or self.no_index)


def _version(value: datetime | None) -> int:
    return int(value.timestamp() * 1000) if value else 0


def check() -> Drift:
    """Compare every ticket's last activity with what the index holds for it."""
    versions = {tid: _version(at) for tid, at in documents.ticket_versions().items()}
    if search.backend_name() == "postgres":
        from app.services.search import postgres_backend

        indexed = postgres_backend.indexed_versions()
    else:
        from app.services.search import whoosh_backend

        indexed = whoosh_backend.indexed_versions(search.index_root())
    if indexed is None:
        return Drift(tickets=len(versions), missing=sorted(versions), no_index=True)
    return Drift(
        tickets=len(versions), indexed=len(indexed),
        missing=sorted(set(versions) - set(indexed)),
        extra=sorted(set(indexed) - set(versions)),
        stale=sorted(t for t, v in versions.items() if t in indexed and indexed[t] != v),
    )


def reindex(progress: Callable[[int], None] | None = None, *, now: datetime | None = None) -> int:
    """Build a complete index from the database beside the live one and swap it in atomically.

    Tickets changed while the build ran are indexed again into the new index right after
    the swap (the incremental writer kept writing the old one meanwhile). Returns the number
    of tickets indexed.
    """
    started = now or datetime.now(UTC)
    ids = documents.all_ticket_ids()
    if search.backend_name() == "postgres":
        return _reindex_postgres(ids, progress, started)

    from app.services.search import whoosh_backend

    root = search.index_root()
    name = whoosh_backend.new_generation(root)
    ix = whoosh_backend.open_generation(os.path.join(root, name))
    try:
        for i in range(0, len(ids), BATCH):
            docs, _gone = documents.load_documents(ids[i:i + BATCH])
            whoosh_backend.write(ix, docs, [], fresh=True)
            db.session.rollback()  # let go of the rows read (memory) between batches
            if progress:
                progress(len(ids[i:i + BATCH]))
    finally:
        ix.close()
    previous = whoosh_backend.make_live(root, name)
    changed = list(db.session.scalars(select(Ticket.id).where(Ticket.updated_at >= started)))
    if changed:
        search.index_tickets(changed)
    if previous and previous != name:
        shutil.rmtree(os.path.join(root, previous), ignore_errors=True)
    whoosh_backend.forget_searchers()
    return len(ids)


def _reindex_postgres(ids: list[int], progress: Callable[[int], None] | None, started: datetime) -> int:
    """Rewrite every ticket's row, a batch per transaction, then drop rows of deleted tickets.

    Readers never see an empty or half-built index: each row is replaced in place (MVCC).
    Tickets changed while the rebuild ran are written again at the end (a batch may have read
    them just before the incremental writer wrote their newer state).
    """
    from app.services import unit_of_work
    from app.services.search import postgres_backend

    for i in range(0, len(ids), BATCH):
        docs, gone = documents.load_documents(ids[i:i + BATCH])
        postgres_backend.write(docs, gone)
        unit_of_work.commit()
        if progress:
            progress(len(ids[i:i + BATCH]))
    extra = set(postgres_backend.indexed_versions()) - set(documents.all_ticket_ids())
    changed = list(db.session.scalars(select(Ticket.id).where(Ticket.updated_at >= started)))
    docs, gone = documents.load_documents(changed)
    postgres_backend.write(docs, extra | gone)
    unit_of_work.commit()
    return len(ids)
