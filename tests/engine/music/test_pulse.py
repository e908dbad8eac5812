"""Cinematic's pulse is one a film composer would write (``parts.pulse``): each groove plays
its own figure, so another version changes its rhythm (the correlation itself is asserted for
every style in ``test_seed_variety.py``), and every figure is written for the strings (cellos
and a pizzicato tick) and marks the beat.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from nemo_widgets.engine.music import generate
from nemo_widgets.engine.music.compose import compose
from nemo_widgets.engine.music.grooves import pick_groove
from nemo_widgets.engine.music.orchestration import orchestra
from nemo_widgets.engine.music.parts.pulse import FIGURES
from nemo_widgets.engine.music.styles import get_style
from tests.engine.music import measures as m


@pytest.fixture(scope="module")
def mixes() -> list[Any]:
    """Seeds 0–5 of cinematic on the figure's clip (30 s, cut every 2 s)."""
    clip = m.figures_clip()
    return [generate(clip, "cinematic", seed=seed) for seed in range(6)]


def test_consecutive_seeds_play_different_pulse_figures() -> None:
    style = get_style("cinematic")
    comping = [pick_groove(style, seed).comping or style.comping for seed in range(6)]
    assert all(c.startswith("pulse_") and c[len("pulse_"):] in FIGURES for c in comping)
    assert all(a != b for a, b in itertools.pairwise(comping)), comping


def test_the_pulse_is_struck_strings_on_the_beat(mixes: list[Any]) -> None:
    """Cellos and pizzicato strings play the pulse, and every bar's cellos start on its
    downbeat (the figure marks the beat; a figure leaning on off-beats alone was tracked at
    double tempo)."""
    voices = orchestra("cinematic").voices
    assert (voices["chords"], voices["chords2"]) == ("s:cello", "s:pizzicato")
    for result in mixes:
        score = compose(result.plan)
        cellos = [n.start for n in score.notes if n.role == "chords"]
        ticks = [n for n in score.notes if n.role == "chords2"]
        assert len(ticks) >= 20 and len(cellos) >= 40
        bars = [t for t in result.plan.downbeats[:-1] if 0.5 < t < score.final_time - 2.0]
        on_downbeat = [any(abs(c - t) <= 0.01 for c in cellos) for t in bars]
        assert sum(on_downbeat) >= 0.9 * len(bars), (result.plan.seed, on_downbeat)
