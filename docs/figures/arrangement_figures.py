"""Measure the arrangement figures of issue 11 for the engine on ``PYTHONPATH``.

    PYTHONPATH=<tree> python docs/figures/arrangement_figures.py [out.json]

For every style: the short-term level spread of a 30 s piece, the onset-envelope correlation
between two seeds, the ending (steepest 20 ms drop in the last 2 s, last 50 ms under the
median) and, on an irregularly cut 20 s clip, the share of the strongest half of the cuts
answered by an accent; plus the grid's catch on a regularly cut clip and the style a dark,
desaturated, fast-cut clip gets. The measuring itself is ``tests/engine/music/measures.py``
(librosa and pyloudnorm), so the tests and this table agree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from statistics import fmean
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nemo_widgets.engine.music import STYLES, generate
from tests.engine.music import measures as m


def main() -> dict[str, Any]:
    rows: dict[str, dict[str, float]] = {}
    long_cuts, long_strengths = m.regular_cuts(30.0, pace=2.0, seed=1)
    regular = m.clip(30.0, cuts=long_cuts, strengths=long_strengths)
    cuts, strengths = m.irregular_cuts(20.0, seed=3)
    irregular = m.clip(20.0, cuts=cuts, strengths=strengths)
    for style in STYLES:
        first = generate(regular, style, seed=1)
        second = generate(regular, style, seed=2)
        assert first.plan.style == style, (style, first.plan.style)
        fast = generate(irregular, style, seed=1)
        ending = m.ending_figures(first.mix)
        rows[style] = {
            "level_spread_db": round(m.level_spread(first.mix), 2),
            "onset_corr_seeds": round(m.onset_correlation(first.mix, second.mix), 3),
            "ending_max_drop_db": round(ending["max_drop_db"], 1),
            "last_50ms_under_median_db": round(ending["last_50ms_under_median_db"], 1),
            "cut_accents": round(m.cut_accents(fast.mix, cuts, strengths), 3),
            "grid_catch_regular": round(m.grid_catch(first.plan.beats, long_cuts), 3),
            "same_key_other_seed": float(first.plan.key == second.plan.key),
        }
        print(style, rows[style], flush=True)
    dark = m.clip(20.0, cuts=cuts, strengths=strengths, brightness=0.12, saturation=0.05,
                  warmth=-0.4, motion=0.05)
    plan = generate(dark, "", seed=0).plan
    summary = {k: round(fmean(r[k] for r in rows.values()), 3) for k in next(iter(rows.values()))}
    summary.update({f"min_{k}": min(r[k] for r in rows.values()) for k in
                    ("level_spread_db", "cut_accents", "last_50ms_under_median_db")})
    summary.update({f"max_{k}": max(r[k] for r in rows.values()) for k in
                    ("onset_corr_seeds", "ending_max_drop_db")})
    out = {"styles": rows, "mean": summary,
           "dark_fast_clip": {"style": plan.style, "tempo_bpm": plan.tempo_bpm,
                              "mode": plan.mode}}
    print(json.dumps(out["mean"], indent=1), out["dark_fast_clip"])
    return out


if __name__ == "__main__":
    result = main()
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
