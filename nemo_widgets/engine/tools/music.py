"""The ``generate_music`` tool: analyse the timeline, compose, keep the files, place the BGM.

This is where the engine's pieces meet: ``analysis`` looks at what is on the timeline,
``music`` plans, composes and synthesises a track of the timeline's length (or the asked
length), and this tool stores the mix as content-addressed media (so the render resolves it
like an upload), keeps the cue file and the stems' recipe beside it as the session's
``generated_media`` (the stems themselves are rendered on first download, see ``stems``), and
puts the mix on the background-music track at a volume that suits the source's own sound.
``count`` > 1 makes that many versions (seeds ``seed``, ``seed + 1``…), the first one placed.
"""

from __future__ import annotations

import json
import logging
import os
import time
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from nemo_widgets.engine.agent.model import MusicRequest, ToolAction
from nemo_widgets.engine.agent.music_reply import music_added
from nemo_widgets.engine.agent.music_words import sections_under_speech
from nemo_widgets.engine.agent.tracks import KEEP_LENGTH, bgm_tracks, ensure_bgm_track
from nemo_widgets.engine.errors import EngineError
from nemo_widgets.engine.media import file_sha256, probe
from nemo_widgets.engine.media.stems import STEM_NAMES, save_recipe, stem_path
from nemo_widgets.engine.settings import EngineSettings
from nemo_widgets.engine.store import Store
from nemo_widgets.engine.tools.base import ToolContext, ToolFailed, ToolOutcome
from nemo_widgets.timeline import Segment, Timeline

log = logging.getLogger(__name__)

MAX_VERSIONS = 5
"""Most versions one request makes ("three options" → 3)."""


def _previous_plan(generated: list[dict[str, Any]]) -> dict[str, Any] | None:
    for item in reversed(generated):
        if item.get("kind") == "music" and isinstance(item.get("plan"), dict):
            plan: dict[str, Any] = item["plan"]
            return plan
    return None


def choose_seed(timeline: Timeline, request: MusicRequest,
                previous: dict[str, Any] | None, versions: int) -> int:
    """An asked seed wins. Otherwise the same media and words give the same seed, so the same
    video and prompt give the same music in any session; a follow-up keeps the previous seed;
    "another version" moves on."""
    if request.seed is not None:
        return request.seed & 0x7FFFFFFF
    if previous is not None and request.variation != "another":
        return int(previous.get("seed", 0))
    sources = sorted({str(s.source) for t in timeline.tracks
                      for s in t.segments if s.source and t.role != "bgm"})
    words = " ".join(request.prompt.lower().split())
    bump = versions if request.variation == "another" else 0
    return zlib.crc32(f"{','.join(sources)}|{words}|{bump}".encode()) & 0x7FFFFFFF


def compose_options(request: MusicRequest, speech: list[tuple[float, float]]
                    ) -> dict[str, Any]:
    """The request's optional fields for the music engine's ``generate``: what the words set
    (``style``, ``sections``, ``duration_s``), nothing for what they did not. "Quiet under the
    talking part" becomes one quiet section per interval the analysis heard speech in."""
    sections = sections_under_speech(request.sections, speech) if request.sections else []
    return {"style": request.style, "sections": sections or None,
            "duration_s": request.duration_s}


def music_volume(has_audio: bool, has_speech: bool) -> float:
    """Under speech the music stays low (and is ducked); alone it is the whole sound."""
    if has_speech:
        return 0.3
    return 0.5 if has_audio else 1.0


def store_mix(settings: EngineSettings, store: Store, audio: np.ndarray) -> str:
    """Keep the mix as content-addressed media, like an upload; its hash."""
    from nemo_widgets.engine.music import write_wav

    temp = settings.tmp_dir / f"music-{os.getpid()}-{id(audio)}.wav"
    try:
        write_wav(temp, audio)
        digest = file_sha256(temp)
        info = probe(temp)
        final = settings.media_dir / f"{digest}.wav"
        if not final.exists():
            os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)
    store.put_media(digest, final, final.stat().st_size, info.to_json())
    return digest


def _store_extras(settings: EngineSettings, digest: str, plan: dict[str, Any],
                  speech: list[tuple[float, float]], cue: dict[str, Any]
                  ) -> tuple[dict[str, str], str]:
    """The cue file beside the mix, and the stems' URLs under ``/generated/``: the stems
    themselves are rendered from a recipe on their first download (see ``stems``)."""
    folder = settings.home / "generated"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    save_recipe(folder, digest, plan, speech)
    paths = {name: f"/generated/{stem_path(folder, digest, name).name}" for name in STEM_NAMES}
    cue_path = folder / f"{digest}-cue.json"
    temp = cue_path.with_suffix(".tmp")
    temp.write_text(json.dumps(cue, indent=1))
    os.replace(temp, cue_path)
    return paths, f"/generated/{cue_path.name}"


def place_music(timeline: Timeline, digest: str, label: str, volume: float,
                length_ms: int | None = None) -> Timeline:
    """The mix as the only segment of the BGM track (a copy of the timeline): over the whole
    timeline, or for ``length_ms`` when the music was made to an asked length (then it keeps
    that length: ``KEEP_LENGTH``)."""
    timeline = Timeline.from_draft(timeline.to_draft())
    track = ensure_bgm_track(timeline)
    for other in bgm_tracks(timeline)[1:]:
        other.segments = []
    previous = track.segments[0].volume if track.segments else None
    duration = timeline.duration_ms if length_ms is None else min(length_ms,
                                                                  timeline.duration_ms)
    segment = Segment(kind="audio", start_ms=0, duration_ms=duration,
                      id="sg_music_" + digest[:8], source=digest, label=label,
                      volume=previous if previous is not None else volume)
    segment.extra["generated"] = True
    if length_ms is not None:
        segment.extra[KEEP_LENGTH] = True
    track.segments = [segment]
    timeline.tracks = [t for t in timeline.tracks if t.segments or t is track]
    return timeline


