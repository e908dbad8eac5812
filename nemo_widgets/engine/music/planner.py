"""plan_music: from the video's features and the user's words to a complete musical plan.

Order of decisions, each feeding the next: mood (picture, then prompt on top) → style (named in
the prompt, else nearest to the mood) → mode and key → tempo and beat grid (fitted to the cuts
inside the style's tempo range, or exactly the requested BPM) → the final hit (a bar line
shortly before the end) → sections in whole bars, changing on the strongest cuts, with an
energy that follows the motion. Follow-up variations start from the previous plan and change
only what they name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import fmean
from typing import TYPE_CHECKING, Any

import numpy as np

from nemo_widgets.engine.music import form
from nemo_widgets.engine.music import mood as moods
from nemo_widgets.engine.music.grid import STRETCH, TOLERANCE_S, Fit, Grid, alignment, fit_grid
from nemo_widgets.engine.music.grooves import groove_index, pick_groove
from nemo_widgets.engine.music.harmony import NOTE_NAMES, pitch_class
from nemo_widgets.engine.music.model import MusicPlan
from nemo_widgets.engine.music.styles import Style, get_style, mood_distance, ranked_styles

if TYPE_CHECKING:
    from nemo_widgets.engine.analysis import VideoFeatures

VARIATIONS: tuple[str, ...] = ("more_upbeat", "calmer", "another", "bpm", "piano_only")
TEMPO_LIMITS = (50.0, 180.0)
# The final hit lands this long before the end: long enough for the last chord to be heard
# as the ending (and for the chord before it to clear), short enough not to drag.
ENDING_WINDOW = (0.8, 2.0)


@dataclass
class _Decision:
    style: Style
    valence: float
    arousal: float
    mode: str
    key: str
    seed: int
    drums: bool
    exact_bpm: float | None
    tempo_range: tuple[float, float]
    target_bpm: float
    stretch: float = STRETCH  # how far the search may leave the range (0 for variations)
    groove: int | None = None  # index in grooves.grooves_of(style); None: the seed's


def _clip(x: float, low: float = -1.0, high: float = 1.0) -> float:
    return max(low, min(high, x))


def _target_tempo(style: Style, arousal: float) -> float:
    low, high = style.tempo
    return low + (high - low) * _clip(0.5 + 0.6 * arousal, 0.0, 1.0)


def _pick_key(style: Style, mode: str, seed: int) -> str:
    """The seed's key among the style's usual ones: consecutive seeds (another version) take
    different keys, from a starting point that depends on the style."""
    keys = style.keys_minor if mode == "minor" else style.keys_major
    start = int(np.random.default_rng([101, len(style.name), ord(style.name[0])]).integers(
        len(keys)))
    return str(keys[(start + seed) % len(keys)])


def _infer_variation(variation: str | None, said: moods.PromptMood, previous: MusicPlan | None,
                     bpm: float | None) -> str | None:
    if variation:
        if variation not in VARIATIONS:
            raise ValueError(f"unknown variation {variation!r}; known: {', '.join(VARIATIONS)}")
        return variation
    if previous is None:
        return None
    if bpm is not None:
        return "bpm"
    if said.relative == "slower":
        return "calmer"
    if said.relative == "faster":
        return "more_upbeat"
    if said.relative == "another":
        return "another"
    return None


def _decide(features: VideoFeatures, said: moods.PromptMood, picture: moods.PictureMood,
            seed: int, bpm: float | None, variation: str | None,
            previous: MusicPlan | None, reasons: list[str]) -> _Decision:
    if previous is not None and variation is not None:
        return _decide_variation(said, seed, bpm, variation, previous, reasons)
    valence = moods.blend(picture.valence, said.valence)
    arousal = moods.blend(picture.arousal, said.arousal)
    tempo_scale = 1.0
    if said.relative == "slower":
        arousal, tempo_scale = _clip(arousal - 0.3), 0.9
    elif said.relative == "faster":
        arousal, tempo_scale = _clip(arousal + 0.3), 1.1
    if variation == "more_upbeat":
        arousal, valence, tempo_scale = _clip(arousal + 0.35), _clip(valence + 0.1), 1.1
    elif variation == "calmer":
        arousal, tempo_scale = _clip(arousal - 0.35), 0.9
    if variation == "piano_only":
        style, why = get_style("piano"), "piano only was asked for"
    elif said.style:
        style, why = get_style(said.style), f"the prompt names {get_style(said.style).label}"
    elif said.hint and said.valence is not None:
        style = get_style(said.hint)
        why = f"the prompt's mood suggests {style.label}"
    else:
        style, why = _auto_style(features, valence, arousal,
                                 bpm if bpm is not None else said.bpm)
    mode = said.mode or ("minor" if valence < 0 else "major")
    drums = bool(style.drums) and not said.no_drums and variation != "piano_only"
    target = _target_tempo(style, arousal) * tempo_scale
    low, high = style.tempo
    tempo_range = (min(low, target), max(high, target)) if tempo_scale != 1.0 else (low, high)
    exact = bpm if bpm is not None else said.bpm
    if exact is not None:
        exact = _clip(exact, *moods.BPM_LIMITS)
    key = _pick_key(style, mode, seed)
    _mood_reasons(picture, said, valence, arousal, reasons)
    reasons.append(f"Style: {style.label} — {why}.")
    colour = "minor for a darker" if mode == "minor" else "major for a brighter"
    asked = ", as the prompt asked" if said.mode else ""
    reasons.append(f"Key: {key} {mode} ({colour} colour{asked}).")
    if not drums and style.drums:
        reasons.append("No drums, as asked.")
    return _Decision(style, valence, arousal, mode, key, seed, drums, exact,
                     tempo_range, target)


def _auto_style(features: VideoFeatures, valence: float, arousal: float,
                exact_bpm: float | None) -> tuple[Style, str]:
    """The style for a mood when none is named: the nearest one — unless a style of the same
    mood (the same side of calm/energetic and of dark/bright, nearly as near) lets a steady
    grid catch clearly more of the cuts.

    The cuts never take the mood away: a dark, slow clip keeps calm, dark music however it is
    cut, and cuts no grid catches are answered by accents on them (``parts.accents``).
    """
    ranked = ranked_styles(valence, arousal)
    nearest = ranked[0]
    why = f"it suits a {moods.describe(valence, arousal)} mood"
    duration = float(features.duration)
    cuts = [float(c) for c in features.cuts if 0.05 < c < duration - 0.05]
    if exact_bpm is not None or duration < 2.0 or len(cuts) < 3:
        return nearest, why
    strengths = [float(s) for s in features.cut_strength]
    base = mood_distance(nearest, valence, arousal)

    def same_mood(style: Style) -> bool:
        sv, sa = style.mood
        return (mood_distance(style, valence, arousal) <= base + 0.4
                and abs(sa - arousal) <= 0.35 and abs(sv - valence) <= 0.7)

    def share(style: Style) -> tuple[float, Fit]:
        fit = fit_grid(list(features.cuts), strengths, duration, style.tempo,
                       _target_tempo(style, arousal))
        return fit.aligned / max(fit.total, 1), fit

    own, own_fit = share(nearest)
    if own >= 0.8:
        return nearest, why
    best, best_share, best_fit = nearest, own, own_fit
    for style in ranked[1:]:
        if same_mood(style):
            value, fit = share(style)
            if value >= max(best_share + 0.25, 0.8):
                best, best_share, best_fit = style, value, fit
    if best is nearest:
        return nearest, why
    return best, (f"{best.label} suits the same mood and its beat catches the cutting: "
                  f"{best_fit.aligned} of {best_fit.total} cuts on its beats, against "
                  f"{own_fit.aligned} in {nearest.label}'s tempo range")


def _decide_variation(said: moods.PromptMood, seed: int, bpm: float | None, variation: str,
                      previous: MusicPlan, reasons: list[str]) -> _Decision:
    """Start from ``previous`` and change only what the variation names."""
    style = get_style(previous.style)
    if said.style and variation != "piano_only":
        style = get_style(said.style)
    valence, arousal = previous.valence, previous.arousal
    key, mode, new_seed = previous.key, previous.mode, previous.seed
    drums = previous.drums and not said.no_drums
    exact: float | None = bpm if bpm is not None else said.bpm
    prev_tempo = previous.tempo_bpm
    target = prev_tempo
    tempo_range = style.tempo
    groove: int | None = None
    if variation == "more_upbeat":
        arousal, valence = _clip(arousal + 0.3), _clip(valence + 0.1)
        target = prev_tempo * 1.1
        tempo_range = (prev_tempo * 1.05, prev_tempo * 1.16)
        reasons.append(f"More upbeat: faster than the previous {prev_tempo:.1f} BPM and busier.")
    elif variation == "calmer":
        arousal = _clip(arousal - 0.3)
        target = prev_tempo * 0.9
        tempo_range = (prev_tempo * 0.84, prev_tempo * 0.95)
        reasons.append(f"Calmer: slower than the previous {prev_tempo:.1f} BPM and sparser.")
    elif variation == "another":
        new_seed = seed if seed != previous.seed else previous.seed + 1
        target = _target_tempo(style, arousal)
        keys = style.keys_minor if mode == "minor" else style.keys_major
        key = (keys[(keys.index(previous.key) + 1) % len(keys)] if previous.key in keys
               else _pick_key(style, mode, new_seed))
        if style.name == previous.style:
            groove = groove_index(style, new_seed, _groove_of(previous))
        reasons.append("Another take: same style and mood; another groove, another key, new "
                       "material (new seed).")
    elif variation == "bpm":
        if exact is None:
            exact = prev_tempo
        reasons.append(f"Tempo set to {exact:g} BPM as asked; everything else kept.")
    elif variation == "piano_only":
        style = get_style("piano")
        drums = False
        low, high = style.tempo
        target = prev_tempo
        while target > high + 8:
            target /= 2.0
        target = _clip(target, low - 8, high + 8)
        tempo_range = (min(low, target * 0.97), max(high, target * 1.03))
        reasons.append("Piano only: the same key and mood on solo piano, no drums.")
    if variation != "bpm" and said.bpm is not None and bpm is None:
        exact = said.bpm
    if exact is not None:
        exact = _clip(exact, *moods.BPM_LIMITS)
    tempo_range = (_clip(tempo_range[0], *TEMPO_LIMITS), _clip(tempo_range[1], *TEMPO_LIMITS))
    if said.mode:
        mode = said.mode
    if style.name != previous.style and variation != "piano_only":
        reasons.append(f"Style: {style.label}, as the prompt asked.")
    stretch = 0.0 if variation in ("more_upbeat", "calmer") else STRETCH
    if groove is None and style.name == previous.style:
        groove = _groove_of(previous)  # other follow-ups keep the feel
    return _Decision(style, valence, arousal, mode, key, new_seed, drums and bool(style.drums),
                     exact, tempo_range, _clip(target, *TEMPO_LIMITS), stretch, groove)


def _groove_of(plan: MusicPlan) -> int:
    """The groove a plan was played with (plans from before grooves: the seed's)."""
    recorded = plan.extras.get("groove")
    if recorded is not None:
        return int(recorded)
    return groove_index(get_style(plan.style), plan.seed)


def _mood_reasons(picture: moods.PictureMood, said: moods.PromptMood, valence: float,
                  arousal: float, reasons: list[str]) -> None:
    look = ("bright" if picture.brightness > 0.55 else "dark" if picture.brightness < 0.35
            else "medium-bright")
    temp = "warm" if picture.warmth > 0.15 else "cool" if picture.warmth < -0.15 else "neutral"
    pace = ("fast cutting" if picture.cuts_per_minute > 20 else "slow cutting"
            if picture.cuts_per_minute < 8 else "moderate cutting")
    movement = ("lots of motion" if picture.motion > 0.45 else "little motion"
                if picture.motion < 0.15 else "some motion")
    text = (f"Mood: {moods.describe(valence, arousal)} — the picture is {look} with {temp} "
            f"colours, {movement} and {pace} ({picture.cuts_per_minute:.0f} cuts/min)")
    if said.words:
        wins = said.valence is not None or said.arousal is not None
        text += (f"; the prompt says {', '.join(dict.fromkeys(said.words))}"
                 f"{' and wins over the picture' if wins else ''}")
    reasons.append(text + ".")


def _final_beat(grid: Grid, duration: float) -> int:
    """The beat of the final hit: a bar line 0.8–2 s before the end if there is one (nearest
    1.2 s), else the half bar, else any beat; very short pieces end on their first beat."""
    lo, hi = ENDING_WINDOW
    last = math.floor(grid.beat_at(duration))
    window = [b for b in range(0, last + 1) if lo <= duration - grid.time(b) <= hi]
    half = grid.beats_per_bar // 2
    for rank in (lambda b: grid.is_downbeat(b),
                 lambda b: (b - grid.bar_phase) % grid.beats_per_bar == half,
                 lambda b: True):
        chosen = [b for b in window if rank(b)]
        if chosen:
            return min(chosen, key=lambda b: abs(duration - grid.time(b) - 1.2))
    fits = [b for b in range(0, last + 1) if grid.time(b) <= duration - 0.3]
    return fits[-1] if fits else 0


def _final_on_cut(grid: Grid, duration: float, cuts: list[float], strengths: list[float]
                  ) -> tuple[int, float] | None:
    """The last of the strongest half of the cuts, if it falls 0.8–2 s before the end: the
    final hit lands on it (on the picture's last strong cut, even off the grid), so the music
    ends with the edit. Its beat is the nearest one (the bars run to it)."""
    pairs = [(float(c), float(strengths[i]) if i < len(strengths) else 1.0)
             for i, c in enumerate(cuts) if 0.0 <= float(c) <= duration]
    if not pairs:
        return None
    order = sorted(range(len(pairs)), key=lambda i: -pairs[i][1])
    strongest = [pairs[i][0] for i in order[: math.ceil(len(pairs) / 2)]]
    lo, hi = ENDING_WINDOW
    inside = [c for c in strongest if lo <= duration - c <= hi]
    if not inside:
        return None
    cut = max(inside)
    return max(grid.nearest_beat(cut), 0), cut


def _motion_mean(motion: list[float], start: float, end: float) -> float:
    lo, hi = math.floor(start), max(math.ceil(end), math.floor(start) + 1)
    part = [float(m) for m in motion[lo:hi] if m == m]
    return fmean(part) if part else (fmean(motion) if motion else 0.25)


def plan_music(features: VideoFeatures, prompt: str, *, seed: int = 0, bpm: int | None = None,
               variation: str | None = None, previous: MusicPlan | None = None,
               style: str | None = None, sections: list[dict[str, Any]] | None = None
               ) -> MusicPlan:
    """Decide everything about the piece for this video and prompt (see the module doc).

    ``seed`` picks the material (key, progression, motif, small timing offsets); the same
    inputs and seed give the same plan. With ``previous`` and a ``variation`` the previous plan
    is the starting point: ``more_upbeat``/``calmer`` move the mood and tempo from it,
    ``another`` keeps style and mood with a new seed, ``bpm`` sets the tempo exactly,
    ``piano_only`` switches to solo piano. Relative words in the prompt ("slower", "faster",
    "another one", "100 bpm") are read as those variations when a previous plan is given.
    ``style`` names the style as the prompt could; ``sections`` are the sections asked for in
    words (``{"start_s", "end_s", "shape"}``, see ``form.apply_requests``).
    """
    duration = float(features.duration)
    if not duration > 0.0 or not math.isfinite(duration):
        raise ValueError("the video must have a positive duration")
    said = moods.read_prompt(prompt or "")
    if style:
        said.style = get_style(style).name
    picture = moods.read_picture(features)
    exact_bpm = float(bpm) if bpm is not None else None
    variation = _infer_variation(variation, said, previous,
                                 exact_bpm if exact_bpm is not None else said.bpm)
    reasons: list[str] = []
    d = _decide(features, said, picture, int(seed), exact_bpm, variation, previous, reasons)
    cuts = [float(c) for c in features.cuts]
    strengths = [float(s) for s in features.cut_strength]
    if duration < 2.0:  # too short for a groove: one chord from the first instant
        fit = Fit(Grid(d.exact_bpm or d.target_bpm, 0.0, 0), 0, 0, 0.0)
    else:
        fit = fit_grid(cuts, strengths, duration, d.tempo_range, d.target_bpm, d.exact_bpm,
                       stretch=d.stretch)
    grid = fit.grid
    final = _final_beat(grid, duration)
    final_t = grid.time(final)
    on_cut = _final_on_cut(grid, duration, cuts, strengths) if duration >= 2.0 else None
    if on_cut is not None:
        final, final_t = on_cut
    beats = [round(grid.time(b), 6) for b in range(0, final + 1)]
    downbeats = [round(grid.time(b), 6) for b in range(0, final)
                 if grid.is_downbeat(b)] + [round(final_t, 6)]
    b0 = grid.bar_phase
    n_bars = max(0, math.ceil((final - b0) / grid.beats_per_bar))
    aligned = alignment(grid, cuts, strengths, duration)
    strong: dict[int, float] = {}
    for row in aligned:
        if abs(float(row["error_ms"])) <= TOLERANCE_S * 1000 and row["on_downbeat"]:
            j = (grid.nearest_beat(float(row["cut"])) - b0) // grid.beats_per_bar
            strong[j] = max(strong.get(j, 0.0), float(row["strength"]))
    bar_s = grid.period * grid.beats_per_bar
    layout = form.layout(n_bars, bar_s, strong, d.seed)
    hits: list[float] = []
    ending = "ring"
    if sections:
        layout, asked_hits, ending = form.apply_requests(layout, sections, grid.time(b0),
                                                         bar_s, n_bars)
        hits = [round(grid.time(grid.nearest_beat(t)), 6) for t in asked_hits
                if 0.0 <= t < final_t]
    motion = [float(m) for m in features.motion]
    m_all = fmean(motion) if motion else 0.25
    planned: list[dict[str, Any]] = []
    scale = 0.6 + 0.4 * (d.arousal + 1.0) / 2.0
    seen_main = 0
    for i, (name, j0, j1) in enumerate(layout):
        start = 0.0 if i == 0 else grid.time(b0 + grid.beats_per_bar * j0)
        end = duration if i == len(layout) - 1 else grid.time(b0 + grid.beats_per_bar * j1)
        shape = form.describe(name, scale, _motion_mean(motion, start, end) - m_all, seen_main,
                              picture.cuts_per_minute)
        seen_main += name == "main"
        planned.append({"name": name, "start": round(start, 6), "end": round(end, 6),
                        "bars": j1 - j0, **shape})
    if not planned:
        planned.append({"name": "outro", "start": 0.0, "end": duration,
                        "energy": round(_clip(0.4 * scale, 0.08, 1.0), 3), "bars": 0,
                        "level_db": 0.0})
    sections = planned
    _grid_reasons(fit, grid, d, sections, aligned, final_t, duration, reasons)
    return MusicPlan(
        style=d.style.name, tempo_bpm=round(grid.tempo_bpm, 4), key=d.key, mode=d.mode,
        valence=round(d.valence, 4), arousal=round(d.arousal, 4),
        beat_offset_s=round(grid.offset, 6), beats=beats, downbeats=downbeats,
        sections=sections, cut_alignment=[dict(r) for r in aligned], duration_s=duration,
        seed=d.seed, reasons=reasons, drums=d.drums, final_hit_s=round(final_t, 6),
        beats_per_bar=grid.beats_per_bar, prompt=prompt or "",
        extras={"bar_phase": grid.bar_phase, "final_beat": final,
                "target_bpm": round(d.target_bpm, 3),
                "tempo_range": [round(d.tempo_range[0] * (1 - d.stretch), 3),
                                round(d.tempo_range[1] * (1 + d.stretch), 3)],
                "style_tempo_range": [d.tempo_range[0], d.tempo_range[1]],
                "variation": variation, "style_label": d.style.label,
                "tonic_pc": pitch_class(d.key), "ending": ending, "hits": hits,
                "groove": (d.groove if d.groove is not None
                           else groove_index(d.style, d.seed)),
                "groove_name": pick_groove(d.style, d.seed, d.groove).name})


def _grid_reasons(fit: Fit, grid: Grid, d: _Decision, sections: list[dict[str, Any]],
                  aligned: list[dict[str, Any]], final_t: float, duration: float,
                  reasons: list[str]) -> None:
    if d.exact_bpm is not None:
        tempo = f"Tempo: {grid.tempo_bpm:g} BPM, as asked"
    else:
        tempo = (f"Tempo: {grid.tempo_bpm:.2f} BPM, searched around {d.tempo_range[0]:.0f}–"
                 f"{d.tempo_range[1]:.0f} BPM for the grid that best fits the cuts")
    if fit.total:
        tempo += (f"; {fit.aligned} of {fit.total} cuts land within ±45 ms of a beat "
                  f"(mean error {fit.mean_error_ms:.0f} ms)")
    reasons.insert(min(2, len(reasons)), tempo + ".")  # mood, style, tempo lead the list
    bar_cuts = [r for r in aligned if r["on_downbeat"] and abs(r["error_ms"]) <= 45
                and r["strength"] >= 0.5]
    if bar_cuts:
        shown = ", ".join(f"{r['cut']:.1f} s" for r in bar_cuts[:4])
        reasons.append(f"Strong cuts on bar lines: {shown}"
                       f"{' …' if len(bar_cuts) > 4 else ''}.")
    names = " → ".join(f"{s['name']} ({s['start']:.1f}–{s['end']:.1f} s)" for s in sections)
    reasons.append(f"Structure: {names}; energy follows the motion.")
    tonic = NOTE_NAMES[pitch_class(d.key)]
    reasons.append(f"Ending: a {tonic} {d.mode} chord on the bar line at {final_t:.2f} s, ringing "
                   f"out to the last frame ({duration - final_t:.2f} s).")
