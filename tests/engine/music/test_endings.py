"""Endings that ring (issue 11, item 4): the last hit lands where its decay fits, the final
chord and the cymbals die away by themselves, and the last frame is near silence.

Measured on the mix: in the last 2 s no level drop of more than 12 dB within 20 ms while
something sounds (10 ms RMS windows), and the last 50 ms at least 30 dB under the track's
median 50 ms level.
"""

from __future__ import annotations

import numpy as np
import pytest

from nemo_widgets.engine.music import generate
from nemo_widgets.engine.music.compose import compose
from nemo_widgets.engine.music.synth import INSTRUMENTS
from tests.engine.music import measures as m


@pytest.mark.parametrize("style", ["lofi", "jazz", "ambient", "rock", "piano", "cinematic"])
def test_endings_decay_without_a_cut(style: str) -> None:
    cuts, strengths = m.regular_cuts(14.3, pace=2.1)
    result = generate(m.clip(14.3, cuts=cuts, strengths=strengths), style, seed=2)
    figures = m.ending_figures(result.mix)
    assert figures["max_drop_db"] <= 12.0, figures
    assert figures["last_50ms_under_median_db"] >= 30.0, figures
    # the final chord is heard: just after the hit it sounds near the piece's usual level
    plan = result.plan
    at_hit = result.mix[int((plan.final_hit_s + 0.05) * m.SR):int((plan.final_hit_s + 0.25)
                                                                     * m.SR)]
    assert m.window_levels(at_hit, 0.1, 0.1).max() > np.median(
        m.window_levels(result.mix, 0.1, 0.1)) - 12.0
    # and dies away: each 100 ms of the tail no louder than the one before (a slow string or
    # pad may still swell a little as it lands: 2 dB of slack)
    tail = m.window_levels(result.mix[int((plan.final_hit_s + 0.4) * m.SR):], 0.1, 0.1)
    assert np.all(np.diff(tail) <= 2.0), np.round(tail, 1)


def test_final_notes_are_let_go_inside_the_piece() -> None:
    cuts, strengths = m.regular_cuts(11.0, pace=2.0)
    plan = generate(m.clip(11.0, cuts=cuts, strengths=strengths), "acoustic", seed=1).plan
    score = compose(plan)
    assert plan.duration_s - plan.final_hit_s >= 0.8
    final = [n for n in score.notes if n.start >= score.final_time - 1.3 and n.pitch > 0
             and n.start + n.dur > score.final_time]
    assert final
    for note in final:
        # held briefly, then let go (a damper) well inside the piece, over the rest of it
        assert note.release is not None and note.release >= 0.3, note
        assert note.start + note.dur <= plan.duration_s - 0.3, note
        assert INSTRUMENTS[score.style.parts[note.role].instrument] is not None


def test_the_last_strong_cut_gets_the_final_hit() -> None:
    cuts = [2.1, 4.0, 6.2, 8.3, 10.85]
    strengths = [0.5, 0.6, 0.5, 0.6, 1.0]
    result = generate(m.clip(12.0, cuts=cuts, strengths=strengths), "rock", seed=1)
    assert result.plan.final_hit_s == pytest.approx(10.85, abs=1e-6)
    assert result.cue["final_chord"]["time"] == pytest.approx(10.85, abs=1e-4)
    figures = m.ending_figures(result.mix)
    assert figures["max_drop_db"] <= 12.0 and figures["last_50ms_under_median_db"] >= 30.0
