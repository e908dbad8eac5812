"""The instrument bank: which sampled instruments and drum pieces the engine knows, and where
their zones and samples come from.

By default the bank shipped in the package (``engine/music/bank/``: ``index.json`` with every
zone, ``samples.bin`` with the samples' Ogg Vorbis streams back to back, a few as FLAC — see
``scripts/build_instrument_bank.py``) is used; it is built by
``scripts/build_instrument_bank.py`` from a named upstream SoundFont with the tables below.
``NEMO_SOUNDFONT=/path/to/any.sf2`` (or ``.sf3``) plays the same instruments from that file
instead, found by their General MIDI bank and program numbers, so a larger General MIDI bank is
one environment variable away.

Samples are decoded on first use and kept for the life of the process (the engine is a
long-lived process: a second piece pays nothing for them).
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from nemo_widgets.engine.music.soundfont import (
    SampleData,
    SoundFont,
    Zone,
    decode_ogg,
    decode_sample,
    read_soundfont,
)

BANK_DIR = Path(__file__).with_name("bank")

# name → (SoundFont bank, program): General MIDI numbers, so any GM SoundFont serves
MELODIC: dict[str, tuple[int, int]] = {
    "steel_guitar": (0, 25),
    "nylon_guitar": (0, 24),
    "clean_guitar": (0, 27),
    "jazz_guitar": (0, 26),
    "muted_guitar": (0, 28),
    "overdrive_guitar": (0, 29),
    "finger_bass": (0, 33),
    "picked_bass": (0, 34),
    "upright_bass": (0, 32),
    "strings_ensemble": (0, 48),
    "strings_slow": (0, 49),
    "pizzicato": (0, 45),
    "violin": (0, 40),
    "cello": (0, 42),
    "brass_section": (0, 61),
    "french_horns": (0, 60),
    "trumpet": (0, 56),
    "choir": (0, 52),
    "voice_oohs": (0, 53),
    "drawbar_organ": (0, 16),
    "rhodes": (0, 4),
    "vibraphone": (0, 11),
    "marimba": (0, 12),
    "glockenspiel": (0, 9),
    "flute": (0, 73),
    "harp": (0, 46),
    "timpani": (0, 47),
    "taiko_drum": (0, 116),
}

# drum kits: name → (bank, program); pieces: name → General MIDI key
KITS: dict[str, tuple[int, int]] = {
    "standard": (128, 0),
    "power": (128, 16),
    "brush": (128, 40),
    "jazz": (128, 32),
    "808": (128, 25),
    "orchestra": (128, 48),
}
PIECES: dict[str, int] = {
    "kick": 36, "kick2": 35, "rim": 37, "snare": 38, "clap": 39, "snare2": 40,
    "tom_low": 43, "hat": 42, "pedal_hat": 44, "tom_mid": 47, "open_hat": 46, "tom_high": 50,
    "crash": 49, "ride": 51, "ride_bell": 53, "tambourine": 54, "crash2": 57, "shaker": 70,
    "cabasa": 69,
}
# the pieces each kit ships with (the rest of a kit is never played by a style)
KIT_PIECES: dict[str, tuple[str, ...]] = {
    "standard": ("kick", "kick2", "rim", "snare", "clap", "hat", "pedal_hat", "open_hat",
                 "tom_low", "tom_mid", "tom_high", "crash", "ride", "tambourine", "shaker"),
    "power": ("kick", "snare", "hat", "open_hat", "tom_low", "tom_mid", "tom_high", "crash",
              "ride"),
    "brush": ("kick", "snare", "snare2", "clap", "hat", "pedal_hat", "open_hat", "ride",
              "ride_bell", "crash"),
    "jazz": ("kick", "snare", "hat", "ride", "crash"),
    "808": ("kick", "kick2", "snare", "clap", "rim", "hat", "open_hat", "cabasa", "crash"),
    "orchestra": ("kick", "kick2", "snare", "crash"),
}


def kit_instrument(kit: str) -> str:
    return f"kit_{kit}"


@dataclass
class Library:
    """Zones by instrument and a way to get each sample as mono float32 (decoded once)."""

    source: str  # what was read: the shipped bank or a SoundFont's path
    zones: dict[str, list[Zone]]
    _raw: dict[str, SampleData]
    _offsets: dict[str, tuple[int, int, str]]
    _blob: Path | None

    def __post_init__(self) -> None:
        self._decoded: dict[str, npt.NDArray[np.float32]] = {}
        self._lock = threading.Lock()

    def sample(self, key: str) -> npt.NDArray[np.float32]:
        with self._lock:
            wave = self._decoded.get(key)
            if wave is None:
                wave = self._decode(key)
                self._decoded[key] = wave
            return wave

    def _decode(self, key: str) -> npt.NDArray[np.float32]:
        if key in self._raw:
            return decode_sample(self._raw[key])
        offset, length, codec = self._offsets[key]
        assert self._blob is not None
        with self._blob.open("rb") as handle:
            handle.seek(offset)
            return decode_ogg(handle.read(length), codec)

    def has(self, name: str) -> bool:
        return bool(self.zones.get(name))

    def preload(self) -> int:
        """Decode every sample now (an engine can do it at start-up, off the request path);
        returns the bytes the decoded samples take."""
        keys = sorted({z.sample for zones in self.zones.values() for z in zones})
        return sum(self.sample(key).nbytes for key in keys)


def _from_index(folder: Path) -> Library:
    index = json.loads((folder / "index.json").read_text())
    zones = {name: [Zone.from_json(z) for z in items]
             for name, items in index["instruments"].items()}
    offsets = {k: (int(v["offset"]), int(v["length"]), str(v.get("codec", "ogg")))
               for k, v in index["samples"].items()}
    return Library(f"bundled bank ({index['upstream']['name']})", zones, {}, offsets,
                   folder / "samples.bin")


def select_zones(font: SoundFont) -> dict[str, list[Zone]]:
    """The curated instruments of ``font``, by GM numbers (missing ones are left out); drum
    kits keep only the pieces a style can ask for."""
    out: dict[str, list[Zone]] = {}
    for name, (bank, program) in MELODIC.items():
        try:
            out[name] = list(font.preset(bank, program).zones)
        except KeyError:
            continue
    for kit, (bank, program) in KITS.items():
        try:
            preset = font.preset(bank, program)
        except KeyError:
            continue
        keys = {PIECES[p] for p in KIT_PIECES[kit]}
        out[kit_instrument(kit)] = [z for z in preset.zones
                                    if any(z.keys[0] <= k <= z.keys[1] for k in keys)]
    return out


def _from_soundfont(path: Path) -> Library:
    font = read_soundfont(path)
    return Library(str(path), select_zones(font), font.samples, {}, None)


@lru_cache(maxsize=4)
def _load(path: str) -> Library | None:
    if path:
        return _from_soundfont(Path(path))
    if not (BANK_DIR / "index.json").is_file():
        return None
    return _from_index(BANK_DIR)


def library() -> Library | None:
    """The bank in use (``NEMO_SOUNDFONT`` or the bundled one), loaded once per process; None
    when neither is there (the engine then plays its own synthesised voices)."""
    return _load(os.environ.get("NEMO_SOUNDFONT", "").strip())
