"""Flask stays in the HTTP layer: services run the same under a request, a command or a test.

Only ``api*.py`` modules, CLI modules and the HTTP infrastructure listed below may import
``flask``, ``flask_smorest`` or ``werkzeug``; a component's service, store, section or
schema module that needs the caller or the settings gets them passed in (a
``resource.sections.Context`` or a ``featuresvc.scope.Scope``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import featuresvc

PACKAGE = Path(featuresvc.__file__).parent
WEB = ("flask", "flask_smorest", "werkzeug")

#: Top-level HTTP infrastructure (package-relative paths): the app factory, the route
#: wrapper and permission declarations, request parsing and error rendering, body limits,
#: the request's connection and transaction hooks, and the blueprint list.
HTTP_LAYER = {
    "app.py", "routing.py", "security.py", "http.py", "envelope.py", "bodylimit.py",
    "db.py", "components.py",
}

#: Single names allowed elsewhere, with the reason.
ALLOWED_NAMES = {
    # Query arguments handed over by the view, used as a plain multi-valued mapping.
    ("werkzeug.datastructures", "MultiDict"),
}


def _is_http_module(rel: Path) -> bool:
    return (rel.name.startswith("api") or rel.name == "cli.py"
            or rel.as_posix() in HTTP_LAYER)


def _web_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) of every import of a web framework module, lazy imports included."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names
                      if a.name.split(".")[0] in WEB]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.split(".")[0] in WEB:
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names
                      if (node.module, a.name) not in ALLOWED_NAMES]
    return found


def offenders() -> list[str]:
    result = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if _is_http_module(rel):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        result += [f"featuresvc/{rel.as_posix()}:{line} imports {name}"
                   for line, name in _web_imports(tree)]
    return result


def test_flask_only_in_http_layer():
    assert offenders() == []


def test_listed_http_modules_exist():
    """A renamed or removed module must leave the list, or the list would hide a new one."""
    missing = [name for name in HTTP_LAYER if not (PACKAGE / name).is_file()]
    assert missing == []


def test_check_sees_lazy_and_aliased_imports():
    tree = ast.parse("def f():\n    from flask import g\n    import werkzeug.http as w\n"
                     "from werkzeug.datastructures import MultiDict\n")
    assert _web_imports(tree) == [(2, "flask.g"), (3, "werkzeug.http")]
