"""Take the music away: the mix (WAV and MP3), its stems and its cue file, on disk.

The backend keeps each generated track in ``generated_media`` (read as ``MusicVersion``
records). ``save_music`` downloads the version the timeline plays (or the newest, or the one
asked for) through the client's streamed, ``.part``-then-rename download, and encodes MP3 from
the WAV with the FFmpeg binary of the imageio-ffmpeg wheel (LAME VBR quality 2, about 190
kbit/s), so no system FFmpeg is needed. File names say the version and what each file is:
``music-v2-lofi.wav``, ``music-v2-lofi-drums.wav``, ``music-v2-lofi-cue.json``.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
from pathlib import Path

from nemo_widgets.client.api import ApiClient
from nemo_widgets.client.errors import NemoError
from nemo_widgets.client.media import MusicVersion
from nemo_widgets.client.models import SessionState

FORMATS = ("wav", "mp3")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "music"


def choose_version(state: SessionState, version: int | None) -> MusicVersion:
    """Version ``version`` (1-based), else the one on the timeline, else the newest."""
    versions = state.music_versions
    if not versions:
        raise NemoError("This session has no generated music yet.",
                        fix='Ask for some first, e.g. "add fitting background music".')
    if version is not None:
        found = next((v for v in versions if v.version == version), None)
        if found is None:
            raise NemoError(f"There is no music version {version}; this session has "
                            f"{len(versions)}.", fix="Pick one of music_versions().")
        return found
    return state.music_in_use() or versions[-1]


def encode_mp3(wav: Path, mp3: Path) -> Path:
    """Encode ``wav`` to ``mp3`` with imageio-ffmpeg's binary (blocking; run in a thread)."""
    import imageio_ffmpeg

    partial = mp3.with_name(mp3.name + ".part")
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-i",
               str(wav), "-codec:a", "libmp3lame", "-q:a", "2", "-f", "mp3", str(partial)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise NemoError(f"MP3 encoding of {wav.name} failed: {done.stderr.strip()[-300:]}",
                        fix='Save as WAV instead (formats=("wav",)).')
    partial.replace(mp3)
    return mp3


async def _save_audio(api: ApiClient, url: str, stem: Path, formats: tuple[str, ...]
                      ) -> list[Path]:
    """One audio file in each format: the WAV downloaded, the MP3 encoded from it."""
    wav = stem.with_suffix(".wav")
    keep_wav = "wav" in formats
    target = wav if keep_wav else stem.with_name(f".{stem.name}.tmp.wav")
    await api.save_url(url, target)
    saved = [target] if keep_wav else []
    try:
        if "mp3" in formats:
            saved.append(await asyncio.to_thread(encode_mp3, target, stem.with_suffix(".mp3")))
    finally:
        if not keep_wav:
            target.unlink(missing_ok=True)
    return saved


async def save_music(api: ApiClient, state: SessionState, dest_dir: Path, *,
                     stems: bool = False, cue: bool = False,
                     formats: tuple[str, ...] = ("wav",),
                     version: int | None = None) -> list[Path]:
    """Download one music version's mix (and stems and cue file) into ``dest_dir``; the
    paths written, mix first."""
    wanted = tuple(dict.fromkeys(f.lower().lstrip(".") for f in formats))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise ValueError(f"formats must be among {FORMATS}, not {formats!r}")
    chosen = choose_version(state, version)
    if not chosen.url:
        raise NemoError(f"Music version {chosen.version} has no download URL.")
    dest_dir = Path(dest_dir).expanduser()
    dest_dir.mkdir(parents=True, exist_ok=True)
    base = f"music-v{chosen.version}-{_slug(chosen.style or chosen.name)}"
    saved = await _save_audio(api, chosen.url, dest_dir / base, wanted)
    if stems:
        if not chosen.stem_urls:
            raise NemoError(f"The backend lists no stems for music version {chosen.version}.")
        for name, url in chosen.stem_urls.items():
            saved += await _save_audio(api, url, dest_dir / f"{base}-{_slug(name)}", wanted)
    if cue:
        if not chosen.cue_url:
            raise NemoError(f"The backend lists no cue file for music version "
                            f"{chosen.version}.")
        saved.append(await api.save_url(chosen.cue_url, dest_dir / f"{base}-cue.json"))
    return saved
