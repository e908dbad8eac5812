"""The agent's ``generate_music`` tool: analyse the timeline, compose, keep the files, place BGM.

This is where the engine's pieces meet: ``analysis`` looks at what is on the timeline,
``music`` plans, composes and synthesises a track of exactly the timeline's length, and this
module stores the mix as content-addressed media (so the render resolves it like an upload),
keeps the cue file and the stems' recipe beside it as the session's ``generated_media`` (the
stems themselves are rendered on first download, see ``stems``), and puts the mix on the
background-music track at a volume that suits the source's own sound.
"""

from __future__ import annotations

import json
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nemo_widgets.engine.agent.model import MusicRequest
from nemo_widgets.engine.agent.tracks import bgm_tracks, ensure_bgm_track
from nemo_widgets.engine.errors import EngineError
from nemo_widgets.engine.media import MediaInfo, file_sha256, probe
from nemo_widgets.engine.media.stems import STEM_NAMES, save_recipe, stem_path
from nemo_widgets.engine.settings import EngineSettings
from nemo_widgets.engine.store import Store
from nemo_widgets.timeline import Segment, Timeline


@dataclass
class MusicOutcome:
    """What the tool made: the new draft, the generated-media entry and words for the user."""

    draft: dict[str, Any]
    item: dict[str, Any]
    reply: str
    tool_result: dict[str, Any]


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _previous_plan(generated: list[dict[str, Any]]) -> dict[str, Any] | None:
    for item in reversed(generated):
        if item.get("kind") == "music" and isinstance(item.get("plan"), dict):
            plan: dict[str, Any] = item["plan"]
            return plan
    return None


def choose_seed(draft: dict[str, Any], request: MusicRequest,
                previous: dict[str, Any] | None, versions: int) -> int:
    """The same media and words give the same seed, so the same video and prompt give the same
    music in any session; a follow-up keeps the previous seed; "another version" moves on."""
    if previous is not None and request.variation != "another":
        return int(previous.get("seed", 0))
    sources = sorted({str(s.source) for t in Timeline.from_draft(draft).tracks
                      for s in t.segments if s.source and t.role != "bgm"})
    words = " ".join(request.prompt.lower().split())
    bump = versions if request.variation == "another" else 0
    return zlib.crc32(f"{','.join(sources)}|{words}|{bump}".encode()) & 0x7FFFFFFF


def _music_volume(has_audio: bool, has_speech: bool) -> float:
    """Under speech the music stays low (and is ducked); alone it is the whole sound."""
    if has_speech:
        return 0.3
    return 0.5 if has_audio else 1.0


def _write_wav(path: Path, audio: np.ndarray) -> None:
    from nemo_widgets.engine.music import write_wav

    write_wav(path, audio)


def _store_mix(settings: EngineSettings, store: Store, audio: np.ndarray) -> tuple[str, MediaInfo]:
    """Keep the mix as content-addressed media, like an upload."""
    temp = settings.tmp_dir / f"music-{os.getpid()}-{id(audio)}.wav"
    _write_wav(temp, audio)
    digest = file_sha256(temp)
    info = probe(temp)
    final = settings.media_dir / f"{digest}.wav"
    if final.exists():
        temp.unlink()
    else:
        os.replace(temp, final)
    store.put_media(digest, final, final.stat().st_size, info.to_json())
    return digest, info


def _store_extras(settings: EngineSettings, digest: str, plan: dict[str, Any],
                  speech: list[tuple[float, float]], cue: dict[str, Any]
                  ) -> tuple[dict[str, str], str]:
    """The cue file beside the mix, and the stems' URLs under ``/generated/``: the stems
    themselves are rendered from a recipe on their first download (see ``stems``)."""
    folder = settings.home / "generated"
    folder.mkdir(parents=True, exist_ok=True)
    save_recipe(folder, digest, plan, speech)
    paths = {name: f"/generated/{stem_path(folder, digest, name).name}" for name in STEM_NAMES}
    cue_path = folder / f"{digest}-cue.json"
    temp = cue_path.with_suffix(".tmp")
    temp.write_text(json.dumps(cue, indent=1))
    os.replace(temp, cue_path)
    return paths, f"/generated/{cue_path.name}"


def _place(draft: dict[str, Any], digest: str, label: str, volume: float) -> dict[str, Any]:
    """The mix as the only segment of the BGM track, covering the whole timeline."""
    timeline = Timeline.from_draft(draft)
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
    return timeline.to_draft()


