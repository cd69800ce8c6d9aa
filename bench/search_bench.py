"""Search benchmark: build time, size, latency and recall/precision of the search analyzers.

    .venv/bin/python bench/search_bench.py                      # 100,000 tickets, bigram and standard
    .venv/bin/python bench/search_bench.py --tickets 20000 --analyzers bigram
    .venv/bin/python bench/search_bench.py --out bench/results/search-latest.md
    .venv/bin/python bench/search_bench.py --analyzers bigram postgres   # both backends of the desk

Generates Korean 1:1 inquiries (~300 characters: openings, filler sentences, one labelled
*concept* written in one of its surface forms — particles, endings, compounds, spaced
compounds — a product with its SKU, sometimes a phone number, an order number) and the
ground truth of 40 labelled queries, 14 of them with a status filter. Indexes them through
the real code (``app.services.search.whoosh_backend``: schema, writer, query builder) for
``bigram``; ``standard`` is Whoosh's default analysis with its QueryParser over the same
text, the baseline the issue names. ``postgres`` is the desk's PostgreSQL backend
(``app.services.search.postgres_backend``: the same terms as ``tsvector`` rows with GIN
indexes, joined to ``tickets`` for visibility and filters) in a throwaway database on
``--database-url``'s server, built by the real migrations. Reports docs/s, index size, p50/p95 query latency,
recall@20 and precision@20 (and set recall over all results), one-ticket incremental
update latency, and the RSS of a process that only reads the index (the web process).
Nothing here runs in the test suite.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.texts import CLOSINGS, OPENINGS, PRODUCTS  # noqa: E402

# concept → the query a person types, and the ways tickets write it
CONCEPTS = {
    "refund": ("환불", ("환불을 요청합니다", "환불이 안 됩니다", "빨리 환불해주세요", "환불요청 드립니다",
                        "환불 받고 싶어요")),
    "delay": ("배송지연", ("배송지연이 심합니다", "배송 지연 보상 문의", "배송지연 때문에 곤란합니다")),
    "exchange": ("교환", ("교환 신청합니다", "교환이 가능한가요", "교환해 주세요")),
    "broken": ("파손", ("파손되어 왔어요", "파손이 심합니다", "상자 파손 상태로")),
    "restock": ("재입고", ("재입고 언제 되나요", "재입고 알림 신청", "재입고가 되면 알려주세요")),
    "misdelivery": ("오배송", ("오배송 되었어요", "오배송입니다", "오배송 건 처리")),
    "receipt": ("현금영수증", ("현금영수증 발급 부탁드립니다", "현금 영수증 요청합니다", "현금영수증이 필요해요")),
    "double": ("중복결제", ("중복결제 된 것 같아요", "중복 결제 확인 부탁드립니다", "중복결제가 되었습니다")),
    "coupon": ("쿠폰", ("쿠폰이 적용 안 돼요", "쿠폰 사용이 안 됩니다", "쿠폰을 받지 못했어요")),
    "points": ("적립금", ("적립금이 사라졌어요", "적립금 사용 문의", "적립금을 돌려주세요")),
    "password": ("비밀번호", ("비밀번호 변경이 안 돼요", "비밀번호가 틀리다고 나와요", "비밀번호를 잊었어요")),
    "tracking": ("송장번호", ("송장번호 조회가 안 됩니다", "송장 번호가 틀려요", "송장번호를 알려주세요")),
    "pickup": ("회수", ("회수 기사님이 안 오셨어요", "회수가 안 됐어요", "회수 요청드립니다")),
    "size": ("사이즈", ("사이즈가 작아요", "사이즈가 커서 못 입어요", "사이즈 문의드립니다")),
    "soldout": ("품절", ("품절이라고 나옵니다", "품절된 상품인데요", "품절 안내를 받았어요")),
    "app": ("앱", ("앱이 자꾸 꺼져요", "앱에서 결제가 안 돼요", "앱 오류가 납니다")),
    "cancel": ("주문취소", ("주문취소 요청합니다", "주문 취소 부탁드립니다", "주문취소가 안 돼요")),
    "invoice": ("세금계산서", ("세금계산서 발행 요청", "세금 계산서가 필요합니다", "세금계산서를 받고 싶어요")),
    "expiry": ("유통기한", ("유통기한이 지났어요", "유통 기한 확인 부탁드립니다", "유통기한을 알고 싶어요")),
    "wrap": ("포장", ("포장이 뜯겨 왔어요", "선물 포장 가능한가요", "포장 상태가 엉망입니다")),
}
FILLERS = ("지난주에 주문했습니다.", "늘 잘 이용하고 있습니다.", "바쁘시겠지만 빠른 처리 부탁드립니다.",
           "가족에게 줄 물건입니다.", "어제 저녁에 받았습니다.", "확인해 보시고 연락 주세요.",
           "처음 이용해 봅니다.", "친구 추천으로 샀어요.", "회사로 받았습니다.", "급한 건이라 부탁드립니다.",
           "전화로도 문의했는데 연결이 안 됐어요.", "자세한 안내 부탁드립니다.",
           "주말에도 상담이 되는지 궁금합니다.", "상세 페이지 설명과 조금 달라 보여요.", "사진을 함께 첨부했습니다.",
           "부모님 댁으로 보내드린 물건이에요.", "이번이 세 번째 구매입니다.", "문자 안내를 받고 연락드립니다.",
           "답변이 늦어지면 곤란한 상황입니다.", "혹시 다른 방법이 있으면 알려주세요.", "회원 등급 혜택도 궁금합니다.",
           "매장에서도 처리가 가능한지 알고 싶어요.", "이전 문의 내용도 함께 봐 주세요.",
           "평소에 만족하며 쓰고 있어요.")
STATUSES = (("new", 8), ("open", 10), ("pending", 7), ("solved", 15), ("closed", 60))
SENTENCE_QUERY = ("배송지연 때문에 곤란합니다 빨리 확인해 주세요", "delay")


@dataclass
class Doc:
    id: int
    number: str
    subject: str
    body: str
    concept: str
    sku: str
    phone: str | None
    order: str | None
    status: str
    created_at: datetime


@dataclass
class LabelledQuery:
    text: str
    relevant: set[int]
    status: str | None = None
    kind: str = "word"
    results: list[int] = field(default_factory=list)


def generate(n: int, seed: int = 7) -> list[Doc]:
    rng = random.Random(seed)
    products = list(PRODUCTS) + [("IP-15", "아이폰15 케이스", 15900)]
    keys = list(CONCEPTS)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    docs = []
    for i in range(1, n + 1):
        concept = keys[i % len(keys)] if i <= len(keys) else rng.choice(keys)
        sku, name, _price = rng.choice(products)
        surface = rng.choice(CONCEPTS[concept][1])
        phone = f"010-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}" if rng.random() < 0.2 else None
        order = f"2026{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}-{i:06d}" if rng.random() < 0.6 else None
        # ~300 characters, as the corpus: the concept among thirteen filler sentences.
        fillers = rng.sample(FILLERS, 13)
        parts = [rng.choice(OPENINGS), f"{name}({sku}) 관련입니다.", *fillers[:7], f"{surface}.", *fillers[7:]]
        if phone:
            parts.append(f"연락처는 {phone} 입니다.")
        if order:
            parts.append(f"주문번호 {order}.")
        parts.append(rng.choice(CLOSINGS))
        created = start + timedelta(minutes=5 * i)
        status = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0]
        docs.append(Doc(i, f"M-{created:%Y%m%d}-{i:06d}", f"{name} 문의", " ".join(p for p in parts if p),
                        concept, sku, phone, order, status, created))
    return docs


def labelled_queries(docs: list[Doc], seed: int = 11) -> list[LabelledQuery]:
    rng = random.Random(seed)
    by = lambda pred: {d.id for d in docs if pred(d)}  # noqa: E731
    out = []
    for i, (key, (query, _forms)) in enumerate(CONCEPTS.items()):
        status = "open" if i % 3 == 0 else None
        out.append(LabelledQuery(query, by(lambda d, k=key, s=status: d.concept == k and (not s or d.status == s)),
                                 status, "word"))
    for sku in ("TS-01", "SN-22", "KB-07", "IP-15", "MK-09", "DS-33", "HD-18", "DG-11"):
        status = "closed" if sku in ("KB-07", "HD-18") else None
        out.append(LabelledQuery(sku, by(lambda d, s=sku, st=status: d.sku == s and (not st or d.status == st)),
                                 status, "sku"))
    phones = [d for d in docs if d.phone]
    for d in rng.sample(phones, 4):
        out.append(LabelledQuery(d.phone, by(lambda x, p=d.phone: x.phone == p), None, "phone"))
    orders = [d for d in docs if d.order]
    for j, d in enumerate(rng.sample(orders, 4)):
        q = d.order if j % 2 == 0 else d.order.split("-")[1]
        out.append(LabelledQuery(q, by(lambda x, o=d.order, st=d.status if j == 3 else None:
                                       x.order == o and (not st or x.status == st)), d.status if j == 3 else None,
                                 "order" if j % 2 == 0 else "order tail"))
    for j, d in enumerate(rng.sample(docs, 3)):
        q = d.number if j == 0 else d.number[-6:]
        out.append(LabelledQuery(q, {d.id}, None, "ticket" if j == 0 else "ticket tail"))
    sentence, concept = SENTENCE_QUERY
    out.append(LabelledQuery(sentence, by(lambda d: d.concept == concept), None, "sentence"))
    return out[:40]


def _document(d: Doc):
    from app.domain import search_text
    from app.services.search.documents import TicketDocument

    numbers = search_text.digit_tails(d.number) | {d.number.lower()}
    orders = (search_text.digit_tails(d.order) | {d.order}) if d.order else set()
    return TicketDocument(id=d.id, number=d.number, subject=d.subject, body=d.body, files="", notes="",
                          customer="", email="", numbers=numbers, orders=orders,
                          codes=search_text.codes(f"{d.subject} {d.body}"), status=d.status, category="other",
                          type="inquiry", queue_id=1, requester_id=1, created_at=d.created_at,
                          updated_at=d.created_at)


def _dir_size(path: str) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def build_bigram(docs: list[Doc], root: str) -> tuple[float, int]:
    from whoosh import index

    from app.services.search import whoosh_backend

    name = whoosh_backend.new_generation(root)
    whoosh_backend.make_live(root, name)
    ix = index.open_dir(os.path.join(root, name))
    t0 = time.perf_counter()
    for i in range(0, len(docs), 2000):
        whoosh_backend.write(ix, [_document(d) for d in docs[i:i + 2000]], [], fresh=True)
    elapsed = time.perf_counter() - t0
    ix.close()
    return elapsed, _dir_size(root)


def query_bigram(root: str, queries: list[LabelledQuery]) -> list[float]:
    from app.domain.access import ScopeKind, TicketScope
    from app.domain.search_text import parse_query
    from app.services.search import whoosh_backend

    scope = TicketScope(ScopeKind.QUEUES, queue_ids=frozenset({1, 2}))
    times = []
    whoosh_backend.search(root, parse_query("워밍업"), staff=True, scope=scope, filters=whoosh_backend.IndexFilters())
    for q in queries:
        t0 = time.perf_counter()
        flt = whoosh_backend.IndexFilters(statuses=(q.status,) if q.status else ())
        q.results, _total = whoosh_backend.search(root, parse_query(q.text), staff=True, scope=scope,
                                                  filters=flt, limit=20)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def incremental_bigram(docs: list[Doc], root: str, n: int = 20) -> list[float]:
    from app.services.search import whoosh_backend

    ix = whoosh_backend.open_live(root, create=False)
    times = []
    for d in random.Random(3).sample(docs, n):
        t0 = time.perf_counter()
        whoosh_backend.write(ix, [_document(d)], [])
        times.append((time.perf_counter() - t0) * 1000)
    ix.close()
    return times


# ----------------------------------------------------------------- the PostgreSQL backend

class PostgresBench:
    """A throwaway database with the desk's schema, the generated tickets and their search rows."""

    def __init__(self, server_url: str):
        from sqlalchemy.engine import make_url

        self.name = f"munui_search_bench_{os.getpid()}"
        base = make_url(server_url)
        self.admin_url = base.set(database="postgres")
        self.url = base.set(database=self.name).render_as_string(hide_password=False)
        self.app = None

    def __enter__(self):
        from flask_migrate import upgrade
        from sqlalchemy import create_engine, text

        from app import create_app

        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}"'))
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        admin.dispose()
        self.app = create_app("testing", SQLALCHEMY_DATABASE_URI=self.url, SEARCH_BACKEND="postgres",
                              UPLOAD_DIR=tempfile.mkdtemp(prefix="munui-search-uploads-"))
        self.ctx = self.app.app_context()
        self.ctx.push()
        upgrade()
        return self

    def __exit__(self, *exc):
        from sqlalchemy import create_engine, text

        from app.extensions import db

        db.session.remove()
        db.engine.dispose()
        self.ctx.pop()
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        admin.dispose()

    def insert_tickets(self, docs: list[Doc]) -> None:
        """The tickets table the backend joins (visibility, filters, sort keys), in bulk."""
        from sqlalchemy import insert, select

        from app.extensions import db
        from app.models import Category, SupportQueue, Ticket, User
        from app.seed.defaults import ensure_default_catalogue

        ensure_default_catalogue()
        customer = User(email="bench@example.com", name="벤치", role="customer", password_hash="-",
                        active=True, session_version=1, created_at=datetime(2026, 1, 1, tzinfo=UTC))
        db.session.add(customer)
        db.session.commit()
        queues = list(db.session.scalars(select(SupportQueue.id).order_by(SupportQueue.id)))
        category = db.session.scalar(select(Category.id).order_by(Category.id))
        for i in range(0, len(docs), 5000):
            db.session.execute(insert(Ticket), [
                {"id": d.id, "number": d.number, "type": "inquiry", "category_id": category,
                 "queue_id": queues[d.id % len(queues)], "requester_id": customer.id, "subject": d.subject,
                 "status": d.status, "priority": "normal", "created_at": d.created_at, "updated_at": d.created_at,
                 "message_count": 1} for d in docs[i:i + 5000]])
            db.session.commit()
        self.queue_ids = frozenset(queues)

    def size(self) -> int:
        from sqlalchemy import text

        from app.extensions import db

        return db.session.scalar(text("SELECT pg_total_relation_size('search_documents')"))


