"""Sections from words (issue 11, item 6; CONTRACTS §1): ``generate(..., sections=[...])``
shapes the arrangement at the times asked — a drop lands on the bar line nearest its time,
"calm then build" sets the arc, "end on a big hit" chooses the ending, "quiet" leaves room
for a voice. Levels are pyloudnorm's short-term loudness (3 s windows).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from nemo_widgets.engine.music import generate
from nemo_widgets.engine.music.compose import compose
from nemo_widgets.engine.music.parts.arrangement import group_of
from tests.engine.music import measures as m


def loudness(mix: Any, start: float, end: float) -> float:
    import pyloudnorm

    return float(pyloudnorm.Meter(m.SR).integrated_loudness(
        np.asarray(mix, dtype=np.float64)[int(start * m.SR):int(end * m.SR)]))


def section(plan: Any, name: str) -> dict[str, Any]:
    return next(s for s in plan.sections if s["name"] == name)


def test_a_drop_lands_on_the_bar_line_nearest_its_time() -> None:
    result = generate(m.clip(30.0), "", style="electronic", seed=1,
                      sections=[{"start_s": 20.0, "end_s": None, "shape": "drop"}])
    plan = result.plan
    drop = section(plan, "drop")
    nearest = min(plan.downbeats, key=lambda d: abs(d - 20.0))
    assert drop["start"] == pytest.approx(nearest, abs=1e-6)
    assert drop["energy"] >= max(s["energy"] for s in plan.sections) - 1e-9
    bar = 4 * 60.0 / plan.tempo_bpm
    assert loudness(result.mix, drop["start"], drop["start"] + 3.0) >= loudness(
        result.mix, drop["start"] - 3.0, drop["start"]) + 3.0
    score = compose(plan)
    # a build into it, a stop on the beat before it, and the whole band on it
    assert any(s["name"] == "build" and abs(s["end"] - drop["start"]) < 1e-6
               for s in plan.sections)
    beat = 60.0 / plan.tempo_bpm
    assert not [n for n in score.notes if group_of(n.role) in ("kick", "cymbals")
                and drop["start"] - beat + 0.02 < n.start < drop["start"] - 0.02]
    on_drop = {group_of(n.role) for n in score.notes
               if drop["start"] - 0.01 <= n.start < drop["start"] + bar}
    assert {"kick", "backbeat", "bass", "keys"} <= on_drop


def test_calm_then_build_sets_the_arc() -> None:
    result = generate(m.clip(24.0), "corporate", seed=2, sections=[
        {"start_s": 0.0, "end_s": 10.0, "shape": "calm"},
        {"start_s": 10.0, "end_s": None, "shape": "build"}])
    plan = result.plan
    names = [s["name"] for s in plan.sections]
    assert names == ["calm", "rise"]
    calm, rise = plan.sections
    assert abs(rise["start"] - 10.0) <= 2 * 60.0 / plan.tempo_bpm
    assert rise["energy_end"] > rise["energy"] > 0
    early = loudness(result.mix, rise["start"], rise["start"] + 3.0)
    late = loudness(result.mix, plan.final_hit_s - 3.0, plan.final_hit_s)
    assert late >= early + 5.0
    assert late >= loudness(result.mix, 1.0, 9.0) + 5.0
    calm_groups = {group_of(n.role) for n in compose(plan).notes if n.start < calm["end"] - 0.2}
    assert "kick" not in calm_groups and "backbeat" not in calm_groups


def test_end_on_a_big_hit_chooses_the_ending() -> None:
    feats = m.clip(14.0)
    hit = generate(feats, "rock", seed=1, sections=[{"start_s": -1, "end_s": None,
                                                    "shape": "hit"}])
    ring = generate(feats, "rock", seed=1)
    assert hit.cue["ending"] == "hit" and ring.cue["ending"] == "ring"
    figures = m.ending_figures(hit.mix)
    assert figures["max_drop_db"] <= 12.0 and figures["last_50ms_under_median_db"] >= 30.0
    score = compose(hit.plan)
    at_end = {n.role for n in score.notes if abs(n.start - score.final_time) < 1e-6}
    assert {"kick", "crash", "snare"} <= at_end  # the whole kit on the final hit
    # shorter than a ring-out: most of its energy is in the first half of the tail
    t0 = hit.plan.final_hit_s
    mid = (t0 + hit.plan.duration_s) / 2
    first = float(np.sum(hit.mix[int(t0 * m.SR):int(mid * m.SR)].astype(np.float64) ** 2))
    second = float(np.sum(hit.mix[int(mid * m.SR):].astype(np.float64) ** 2))
    assert first > 20 * second


def test_quiet_under_the_talking_part_and_a_hit_inside() -> None:
    result = generate(m.clip(24.0), "hiphop", seed=1, sections=[
        {"start_s": 8.0, "end_s": 14.0, "shape": "quiet"},
        {"start_s": 18.2, "end_s": None, "shape": "hit"}])
    plan = result.plan
    quiet = section(plan, "quiet")
    assert abs(quiet["start"] - 8.0) < 2.0 and abs(quiet["end"] - 14.0) < 2.0
    groups = {group_of(n.role) for n in compose(plan).notes
              if quiet["start"] + 0.2 <= n.start < quiet["end"] - 0.3}
    assert groups <= {"keys", "bed", "fx"}  # nothing competes with the voice
    full = max(loudness(result.mix, s["start"], s["end"]) for s in plan.sections
               if s["name"] == "main")
    assert loudness(result.mix, quiet["start"] + 0.5, quiet["end"] - 0.5) <= full - 10.0
    beat = 60.0 / plan.tempo_bpm
    assert any(abs(t - 18.2) <= beat / 2 for t in result.cue["accents"])


def test_unknown_shapes_fail_clearly_and_length_and_style_are_kept() -> None:
    with pytest.raises(ValueError, match="shape"):
        generate(m.clip(8.0), "", sections=[{"start_s": 0, "end_s": None, "shape": "wobble"}])
    result = generate(m.clip(20.0), "", style="jazz", seed=3, duration_s=12.5)
    assert result.plan.style == "jazz"
    assert result.mix.shape == (round(12.5 * m.SR), 2)
    assert result.cue["duration_s"] == 12.5
