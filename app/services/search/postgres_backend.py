"""The PostgreSQL search backend: bigram ``tsvector`` columns with GIN indexes, in the desk's database.

For a desk whose web processes run on several machines: every process reads the same rows,
so there is no index on one machine's disk to keep in step. The terms are those of the
embedded backend (``search_text.tokens``: Hangul bigrams, Latin and digit words), written
as ``tsvector`` literals with their positions, so a word's bigrams match as a phrase
(``'환' <-> '불'``-style ``<->`` operators); no PostgreSQL text-search configuration or
parser is involved (the server's locale cannot change what is found). Exact codes,
ticket and order numbers and emails are ``text[]`` keys matched with ``&&``.

Visibility and filters are not copied into the index: the query joins ``tickets`` and
applies the same scoped SELECT the lists use, so a ticket moved to another queue a moment
ago is already out of an agent's results and totals. The rows are written only by the
``search`` job (one writer) in the transaction that marks its outbox event delivered.
"""
from __future__ import annotations

import time as _time
from collections.abc import Iterable

from sqlalchemy import Select, Text, and_, case, cast, delete, func, literal, or_, select
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY, insert

from app.domain import search_text
from app.extensions import db
from app.models import SearchDocument, Ticket
from app.services.search.documents import TicketDocument

DOC = SearchDocument.__table__
# PostgreSQL's limits: positions 1..16383, 256 positions per lexeme, lexemes < 2 kB.
MAX_POSITION = 16383
MAX_POSITIONS_PER_TERM = 255
MAX_TERM_CHARS = 100
# Positions left empty between the subject, the messages and the file names: no phrase across them.
FIELD_GAP = 8
# Score of a part matched by an exact key (ticket/order number, code, email) beside a word match.
KEY_MATCH_SCORE = 2


def _lexeme(term: str) -> str:
    # Terms are Hangul syllables, [a-z0-9]+ runs or jamo: never a quote or a backslash.
    return term[:MAX_TERM_CHARS]


def tsvector_literal(pieces: Iterable[tuple[str, str]]) -> str:
    """``'환불':1A,7 '불요':2A …`` for (text, weight) pieces, positions continuing across pieces."""
    positions: dict[str, list[str]] = {}
    offset = 0
    for text, weight in pieces:
        last = 0
        for tok in search_text.tokens(text):
            where = min(offset + tok.position + 1, MAX_POSITION)
            listed = positions.setdefault(_lexeme(tok.text), [])
            if len(listed) < MAX_POSITIONS_PER_TERM:
                listed.append(f"{where}{weight}")
            last = tok.position + 1
        offset += last + FIELD_GAP
    return " ".join(f"'{term}':{','.join(where)}" for term, where in positions.items())


def row_of(doc: TicketDocument) -> dict:
    """The ``search_documents`` row of one ticket document."""
    public_keys = {f"c:{c}" for c in doc.codes} | {f"n:{n}" for n in doc.numbers} | {f"o:{o}" for o in doc.orders}
    staff_keys = {f"c:{c}" for c in doc.codes_internal} | ({f"e:{doc.email}"} if doc.email else set())
    return {
        "ticket_id": doc.id,
        "public_terms": tsvector_literal([(doc.subject, "A"), (doc.body, "D"), (doc.files, "D")]),
        "subject_terms": tsvector_literal([(doc.subject, "A")]),
        "staff_terms": tsvector_literal([(doc.notes, "D"), (doc.customer, "D")]),
        "public_keys": sorted(public_keys), "staff_keys": sorted(staff_keys),
        "version": int(doc.updated_at.timestamp() * 1000) if doc.updated_at else 0,
        "analysis_version": search_text.ANALYSIS_VERSION,
    }


