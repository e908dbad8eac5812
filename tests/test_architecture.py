"""The package's shape, checked by reading its source (``ARCHITECTURE.md``'s arrows).

An import scan that counts function-level imports too (they run sooner or later, and a cycle
hidden inside a function is still a cycle a reader must untangle): no import cycle anywhere in
``nemo_widgets``; the engine imports nothing of the client or the faces; the client nothing of
the faces; and only ``engine/emulation/`` knows about the cloud's quirks and the injected
faults.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "nemo_widgets"
FACES = ("nemo_widgets.widget", "nemo_widgets.magics", "nemo_widgets.cli", "nemo_widgets.views",
         "nemo_widgets.demo", "nemo_widgets.batch")
FACE_PREFIXES = ("nemo_widgets._widget", "nemo_widgets._magic")
EMULATION_NAMES = ("sse_drop_after", "turn_delay_s", "render_submit_503s", "render_poll_503s",
                   "errors_as_200", "render_answer_shape", "export_requires_plan",
                   "silent_edits", "gui_hints", "SILENT_EVERY", "EXPORT_HINT")


def is_face(name: str) -> bool:
    return name.startswith(FACE_PREFIXES) or any(name == f or name.startswith(f + ".")
                                                  for f in FACES)


def in_layer(name: str, layer: str) -> bool:
    return name == layer or name.startswith(layer + ".")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def _type_checking_only(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth, except those under ``if TYPE_CHECKING:``."""
    found: list[ast.Import | ast.ImportFrom] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if _type_checking_only(node):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def imported_modules(name: str) -> set[str]:
    """The ``nemo_widgets`` modules that module ``name`` imports (a ``from pkg import sub``
    counts as importing ``pkg.sub`` when ``sub`` is a module)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                       for a in node.names]
        out.update(t for t in targets if t in MODULES and t != name)
    return out


GRAPH = {name: imported_modules(name) for name in MODULES}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
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


def test_the_scan_sees_function_level_imports():
    assert "nemo_widgets.engine.app" in GRAPH["nemo_widgets.engine.server"], (
        "server imports the app inside serve(); the scan must count it")
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]


def test_no_import_cycle_in_the_package():
    assert cycles(GRAPH) == []


@pytest.mark.parametrize("layer", ["nemo_widgets.engine", "nemo_widgets.protocol",
                                   "nemo_widgets.timeline", "nemo_widgets._env"])
def test_the_engine_and_the_vocabulary_import_no_client_and_no_face(layer):
    bad = {(name, target) for name, targets in GRAPH.items()
           if in_layer(name, layer)
           for target in targets
           if in_layer(target, "nemo_widgets.client") or is_face(target)}
    assert bad == set()


def test_the_client_imports_no_face():
    bad = {(name, target) for name, targets in GRAPH.items()
           if in_layer(name, "nemo_widgets.client")
           for target in targets if is_face(target)}
    assert bad == set()


def test_only_the_emulation_knows_the_quirks_and_the_faults():
    emulation = PACKAGE / "engine" / "emulation"
    mentions = sorted(f"{path.relative_to(PACKAGE)}: {word}"
                      for path in PACKAGE.rglob("*.py") if emulation not in path.parents
                      for word in EMULATION_NAMES if word in path.read_text(encoding="utf-8"))
    assert mentions == []
