"""``generated_media`` read through one adapter: typed music versions from any backend's keys.

The state's ``generated_media`` is a list whose item keys the protocol does not fix. The
embedded engine writes ``{"kind": "music", "label", "style", "tempo_bpm", "key", "duration_s",
"url", "stem_urls", "cue_url", "hash", "seed", ...}``; another backend may write ``type:
"bgm"``, ``name``, ``bpm``, ``durationMs``, ``audioUrl``, stems as a list… Faces (the widget's
music list, the views' music frame, ``save_music``) read ``MusicVersion`` records only, never
the raw keys, so a new variant is taught here once.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from nemo_widgets import draft_variants as dv

Json = dict[str, Any]

_MUSIC_KINDS = {"music", "bgm", "song", "soundtrack", "background_music", "audio", "track"}
_KIND_KEYS = dv.table(("kind", "type", "media_type", "mediaType", "category"))
_NAMES = dv.table(("label", "name", "title", "display_name", "displayName"))
_STYLES = dv.table(("style", "genre", "mood"))
_TEMPOS = dv.table(("tempo_bpm", "tempoBpm", "bpm", "tempo"))
_KEYS = dv.table(("key", "musical_key", "musicalKey", "key_name", "keyName", "scale"))
_URLS = dv.table(("url", "cdn_url", "cdnUrl", "output_url", "outputUrl", "audio_url", "audioUrl",
         "file_url", "fileUrl", "download_url", "downloadUrl", "src", "path", "uri"))
_STEMS = dv.table(("stem_urls", "stemUrls", "stems"))
_CUES = dv.table(("cue_url", "cueUrl", "cue"))
_HASHES = dv.table(("hash", "id", "media_id", "mediaId", "sha256"))
_DURATIONS = dv.timed_variants(("duration",), ("duration", "length", "len"))


@dataclass(frozen=True)
class MusicVersion:
    """One generated music track. ``version`` counts from 1 in the order the backend listed
    them (the phrase "use music version N" names the same number). URLs may be relative to
    the backend (``/media/…``); ``ApiClient.absolute`` resolves them."""

    version: int
    name: str
    style: str | None = None
    tempo_bpm: float | None = None
    key: str | None = None
    duration_s: float | None = None
    url: str | None = None
    stem_urls: dict[str, str] = field(default_factory=dict)
    cue_url: str | None = None
    hash: str | None = None
    seed: int | None = None
    raw: Json = field(default_factory=dict, repr=False, compare=False)

    def __str__(self) -> str:
        facts = [f for f in (self.style, f"{self.tempo_bpm:.0f} BPM" if self.tempo_bpm else None,
                             self.key, f"{self.duration_s:.1f} s" if self.duration_s else None)
                 if f]
        return f"{self.version}. {self.name}" + (f" ({', '.join(facts)})" if facts else "")

    def mentioned_in(self, text: str) -> bool:
        """True when ``text`` (a segment's source) names this track's file or hash."""
        return any(isinstance(v, str) and v and v in text
                   for v in (self.hash, self.url, self.raw.get("path")))


def _text(item: Json, names: tuple[str, ...]) -> str | None:
    found = dv.find(item, names, lambda v: isinstance(v, (str, int, float))
                    and not isinstance(v, bool))
    return str(found.raw) if found is not None and str(found.raw) else None


def _number(item: Json, names: tuple[str, ...]) -> float | None:
    for name in names:
        parsed = dv.number(item.get(name))
        if parsed is not None and parsed[1] is None:
            return parsed[0]
    return None


def _duration_s(item: Json) -> float | None:
    slot = dv.find(item, _DURATIONS, dv.is_number)
    if slot is None:
        return None
    parsed = dv.number(slot.raw)
    unitless = dv.MS if parsed is not None and parsed[0] > 3600 else dv.S
    ms = dv.to_ms(slot, unitless)
    return ms / 1000 if ms is not None and ms >= 0 else None


def _stems(item: Json) -> dict[str, str]:
    """Stems as ``{name: url}``: an object, or a list of ``{name, url}`` objects."""
    out: dict[str, str] = {}
    for key in _STEMS:
        value = item.get(key)
        if isinstance(value, dict):
            out.update({str(k): v for k, v in value.items() if isinstance(v, str) and v})
        elif isinstance(value, list):
            for number, entry in enumerate(value, 1):
                if isinstance(entry, dict):
                    url = _text(entry, _URLS)
                    if url:
                        out[_text(entry, ("name", "stem", "label", "kind", "type"))
                            or f"stem{number}"] = url
                elif isinstance(entry, str) and entry:
                    out[f"stem{number}"] = entry
        if out:
            return out
    return out


def is_music(item: Json) -> bool:
    """A generated item is music when a kind key says so, or when no kind key says anything
    (the engine's older items had none) and it has an audio URL."""
    for key in _KIND_KEYS:
        value = item.get(key)
        if isinstance(value, str):
            return value.strip().lower() in _MUSIC_KINDS
    return _text(item, _URLS) is not None


def music_versions(generated_media: Any) -> list[MusicVersion]:
    """The music items of a state's ``generated_media``, numbered from 1; anything that is not
    a list of objects gives no versions (never an exception)."""
    if not isinstance(generated_media, list):
        return []
    versions: list[MusicVersion] = []
    for item in generated_media:
        if not isinstance(item, dict) or not is_music(item):
            continue
        number = len(versions) + 1
        cue = item.get("cue_url") or item.get("cueUrl") or item.get("cue")
        seed = _number(item, ("seed",))
        versions.append(MusicVersion(
            version=number, name=_text(item, _NAMES) or f"Music {number}",
            style=_text(item, _STYLES), tempo_bpm=_number(item, _TEMPOS),
            key=_text(item, _KEYS), duration_s=_duration_s(item), url=_text(item, _URLS),
            stem_urls=_stems(item), cue_url=cue if isinstance(cue, str) and cue else None,
            hash=_text(item, _HASHES),
            seed=int(seed) if seed is not None and abs(seed) < 2**63 else None,
            raw=copy.deepcopy(item)))
    return versions
