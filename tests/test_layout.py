"""The package's shape is a rule: imports point down the layers, and no module imports itself
back through another. Read from the source (an AST walk), so a violation fails here however the
import is written: at module level or inside a function.

Layers, lowest first (see README "Architecture" and each package's ``__init__``):

- base: ``matcher`` (the package), ``model``, ``errors``, ``paths``, ``progress``, ``untrusted``
- ``reference``: pure lookups over shipped data
- ``kb``: the knowledge base
- core: ``readers``, ``normalize``, ``engine``, ``match_cache``, ``pipeline``, ``render``,
  ``cohort``
- ``service``: the Flask app, API, store, jobs
- top: ``commands``, ``cli``

``client`` is apart: the standard library, ``requests`` and the base only, so that a LIMS can
install and import it alone.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "matcher"
RANK = {"base": 0, "reference": 1, "kb": 2, "core": 3, "service": 4, "top": 5}
# What the core layers (base .. core) may never import: the web and database stack.
SERVICE_ONLY = ("flask", "flask_smorest", "werkzeug", "sqlalchemy", "alembic", "gunicorn",
                "psycopg")
CLIENT_ALLOWED = {"requests", "urllib3"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))
            if "migrations" not in p.parts}


MODULES = _modules()


def layer(module: str) -> str:
    """The layer of a ``matcher`` module."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in ("model", "errors", "paths", "progress", "untrusted"):
        return "base"
    if parts[1] in ("reference", "kb", "service"):
        return parts[1]
    if parts[1] in ("readers", "normalize", "engine", "match_cache", "pipeline", "render",
                    "cohort"):
        return "core"
    if parts[1] in ("commands", "cli"):
        return "top"
    if parts[1] == "client":
        return "client"
    raise AssertionError(f"{module}: no layer; add it to tests/test_layout.py and the README")


def imports(module: str) -> list[tuple[str, int]]:
    """Every module a module imports (absolute names, with line numbers), anywhere in it."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((name, node.lineno))
            # `from matcher.kb import loader` imports the module matcher.kb.loader
            found += [(f"{name}.{a.name}", node.lineno) for a in node.names
                      if f"{name}.{a.name}" in MODULES]
    return found


def _internal(name: str) -> str | None:
    """The matcher module an import names (the longest known prefix), or None."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def test_every_module_has_a_layer():
    for module in MODULES:
        layer(module)


def test_imports_point_down_the_layers():
    wrong = []
    for module in MODULES:
        mine = layer(module)
        for name, line in imports(module):
            target = _internal(name) if name.startswith("matcher") else None
            if target is None:
                top = name.split(".")[0]
                if mine == "client" and top not in sys.stdlib_module_names | CLIENT_ALLOWED:
                    wrong.append(f"{module}:{line} (client) imports {name}")
                if mine != "client" and RANK[mine] <= RANK["core"] and top in SERVICE_ONLY:
                    wrong.append(f"{module}:{line} ({mine}) imports {name}")
                continue
            theirs = layer(target)
            if mine == "client":
                if theirs != "base":
                    wrong.append(f"{module}:{line} (client) imports {target} ({theirs})")
            elif theirs == "client":
                if RANK[mine] < RANK["service"]:
                    wrong.append(f"{module}:{line} ({mine}) imports {target} (client)")
            elif RANK[theirs] > RANK[mine]:
                wrong.append(f"{module}:{line} ({mine}) imports {target} ({theirs})")
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module in MODULES:
        for name, _ in imports(module):
            target = _internal(name) if name.startswith("matcher") else None
            # A package importing its own submodules (a dispatching __init__) is not a circle
            # with them: importing a submodule runs its package first anyway.
            if target and target != module and not (
                    MODULES[module].name == "__init__.py" and target.startswith(module + ".")):
                graph[module].add(target)
    return graph


def test_no_import_circles():
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def connect(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(graph):
        if v not in index:
            connect(v)
    assert not circles, f"import circles: {circles}"


def test_the_checker_sees_a_violation(tmp_path, monkeypatch):
    """The rule is live: a reference module importing the engine is reported."""
    fake = PACKAGE / "reference" / "genes.py"
    original = fake.read_text()
    monkeypatch.setitem(MODULES, "matcher.reference.genes", tmp_path / "genes.py")
    (tmp_path / "genes.py").write_text(original + "\nfrom matcher.engine import match\n")
    with pytest.raises(AssertionError, match="matcher.reference.genes.*imports matcher.engine"):
        test_imports_point_down_the_layers()


_BLOCK_SERVER_STACK = (
    "import sys\n"
    "class Block:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name.split('.')[0] in {'flask', 'flask_smorest', 'sqlalchemy', 'alembic',\n"
    "                'pysam', 'yaml', 'marshmallow', 'jinja2', 'gunicorn', 'orjson',\n"
    "                'fhir'}:\n"
    "            raise ModuleNotFoundError('blocked: ' + name, name=name)\n"
    "sys.meta_path.insert(0, Block())\n"
)


def _without_server_stack(code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter where the server's dependencies cannot be imported,
    as on a client-only install."""
    return subprocess.run([sys.executable, "-c", _BLOCK_SERVER_STACK + code],
                          capture_output=True, text=True, cwd=PACKAGE.parent, timeout=60)


def test_the_client_imports_without_the_server_stack():
    """A LIMS installs only the client: importing it must not pull in Flask, SQLAlchemy, pysam,
    YAML or the KB."""
    out = _without_server_stack(
        "from matcher.client import MatcherClient, MatcherAPIError\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith('matcher'))))\n")
    assert out.returncode == 0, out.stderr
    assert set(out.stdout.strip().split(",")) <= {"matcher", "matcher.client", "matcher.errors"}


def test_the_cli_offers_submit_without_the_server_stack():
    """With only the client's dependencies, `matcher --help` works and lists `submit`."""
    out = _without_server_stack("from matcher.cli import main\nsys.exit(main(['--help']))\n")
    assert out.returncode == 0, out.stderr
    assert "submit" in out.stdout