class MusicTool:
    """args: ``request`` (the agent's ``MusicRequest``), ``draft`` (the timeline to score, the
    agent's edits of this turn included), ``actions`` (those edits' calls, shown first)."""

    name = "generate_music"

    def run(self, context: ToolContext, args: Mapping[str, Any]) -> ToolOutcome:
        request: MusicRequest = args["request"]
        shown: list[ToolAction] = list(args.get("actions", []))
        call_args = {"prompt": request.prompt, "variation": request.variation,
                     "bpm": request.bpm}
        try:
            return self._compose(context, request, Timeline.from_draft(args["draft"]),
                                 shown, call_args)
        except EngineError as exc:
            failed = ToolAction(self.name, call_args, {"status": "error",
                                                       "message": exc.message})
            raise ToolFailed(exc.message, failed, shown) from exc

    def _compose(self, context: ToolContext, request: MusicRequest, timeline: Timeline,
                 shown: list[ToolAction], call_args: dict[str, Any]) -> ToolOutcome:
        # Imported here: numpy-heavy modules load on the first music request, not at start-up.
        from nemo_widgets.engine.analysis import analyse_timeline
        from nemo_widgets.engine.music import MusicPlan
        from nemo_widgets.engine.music import generate as compose_music

        if timeline.duration_ms < 500:
            raise EngineError("Add a video or images to the timeline first: the music is "
                              "composed to fit them.")
        settings, generated = context.settings, context.session.generated_media
        cache = settings.home / "analysis"
        cache.mkdir(parents=True, exist_ok=True, mode=0o700)
        began = clock = time.perf_counter()
        laps: dict[str, float] = {}

        def lap(stage: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            laps[stage] = laps.get(stage, 0.0) + now - clock
            clock = now

        # Usually a wait: the upload started this analysis in the background (cache lock).
        features = analyse_timeline(timeline.to_draft(), context.library.resolve, cache)
        lap("analysis")
        previous_json = _previous_plan(generated)
        previous = MusicPlan.from_dict(previous_json) if previous_json else None
        versions = sum(1 for item in generated if item.get("kind") == "music")
        seed = choose_seed(timeline, request, previous_json, versions)
        count = max(1, min(MAX_VERSIONS, request.count))
        speech = [(float(a), float(b)) for a, b in features.speech]
        options = compose_options(request, speech)
        items: list[dict[str, Any]] = []
        first: tuple[Any, str, str] | None = None
        for n in range(count):
            result = compose_music(features, request.prompt, seed=seed + n, bpm=request.bpm,
                                   variation=request.variation, previous=previous,
                                   duck_under_speech=True, **options)
            lap("generate")
            plan = result.plan
            digest = store_mix(settings, context.store, result.mix)
            lap("write")
            stems, cue_path = _store_extras(settings, digest, plan.to_dict(), speech, result.cue)
            lap("extras")
            label = f"{plan.style.title()} · {plan.tempo_bpm:.0f} BPM · {plan.key} {plan.mode}"
            items.append({"kind": "music", "hash": digest, "path": f"/media/{digest}.wav",
                          "label": label, "style": plan.style, "tempo_bpm": plan.tempo_bpm,
                          "key": f"{plan.key} {plan.mode}", "duration_s": plan.duration_s,
                          "seed": plan.seed, "version": versions + n + 1, "stems": stems,
                          "cue": cue_path, "plan": plan.to_dict()})
            if first is None:
                first = (plan, digest, label)
        assert first is not None
        plan, digest, label = first
        # One line the quick-edit benchmark parses (benchmarks/quick_edit.py).
        log.info("music turn: %.1f s of music in %.2f s (%s)", plan.duration_s,
                 time.perf_counter() - began, ", ".join(f"{k} {v:.2f} s" for k, v in laps.items()))
        volume = music_volume(features.has_audio, bool(features.speech))
        length_ms = round(plan.duration_s * 1000) if request.duration_s else None
        placed_timeline = place_music(timeline, digest, label, volume, length_ms)
        placed = next(s for t in placed_timeline.tracks if t.role == "bgm" for s in t.segments)
        aligned = [c for c in plan.cut_alignment if abs(float(c.get("error_ms", 1e9))) <= 45]
        cuts_on_beat = (len(aligned), len(plan.cut_alignment))
        result_json = {"status": "ok", "hash": digest, "style": plan.style,
                       "tempo_bpm": round(plan.tempo_bpm, 2), "key": f"{plan.key} {plan.mode}",
                       "duration_s": plan.duration_s, "cuts_on_beat": list(cuts_on_beat),
                       "versions": [item["version"] for item in items]}
        reply = music_added(style=plan.style, tempo_bpm=plan.tempo_bpm, key=plan.key,
                            mode=plan.mode, duration_s=plan.duration_s,
                            cuts_aligned=cuts_on_beat[0], cuts_total=cuts_on_beat[1],
                            volume=placed.volume, ducked=bool(features.speech),
                            reasons=plan.reasons, language=context.language,
                            version=versions + 1, versions=count,
                            video_s=timeline.duration_ms / 1000)
        return ToolOutcome([*shown, ToolAction(self.name, call_args, result_json)],
                           placed_timeline, reply.text, items, reply.reasons)


def music_versions(generated: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The session's music entries in the order they were made (version 1 first)."""
    return [item for item in generated if item.get("kind") == "music" and "hash" in item]


