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

import inspect
import json
import os
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from nemo_widgets.engine.agent.model import MusicRequest, ToolAction
from nemo_widgets.engine.agent.tracks import bgm_tracks, ensure_bgm_track
from nemo_widgets.engine.errors import EngineError
from nemo_widgets.engine.media import file_sha256, probe
from nemo_widgets.engine.media.stems import STEM_NAMES, save_recipe, stem_path
from nemo_widgets.engine.settings import EngineSettings
from nemo_widgets.engine.store import Store
from nemo_widgets.engine.tools.base import ToolContext, ToolFailed, ToolOutcome
from nemo_widgets.timeline import Segment, Timeline

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
    asked = getattr(request, "seed", None)
    if isinstance(asked, int):
        return asked & 0x7FFFFFFF
    if previous is not None and request.variation != "another":
        return int(previous.get("seed", 0))
    sources = sorted({str(s.source) for t in timeline.tracks
                      for s in t.segments if s.source and t.role != "bgm"})
    words = " ".join(request.prompt.lower().split())
    bump = versions if request.variation == "another" else 0
    return zlib.crc32(f"{','.join(sources)}|{words}|{bump}".encode()) & 0x7FFFFFFF


def compose_options(request: MusicRequest, accepted: Mapping[str, Any]) -> dict[str, Any]:
    """The request's optional fields (``sections``, ``style``, ``duration_s``) that are set and
    that the music engine's ``generate`` takes."""
    options = {name: getattr(request, name, None) for name in ("sections", "style",
                                                               "duration_s")}
    return {k: v for k, v in options.items() if v not in (None, [], "") and k in accepted}


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


def place_music(timeline: Timeline, digest: str, label: str, volume: float) -> Timeline:
    """The mix as the only segment of the BGM track, covering the whole timeline (a copy)."""
    timeline = Timeline.from_draft(timeline.to_draft())
    track = ensure_bgm_track(timeline)
    for other in bgm_tracks(timeline)[1:]:
        other.segments = []
    previous = track.segments[0].volume if track.segments else None
    segment = Segment(kind="audio", start_ms=0, duration_ms=timeline.duration_ms,
                      id="sg_music_" + digest[:8], source=digest, label=label,
                      volume=previous if previous is not None else volume)
    segment.extra["generated"] = True
    track.segments = [segment]
    timeline.tracks = [t for t in timeline.tracks if t.segments or t is track]
    return timeline


def describe(plan: Any, language: str, volume: float, cuts_on_beat: tuple[int, int],
             versions: int) -> str:
    """The reply: what was made, why, and what to say next."""
    minutes, seconds = divmod(round(plan.duration_s), 60)
    length = f"{minutes}:{seconds:02d}"
    hits, total = cuts_on_beat
    reasons = " ".join(plan.reasons[:3])
    if language == "zh":
        mode = "大调" if plan.mode == "major" else "小调"
        text = (f"我为你的视频创作了一段 {length} 的{plan.style}风格音乐："
                f"{plan.tempo_bpm:.0f} BPM，{plan.key} {mode}。")
        if total:
            text += f"{total} 个剪辑点中有 {hits} 个落在节拍上。"
        if versions > 1:
            text += f"共做了 {versions} 个版本，时间线上是第 1 个；说“用第2个音乐版本”即可切换。"
        return text + (f"已作为背景音乐放在时间线上（音量 {round(volume * 100)}%）。"
                       "可以说“更欢快”“更舒缓”“换一首”“100 bpm”或“纯钢琴”。")
    text = (f"I composed a {length} {plan.style} track for your video: "
            f"{plan.tempo_bpm:.0f} BPM in {plan.key} {plan.mode}. Why — {reasons}")
    if versions > 1:
        text += (f" I made {versions} versions; the first is on the timeline (say \"use music "
                 f"version 2\" to switch).")
    return text + (f" It is on the timeline as background music at {round(volume * 100)}%, "
                   "ending on the last frame. Say \"more upbeat\", \"calmer\", \"another "
                   "version\", \"100 bpm\" or \"piano only\" to change it.")


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
        features = analyse_timeline(timeline.to_draft(), context.library.resolve, cache)
        previous_json = _previous_plan(generated)
        previous = MusicPlan.from_dict(previous_json) if previous_json else None
        versions = sum(1 for item in generated if item.get("kind") == "music")
        seed = choose_seed(timeline, request, previous_json, versions)
        count = max(1, min(MAX_VERSIONS, int(getattr(request, "count", 1) or 1)))
        options = compose_options(request, inspect.signature(compose_music).parameters)
        items: list[dict[str, Any]] = []
        first: tuple[Any, str, str] | None = None
        for n in range(count):
            result = compose_music(features, request.prompt, seed=seed + n, bpm=request.bpm,
                                   variation=request.variation, previous=previous,
                                   duck_under_speech=True, **options)
            plan = result.plan
            digest = store_mix(settings, context.store, result.mix)
            speech = [(float(a), float(b)) for a, b in features.speech]
            stems, cue_path = _store_extras(settings, digest, plan.to_dict(), speech, result.cue)
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
        volume = music_volume(features.has_audio, bool(features.speech))
        placed_timeline = place_music(timeline, digest, label, volume)
        placed = next(s for t in placed_timeline.tracks if t.role == "bgm" for s in t.segments)
        aligned = [c for c in plan.cut_alignment if abs(float(c.get("error_ms", 1e9))) <= 45]
        cuts_on_beat = (len(aligned), len(plan.cut_alignment))
        result_json = {"status": "ok", "hash": digest, "style": plan.style,
                       "tempo_bpm": round(plan.tempo_bpm, 2), "key": f"{plan.key} {plan.mode}",
                       "duration_s": plan.duration_s, "cuts_on_beat": list(cuts_on_beat),
                       "versions": [item["version"] for item in items]}
        reply = describe(plan, context.language, placed.volume, cuts_on_beat, count)
        return ToolOutcome([*shown, ToolAction(self.name, call_args, result_json)],
                           placed_timeline, reply, items)


def music_versions(generated: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The session's music entries in the order they were made (version 1 first)."""
    return [item for item in generated if item.get("kind") == "music" and "hash" in item]


