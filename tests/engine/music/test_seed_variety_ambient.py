"""Another seed is another version (issue 11, item 3) for ambient and lo-fi: every pair of
consecutive seeds 0–5 plays a different groove, and librosa's onset-strength envelopes of the
two pieces correlate at most 0.7 — the rhythm changes, not only the notes. On the figures'
30 s clip cut every 2 s (docs/music.md)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from nemo_widgets.engine.music import generate
from tests.engine.music import measures as m


@pytest.fixture(scope="module")
def clip() -> Any:
    cuts, strengths = m.regular_cuts(30.0, pace=2.0, seed=1)
    return m.clip(30.0, cuts=cuts, strengths=strengths)


@pytest.mark.parametrize("style", ["ambient", "lofi"])
def test_consecutive_seeds_differ_in_rhythm(clip: Any, style: str) -> None:
    pytest.importorskip("librosa")
    results = [generate(clip, style, seed=seed) for seed in range(6)]
    for first, second in itertools.pairwise(results):
        assert first.plan.extras["groove_name"] != second.plan.extras["groove_name"]
        score = m.onset_correlation(first.mix, second.mix)
        assert score <= 0.7, (style, first.plan.seed, second.plan.seed, score)


def test_another_version_of_ambient_changes_groove_key_and_rhythm() -> None:
    """Asked for another version (the engine's music tool passes a new seed and the previous
    plan), ambient moves to its next groove and another key, with a rhythm of its own."""
    pytest.importorskip("librosa")
    cuts, strengths = m.regular_cuts(20.0, pace=2.0, seed=1)
    clip = m.clip(20.0, cuts=cuts, strengths=strengths)
    first = generate(clip, "ambient", seed=3)
    other = generate(clip, "", seed=987_654_321, variation="another", previous=first.plan)
    assert other.plan.style == "ambient"
    assert other.plan.key != first.plan.key
    assert other.plan.extras["groove_name"] != first.plan.extras["groove_name"]
    assert m.onset_correlation(first.mix, other.mix) <= 0.7
