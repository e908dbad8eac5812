"""The client's import graph, function-level imports included: no cycle, nothing of the faces,
and of the engine only ``engine.server`` (local mode finds or starts the engine)."""

from __future__ import annotations

import ast
from pathlib import Path

import nemo_widgets

PACKAGE = Path(nemo_widgets.__file__).parent
FACES = ("nemo_widgets.widget", "nemo_widgets.magics", "nemo_widgets.views", "nemo_widgets.cli",
         "nemo_widgets.demo", "nemo_widgets._widget", "nemo_widgets._magic")
"""The faces (``_widget_*``/``_magic_*`` modules too, until they move into packages)."""


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imports(path: Path) -> set[str]:
    """The modules ``path`` imports anywhere (``from a import b`` names ``a.b`` when that is
    a module, else ``a``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                inner = f"{node.module}.{alias.name}"
                found.add(inner if _is_module(inner) else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {n for n in found if n.startswith("nemo_widgets")}


def _is_face(name: str) -> bool:
    return any(name == face or name.startswith((f"{face}.", f"{face}_")) for face in FACES)


def _graph() -> dict[str, set[str]]:
    files = [*sorted((PACKAGE / "client").glob("*.py")), PACKAGE / "timeline.py",
             PACKAGE / "draft_variants.py", PACKAGE / "protocol.py"]
    modules = {_module(f): f for f in files}
    return {name: {i for i in _imports(path) if i in modules and i != name}
            for name, path in modules.items()}


def test_no_import_cycle_in_the_client_and_its_vocabulary():
    graph = _graph()
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph[node]:
            assert state.get(nxt) != 1, " → ".join([*trail, node, nxt])
            if nxt not in state:
                visit(nxt, [*trail, node])
        state[node] = 2

    for name in graph:
        if name not in state:
            visit(name, [])


def test_the_client_imports_no_face_and_of_the_engine_only_its_server():
    for path in sorted((PACKAGE / "client").glob("*.py")):
        for name in _imports(path):
            assert not _is_face(name), f"{path.name} imports {name}"
            if name.startswith("nemo_widgets.engine"):
                assert name.startswith("nemo_widgets.engine.server"), f"{path.name}: {name}"
    for path in (PACKAGE / "timeline.py", PACKAGE / "draft_variants.py"):
        assert all(not n.startswith(("nemo_widgets.client", "nemo_widgets.engine"))
                   and not _is_face(n) for n in _imports(path)), path.name