def build_postgres(docs: list[Doc], bench: PostgresBench) -> tuple[float, int]:
    from sqlalchemy import text

    from app.extensions import db
    from app.services.search import postgres_backend

    bench.insert_tickets(docs)
    t0 = time.perf_counter()
    for i in range(0, len(docs), 2000):
        postgres_backend.write([_document(d) for d in docs[i:i + 2000]], [])
        db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return time.perf_counter() - t0, bench.size()


def query_postgres(bench: PostgresBench, queries: list[LabelledQuery]) -> list[float]:
    """An agent of every queue searching, as the desk asks: scoped SELECT + the backend's query."""
    from sqlalchemy import select

    from app.domain.search_text import parse_query
    from app.models import Ticket
    from app.services.search import postgres_backend

    def visible(status):
        stmt = select(Ticket).where(Ticket.queue_id.in_(bench.queue_ids))
        return stmt.where(Ticket.status == status) if status else stmt

    postgres_backend.search(parse_query("워밍업"), staff=True, visible=visible(None))
    times = []
    for q in queries:
        t0 = time.perf_counter()
        q.results, _total = postgres_backend.search(parse_query(q.text), staff=True, visible=visible(q.status),
                                                    limit=20)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def incremental_postgres(docs: list[Doc], n: int = 20) -> list[float]:
    from app.extensions import db
    from app.services.search import postgres_backend

    times = []
    for d in random.Random(3).sample(docs, n):
        t0 = time.perf_counter()
        postgres_backend.write([_document(d)], [])
        db.session.commit()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def build_standard(docs: list[Doc], root: str) -> tuple[float, int]:
    from whoosh import fields, index
    from whoosh.analysis import StandardAnalyzer

    schema = fields.Schema(id=fields.ID(stored=True, unique=True), subject=fields.TEXT(analyzer=StandardAnalyzer()),
                           body=fields.TEXT(analyzer=StandardAnalyzer()), status=fields.ID())
    os.makedirs(root, exist_ok=True)
    ix = index.create_in(root, schema)
    t0 = time.perf_counter()
    for i in range(0, len(docs), 2000):
        w = ix.writer()
        for d in docs[i:i + 2000]:
            w.add_document(id=str(d.id), subject=d.subject, body=f"{d.number} {d.body}", status=d.status)
        w.commit()
    elapsed = time.perf_counter() - t0
    ix.close()
    return elapsed, _dir_size(root)