def _describe(plan: Any, chinese: bool, volume: float, cuts_on_beat: tuple[int, int]) -> str:
    minutes, seconds = divmod(round(plan.duration_s), 60)
    length = f"{minutes}:{seconds:02d}"
    hits, total = cuts_on_beat
    reasons = " ".join(plan.reasons[:3])
    if chinese:
        mode = "大调" if plan.mode == "major" else "小调"
        text = (f"我为你的视频创作了一段 {length} 的{plan.style}风格音乐："
                f"{plan.tempo_bpm:.0f} BPM，{plan.key} {mode}。")
        if total:
            text += f"{total} 个剪辑点中有 {hits} 个落在节拍上。"
        return text + (f"已作为背景音乐放在时间线上（音量 {round(volume * 100)}%）。"
                       "可以说“更欢快”“更舒缓”“换一首”“100 bpm”或“纯钢琴”。")
    text = (f"I composed a {length} {plan.style} track for your video: "
            f"{plan.tempo_bpm:.0f} BPM in {plan.key} {plan.mode}. Why — {reasons}")
    # The cut count is already in the tempo reason, which the planner keeps among the first
    # three whenever the video has cuts.
    return text + (f" It is on the timeline as background music at {round(volume * 100)}%, "
                   "ending on the last frame. Say \"more upbeat\", \"calmer\", \"another "
                   "version\", \"100 bpm\" or \"piano only\" to change it.")


def generate_music(settings: EngineSettings, store: Store, draft: dict[str, Any],
                   generated: list[dict[str, Any]],
                   request: MusicRequest, resolve: Any) -> MusicOutcome:
    """Run the whole tool; raises ``EngineError`` with a sentence for the user on failure."""
    # Imported here: numpy-heavy modules load on the first music request, not at start-up.
    from nemo_widgets.engine.analysis import analyse_timeline
    from nemo_widgets.engine.music import MusicPlan
    from nemo_widgets.engine.music import generate as compose_music

    timeline = Timeline.from_draft(draft)
    if timeline.duration_ms < 500:
        raise EngineError("Add a video or images to the timeline first: the music is "
                          "composed to fit them.")
    cache = settings.home / "analysis"
    cache.mkdir(parents=True, exist_ok=True)
    features = analyse_timeline(draft, resolve, cache)
    previous_json = _previous_plan(generated)
    previous = MusicPlan.from_dict(previous_json) if previous_json else None
    versions = sum(1 for item in generated if item.get("kind") == "music")
    seed = choose_seed(draft, request, previous_json, versions)
    result = compose_music(features, request.prompt, seed=seed, bpm=request.bpm,
                           variation=request.variation, previous=previous,
                           duck_under_speech=True)
    plan = result.plan
    digest, _info = _store_mix(settings, store, result.mix)
    speech = [(float(a), float(b)) for a, b in features.speech]
    stems, cue_path = _store_extras(settings, digest, plan.to_dict(), speech, result.cue)
    label = f"{plan.style.title()} · {plan.tempo_bpm:.0f} BPM · {plan.key} {plan.mode}"
    volume = _music_volume(features.has_audio, bool(features.speech))
    new_draft = _place(draft, digest, label, volume)
    placed = next(s for t in Timeline.from_draft(new_draft).tracks if t.role == "bgm"
                  for s in t.segments)
    aligned = [c for c in plan.cut_alignment if abs(float(c.get("error_ms", 1e9))) <= 45]
    cuts_on_beat = (len(aligned), len(plan.cut_alignment))
    item = {"kind": "music", "hash": digest, "path": f"/media/{digest}.wav", "label": label,
            "style": plan.style, "tempo_bpm": plan.tempo_bpm, "key": f"{plan.key} {plan.mode}",
            "duration_s": plan.duration_s, "seed": plan.seed, "stems": stems, "cue": cue_path,
            "plan": plan.to_dict()}
    reply = _describe(plan, _is_chinese(request.prompt), placed.volume, cuts_on_beat)
    tool_result = {"status": "ok", "hash": digest, "style": plan.style,
                   "tempo_bpm": round(plan.tempo_bpm, 2), "key": f"{plan.key} {plan.mode}",
                   "duration_s": plan.duration_s, "cuts_on_beat": list(cuts_on_beat)}
    return MusicOutcome(new_draft, item, reply, tool_result)