def write(docs: Iterable[TicketDocument], deleted: Iterable[int]) -> int:
    """Upsert these documents and delete these ids, in the caller's transaction.

    The documents were read from the database just now: the newest state always wins (no
    comparison of timestamps, which other machines' clocks may skew).
    """
    rows = [row_of(d) for d in docs]
    gone = sorted(set(deleted))
    if rows:
        stmt = insert(DOC)
        stmt = stmt.on_conflict_do_update(
            index_elements=[DOC.c.ticket_id],
            set_={c: stmt.excluded[c] for c in ("public_terms", "subject_terms", "staff_terms", "public_keys",
                                                 "staff_keys", "version", "analysis_version")},
        )
        db.session.execute(stmt, rows)
    if gone:
        db.session.execute(delete(DOC).where(DOC.c.ticket_id.in_(gone)))
    return len(rows) + len(gone)


# ----------------------------------------------------------------- the query

def part_tsquery(part: search_text.QueryPart) -> str | None:
    """One query word's bigrams as a phrase (``'환불' <-> '불요' <-> '요청'``); None without terms."""
    if not part.terms:
        return None
    terms = [_lexeme(t) for t in part.terms]
    if len(terms) == 1 and len(terms[0]) == 1 and "\uac00" <= terms[0] <= "\ud7a3":
        # A one-syllable word (앱) is also the start of a bigram (앱이, 앱에서).
        return f"'{terms[0]}':*"
    return " <-> ".join(f"'{t}'" for t in terms)


def _keys(values: Iterable[str]):
    return literal(sorted(set(values)), ARRAY(Text()))


def _tsquery(text: str):
    return cast(literal(text, Text()), TSQUERY)


def _terms_match(column, tsq):
    return column.op("@@")(tsq)


def part_condition(part: search_text.QueryPart, *, staff: bool):
    """One word of the query: its phrase in the text the reader may search, or one of its exact keys."""
    alternatives = []
    tsq = None if part.exact_code else part_tsquery(part)
    if tsq is not None:
        query = _tsquery(tsq)
        alternatives.append(_terms_match(DOC.c.public_terms, query))
        if staff:
            alternatives.append(_terms_match(DOC.c.staff_terms, query))
    public = {f"c:{c}" for c in part.codes} | {f"n:{n}" for n in part.numbers} | \
        {f"o:{n}" for n in part.numbers} | {f"c:{e}" for e in part.emails}
    if public:
        alternatives.append(DOC.c.public_keys.op("&&")(_keys(public)))
    if staff:
        internal = {f"c:{c}" for c in part.codes} | {f"c:{e}" for e in part.emails} | {f"e:{e}" for e in part.emails}
        if internal:
            alternatives.append(DOC.c.staff_keys.op("&&")(_keys(internal)))
    return or_(*alternatives) if alternatives else None


def _key_condition(part: search_text.QueryPart, *, staff: bool):
    keys = {f"n:{n}" for n in part.numbers} | {f"o:{n}" for n in part.numbers} | {f"c:{c}" for c in part.codes}
    conditions = [DOC.c.public_keys.op("&&")(_keys(keys))] if keys else []
    if staff and part.emails:
        conditions.append(DOC.c.staff_keys.op("&&")(_keys({f"e:{e}" for e in part.emails})))
    return or_(*conditions) if conditions else None