def query_standard(root: str, queries: list[LabelledQuery]) -> list[float]:
    from whoosh import index
    from whoosh import query as wq
    from whoosh.qparser import MultifieldParser

    ix = index.open_dir(root)
    searcher = ix.searcher()
    parser = MultifieldParser(["subject", "body"], ix.schema)
    times = []
    for q in queries:
        t0 = time.perf_counter()
        try:
            parsed = parser.parse(q.text)
            flt = wq.Term("status", q.status) if q.status else None
            q.results = [int(h["id"]) for h in searcher.search(parsed, limit=20, filter=flt)]
        except Exception:  # noqa: BLE001 - the baseline may choke on input; count it as nothing found
            q.results = []
        times.append((time.perf_counter() - t0) * 1000)
    searcher.close()
    return times


def score(queries: list[LabelledQuery]) -> tuple[float, float, int]:
    recalls, precisions, zero = [], [], 0
    for q in queries:
        hits = set(q.results)
        if not q.results:
            zero += 1
        good = len(hits & q.relevant)
        recalls.append(good / min(20, len(q.relevant)) if q.relevant else 1.0)
        precisions.append(good / len(q.results) if q.results else (0.0 if q.relevant else 1.0))
    return statistics.mean(recalls), statistics.mean(precisions), zero


