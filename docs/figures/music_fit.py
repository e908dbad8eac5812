"""Draw docs/figures/music-fit.png from a real run: cuts against beats, motion against energy.

Run from the repository root: ``python docs/figures/music_fit.py``. It makes a 20 s clip with
known cuts and a voice, analyses it and plans music exactly as the engine does.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from nemo_widgets.engine.analysis import analyse_file
from nemo_widgets.engine.media import probe
from nemo_widgets.engine.music import plan_music
from tests.media_factory import make_cut_video, speech_like, write_wav

# An editor cutting to a 96 BPM feel (beats 0.625 s apart), a few milliseconds off each time.
CUTS = [2.51, 4.37, 5.01, 7.49, 10.01, 12.49, 13.76, 16.24, 18.12]
SECONDS = 20.0
PROMPT = "generate a background music track that matches the mood of my video"


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        voice = write_wav(Path(folder) / "voice.wav",
                          speech_like(SECONDS, talk=[(5.5, 9.0), (14.0, 17.0)]))
        video = make_cut_video(Path(folder) / "clip.mp4", CUTS, SECONDS, audio=voice)
        features = analyse_file(video, probe(video))
    plan = plan_music(features, PROMPT, seed=0)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 4.8), sharex=True,
                                      gridspec_kw={"height_ratios": [1, 1.3]})
    for beat in plan.beats:
        top.axvline(beat, color="#bbbbbb", linewidth=0.6, zorder=1)
    for bar in plan.downbeats:
        top.axvline(bar, color="#555555", linewidth=1.2, zorder=1)
    for cut in features.cuts:
        top.axvline(cut, color="#d62728", linewidth=2.2, ymin=0.15, ymax=0.85, zorder=2)
    hits = sum(1 for c in plan.cut_alignment if abs(c["error_ms"]) <= 45)
    top.set_yticks([])
    top.set_title(f"{plan.style} · {plan.tempo_bpm:.2f} BPM · {plan.key} {plan.mode} — "
                  f"{hits} of {len(plan.cut_alignment)} cuts (red) within ±45 ms of a beat "
                  "(grey; bars dark)", fontsize=10)
    seconds = [i + 0.5 for i in range(len(features.motion))]
    bottom.plot(seconds, features.motion, color="#1f77b4", label="motion (video)")
    for section in plan.sections:
        bottom.hlines(section["energy"], section["start"], section["end"], color="#ff7f0e",
                      linewidth=3)
        bottom.text((section["start"] + section["end"]) / 2, section["energy"] + 0.04,
                    section["name"], ha="center", fontsize=8)
    for start, end in features.speech:
        bottom.axvspan(start, end, color="#2ca02c", alpha=0.12)
    bottom.plot([], [], color="#ff7f0e", linewidth=3, label="section energy (music)")
    bottom.fill_between([], [], color="#2ca02c", alpha=0.12, label="speech (music ducks)")
    bottom.set_ylim(0, 1.1)
    bottom.set_xlim(0, SECONDS)
    bottom.set_xlabel("seconds")
    bottom.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    out = Path(__file__).with_name("music-fit.png")
    fig.savefig(out, dpi=90)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
