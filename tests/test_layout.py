"""The house rules, checked on the source: the layers import in one direction, one module decides
who may do what, and pages and API handlers call services instead of querying.

(The domain's purity — no Flask, no database, no clock — is tests/domain/test_purity.py.)
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app"
ROLES = {"customer", "seller", "agent", "lead", "admin", "integration"}
# The only modules that may spell a role: the vocabulary that names them and the access rules.
ROLE_HOMES = {"app/domain/vocabulary.py", "app/domain/access.py"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in APP.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _resolve(module: str, level: int, current: str, is_package: bool) -> str:
    if not level:
        return module
    base = current.split(".") if is_package else current.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def imports_of(name: str) -> list[tuple[str, int, list[str]]]:
    """(imported module, line, names) for every import in the module, at any depth (function-local too)."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    result = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            result += [(alias.name, node.lineno, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = _resolve(node.module or "", node.level, name, is_package)
            result.append((module, node.lineno, [alias.name for alias in node.names]))
    return result


def import_graph() -> dict[str, set[str]]:
    """app module -> the app modules it imports (``from pkg import mod`` counts as importing ``pkg.mod``)."""
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name in MODULES:
        for module, _line, names in imports_of(name):
            if not (module == "app" or module.startswith("app.")):
                continue
            targets = {f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES}
            if module in MODULES and len(targets) < len(names):
                targets.add(module)
            graph[name] |= {t for t in targets if t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycle_among_app_modules():
    """Module-level and function-local imports alike: a cycle held apart by a local import is still a
    cycle (the layers are: domain ← models ← services ← jobs/web/api; seed and cli on top)."""
    assert cycles(import_graph()) == []


def test_no_private_name_is_imported_across_modules():
    problems = []
    for name in MODULES:
        for module, line, names in imports_of(name):
            if module.startswith("app") and module != name:
                problems += [f"{name}:{line} imports {module}.{n}" for n in names
                             if n.startswith("_") and n != "__future__"]
    assert problems == []


def _is_view(name: str) -> bool:
    return name.startswith("app.api.") or (name.startswith("app.web.") and (
        name.rsplit(".", 1)[-1].endswith("routes") or name.rsplit(".", 1)[-1] in {"refund_payments", "attachments"}))


def test_views_and_api_handlers_call_services_instead_of_querying():
    problems = []
    for name, path in MODULES.items():
        if not _is_view(name) or name == "app.api.spec":
            continue
        for module, line, names in imports_of(name):
            if module == "sqlalchemy" or module.startswith("sqlalchemy."):
                problems.append(f"{name}:{line} imports {module}")
            if module == "app.extensions" and "db" in names:
                problems.append(f"{name}:{line} imports the database session")
        source = path.read_text(encoding="utf-8")
        for needle in ("db.session", ".query(", "select("):
            if needle in source:
                problems.append(f"{name} uses {needle}")
    assert problems == []


def _role_literals(path: Path) -> list[str]:
    """Role names used as roles: compared (``role == "agent"``, ``in ("lead", "admin")``), gathered in a
    tuple/list/set, given as a ``role=`` keyword or to a decorator. A key of the order JSON that
    happens to be called "customer" is not a role."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hits: set[ast.Constant] = set()

    def roles_in(node) -> list[ast.Constant]:
        if isinstance(node, ast.Constant) and node.value in ROLES:
            return [node]
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            return [e for e in node.elts if isinstance(e, ast.Constant) and e.value in ROLES]
        return []

    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for operand in [node.left, *node.comparators]:
                hits.update(roles_in(operand))
        elif isinstance(node, ast.Tuple | ast.List | ast.Set):
            hits.update(roles_in(node))
        elif isinstance(node, ast.keyword) and node.arg in {"role", "roles"}:
            hits.update(roles_in(node.value))
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "").endswith("_required"):
            for arg in node.args:
                hits.update(roles_in(arg))
    return [f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}" for node in sorted(hits, key=lambda n: n.lineno)]


def test_roles_are_spelled_only_by_the_vocabulary_and_the_access_rules():
    """Who may do what is decided in app/domain/access.py; everything else names roles by the
    vocabulary's enum (``Role.AGENT``) or asks access (``access.can_decide_claim``)."""
    problems = []
    for path in sorted(APP.rglob("*.py")):
        if str(path.relative_to(ROOT)) not in ROLE_HOMES:
            problems += _role_literals(path)
    assert problems == []


def test_templates_ask_access_instead_of_comparing_roles():
    problems = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ".role" in line and any(f"'{r}'" in line or f'"{r}"' in line for r in ROLES):
                problems.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert problems == []


# ------------------------------------------------------------------- the checks themselves catch things

def test_cycle_finder_finds_a_cycle_and_only_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("source, expected", [
    ('if user.role == "agent":\n    pass', 1),
    ('ROLES = ("lead", "admin")', 2),
    ('bp = Blueprint("admin", __name__)', 0),
    ('def f():\n    """Only an admin."""', 0),
    ('x = Role.AGENT', 0),
    ('customer = data.get("customer")', 0),
    ('make_user(role="agent")', 1),
    ('@token_required("customer", "seller")\ndef f():\n    pass', 2),
])
def test_role_literal_scan(tmp_path, source, expected):
    path = ROOT / "tests" / f"_scan_{tmp_path.name}.py"
    try:
        path.write_text(source)
        assert len(_role_literals(path)) == expected
    finally:
        path.unlink()