def search(parsed: search_text.ParsedQuery, *, staff: bool, visible: Select, sort: str = "relevance",
           limit: int = 500) -> tuple[list[int], int]:
    """Ranked ticket ids (at most ``limit``) among ``visible`` (a scoped, filtered SELECT of tickets).

    Short queries need every word and rank subject matches first (``ts_rank`` over the small
    subject vector: ranking over the whole text read every match's TOASTed terms, 60 of a
    query's 87 ms at 100,000 tickets), newest first on ties. A sentence (4+ words) needs half
    of its rarer words and ranks by how many it has; its common words (in more than a fifth of
    the tickets, by the column's statistics) neither select nor score, as in the Whoosh backend.
    """
    stmt = visible.with_only_columns(Ticket.id, func.count().over().label("total"))
    order = []
    if not parsed.empty:
        conditions = [(p, c) for p in parsed.parts if (c := part_condition(p, staff=staff)) is not None]
        if not conditions:
            return [], 0
        stmt = stmt.join(DOC, DOC.c.ticket_id == Ticket.id).where(
            DOC.c.analysis_version == search_text.ANALYSIS_VERSION)
        any_word = " | ".join(f"({q})" for p, _c in conditions if (q := part_tsquery(p)))
        score = func.ts_rank(DOC.c.subject_terms, _tsquery(any_word)) if any_word else literal(0.0)
        if len(conditions) <= 3:
            stmt = stmt.where(and_(*(c for _p, c in conditions)))
        else:
            shares = common_term_shares()
            rare = [(p, c) for p, c in conditions if not _common(p, shares)] or conditions
            matched = sum((case((c, 1), else_=0) for _p, c in rare), literal(0))
            stmt = stmt.where(or_(*(c for _p, c in rare)))
            if len(rare) > 1:
                stmt = stmt.where(matched >= (len(rare) + 1) // 2)
                score = matched * 10 + score
        keyed = [k for p, _c in conditions if (k := _key_condition(p, staff=staff)) is not None]
        if keyed:
            score = score + case((or_(*keyed), KEY_MATCH_SCORE), else_=0)
        if sort == "relevance":
            order.append(score.desc())
    if sort == "sla_due":
        order.append(Ticket.sla_due_at.asc().nulls_last())
    elif sort == "updated":
        order.append(Ticket.updated_at.desc())
    order += [Ticket.created_at.desc(), Ticket.id.desc()]
    # No parallel workers for this transaction: a search reads a few thousand rows, and on a small
    # server the workers' start-up and the web processes they compete with cost more than they
    # save (p95 51 → 44 ms at 100,000 tickets on 2 cores).
    db.session.execute(sql_text("SET LOCAL max_parallel_workers_per_gather = 0"))
    rows = db.session.execute(stmt.order_by(*order).limit(limit)).all()
    return [r[0] for r in rows], (rows[0][1] if rows else 0)


SHARES_KEPT_SECONDS = 600
_shares: dict[str, tuple[float, dict[str, float]]] = {}


def common_term_shares(now: float | None = None) -> dict[str, float]:
    """The share of tickets holding each of the most common terms, from PostgreSQL's statistics.

    ANALYZE (autovacuum) keeps the most common elements of ``public_terms`` with their
    frequencies; reading them costs one small query, kept for ten minutes per process. Empty
    when the table is small or not analysed yet: then no word counts as common.
    """
    now = _time.monotonic() if now is None else now
    key = str(db.engine.url)
    kept = _shares.get(key)
    if kept is not None and now - kept[0] < SHARES_KEPT_SECONDS:
        return kept[1]
    row = db.session.execute(sql_text(
        "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, c.reltuples "
        "FROM pg_class c LEFT JOIN pg_stats s ON s.tablename = c.relname AND s.attname = 'public_terms' "
        "AND s.schemaname = current_schema() "
        "WHERE c.oid = to_regclass('search_documents')")).first()
    shares: dict[str, float] = {}
    if row is not None and row[0] and row[1] and (row[2] or 0) >= search_text.MIN_DOCS_FOR_PRUNING:
        shares = dict(zip(row[0], row[1], strict=False))  # (the frequencies end with min, max, nulls)
    _shares[key] = (now, shares)
    return shares


def _common(part: search_text.QueryPart, shares: dict[str, float]) -> bool:
    """``search_text.is_common`` by the column's statistics (a term not among them is rare)."""
    return bool(shares) and search_text.is_common(part, lambda term: shares.get(_lexeme(term), 0.0))


def indexed_versions() -> dict[int, int]:
    """Every indexed ticket id with the version it was indexed at (another analysis counts as stale)."""
    return {tid: (version if analysis == search_text.ANALYSIS_VERSION else -1)
            for tid, version, analysis in db.session.execute(
                select(DOC.c.ticket_id, DOC.c.version, DOC.c.analysis_version))}
