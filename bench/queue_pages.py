#!/usr/bin/env python3
"""The agent's desk views on a generated desk, page 1 and deep pages, as an agent reads them.

    .venv/bin/python bench/queue_pages.py --database-url postgresql://postgres@127.0.0.1:5432/munui_bench_1m
    .venv/bin/python bench/queue_pages.py bench/data/bench.sqlite3

Signs in as the bench agent through the real login form (in-process test client, production
config), then times each view: page 1, and a deep page reached as a person reaches it, by
following the 다음 link (keyset) page after page — and, for comparison, the same depth asked
by number (``?page=N``, an OFFSET). A view with no rows is the baseline: the signed-in page
and its fixed queries without any list. Median and p95 of ``--runs`` requests each.
Writes bench/results/queue-pages-latest.md.
"""
from __future__ import annotations

import argparse
import html
import re
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import benchlib

NEXT = re.compile(r'<a href="([^"]+)">다음 ›</a>')
VIEWS = [
    ("signed-in page, no rows (baseline: a tag no ticket has)", "/desk?view=open&tag=no-such-tag-zzqx"),
    ("전체 미해결 (open), page 1", "/desk?view=open"),
    ("내 담당 (mine), page 1", "/desk?view=mine"),
    ("미배정 (unassigned), page 1", "/desk?view=unassigned"),
    ("기한 임박 (breaching), page 1", "/desk?view=breaching"),
    ("종료 (closed), page 1", "/desk?view=closed"),
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", type=Path, default=benchlib.DEFAULT_SQLITE)
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--depth", type=int, default=200, help="the deep page, reached by 다음 links")
    parser.add_argument("--out", type=Path, default=benchlib.RESULTS_DIR / "queue-pages-latest.md")
    return parser.parse_args()


def timed(client, url: str, runs: int) -> tuple[float, float, str]:
    client.get(url)                                   # warm-up
    times, page = [], ""
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        page = response.get_data(as_text=True)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)], page


def main() -> int:
    args = parse_args()
    url = benchlib.sqlalchemy_url(args.database_url) if args.database_url else benchlib.sqlite_url(args.path)
    app = benchlib.script_app(url, benchlib.upload_dir_for(args.database_url, args.path))
    app.config["WTF_CSRF_SSL_STRICT"] = False
    with app.app_context():
        from sqlalchemy import func, select

        from app.extensions import db
        from app.models import Ticket

        tickets = db.session.scalar(select(func.count()).select_from(Ticket))
        dialect = db.engine.dialect.name
        db.session.remove()
    client = benchlib.signed_in_client(app, benchlib.BENCH_AGENT_EMAIL)
    lines = [f"# Desk views — {tickets:,} tickets, {dialect}\n",
             f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, code {benchlib.code_version()}, in-process, signed in "
             f"as {benchlib.BENCH_AGENT_EMAIL}, {args.runs} requests each after a warm-up.\n",
             "| view | median ms | p95 ms | count shown |", "|---|---:|---:|---|"]
    print("\n".join(lines), flush=True)

    def row(name, link):
        median, p95, page = timed(client, link, args.runs)
        count = re.search(r'<span class="count">([^<]*)</span>', page)
        lines.append(f"| {name} | {median:.1f} | {p95:.1f} | {count.group(1) if count else ''} |")
        print(lines[-1], flush=True)
        return page

    for name, link in VIEWS:
        row(name, link)
    for view in ("open", "closed"):
        link, page = f"/desk?view={view}", client.get(f"/desk?view={view}").get_data(as_text=True)
        for _ in range(args.depth - 1):
            found = NEXT.search(page)
            if not found:
                break
            link = html.unescape(found.group(1))
            page = client.get(link).get_data(as_text=True)
        depth = re.search(r"page=(\d+)", link)
        reached = int(depth.group(1)) if depth else 1
        row(f"{view}, page {reached} by 다음 links (keyset)", link)
        row(f"{view}, page {reached} by number (offset)", f"/desk?view={view}&page={reached}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