def reader_rss(root: str) -> int:
    """RSS (MB) of a fresh process that creates the app and answers searches: the web process's cost."""
    code = f"""
import os, resource
os.environ.setdefault("MUNUI_INSTANCE_DIR", {tempfile.mkdtemp()!r})
from app import create_app
from app.domain.access import ScopeKind, TicketScope
from app.domain.search_text import parse_query
from app.services.search import whoosh_backend
app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")
for q in ("환불", "배송지연", "TS-01", "010-1234-5678", "주문취소 요청합니다"):
    whoosh_backend.search({root!r}, parse_query(q), staff=True, scope=TicketScope(ScopeKind.ALL),
                          filters=whoosh_backend.IndexFilters())
# VmHWM, not ru_maxrss: ru_maxrss survives exec and would report the benchmark's own peak.
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print(int(status["VmHWM"].split()[0]) // 1024)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return int(out.stdout.strip().splitlines()[-1])


def _per_kind(queries: list[LabelledQuery], per_kind: dict[str, list[str]]) -> None:
    kinds: dict[str, list[LabelledQuery]] = {}
    for q in queries:
        kinds.setdefault(q.kind, []).append(q)
    for kind, qs in kinds.items():
        r, p, _z = score(qs)
        per_kind.setdefault(kind, []).append(f"{r:.2f} / {p:.2f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--analyzers", nargs="+", default=["bigram", "standard"],
                        choices=["bigram", "standard", "postgres"])
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                        help="the PostgreSQL server for the postgres backend (a throwaway database is made there)")
    parser.add_argument("--out", default=None, help="also write the table (markdown) here")
    parser.add_argument("--keep", default=None, help="build the bigram index here and keep it")
    args = parser.parse_args(argv)

    docs = generate(args.tickets)
    queries = labelled_queries(docs)
    chars = statistics.mean(len(d.subject) + len(d.body) for d in docs)
    lines = [f"# Search benchmark ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)", "",
             f"`{' '.join(['bench/search_bench.py'] + (argv or sys.argv[1:]))}` on {os.cpu_count()} cores, "
             f"Python {sys.version.split()[0]}; {len(docs):,} generated tickets, ~{chars:.0f} characters each; "
             f"{len(queries)} labelled queries ({sum(1 for q in queries if q.status)} with a status filter).", "",
             "| analyzer | build | docs/s | size | query p50 / p95 | recall@20 | precision@20 | 0-hit queries |"
             " one-ticket update p50 / max | reader RSS |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    per_kind: dict[str, list[str]] = {}
    for name in args.analyzers:
        if name == "postgres":
            with PostgresBench(args.database_url) as bench:
                elapsed, size = build_postgres(docs, bench)
                times = sorted(query_postgres(bench, queries))
                inc = incremental_postgres(docs)
            recall, precision, zero = score(queries)
            p95 = times[max(0, int(len(times) * 0.95) - 1)]
            lines.append(f"| postgres (desk backend) | {elapsed:.0f} s | {len(docs) / elapsed:.0f} | "
                         f"{size / 1e6:.0f} MB | {statistics.median(times):.1f} / {p95:.1f} ms | {recall:.3f} | "
                         f"{precision:.3f} | {zero} | {statistics.median(inc):.0f} / {max(inc):.0f} ms | "
                         f"— (in PostgreSQL) |")
            _per_kind(queries, per_kind)
            print(lines[-1], flush=True)
            continue
        root = args.keep if (args.keep and name == "bigram") else tempfile.mkdtemp(prefix=f"munui-search-{name}-")
        if args.keep and name == "bigram":
            shutil.rmtree(root, ignore_errors=True)
        build, fn = (build_bigram, query_bigram) if name == "bigram" else (build_standard, query_standard)
        elapsed, size = build(docs, root)
        times = sorted(fn(root, queries))
        recall, precision, zero = score(queries)
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        update, rss = "—", "—"
        if name == "bigram":
            inc = incremental_bigram(docs, root)
            update = f"{statistics.median(inc):.0f} / {max(inc):.0f} ms"
            rss = f"{reader_rss(root)} MB"
        lines.append(f"| {name} | {elapsed:.0f} s | {len(docs) / elapsed:.0f} | {size / 1e6:.0f} MB | "
                     f"{statistics.median(times):.1f} / {p95:.1f} ms | {recall:.3f} | {precision:.3f} | {zero} | "
                     f"{update} | {rss} |")
        _per_kind(queries, per_kind)
        print(lines[-1], flush=True)
        if not (args.keep and name == "bigram"):
            shutil.rmtree(root, ignore_errors=True)
    lines += ["", "recall@20 / precision@20 by kind of query:", "",
              "| kind | " + " | ".join(args.analyzers) + " |", "|---|" + "---:|" * len(args.analyzers)]
    lines += [f"| {kind} | " + " | ".join(vals) + " |" for kind, vals in per_kind.items()]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    lines += ["", f"peak RSS of this benchmark process: {peak} MB"]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
