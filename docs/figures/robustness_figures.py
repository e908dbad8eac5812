"""Measure issue 11's figures across clips and seeds, not on one clip and one seed pair.

    PYTHONPATH=<tree> python docs/figures/robustness_figures.py [out.json] [style ...]

``arrangement_figures.py`` takes each figure on one clip and one pair of seeds, the way the
issue states it; a figure met there can still be missed on the next clip. For every style this
script takes:

- **cut accents** on six irregularly cut 20 s clips (``irregular_cuts(20, seed=1…6)``, music
  seed 1): the share of the strongest half of the cuts answered by an onset in the top fifth;
- **onset correlation** between consecutive seeds 0–1 … 4–5 of a 30 s piece on a clip cut
  every 2 s ("another version" must change the rhythm whichever seed it starts from);
- **beat F-measure** (mir_eval) of librosa's beat tracker against the planned grid, seeds 1–4
  on a clip cut every 2.3 s (every groove of a style is played by one of them).

The measuring itself is ``tests/engine/music/measures.py`` (librosa, pyloudnorm, mir_eval), as
in the tests.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nemo_widgets.engine.music import STYLES, generate
from tests.engine.music import measures as m

CUT_CLIPS = range(1, 7)
SEEDS = range(6)
BEAT_SEEDS = range(1, 5)


def style_row(style: str) -> dict[str, list[float]]:
    """The three figures of one style, one value per clip, seed pair or seed."""
    accents = []
    for clip_seed in CUT_CLIPS:
        cuts, strengths = m.irregular_cuts(20.0, seed=clip_seed)
        result = generate(m.clip(20.0, cuts=cuts, strengths=strengths), style, seed=1)
        accents.append(round(m.cut_accents(result.mix, cuts, strengths), 3))
    long_clip = m.figures_clip()
    mixes = [generate(long_clip, style, seed=seed).mix for seed in SEEDS]
    correlations = [round(m.onset_correlation(a, b), 3) for a, b in itertools.pairwise(mixes)]
    cuts, strengths = m.regular_cuts(20.0, pace=2.3, seed=1)
    beat_clip = m.clip(20.0, cuts=cuts, strengths=strengths)
    beats = []
    for seed in BEAT_SEEDS:
        result = generate(beat_clip, style, seed=seed)
        beats.append(round(m.beat_f_measure(result.mix, result.plan.beats), 3))
    return {"cut_accents": accents, "onset_corr_pairs": correlations, "beat_f": beats}


def main(styles: list[str]) -> dict[str, Any]:
    rows = {}
    for style in styles:
        rows[style] = style_row(style)
        print(style, rows[style], flush=True)
    worst = {"min_cut_accents": min(min(r["cut_accents"]) for r in rows.values()),
             "max_onset_corr": max(max(r["onset_corr_pairs"]) for r in rows.values()),
             "min_beat_f": min(min(r["beat_f"]) for r in rows.values())}
    print(worst)
    return {"styles": rows, "worst": worst}


if __name__ == "__main__":
    args = sys.argv[1:]
    out = args.pop(0) if args and args[0].endswith(".json") else None
    result = main(args or list(STYLES))
    if out:
        Path(out).write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
