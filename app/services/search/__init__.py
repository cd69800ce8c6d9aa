"""Searching tickets: one interface over the search backends, the same for pages and the API.

``search_tickets(actor, SearchRequest(...))`` asks the configured backend (``SEARCH_BACKEND``:
``whoosh``, the embedded default, or ``postgres``) for the ranked ids of the tickets the
actor may see (visibility is part of the backend's query, so totals are right), re-checks
every hit against the database with the same access rule the lists use, and returns rows
with snippets cut from the database text. A query that cannot be read is never an error:
it is an empty query with a message.

Writing the index is ``index_tickets(ids)``; only the ``search`` job and the
``flask search`` commands call it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from app.domain import access, search_text
from app.domain.errors import DomainError
from app.domain.ticket_flow import Status
from app.domain.vocabulary import SEOUL, Priority, TicketType
from app.extensions import db
from app.models import Category, Order, SupportQueue, Tag, Ticket, User, ticket_tags
from app.services.search import documents
from app.services.tickets.core import scoped_tickets

SORTS = ("relevance", "newest", "sla_due")
# Hits fetched from the index beyond the page, so a few stale ones can be dropped.
WINDOW_SLACK = 50
MAX_WINDOW = 1000
# Seconds an in-process index write waits for another writer before leaving the event to the relay.
IN_REQUEST_LOCK_WAIT = 0.5


@dataclass
class SearchRequest:
    """What a search box and its filters ask for (strings as typed; bad values are ignored)."""

    q: str = ""
    statuses: list[str] = field(default_factory=list)
    category: str | None = None
    type: str | None = None
    queue: str | None = None        # a queue slug
    assignee: str | None = None     # "me", "none" or a user id
    priority: str | None = None
    tag: str | None = None
    date_from: date | None = None   # 접수일, Seoul days, inclusive
    date_to: date | None = None
    order_number: str | None = None
    sort: str = "relevance"


@dataclass
class SearchHit:
    """A ticket the reader may see, with a snippet of where the words were found."""

    ticket: Ticket
    snippet: list[search_text.Segment]
    source: str  # subject | body | note | file | customer | none


@dataclass
class SearchPage:
    hits: list[SearchHit]
    total: int
    page: int
    per_page: int
    parsed: search_text.ParsedQuery
    # Why nothing was searched (the query had nothing searchable), for the page to say so.
    empty_query: bool = False

    @property
    def tickets(self) -> list[Ticket]:
        return [h.ticket for h in self.hits]


BACKENDS = ("whoosh", "postgres")


def backend_name() -> str:
    """The configured backend: ``whoosh`` (files under SEARCH_INDEX_DIR) or ``postgres`` (in the database)."""
    name = (current_app.config.get("SEARCH_BACKEND") or "whoosh").strip().lower()
    if name not in BACKENDS or (name == "postgres" and db.engine.dialect.name != "postgresql"):
        # Never fall back silently: on several machines each would search its own partial index.
        raise DomainError("search_unavailable", "검색을 지금 사용할 수 없습니다.", "Search is not available now.",
                          status=503)
    return name


def index_root() -> str:
    return current_app.config["SEARCH_INDEX_DIR"]


def _seoul_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SEOUL)


def _resolve_filters(actor: User, req: SearchRequest):
    """Filter values as the index knows them; a value that names nothing matches nothing."""
    from app.services.search.whoosh_backend import IndexFilters

    valid_status = {s.value for s in Status}
    statuses = tuple(s for s in req.statuses if s in valid_status)
    if req.statuses and not statuses:
        statuses = ("-",)
    queue_id = None
    if req.queue:
        queue_id = db.session.scalar(select(SupportQueue.id).where(SupportQueue.slug == req.queue)) or -1
    assignee = None
    if req.assignee == "me":
        assignee = str(actor.id)
    elif req.assignee == "none":
        assignee = "none"
    elif req.assignee and req.assignee.isdigit():
        assignee = req.assignee
    return IndexFilters(
        statuses=statuses, category=req.category or None,
        type=req.type if req.type in {t.value for t in TicketType} else (None if not req.type else "-"),
        queue_id=queue_id, assignee=assignee,
        priority=req.priority if req.priority in {p.value for p in Priority} else (None if not req.priority else "-"),
        tag=(req.tag or "").strip() or None,
        order=(req.order_number or "").strip().lower() or None,
        created_from=_seoul_start(req.date_from) if req.date_from else None,
        created_to=_seoul_start(req.date_to + timedelta(days=1)) - timedelta(seconds=1) if req.date_to else None,
    )


def _recheck(actor: User, ids: list[int], flt) -> set[int]:
    """The ids among ``ids`` the actor may see *now* and that still pass the filters (the database decides)."""
    if not ids:
        return set()
    return set(db.session.scalars(visible_tickets(actor, flt).with_only_columns(Ticket.id)
                                  .where(Ticket.id.in_(ids))))


def visible_tickets(actor: User, flt) -> Select:
    """SELECT of the tickets ``actor`` may see that pass the filters (the list's access rule)."""
    stmt = scoped_tickets(actor)
    if flt.statuses:
        stmt = stmt.where(Ticket.status.in_(flt.statuses))
    if flt.type:
        stmt = stmt.where(Ticket.type == flt.type)
    if flt.priority:
        stmt = stmt.where(Ticket.priority == flt.priority)
    if flt.queue_id is not None:
        stmt = stmt.where(Ticket.queue_id == flt.queue_id)
    if flt.assignee == "none":
        stmt = stmt.where(Ticket.assignee_id.is_(None))
    elif flt.assignee:
        stmt = stmt.where(Ticket.assignee_id == int(flt.assignee))
    if flt.category:
        stmt = stmt.where(Ticket.category_id.in_(select(Category.id).where(Category.code == flt.category)))
    if flt.tag:
        stmt = stmt.where(Ticket.id.in_(select(ticket_tags.c.ticket_id).join(Tag, Tag.id == ticket_tags.c.tag_id)
                                        .where(Tag.name == flt.tag)))
    if flt.order:
        stmt = stmt.where(Ticket.order_id.in_(select(Order.id).where(func.lower(Order.number) == flt.order)))
    if flt.created_from:
        stmt = stmt.where(Ticket.created_at >= flt.created_from)
    if flt.created_to:
        stmt = stmt.where(Ticket.created_at <= flt.created_to)
    return stmt


def _backend_search(actor: User, parsed, flt, sort: str, limit: int) -> tuple[list[int], int]:
    scope = access.ticket_scope(actor.actor())
    staff = access.can_see_internal(actor.actor())
    if backend_name() == "postgres":
        from app.services.search import postgres_backend

        return postgres_backend.search(parsed, staff=staff, visible=visible_tickets(actor, flt), sort=sort,
                                       limit=limit)
    from app.services.search import whoosh_backend

    return whoosh_backend.search(index_root(), parsed, staff=staff, scope=scope, filters=flt,
                                 sort=sort, limit=limit)


def search_tickets(actor: User, req: SearchRequest, *, page: int = 1, per_page: int = 25) -> SearchPage:
    """One page of the tickets ``actor`` may see that match ``req``, best first (or as sorted)."""
    parsed = search_text.parse_query(req.q)
    page = max(1, page)
    per_page = max(1, min(per_page, 100))
    sort = req.sort if req.sort in SORTS else "relevance"
    if parsed.empty and req.q and req.q.strip():
        # Only `*`, brackets or punctuation: say so, exactly as for any user.
        return SearchPage([], 0, page, per_page, parsed, empty_query=True)
    flt = _resolve_filters(actor, req)
    window = min(MAX_WINDOW, page * per_page + WINDOW_SLACK)
    ids, total = _backend_search(actor, parsed, flt, sort, window)
    allowed = _recheck(actor, ids, flt)
    kept = [i for i in ids if i in allowed]
    total = max(len(kept), total - (len(ids) - len(kept)))
    page_ids = kept[(page - 1) * per_page: page * per_page]
    rows = {t.id: t for t in db.session.scalars(
        select(Ticket).where(Ticket.id.in_(page_ids or [-1]))
        .options(selectinload(Ticket.messages), selectinload(Ticket.order), selectinload(Ticket.tags),
                 selectinload(Ticket.sla_policy))
    )}
    staff = access.can_see_internal(actor.actor())
    hits = [SearchHit(rows[i], *_snippet_for(rows[i], parsed, staff=staff)) for i in page_ids if i in rows]
    return SearchPage(hits, total, page, per_page, parsed)


@dataclass
class SearchChoices:
    """What the filter selects of the search page offer this actor (no counts: nothing to leak)."""

    categories: list[Category]
    queues: list[SupportQueue]
    tags: list[str]


def choices_for(actor: User) -> SearchChoices:
    """Categories, the queues the actor may see, and tag names, for the desk search page."""
    categories = list(db.session.scalars(select(Category).order_by(Category.position, Category.id)))
    queues = list(db.session.scalars(select(SupportQueue).order_by(SupportQueue.id)))
    scope = access.ticket_scope(actor.actor())
    if scope.kind != access.ScopeKind.ALL:
        queues = [q for q in queues if q.id in scope.queue_ids]
    tags = list(db.session.scalars(select(Tag.name).order_by(Tag.name).limit(200))) \
        if access.can_see_internal(actor.actor()) else []
    return SearchChoices(categories, queues, tags)


def _snippet_for(ticket: Ticket, parsed: search_text.ParsedQuery, *, staff: bool):
    """The first text the reader may see that contains a searched word, marked (escaped later)."""
    words = parsed.words()
    public = [m for m in ticket.messages if not m.internal]
    candidates: list[tuple[str, str]] = [("subject", ticket.subject)]
    candidates += [("body", m.body) for m in public]
    candidates += [("file", a.filename) for m in public for a in m.attachments]
    if staff:
        internal = [m for m in ticket.messages if m.internal]
        candidates += [("note", m.body) for m in internal]
        candidates += [("note", a.filename) for m in internal for a in m.attachments]
        if ticket.requester is not None:
            candidates.append(("requester", f"{ticket.requester.name} {ticket.requester.email}"))
    if words:
        # The text with the most marked characters; the subject (shown anyway) only if nothing else.
        best, best_score = None, 0.0
        for source, text in candidates:
            segments = search_text.snippet(text, words)
            score = sum(len(seg.text) for seg in segments if seg.hit) - (0.5 if source == "subject" else 0)
            if score > best_score:
                best, best_score = (segments, source), score
        if best is not None:
            return best
    first = public[0].body if public else ""
    return search_text.snippet(first, []), "none"


# ----------------------------------------------------------------- writing (the one writer)

def index_tickets(ticket_ids, *, patient: bool = True) -> int:
    """Bring the index in line with the database for these tickets (idempotent); returns docs written.

    ``patient``: a worker waits for a locked Whoosh index (about 10 s in all); in-process, right
    after a request's commit, it tries once, briefly, and leaves the event to the relay, so a
    request is never held by another writer.
    """
    docs, missing = documents.load_documents(ticket_ids)
    if backend_name() == "postgres":
        from app.services.search import postgres_backend

        # In the caller's transaction: the job commits it with its outbox event's delivery.
        return postgres_backend.write(docs, missing)
    from app.services.search import whoosh_backend

    ix = whoosh_backend.open_live(index_root(), create=True)
    try:
        if patient:
            return whoosh_backend.write(ix, docs, missing)
        return whoosh_backend.write(ix, docs, missing, attempts=1, timeout=IN_REQUEST_LOCK_WAIT)
    finally:
        ix.close()


def merge_index() -> int | None:
    """Merge the Whoosh index's small segments (the writer's timer); None for the PostgreSQL backend."""
    if backend_name() == "postgres":
        return None  # PostgreSQL keeps its own GIN indexes
    from app.services.search import whoosh_backend

    ix = whoosh_backend.open_live(index_root(), create=False)
    if ix is None:
        return 0
    try:
        return whoosh_backend.merge_small_segments(ix)
    finally:
        ix.close()

