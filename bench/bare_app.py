"""The baseline of performance.md: a bare Flask page that does one indexed query.

One route reads 25 rows of a 100,000-row SQLite table by an indexed column and
renders them with a tiny Jinja template. Nothing built on Flask and SQLite serves a
page faster on the same machine; run.py serves it with gunicorn next to the desk.

    BARE_DB=bench/data/bare.sqlite3 gunicorn --chdir bench bare_app:app
"""
from __future__ import annotations

import os
import random
import sqlite3
from pathlib import Path

from flask import Flask, abort, render_template
from jinja2 import DictLoader

ROWS = 100_000
PER_GROUP = 25
TEMPLATE = """<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>그룹 {{ group }}</title></head>
<body><h1>그룹 {{ group }}</h1>
<table>{% for row in rows %}
<tr><td>{{ row[0] }}</td><td>{{ row[1] }}</td><td>{{ "{:,}".format(row[2]) }}원</td><td>{{ row[3] }}</td></tr>
{%- endfor %}</table></body></html>
"""

app = Flask(__name__)
app.jinja_loader = DictLoader({"items.html": TEMPLATE})
_connection: sqlite3.Connection | None = None


def connection() -> sqlite3.Connection:
    """One connection per worker process, opened after the fork (as a pool would keep it)."""
    global _connection
    if _connection is None:
        _connection = sqlite3.connect(os.environ.get("BARE_DB", "bare.sqlite3"))
    return _connection


@app.route("/items/<int:group>")
def items(group: int):
    rows = connection().execute(
        "SELECT id, name, price, created_at FROM items WHERE group_id = ? ORDER BY id LIMIT 25", (group,)
    ).fetchall()
    if not rows:
        abort(404)
    return render_template("items.html", group=group, rows=rows)


def create_database(path: Path, rows: int = ROWS) -> None:
    """The 100,000-row table with an index on group_id (25 rows per group), built once."""
    path = Path(path)
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    rng = random.Random(7)
    words = ("무선", "키보드", "티셔츠", "러닝화", "원두", "백팩", "수건", "크림", "스탠드", "케이스")
    groups = [i // PER_GROUP for i in range(rows)]  # exactly 25 rows a group, scattered over the table
    rng.shuffle(groups)
    conn = sqlite3.connect(tmp)
    with conn:
        conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL, "
                     "name TEXT NOT NULL, price INTEGER NOT NULL, created_at TEXT NOT NULL)")
        conn.executemany(
            "INSERT INTO items (id, group_id, name, price, created_at) VALUES (?, ?, ?, ?, ?)",
            ((i, groups[i - 1], f"{rng.choice(words)} {rng.choice(words)} {i}",
              rng.randrange(1000, 200000), f"2026-{1 + i % 12:02d}-{1 + i % 28:02d} 10:00:00")
             for i in range(1, rows + 1)))
        conn.execute("CREATE INDEX ix_items_group_id ON items (group_id)")
    conn.close()
    tmp.rename(path)
