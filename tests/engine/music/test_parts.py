"""The composer's parts: writers registered in tables that the styles name (no string-built
method names), every name a style uses resolves, and no module of the composer is a monolith.
"""

from __future__ import annotations

import ast
from pathlib import Path

from nemo_widgets.engine.music import STYLES
from nemo_widgets.engine.music.parts import (
    BASS_LINES,
    COMPING,
    DRUM_EXTRAS,
    FILLS,
    MELODIES,
)
from nemo_widgets.engine.music.parts.accents import ACCENTS
from nemo_widgets.engine.music.styles import get_style

MUSIC = Path(__file__).resolve().parents[3] / "nemo_widgets" / "engine" / "music"


def test_every_style_names_registered_writers() -> None:
    for name in STYLES:
        style = get_style(name)
        assert style.bass_line in BASS_LINES, name
        assert style.comping in COMPING, name
        assert style.melody in MELODIES, name
        assert style.fill is None or style.fill in FILLS, name
        assert style.drum_extra is None or style.drum_extra in DRUM_EXTRAS, name
        assert style.accent is None or style.accent in ACCENTS, name


def test_every_groove_names_registered_writers() -> None:
    from nemo_widgets.engine.music.grooves import grooves_of

    for name in STYLES:
        for groove in grooves_of(get_style(name)):
            assert groove.comping is None or groove.comping in COMPING, (name, groove.name)
            assert groove.bass_line is None or groove.bass_line in BASS_LINES, (name,
                                                                               groove.name)


def test_no_getattr_dispatch_and_small_modules() -> None:
    files = [MUSIC / "compose.py", *sorted((MUSIC / "parts").glob("*.py"))]
    for path in files:
        source = path.read_text(encoding="utf-8")
        assert len(source.splitlines()) <= 500, path.name
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "getattr", f"{path.name}:{node.lineno}"
