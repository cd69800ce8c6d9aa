"""The embedded search backend: a Whoosh index on local disk, written by one writer.

Layout of ``SEARCH_INDEX_DIR``: one directory per generation (``gen-<stamp>``) and a
``CURRENT`` file naming the live one. A rebuild fills a new generation and replaces
``CURRENT`` atomically (``os.replace``); readers notice on their next search.

The index stores the ticket id and its last activity stamp (for the drift check);
everything shown comes from the database. Filters and visibility are Whoosh queries,
so totals never count a ticket the reader may not see.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from whoosh import collectors, columns, fields, index
from whoosh import query as wq
from whoosh.analysis import Token, Tokenizer
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.matching.wrappers import WrappingMatcher

from app.domain import search_text
from app.domain.access import ScopeKind, TicketScope
from app.domain.vocabulary import SEOUL
from app.services.search.documents import TicketDocument

log = logging.getLogger("munui.search")

SORT_FAR_FUTURE = 32503680000  # 3000-01-01: tickets without an SLA due sort last


class HangulBigramTokenizer(Tokenizer):
    """Whoosh's view of ``search_text.tokens``. Pickled into the index: keep this import path."""

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for tok in search_text.tokens(value):
            token.text = tok.text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = tok.text
            if positions:
                token.pos = start_pos + tok.position
            if chars:
                token.startchar = start_char + tok.start
                token.endchar = start_char + tok.end
            yield token


def _text(boost: float = 1.0) -> fields.TEXT:
    return fields.TEXT(analyzer=HangulBigramTokenizer(), phrase=True, field_boost=boost)


def _keyword(boost: float = 1.0) -> fields.KEYWORD:
    return fields.KEYWORD(lowercase=False, commas=False, scorable=True, field_boost=boost)


def make_schema() -> fields.Schema:
    """Text fields by audience, exact-code fields, and unstored filter/sort fields.

    Every term unique to one document costs ~100 bytes and time in Whoosh, so sort keys are
    columns (not indexed) and the date filter is by Seoul day (terms shared by a day's tickets).
    """
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        version=fields.STORED(),
        # subject (twice: it weighs more), messages and public file names; notes, their files and the
        # customer's name/email for staff. Two fields, not five: each field is a phrase match per query word.
        text=_text(), staff=_text(),
        number=_keyword(6.0), orders=_keyword(5.0), codes=_keyword(2.0), codes_internal=_keyword(2.0),
        email=_keyword(5.0),
        status=fields.ID(), category=fields.ID(), type=fields.ID(), queue=fields.ID(),
        assignee=fields.ID(), priority=fields.ID(), requester=fields.ID(),
        tag=fields.KEYWORD(commas=True, lowercase=False),
        day=fields.NUMERIC(bits=32, shift_step=8),
        created=fields.COLUMN(columns.NumericColumn("q")), updated=fields.COLUMN(columns.NumericColumn("q")),
        sla_due=fields.COLUMN(columns.NumericColumn("q")),
    )


def _stamp(value: datetime | None, default: int = 0) -> int:
    return int(value.timestamp()) if value is not None else default


def seoul_day(value: datetime | None) -> int:
    """The Seoul calendar day of ``value`` as an ordinal (the date filter's unit)."""
    return value.astimezone(SEOUL).date().toordinal() if value is not None else 0


def _fields_of(doc: TicketDocument) -> dict:
    return {
        "id": str(doc.id), "version": int(doc.updated_at.timestamp() * 1000) if doc.updated_at else 0,
        "text": "\n".join([doc.subject, doc.subject, doc.body, doc.files]),
        "staff": "\n".join([doc.notes, doc.customer]), "number": " ".join(sorted(doc.numbers)),
        "orders": " ".join(sorted(doc.orders)), "codes": " ".join(sorted(doc.codes)),
        "codes_internal": " ".join(sorted(doc.codes_internal)), "email": doc.email or "-",
        "status": doc.status, "category": doc.category or "-", "type": doc.type,
        "queue": str(doc.queue_id), "assignee": str(doc.assignee_id) if doc.assignee_id else "none",
        "priority": doc.priority, "requester": str(doc.requester_id),
        "tag": ",".join(doc.tags), "day": seoul_day(doc.created_at), "created": _stamp(doc.created_at),
        "updated": _stamp(doc.updated_at), "sla_due": _stamp(doc.sla_due_at, SORT_FAR_FUTURE),
    }


