"""app/domain stays pure: no Flask, no database, no app layers, no clock (architecture rule 1).

The scanner reads every module of ``app/domain`` with ``ast`` (nothing is imported), so a
forbidden import hidden in a function body or behind ``if TYPE_CHECKING`` is caught too.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

DOMAIN_DIR = Path(__file__).resolve().parents[2] / "app" / "domain"

FORBIDDEN_MODULES = ("flask", "sqlalchemy", "werkzeug", "app.models", "app.services",
                     "app.extensions")
# Third-party packages the domain may use besides the standard library.
ALLOWED_THIRD_PARTY = ("holidays",)
FORBIDDEN_CALLS = frozenset({
    "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today",
    "datetime.date.today", "time.time", "time.time_ns",
    # Unresolved spellings (a name that was not imported in the module itself).
    "datetime.now", "datetime.utcnow", "date.today",
})


def _resolve_relative(module: str | None, level: int, package: str) -> str:
    if level == 0:
        return module or ""
    parts = package.split(".")
    base = parts[: len(parts) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else None
    return None


def scan(source: str, package: str = "app.domain") -> list[str]:
    """Problems in one module's source: forbidden imports and clock reads."""
    tree = ast.parse(source)
    problems: list[str] = []
    aliases: dict[str, str] = {}
    imported: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                imported.append((node.lineno, alias.name))
                aliases[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            module = _resolve_relative(node.module, node.level, package)
            for alias in node.names:
                # `from app import models` imports the module app.models.
                imported.append((node.lineno, f"{module}.{alias.name}" if module else alias.name))
                aliases[alias.asname or alias.name] = f"{module}.{alias.name}"
    for lineno, name in imported:
        top = name.split(".")[0]
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN_MODULES):
            problems.append(f"line {lineno}: imports {name}")
        elif top == "app":
            if not (name == "app.domain" or name.startswith("app.domain.")):
                problems.append(f"line {lineno}: imports {name} (outside app.domain)")
        elif top not in sys.stdlib_module_names and top not in ALLOWED_THIRD_PARTY and top != "__future__":
            problems.append(f"line {lineno}: imports third-party {name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name is None:
                continue
            head, _, rest = name.partition(".")
            resolved = aliases.get(head, head) + ("." + rest if rest else "")
            if resolved in FORBIDDEN_CALLS or name in FORBIDDEN_CALLS:
                problems.append(f"line {node.lineno}: reads the clock with {name}()")
    return problems


def _domain_modules() -> list[Path]:
    return sorted(DOMAIN_DIR.rglob("*.py"))


def test_the_scan_covers_the_domain_modules():
    names = {p.name for p in _domain_modules()}
    assert {"__init__.py", "access.py", "errors.py", "ticket_flow.py", "uploads.py"} <= names


@pytest.mark.parametrize("path", _domain_modules(), ids=lambda p: p.name)
def test_domain_module_is_pure(path):
    problems = scan(path.read_text(encoding="utf-8"))
    assert problems == [], f"{path.relative_to(DOMAIN_DIR.parents[1])}: " + "; ".join(problems)


# ---------------------------------------------------------------- the scanner itself catches things

@pytest.mark.parametrize("source", [
    "import flask",
    "from flask import current_app",
    "import sqlalchemy.orm",
    "from sqlalchemy import select",
    "from werkzeug.security import generate_password_hash",
    "from app.models import Ticket",
    "from app import models",
    "from app.services.tickets import create_ticket",
    "from app.extensions import db",
    "from .. import extensions",
    "from ..models.ticket import Ticket",
    "def f():\n    from flask import g\n    return g",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app.models import User",
    "import requests",
    "from app.web import locale_code",
])
def test_scanner_flags_forbidden_imports(source):
    assert scan(source), source


@pytest.mark.parametrize("source", [
    "from datetime import datetime\nx = datetime.now()",
    "from datetime import datetime, UTC\nx = datetime.now(UTC)",
    "import datetime\nx = datetime.datetime.now()",
    "import datetime as dt\nx = dt.datetime.utcnow()",
    "from datetime import datetime as DT\nx = DT.now()",
    "from datetime import date\nx = date.today()",
    "import datetime\nx = datetime.date.today()",
    "import time\nx = time.time()",
    "from time import time\nx = time()",
    "from time import time as clock\nx = clock()",
    "def later():\n    from datetime import datetime\n    return datetime.utcnow()",
])
def test_scanner_flags_clock_reads(source):
    problems = scan(source)
    assert any("clock" in p for p in problems), source


@pytest.mark.parametrize("source", [
    "from datetime import datetime, timedelta\n\ndef due(now: datetime) -> datetime:\n"
    "    return now + timedelta(hours=1)",
    "from app.domain.errors import DomainError",
    "from .roles import Role",
    "from __future__ import annotations\nimport unicodedata\nfrom enum import StrEnum",
    "import holidays",
    "from zoneinfo import ZoneInfo\nSEOUL = ZoneInfo('Asia/Seoul')",
    "import time\ntime.sleep(0)",
])
def test_scanner_accepts_pure_code(source):
    assert scan(source) == []
