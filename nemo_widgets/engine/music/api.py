"""generate: plan → score → stems → master bus → ducking → a MusicResult; and write_wav.

The master bus is a linked gain envelope (see ``effects``), applied to each stem, so the mix is
exactly the sum of the returned stems. Loudness normalisation to −14 LUFS is *not* done here
(the renderer does it with the video's own sound in view); the mix leaves at −1 dBTP.
"""

from __future__ import annotations

import os
import tempfile
import wave
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from nemo_widgets.engine.music.compose import Score, compose
from nemo_widgets.engine.music.dynamics import (
    FINAL_STOP_DB,
    arc_gain,
    ending_gain,
    start_gain,
    stop_gain,
)
from nemo_widgets.engine.music.effects import apply_gain, duck_gain, master_gain
from nemo_widgets.engine.music.harmony import NOTE_NAMES
from nemo_widgets.engine.music.model import SAMPLE_RATE, STEM_NAMES, MusicPlan, MusicResult
from nemo_widgets.engine.music.planner import plan_music
from nemo_widgets.engine.music.render import MIX, render_buses

if TYPE_CHECKING:
    from nemo_widgets.engine.analysis import VideoFeatures


def generate(features: VideoFeatures, prompt: str, *, seed: int = 0, bpm: int | None = None,
             variation: str | None = None, previous: MusicPlan | None = None,
             duck_under_speech: bool = True, style: str | None = None,
             sections: list[dict[str, Any]] | None = None,
             duration_s: float | None = None) -> MusicResult:
    """Plan, compose and render music for a video (deterministic in inputs and seed).

    ``style`` names the style (as the prompt could); ``sections`` shape the arrangement at the
    times given (CONTRACTS §1: ``{"start_s", "end_s", "shape"}`` with shape calm, build, drop,
    hit, quiet or full; ``start_s`` −1 means the end, so ``{"start_s": -1, "shape": "hit"}``
    ends on a big hit); ``duration_s`` sets the music's length (the video's cuts and speech
    after it are ignored; the video itself is not touched).

    With ``duck_under_speech`` and speech in ``features.speech`` the music (mix and stems) dips
    by 20 dB under every speech interval, ramping down over 80 ms just before the voice and
    back up over 400 ms after it.
    """
    if duration_s is not None:
        features = with_length(features, float(duration_s))
    plan = plan_music(features, prompt, seed=seed, bpm=bpm, variation=variation,
                      previous=previous, style=style, sections=sections)
    speech = [(float(a), float(b)) for a, b in features.speech] if duck_under_speech else []
    return render_plan(plan, speech=speech)


def render_plan(plan: MusicPlan, *, speech: list[tuple[float, float]] | None = None
                ) -> MusicResult:
    """Render a plan (for instance one read back with ``MusicPlan.from_json``).

    Only the mix is rendered here; the stems follow on first use of ``MusicResult.stems``,
    through the same master gain, so they add up to this mix.
    """
    score = compose(plan)
    buses, stats = render_buses(score, plan.duration_s, plan.seed, separate=False)
    bus = buses.pop(MIX)
    gain = master_gain(bus, (plan.arousal + 1.0) / 2.0)
    gain *= arc_gain(plan, bus, gain)
    gain *= ending_gain(plan, len(gain))
    gain *= start_gain(len(gain))
    gain *= stop_gain(score.accents, len(gain), score.stop_db)
    gain *= stop_gain([score.final_time], len(gain), FINAL_STOP_DB)
    if speech:
        gain *= duck_gain(speech, len(gain))
    apply_gain(bus, gain)
    mix = np.ascontiguousarray(bus.T)
    del bus
    cue = build_cue(plan, score, stats, bool(speech))
    return MusicResult(plan=plan, mix=mix, cue=cue,
                       stem_renderer=lambda: _render_separate(score, plan, gain))


def with_length(features: VideoFeatures, duration_s: float) -> VideoFeatures:
    """The features as if the video were ``duration_s`` long (music of another length)."""
    if not duration_s > 0.0 or not np.isfinite(duration_s):
        raise ValueError("duration_s must be a positive number of seconds")
    seconds = int(np.ceil(duration_s))

    def per_second(values: list[float]) -> list[float]:
        if not values:
            return []
        return [values[min(i, len(values) - 1)] for i in range(seconds)]

    keep = [i for i, c in enumerate(features.cuts) if c < duration_s]
    return replace(
        features, duration=duration_s,
        brightness=per_second(list(features.brightness)),
        saturation=per_second(list(features.saturation)),
        warmth=per_second(list(features.warmth)), motion=per_second(list(features.motion)),
        loudness_db=per_second(list(features.loudness_db)),
        cuts=[features.cuts[i] for i in keep],
        cut_strength=[features.cut_strength[i] for i in keep if i < len(features.cut_strength)],
        speech=[(a, min(b, duration_s)) for a, b in features.speech if a < duration_s])