# ----------------------------------------------------------------- the query

PUBLIC_TEXT = ("text",)
STAFF_TEXT = ("staff",)


def _text_query(fieldname: str, part: search_text.QueryPart) -> wq.Query:
    if len(part.terms) == 1:
        term = part.terms[0]
        single = wq.Term(fieldname, term)
        if len(term) == 1 and "\uac00" <= term <= "\ud7a3":
            # A one-syllable word (앱) is also the start of a bigram (앱이, 앱에서).
            return wq.Or([single, wq.Prefix(fieldname, term)])
        return single
    return wq.Phrase(fieldname, list(part.terms), slop=1)


def part_query(part: search_text.QueryPart, *, staff: bool) -> wq.Query:
    """One word of the query: a phrase in the fields the reader may search, or an exact code."""
    text_fields = PUBLIC_TEXT + (STAFF_TEXT if staff else ())
    alternatives: list[wq.Query] = [_text_query(f, part) for f in text_fields if part.terms and not part.exact_code]
    code_fields = ("codes", "codes_internal") if staff else ("codes",)
    for code in part.codes:
        alternatives.extend(wq.Term(f, code) for f in code_fields)
    for number in part.numbers:
        alternatives.append(wq.Term("number", number))
        alternatives.append(wq.Term("orders", number))
    for email in part.emails:
        alternatives.append(wq.Term("codes", email))
        if staff:
            alternatives.extend([wq.Term("email", email), wq.Term("codes_internal", email)])
    return wq.Or(alternatives)


def text_query(parsed: search_text.ParsedQuery, *, staff: bool, searcher=None) -> wq.Query:
    """All words must match in a short query; a sentence matches by its rarer words, best first.

    In a sentence (4+ words) the words found in more than a fifth of all tickets (고객님, 주세요,
    문의드립니다 …) only add to the score: matching on them would score most of the index.
    """
    if parsed.empty:
        return wq.Every()
    parts = [(p, part_query(p, staff=staff)) for p in parsed.parts]
    if len(parts) <= 3:
        return wq.And([q for _p, q in parts])
    rare = [q for p, q in parts if not _common(p, searcher)]
    common = [q for p, q in parts if _common(p, searcher)]
    if not rare:
        rare, common = [q for _p, q in parts], []
    matching = wq.Or(rare, minmatch=max(1, (len(rare) + 1) // 2)) if len(rare) > 1 else rare[0]
    return wq.AndMaybe(matching, wq.Or(common)) if common else matching


def _common(part: search_text.QueryPart, searcher) -> bool:
    """``search_text.is_common`` by this index's document frequencies."""
    if searcher is None:
        return False
    total = searcher.doc_count()
    if total < search_text.MIN_DOCS_FOR_PRUNING:
        return False
    return search_text.is_common(part, lambda term: searcher.doc_frequency("text", term) / total)


class _FilterMatcher(WrappingMatcher):
    """Matches what its child matches and scores nothing: no quality for Whoosh to skip by.

    Whoosh's block-max skipping divides by a clause's boost (a 0 boost raised
    ZeroDivisionError at 100,000 tickets) and, for a clause of constant quality, may skip the
    whole clause and lose matches; this matcher says it has no block quality, so Whoosh scores
    every match instead of skipping.
    """

    def __init__(self, child, boost=0.0):
        super().__init__(child, boost)

    def replace(self, minquality=0):
        child = self.child.replace(0)
        return self if child is self.child else self._replacement(child)

    def supports_block_quality(self):
        return False

    def max_quality(self):
        return 0.0

    def block_quality(self):
        return 0.0

    def skip_to_quality(self, minquality):
        return 0

    def score(self):
        return 0.0

    def weight(self):
        return 0.0


class Unscored(wq.WrappingQuery):
    """A filter clause inside the query: narrows the matches, adds nothing to the score.

    (Not ``ConstantScoreQuery``: Whoosh 2.7 miscounts ``len(results)`` with it; not a 0 boost:
    see ``_FilterMatcher``.)
    """

    def matcher(self, searcher, context=None):
        return _FilterMatcher(self.child.matcher(searcher, searcher.boolean_context()))


def scope_query(scope: TicketScope) -> wq.Query | None:
    """Visibility as a query: own tickets, the actor's queues, everything, or nothing."""
    if scope.kind == ScopeKind.ALL:
        return None
    if scope.kind == ScopeKind.QUEUES:
        return wq.Or([wq.Term("queue", str(q)) for q in sorted(scope.queue_ids)]) \
            if scope.queue_ids else wq.NullQuery
    if scope.kind == ScopeKind.OWN:
        return wq.Term("requester", str(scope.user_id))
    return wq.NullQuery


@dataclass
class IndexFilters:
    """Filters already resolved to index values (ids, codes)."""

    statuses: tuple[str, ...] = ()
    category: str | None = None
    type: str | None = None
    queue_id: int | None = None
    assignee: str | None = None     # a user id or "none"
    priority: str | None = None
    tag: str | None = None
    order: str | None = None        # an order number, lower case
    created_from: datetime | None = None
    created_to: datetime | None = None


def filter_query(scope: TicketScope, filters: IndexFilters) -> wq.Query | None:
    """Visibility and the list filters, as one Whoosh filter query."""
    clauses: list[wq.Query] = []
    visible = scope_query(scope)
    if visible is not None:
        clauses.append(visible)
    if filters.statuses:
        clauses.append(wq.Or([wq.Term("status", s) for s in filters.statuses]))
    for name, value in (("category", filters.category), ("type", filters.type),
                        ("priority", filters.priority), ("assignee", filters.assignee),
                        ("tag", filters.tag)):
        if value:
            clauses.append(wq.Term(name, value))
    if filters.queue_id is not None:
        clauses.append(wq.Term("queue", str(filters.queue_id)))
    if filters.order:
        clauses.append(wq.Term("orders", filters.order))
    if filters.created_from or filters.created_to:
        clauses.append(wq.NumericRange("day", seoul_day(filters.created_from) if filters.created_from else None,
                                       seoul_day(filters.created_to) if filters.created_to else None))
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else wq.And(clauses)


# ----------------------------------------------------------------- the index on disk

class IndexBusy(RuntimeError):
    """The index stayed locked by another writer; the job is retried."""


_CURRENT = "CURRENT"


def _current_name(root: str) -> str | None:
    try:
        with open(os.path.join(root, _CURRENT), encoding="utf-8") as fh:
            return fh.read().strip() or None
    except FileNotFoundError:
        return None


def _generation_path(root: str, name: str) -> str:
    return os.path.join(root, name)


def open_generation(path: str) -> index.Index:
    """The index in ``path``, read through file reads rather than memory maps.

    Whoosh copies each memory-mapped segment file of a compound segment into a bytes buffer
    (``BufferFile``): a reader held the whole postings in its own memory (746 MB at 100,000
    tickets). Read through the file, the web process keeps ~100 MB and the kernel's page cache,
    shared by every process, holds the hot pages.
    """
    return FileStorage(path, supports_mmap=False).open_index()


def new_generation(root: str) -> str:
    """Create an empty index in a new generation directory (not yet live); returns its name."""
    os.makedirs(root, exist_ok=True)
    name = f"gen-{time.time_ns()}-v{search_text.ANALYSIS_VERSION}"
    path = _generation_path(root, name)
    os.makedirs(path)
    index.create_in(path, make_schema())
    return name


def make_live(root: str, name: str) -> str | None:
    """Point ``CURRENT`` at generation ``name`` atomically; returns the previous generation."""
    previous = _current_name(root)
    tmp = os.path.join(root, f".{_CURRENT}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(name)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, os.path.join(root, _CURRENT))
    return previous


def current_version(name: str | None) -> bool:
    """True when generation ``name`` was built with this code's schema and analysis."""
    return bool(name) and name.endswith(f"-v{search_text.ANALYSIS_VERSION}")


def open_live(root: str, *, create: bool) -> index.Index | None:
    """The live index (created empty when ``create`` and there is none of this version yet).

    A generation built by another version of the schema or analysis is never written to: the
    writer starts a new, empty one (``flask search check`` then reports the drift, and
    ``flask search reindex`` fills it).
    """
    name = _current_name(root)
    if name is None or not current_version(name) or not index.exists_in(_generation_path(root, name)):
        if not create:
            return None
        name = new_generation(root)
        make_live(root, name)
    return open_generation(_generation_path(root, name))


def live_generation(root: str) -> str | None:
    """The name of the live generation (for the check and the README's 'what runs where')."""
    return _current_name(root)


def write(ix: index.Index, docs: Iterable[TicketDocument], deleted: Iterable[int], *,
          attempts: int = 5, timeout: float = 2.0, fresh: bool = False) -> int:
    """Update and delete documents in one commit; a locked index is waited for, then IndexBusy.

    ``fresh``: the documents are not in the index yet (a rebuild), so nothing is looked up, and
    the commit merges small segments as it goes (Whoosh's policy). An incremental commit only
    folds the tiny segments of recent commits together (``_merge_tiny``): Whoosh's policy could
    rewrite a large segment in a one-ticket update (up to 0.5 s at 20,000 tickets), and no merge
    at all let the segments pile up (197 in two minutes of a sale-day load, each search slower).
    ``merge_small_segments`` folds the rest into the largest on a timer.
    """
    docs = list(docs)
    deleted = list(deleted)
    for attempt in range(attempts):
        try:
            writer = ix.writer(timeout=timeout, delay=0.05)
        except LockError:
            log.info("search index locked (attempt %d of %d)", attempt + 1, attempts)
            time.sleep(0.1 * (attempt + 1))
            continue
        try:
            add = writer.add_document if fresh else writer.update_document
            for doc in docs:
                add(**_fields_of(doc))
            for ticket_id in deleted:
                writer.delete_by_term("id", str(ticket_id))
            if fresh:
                writer.commit(merge=True)
            else:
                writer.commit(mergetype=_merge_tiny)
        except BaseException:
            writer.cancel()
            raise
        return len(docs) + len(deleted)
    raise IndexBusy("the search index stayed locked")


# An incremental commit writes a segment of a few documents; once there are this many segments
# under TINY_SEGMENT_DOCS, the commit merges them into one (cheap: they are small).
TINY_SEGMENT_DOCS = 1_000
TINY_SEGMENTS_KEPT = 8


def _merge(writer, segments: list, chosen: list) -> list:
    from whoosh.reading import SegmentReader

    for segment in chosen:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [s for s in segments if all(s is not c for c in chosen)]


def _merge_tiny(writer, segments: list) -> list:
    """Merge policy of an incremental commit: fold the tiny segments together once there are enough."""
    tiny = [s for s in segments if s.doc_count_all() < TINY_SEGMENT_DOCS]
    return _merge(writer, segments, tiny) if len(tiny) >= TINY_SEGMENTS_KEPT else segments


def _merge_into_largest(writer, segments: list) -> list:
    """Merge policy of the timer: every segment but the largest into one."""
    if len(segments) < 3:
        return segments
    largest = max(segments, key=lambda s: s.doc_count_all())
    return _merge(writer, segments, [s for s in segments if s is not largest])


def merge_small_segments(ix: index.Index, *, timeout: float = 2.0) -> int:
    """Merge every segment but the largest into one; returns how many segments remain.

    Run by the one writer on a timer, so the segment count stays small (two or three). A
    locked index is left for the next round.
    """
    try:
        writer = ix.writer(timeout=timeout, delay=0.05)
    except LockError:
        return len(ix._segments())  # (Whoosh has no public segment count)
    try:
        writer.commit(mergetype=_merge_into_largest)
    except BaseException:
        writer.cancel()
        raise
    return len(ix.refresh()._segments())


# Idle searchers of the live generation, shared by the process's threads: a searcher reads
# through its own file objects, so one thread uses it at a time; a thread-per-request server
# (``flask run``) takes one instead of opening the index for every request and leaving its
# files to the garbage collector.
_pool_lock = threading.Lock()
_pool: dict[tuple[str, str], list] = {}
POOL_SIZE = 8


@contextmanager
def _searcher(root: str):
    """A searcher of the live generation, refreshed if the index changed, for this block only.

    Searchers of another generation or index directory are closed as soon as one is asked for.
    """
    name = _current_name(root)
    if not current_version(name):
        name = None  # built by another version: its fields are not this code's (reindex)
    key = (root, name)
    with _pool_lock:
        stale = [s for k in list(_pool) if k != key for s in _pool.pop(k)]
        idle = _pool.setdefault(key, []) if name else []
        searcher = idle.pop() if idle else None
    for old in stale:
        old.close()
    if searcher is not None:
        searcher = searcher.refresh()
    elif name is not None and index.exists_in(_generation_path(root, name)):
        searcher = open_generation(_generation_path(root, name)).searcher()
    try:
        yield searcher
    finally:
        if searcher is not None:
            with _pool_lock:
                idle = _pool.get(key)
                kept = idle is not None and len(idle) < POOL_SIZE
                if kept:
                    idle.append(searcher)
            if not kept:
                searcher.close()


def forget_searchers() -> None:
    """Close every idle searcher (tests, and after a rebuild in the same process)."""
    with _pool_lock:
        idle = [s for searchers in _pool.values() for s in searchers]
        _pool.clear()
    for searcher in idle:
        searcher.close()


SORTS = {"newest": ("created", True), "sla_due": ("sla_due", False), "updated": ("updated", True)}


def search(root: str, parsed: search_text.ParsedQuery, *, staff: bool, scope: TicketScope,
           filters: IndexFilters, sort: str = "relevance", limit: int = 500) -> tuple[list[int], int]:
    """Ranked ticket ids (at most ``limit``) and the total number of matches the reader may see."""
    if scope_query(scope) is wq.NullQuery:
        return [], 0
    with _searcher(root) as searcher:
        if searcher is None:
            return [], 0
        return _ranked(searcher, parsed, staff=staff, scope=scope, filters=filters, sort=sort, limit=limit)


def _ranked(searcher, parsed: search_text.ParsedQuery, *, staff: bool, scope: TicketScope,
            filters: IndexFilters, sort: str, limit: int) -> tuple[list[int], int]:
    q = text_query(parsed, staff=staff, searcher=searcher)
    flt = filter_query(scope, filters)
    if flt is not None:
        # Visibility and filters are part of the query itself: the matcher skips to the documents
        # that pass them (a Whoosh ``filter=`` would build the set of every visible ticket per search).
        q = flt if isinstance(q, wq.Every) else wq.And([q, Unscored(flt)])
    if sort in SORTS or parsed.empty:
        name, reverse = SORTS[sort] if sort in SORTS else SORTS["newest"]
        results = searcher.search(q, limit=limit, sortedby=name, reverse=reverse)
    else:
        # Every match scored and counted: Whoosh's own top-N collector drops a matcher whose best
        # possible score cannot beat the N-th hit (replace) or skips blocks (quality), and then
        # counts only what it scored: 23 of 811 tickets for a product code. Visibility and filters
        # keep it from skipping anyway, and the count comes with the one pass.
        collector = collectors.TopCollector(limit, usequality=False, replace=0)
        searcher.search_with_collector(q, collector)
        results = collector.results()
    return [int(hit["id"]) for hit in results], len(results)


def indexed_versions(root: str) -> dict[int, int] | None:
    """Every indexed ticket id with its stored version (None when there is no index)."""
    ix = open_live(root, create=False)
    if ix is None:
        return None
    with ix.searcher() as searcher:
        return {int(f["id"]): f.get("version", 0) for f in searcher.all_stored_fields()}
