"""The layout keeps its promises: no import cycles, services below the web, domain packages.

Read from the source with ``ast`` (nothing is imported), so an import hidden inside a function
counts like one at the top; only imports under ``if TYPE_CHECKING:`` are left out, since they
never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "marketplace"
SERVICES = PACKAGE / "services"
SHARED_SERVICE_MODULES = {
    "__init__.py",
    "accounts.py",
    "permissions.py",
    "phones.py",
    "places.py",
    "text.py",
}
# What the rules (services own the domain, blueprints speak HTTP) keep out of services.
ABOVE_SERVICES = (
    "marketplace.demo",
    "marketplace.schemas",
    "marketplace.blueprints",
    "marketplace.web",
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST):
    """Every Import and ImportFrom node, at any depth, except under ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _resolve(name: str) -> str | None:
    """The module of ours that ``name`` names (the longest known prefix), or None."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports_of(module: str) -> set[str]:
    path = MODULES[module]
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from package import module`` imports the module; ``from module import name``
            # the module itself.
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
            names = [n for n in names if n == base or n in MODULES] or [base]
        for name in names:
            target = _resolve(name)
            if target is not None and target != module:
                targets.add(target)
    return targets


GRAPH = {module: _imports_of(module) for module in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_walk_sees_every_module_and_hidden_imports():
    assert "marketplace.services.orders.lifecycle" in GRAPH
    assert len(GRAPH) == len(list(PACKAGE.rglob("*.py")))
    # A function-level import counts: create_app imports the blueprints inside a function.
    assert any(_is_within(target, "marketplace.blueprints") for target in GRAPH["marketplace"])


def test_no_module_imports_one_that_imports_it_back():
    # A package's __init__ importing its own modules while they import the package is the
    # one shape Python needs (models/__init__ gathers the models); none of ours relies on it.
    assert _cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize(
    "module", sorted(m for m in MODULES if _is_within(m, "marketplace.services"))
)
def test_services_do_not_import_the_layers_above_them(module):
    above = sorted(t for t in GRAPH[module] if any(_is_within(t, p) for p in ABOVE_SERVICES))
    assert above == []


def test_only_the_cli_loads_the_demo_world():
    importers = sorted(
        module
        for module, targets in GRAPH.items()
        if any(_is_within(t, "marketplace.demo") for t in targets)
        and not any(_is_within(module, p) for p in ("marketplace.demo", "marketplace.cli"))
    )
    assert importers == []


def test_services_import_no_http_framework_layer():
    """Services may read ``current_app`` config, but never flask-smorest or marshmallow."""
    offenders = {}
    for module, path in MODULES.items():
        if not _is_within(module, "marketplace.services"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {
            alias.name if isinstance(node, ast.Import) else node.module or ""
            for node in _runtime_imports(tree)
            for alias in node.names
        }
        bad = sorted(n for n in names if n.split(".")[0] in ("flask_smorest", "marshmallow"))
        if bad:
            offenders[module] = bad
    assert offenders == {}


def test_services_hold_domain_packages_and_the_shared_modules_only():
    loose = sorted(
        path.name
        for path in SERVICES.glob("*.py")
        if path.is_file() and path.name not in SHARED_SERVICE_MODULES
    )
    assert loose == []
    for package in (p for p in SERVICES.iterdir() if p.is_dir() and p.name != "__pycache__"):
        init = package / "__init__.py"
        assert init.exists(), package
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), init