def _render_separate(score: Score, plan: MusicPlan, gain: npt.NDArray[np.float64]
                     ) -> dict[str, npt.NDArray[np.float32]]:
    """The four stems of a rendered piece, each through the mix's own master gain."""
    raw, _stats = render_buses(score, plan.duration_s, plan.seed, separate=True)
    stems: dict[str, npt.NDArray[np.float32]] = {}
    for name in STEM_NAMES:  # one at a time: a long piece must not hold two copies of all
        stem = raw.pop(name)
        apply_gain(stem, gain)
        stems[name] = np.ascontiguousarray(stem.T)
        del stem
    return stems


def build_cue(plan: MusicPlan, score: Score, stats: dict[str, int], ducked: bool
              ) -> dict[str, Any]:
    """What an editor (or the renderer) needs to cut to the music, as plain JSON."""
    chords = [{"start": round(max(ev.start, 0.0), 4), "end": round(ev.end, 4),
               "chord": ev.chord.name(), "numeral": ev.chord.symbol}
              for ev in score.chords if ev.end > 0.0]
    return {
        "style": plan.style,
        "tempo_bpm": plan.tempo_bpm,
        "time_signature": f"{plan.beats_per_bar}/4",
        "key": plan.key,
        "mode": plan.mode,
        "key_name": f"{plan.key} {plan.mode}",
        "beats": list(plan.beats),
        "bars": list(plan.downbeats),
        "sections": [dict(s) for s in plan.sections],
        "accents": [round(t, 4) for t in score.accents],
        "ending": plan.extras.get("ending", "ring"),
        "cut_alignment": [dict(c) for c in plan.cut_alignment],
        "chords": chords,
        "final_chord": {"time": round(score.final_time, 4), "chord": score.final_chord.name(),
                        "root": NOTE_NAMES[score.final_chord.root]},
        "duration_s": plan.duration_s,
        "sample_rate": SAMPLE_RATE,
        "samples": round(plan.duration_s * SAMPLE_RATE),
        "seed": plan.seed,
        "ducked_under_speech": ducked,
        "notes": stats["notes"],
        "distinct_notes": stats["distinct_notes"],
    }


def write_wav(path: Path, audio: npt.NDArray[np.floating[Any]], sr: int = SAMPLE_RATE) -> None:
    """Write 24-bit PCM WAV atomically (a temporary file in the same folder, then
    ``os.replace``), so a reader never sees half a file. Mono input is written as one channel,
    ``(n, c)`` as ``c`` channels. Audio that goes past full scale — a stem can, where the
    others cancel it in the mix — is written as 32-bit float WAV instead, so that the stems
    still add up to the mix rather than being clipped."""
    path = Path(path)
    data = np.asarray(audio, dtype=np.float64)
    if data.ndim == 1:
        data = data[:, None]
    if data.ndim != 2:
        raise ValueError("audio must be (n,) or (n, channels)")
    over = data.size > 0 and float(np.max(np.abs(data))) > 1.0
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if over:
            with os.fdopen(fd, "wb") as handle:
                handle.write(_float_wav(data.astype("<f4"), int(sr)))
        else:
            ints = np.round(data * 8388607.0).astype("<i4")
            raw = ints.reshape(-1).view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
            with os.fdopen(fd, "wb") as handle, wave.open(handle, "wb") as out:
                out.setnchannels(data.shape[1])
                out.setsampwidth(3)
                out.setframerate(int(sr))
                out.writeframes(raw)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a media file is meant to be readable
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _float_wav(data: npt.NDArray[np.float32], sr: int) -> bytes:
    """A WAVE_FORMAT_IEEE_FLOAT file (format 3, with the ``fact`` chunk it requires)."""
    import struct

    channels = data.shape[1]
    body = data.tobytes()
    fmt = struct.pack("<HHIIHHH", 3, channels, sr, sr * channels * 4, channels * 4, 32, 0)
    fact = struct.pack("<I", data.shape[0])
    chunks = (b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"fact" + struct.pack("<I", 4)
              + fact + b"data" + struct.pack("<I", len(body)) + body)
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks
