"""The layering rules of the code-shape guide, checked on the source with ``ast``.

- View modules (``api.py``, ``api_*.py``, any other module that makes a blueprint) run no
  SQL: no ``execute(``, no SQLAlchemy statement builders, no ``sqlalchemy`` import except
  the names in ``SQLALCHEMY_TYPES``, for annotations. SQL lives in the components' stores.
- The import graph has no cycles. Its nodes are the components (``featuresvc/<name>/``),
  each component's entry points apart (``<name>.api`` for its views, each other ``api_*``
  module on its own, ``<name>.cli`` for commands, ``<name>.setup`` for the package's
  ``setup(registry)``: these sit on top of everything they use), and the top-level modules.
  Imports inside functions count as much as module-level ones: a lazy import hides a cycle
  from the interpreter, not from the reader. Imports under ``if TYPE_CHECKING:`` are left
  out (annotations only: the registry names the plug-in types it holds). ``from pkg import
  module`` depends on that module, not on ``pkg``'s ``__init__``. The only exceptions are
  the lazy edges listed in ``LAZY_ALLOWED``, each with its reason; an entry that is no longer
  needed fails the test.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "featuresvc"

SQL_CALLS = frozenset({"execute", "text", "select", "insert", "update", "delete"})
SQLALCHEMY_TYPES = frozenset({"Connection", "Engine"})

# (importing node, imported node) -> why the edge is a function-level import and stays.
LAZY_ALLOWED: dict[tuple[str, str], str] = {
    ("export.cli", "cli"): "the export command builds its engine with the main command line's "
                           "instance set-up (cluster start, migrations), and the main command "
                           "line adds the export command to itself",
}


def _modules() -> Iterator[tuple[str, Path, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path, ast.parse(path.read_text(), str(path))


def _is_api(path: Path, tree: ast.Module) -> bool:
    if path.stem == "api" or path.stem.startswith("api_"):
        return True
    return path.parent != PACKAGE and any(
        isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Blueprint"
        for node in ast.walk(tree))


def _sql_offences(module: str, tree: ast.Module) -> Iterator[str]:
    builders: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sqlalchemy":
                    yield f"{module}:{node.lineno} imports {alias.name}"
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == \
                "sqlalchemy":
            names = {alias.asname or alias.name for alias in node.names}
            builders |= names & SQL_CALLS
            if names - SQLALCHEMY_TYPES:
                yield f"{module}:{node.lineno} imports {sorted(names - SQLALCHEMY_TYPES)} " \
                      "from sqlalchemy"
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name == "execute" or (isinstance(func, ast.Name) and name in builders):
            yield f"{module}:{node.lineno} calls {name}()"


def test_view_modules_run_no_sql():
    offences = [offence for module, path, tree in _modules() if _is_api(path, tree)
                for offence in _sql_offences(module, tree)]
    assert not offences, "SQL in view modules:\n" + "\n".join(offences)


def _absolute(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".")
    if path.stem != "__init__":
        package = package[:-1]
    base = package[:len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _type_checking_only(tree: ast.Module) -> set[int]:
    return {id(inner) for node in ast.walk(tree)
            if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
            for inner in ast.walk(node)}


def _imports(module: str, path: Path, tree: ast.Module,
             known: set[str]) -> Iterator[tuple[str, int, bool]]:
    """Each imported module with the line and whether the import is inside a function. For
    ``from x import y`` that is ``x.y`` when it is a module, else ``x``."""
    lazy = {id(inner) for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            for inner in ast.walk(node)}
    skip = _type_checking_only(tree)
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, id(node) in lazy
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, path, node)
            for alias in node.names:
                target = f"{base}.{alias.name}"
                yield (target if target in known else base), node.lineno, id(node) in lazy


def _node(module: str, path: Path, tree: ast.Module) -> str:
    parts = module.split(".")
    if path.parent == PACKAGE:
        return parts[-1]
    if path.stem.startswith("api_"):
        return f"{parts[1]}.{path.stem}"
    if _is_api(path, tree):
        return f"{parts[1]}.api"
    if path.stem == "cli":
        return f"{parts[1]}.cli"
    if path.stem == "__init__" and any(isinstance(node, ast.FunctionDef) and node.name == "setup"
                                       for node in tree.body):
        return f"{parts[1]}.setup"
    return parts[1]


Sites = dict[str, bool]  # "module:line" -> inside a function


def _graph() -> dict[str, dict[str, Sites]]:
    """node -> imported node -> the import sites."""
    modules = list(_modules())
    nodes = {module: _node(module, path, tree) for module, path, tree in modules}
    graph: dict[str, dict[str, Sites]] = {node: {} for node in nodes.values()}
    for module, path, tree in modules:
        source = nodes[module]
        for target_module, line, lazy in _imports(module, path, tree, set(nodes)):
            target = nodes.get(target_module)
            if target is not None and target != source:
                graph[source].setdefault(target, {})[f"{module}:{line}"] = lazy
    return graph


def _cycles(graph: dict[str, dict[str, Sites]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = [stack.pop()]
            while group[-1] != node:
                group.append(stack.pop())
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_allowed_lazy_imports_are_lazy_and_needed():
    graph = _graph()
    for (source, target), reason in LAZY_ALLOWED.items():
        sites = graph[source].get(target, {})
        assert sites, f"{source} -> {target} no longer imported; drop it from LAZY_ALLOWED"
        assert all(sites.values()), f"{source} -> {target} ({reason}) must stay lazy: {sites}"
        assert any(source in group and target in group for group in _cycles(graph)), \
            f"{source} -> {target} makes no cycle; drop it from LAZY_ALLOWED"


def test_components_import_without_cycles():
    graph = _graph()
    for source, target in LAZY_ALLOWED:
        graph[source].pop(target, None)
    report = []
    for group in _cycles(graph):
        edges = [f"  {a} -> {b}: {', '.join(graph[a][b])}" for a in group
                 for b in sorted(graph[a]) if b in group]
        report.append(" <-> ".join(group) + "\n" + "\n".join(edges))
    assert not report, "import cycles:\n" + "\n".join(report)
