"""A small SoundFont 2 / 3 reader: presets resolved into flat, playable zones.

A SoundFont is a RIFF file (``sfbk``) with three lists: ``INFO`` (names, version), ``sdta``
(the sample data: 16-bit PCM in SF2, concatenated Ogg Vorbis streams in SF3) and ``pdta``, the
"hydra" of nine fixed-size record tables — presets, their zones ("bags"), modulators and
generators; instruments and theirs; and the sample headers. A preset zone points to an
instrument, an instrument zone to a sample; each zone carries generators: key and velocity
ranges, the root key and tuning, loop mode, the volume and modulation envelopes, the filter,
attenuation and pan. The first zone without a target is the *global* zone whose generators the
others inherit; a preset's generators are *added* to its instrument's (ranges intersect).

``read_soundfont`` resolves all of that into ``Zone`` records that a player needs and nothing
else, in plain seconds, decibels and hertz, so the rest of the engine never sees timecents.
Modulators (other than the standard velocity-to-attenuation curve a player applies anyway) are
not interpreted. Sample data stays as raw bytes (PCM or Ogg) until a zone is played; see
``decode_sample``.
"""

from __future__ import annotations

import io
import math
import struct
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

# generator numbers (SoundFont 2.04, section 8.1.2)
START_OFS, END_OFS, LOOP_START_OFS, LOOP_END_OFS, START_COARSE = 0, 1, 2, 3, 4
MOD_ENV_TO_PITCH, FILTER_FC, FILTER_Q, MOD_ENV_TO_FC, END_COARSE = 7, 8, 9, 11, 12
PAN = 17
MOD_DELAY, MOD_ATTACK, MOD_HOLD, MOD_DECAY, MOD_SUSTAIN, MOD_RELEASE = 25, 26, 27, 28, 29, 30
VOL_DELAY, VOL_ATTACK, VOL_HOLD, VOL_DECAY, VOL_SUSTAIN, VOL_RELEASE = 33, 34, 35, 36, 37, 38
KEY_TO_VOL_HOLD, KEY_TO_VOL_DECAY = 39, 40
INSTRUMENT, KEY_RANGE, VEL_RANGE, LOOP_START_COARSE = 41, 43, 44, 45
ATTENUATION, LOOP_END_COARSE, COARSE_TUNE, FINE_TUNE = 48, 50, 51, 52
SAMPLE_ID, SAMPLE_MODES, SCALE_TUNING, EXCLUSIVE_CLASS, ROOT_KEY = 53, 54, 56, 57, 58

TIMECENTS = {MOD_DELAY, MOD_ATTACK, MOD_HOLD, MOD_DECAY, MOD_RELEASE, VOL_DELAY, VOL_ATTACK,
             VOL_HOLD, VOL_DECAY, VOL_RELEASE}
DEFAULTS = {FILTER_FC: 13500, SCALE_TUNING: 100, ROOT_KEY: -1, **{g: -12000 for g in TIMECENTS}}
RANGES = {KEY_RANGE, VEL_RANGE}
OGG_FLAG = 0x10  # SF3: the sample is an Ogg Vorbis stream


class SoundFontError(ValueError):
    """The file is not a SoundFont this reader understands."""


@dataclass
class Zone:
    """One playable sample with everything needed to play it, in physical units.

    ``root`` is the MIDI pitch at which the sample sounds at its recorded rate (tuning folded
    in, so it may be fractional); ``loop`` is ``(start, end)`` in sample frames of the decoded
    sample, or None for one-shot playback. Envelope times are seconds; ``sustain_db`` is the
    level the volume envelope decays to (≤ 0); ``filter_hz`` a static low-pass (None: open),
    ``filter_env_cents`` how far the modulation envelope moves it.
    """

    sample: str  # key into the sample table
    keys: tuple[int, int]
    vels: tuple[int, int]
    root: float
    rate: int
    loop: tuple[int, int] | None
    scale: float = 1.0  # semitones of pitch per key (0: every key plays the root's pitch)
    attack: float = 0.001
    hold: float = 0.0
    decay: float = 0.0
    sustain_db: float = 0.0
    release: float = 0.001
    gain_db: float = 0.0
    pan: float = 0.0
    filter_hz: float | None = None
    filter_q_db: float = 0.0
    filter_env_cents: float = 0.0
    mod_attack: float = 0.001
    mod_decay: float = 0.0
    mod_sustain: float = 1.0
    key_to_decay: float = 0.0  # timecents per key of the volume decay (shorter up high)
    exclusive: int = 0  # e.g. the closed hi-hat chokes the open one

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Zone:
        data = dict(data)
        data["keys"] = tuple(data["keys"])
        data["vels"] = tuple(data["vels"])
        if data.get("loop") is not None:
            data["loop"] = tuple(data["loop"])
        return cls(**data)


@dataclass
class SampleData:
    """The stored bytes of one sample: 16-bit little-endian PCM or an Ogg Vorbis stream."""

    name: str
    data: bytes
    ogg: bool
    rate: int
    frames: int  # decoded length, when known without decoding (PCM); 0 for Ogg


@dataclass
class Preset:
    name: str
    bank: int
    program: int
    zones: list[Zone] = field(default_factory=list)


@dataclass
class SoundFont:
    name: str
    version: str
    presets: list[Preset]
    samples: dict[str, SampleData]

    def preset(self, bank: int, program: int) -> Preset:
        for p in self.presets:
            if p.bank == bank and p.program == program:
                return p
        raise KeyError(f"no preset {bank}:{program} in {self.name}")

    def find(self, name: str) -> Preset:
        """The first preset whose name contains ``name`` (case-insensitive)."""
        low = name.lower()
        for p in self.presets:
            if low in p.name.lower():
                return p
        raise KeyError(f"no preset named like {name!r} in {self.name}")


# --- RIFF --------------------------------------------------------------------------------------

def _chunks(data: bytes, start: int, end: int) -> dict[str, tuple[int, int]]:
    """Sub-chunks of a RIFF list: id (for a LIST, its type) → (offset, size) of the body."""
    out: dict[str, tuple[int, int]] = {}
    pos = start
    while pos + 8 <= end:
        cid, size = struct.unpack_from("<4sI", data, pos)
        body = pos + 8
        name = cid.decode("latin-1")
        if name == "LIST":
            name = data[body:body + 4].decode("latin-1")
            out[name] = (body + 4, size - 4)
        else:
            out[name] = (body, size)
        pos = body + size
        if size & 1 and not _is_id(data[pos:pos + 4]):  # RIFF pads odd chunks (some writers
            pos += 1                                      # of SF3 files do not)
    return out


def _is_id(raw: bytes) -> bool:
    return len(raw) == 4 and all(32 <= b <= 126 for b in raw)


def _name(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("latin-1").strip()


def _records(data: bytes, where: tuple[int, int], fmt: str) -> list[tuple[Any, ...]]:
    offset, size = where
    step = struct.calcsize(fmt)
    return [struct.unpack_from(fmt, data, offset + i * step) for i in range(size // step)]


def _gens(data: bytes, where: tuple[int, int]) -> list[tuple[int, int, int]]:
    """Generators as (operator, signed amount, raw unsigned amount)."""
    return [(op, signed, raw) for op, signed, raw in
            ((r[0], struct.unpack("<h", struct.pack("<H", r[1]))[0], r[1])
             for r in _records(data, where, "<HH"))]


def _zone_gens(bags: list[tuple[Any, ...]], gens: list[tuple[int, int, int]], first: int,
               last: int, target: int) -> tuple[dict[int, int], list[dict[int, int]]]:
    """The global generators and each local zone's, for bags ``first`` to ``last``."""
    global_gens: dict[int, int] = {}
    zones: list[dict[int, int]] = []
    for b in range(first, last):
        lo, hi = bags[b][0], bags[b + 1][0]
        gz: dict[int, int] = {}
        for op, signed, raw in gens[lo:hi]:
            gz[op] = raw if op in RANGES else signed
        if target in gz:
            zones.append(gz)
        elif b == first:
            global_gens = gz
    return global_gens, zones


def _range(value: int | None) -> tuple[int, int]:
    if value is None:
        return (0, 127)
    return (value & 0xFF, (value >> 8) & 0xFF)


def _seconds(tc: int) -> float:
    return 0.0 if tc <= -12000 else float(2.0 ** (tc / 1200.0))


def read_soundfont(path: str | Path) -> SoundFont:
    """Parse an SF2 or SF3 file into presets of flat zones and a table of raw samples."""
    data = Path(path).read_bytes()
    if data[:4] != b"RIFF" or data[8:12] != b"sfbk":
        raise SoundFontError(f"{path} is not a SoundFont (RIFF sfbk)")
    top = _chunks(data, 12, min(len(data), 8 + struct.unpack_from("<I", data, 4)[0]))
    for need in ("INFO", "sdta", "pdta"):
        if need not in top:
            raise SoundFontError(f"{path}: missing the {need} list")
    info = _chunks(data, top["INFO"][0], top["INFO"][0] + top["INFO"][1])
    name = _name(data[info["INAM"][0]:info["INAM"][0] + info["INAM"][1]]) if "INAM" in info else ""
    version = ""
    if "ifil" in info:
        major, minor = struct.unpack_from("<HH", data, info["ifil"][0])
        version = f"{major}.{minor:02d}"
    sdta = _chunks(data, top["sdta"][0], top["sdta"][0] + top["sdta"][1])
    smpl_at, _size = sdta.get("smpl", (0, 0))
    pdta = _chunks(data, top["pdta"][0], top["pdta"][0] + top["pdta"][1])
    phdr = _records(data, pdta["phdr"], "<20sHHHIII")
    pbag = _records(data, pdta["pbag"], "<HH")
    pgen = _gens(data, pdta["pgen"])
    inst = _records(data, pdta["inst"], "<20sH")
    ibag = _records(data, pdta["ibag"], "<HH")
    igen = _gens(data, pdta["igen"])
    shdr = _records(data, pdta["shdr"], "<20sIIIIIBbHH")

    samples: dict[str, SampleData] = {}
    sample_info: list[tuple[str, int, int, int, int, int]] = []
    for i, (raw_name, start, end, lstart, lend, rate, pitch, corr, _link, stype) in enumerate(
            shdr[:-1]):
        key = f"{i}:{_name(raw_name)}"
        ogg = bool(stype & OGG_FLAG)
        if ogg:
            blob = data[smpl_at + start:smpl_at + end]
            loop_s, loop_e, frames = lstart, lend, 0
        else:
            blob = data[smpl_at + 2 * start:smpl_at + 2 * end]
            loop_s, loop_e, frames = lstart - start, lend - start, end - start
        if stype & 0x8000:  # ROM samples: not in the file
            continue
        samples[key] = SampleData(key, blob, ogg, int(rate), frames)
        sample_info.append((key, loop_s, loop_e, int(rate), pitch if pitch <= 127 else 60, corr))
    by_index = {int(s[0].split(":", 1)[0]): s for s in sample_info}

    instruments: list[tuple[dict[int, int], list[dict[int, int]]]] = []
    for k in range(len(inst) - 1):
        instruments.append(_zone_gens(ibag, igen, inst[k][1], inst[k + 1][1], SAMPLE_ID))

    presets: list[Preset] = []
    for k in range(len(phdr) - 1):
        pname, program, bank, bag0 = _name(phdr[k][0]), phdr[k][1], phdr[k][2], phdr[k][3]
        pglobal, pzones = _zone_gens(pbag, pgen, bag0, phdr[k + 1][3], INSTRUMENT)
        preset = Preset(pname, bank, program)
        for pz in pzones:
            p_all = {**pglobal, **pz}
            iglobal, izones = instruments[p_all[INSTRUMENT]]
            for iz in izones:
                i_all = {**iglobal, **iz}
                zone = _resolve(i_all, p_all, by_index.get(i_all[SAMPLE_ID]))
                if zone is not None:
                    preset.zones.append(zone)
        presets.append(preset)
    return SoundFont(name, version, presets, samples)


def _resolve(inst: dict[int, int], pre: dict[int, int],
             sample: tuple[str, int, int, int, int, int] | None) -> Zone | None:
    """One flat zone from an instrument zone (absolute) and its preset zone (relative)."""
    if sample is None:
        return None
    key, loop_s, loop_e, rate, original, correction = sample

    def get(op: int) -> int:
        return inst.get(op, DEFAULTS.get(op, 0)) + (pre.get(op, 0) if op not in RANGES else 0)

    ik, pk = _range(inst.get(KEY_RANGE)), _range(pre.get(KEY_RANGE))
    iv, pv = _range(inst.get(VEL_RANGE)), _range(pre.get(VEL_RANGE))
    keys = (max(ik[0], pk[0]), min(ik[1], pk[1]))
    vels = (max(iv[0], pv[0]), min(iv[1], pv[1]))
    if keys[0] > keys[1] or vels[0] > vels[1]:
        return None
    root_key = inst.get(ROOT_KEY, -1)
    root = float(root_key if 0 <= root_key <= 127 else original)
    # the pitch that sounds is root + (key − root)·scale + tuning: fold the tuning into root
    root -= correction / 100.0 + get(COARSE_TUNE) + get(FINE_TUNE) / 100.0
    mode = inst.get(SAMPLE_MODES, 0) & 3
    loop: tuple[int, int] | None = None
    if mode in (1, 3):
        ls = loop_s + get(LOOP_START_OFS) + 32768 * get(LOOP_START_COARSE)
        le = loop_e + get(LOOP_END_OFS) + 32768 * get(LOOP_END_COARSE)
        if le - ls >= 16 and ls >= 0:
            loop = (ls, le)
    fc = get(FILTER_FC)
    filter_hz = 8.176 * 2.0 ** (fc / 1200.0) if fc < 13500 else None
    sustain_cb = min(max(get(VOL_SUSTAIN), 0), 1440)
    return Zone(
        sample=key, keys=keys, vels=vels, root=root, rate=rate, loop=loop,
        scale=get(SCALE_TUNING) / 100.0,
        attack=_seconds(get(VOL_ATTACK)), hold=_seconds(get(VOL_HOLD)),
        decay=_seconds(get(VOL_DECAY)), sustain_db=-sustain_cb / 10.0,
        release=_seconds(get(VOL_RELEASE)), gain_db=-0.04 * max(get(ATTENUATION), 0),
        pan=min(max(get(PAN), -500), 500) / 500.0, filter_hz=filter_hz,
        filter_q_db=get(FILTER_Q) / 10.0, filter_env_cents=float(get(MOD_ENV_TO_FC)),
        mod_attack=_seconds(get(MOD_ATTACK)), mod_decay=_seconds(get(MOD_DECAY)),
        mod_sustain=1.0 - min(max(get(MOD_SUSTAIN), 0), 1000) / 1000.0,
        key_to_decay=float(get(KEY_TO_VOL_DECAY)), exclusive=get(EXCLUSIVE_CLASS))


def decode_sample(sample: SampleData) -> npt.NDArray[np.float32]:
    """The sample as mono float32 in [−1, 1]: PCM directly, Ogg through libsndfile when it
    is installed, else PyAV (FFmpeg's own Vorbis decoder, which the package depends on)."""
    if not sample.ogg:
        pcm: npt.NDArray[np.float32] = np.frombuffer(sample.data, dtype="<i2").astype(
            np.float32)
        pcm *= np.float32(1.0 / 32768.0)
        return pcm
    try:  # libsndfile, when installed, returns every frame; FFmpeg drops a few at the end of
        import soundfile  # some short streams, where a loop may end

        wave, _rate = soundfile.read(io.BytesIO(sample.data), dtype="float32")
        return np.asarray(wave if wave.ndim == 1 else wave.mean(axis=1), dtype=np.float32)
    except (ImportError, RuntimeError):
        return decode_ogg(sample.data)


def decode_ogg(blob: bytes, container_format: str = "ogg") -> npt.NDArray[np.float32]:
    """Decode one Ogg (Vorbis or Opus) — or, with ``container_format="flac"``, FLAC — stream
    held in memory to mono float32."""
    import av

    parts: list[npt.NDArray[np.float32]] = []
    with av.open(io.BytesIO(blob), format=container_format) as container:
        for frame in container.decode(audio=0):
            arr = frame.to_ndarray()
            if arr.dtype != np.float32:
                arr = arr.astype(np.float32) / np.float32(32768.0 if arr.dtype == np.int16
                                                          else 1.0)
            if arr.ndim == 2 and arr.shape[0] > 1 and not frame.format.is_planar:
                arr = arr.reshape(-1, len(frame.layout.channels)).T
            parts.append(arr.reshape(arr.shape[0] if arr.ndim == 2 else 1, -1).mean(axis=0))
    if not parts:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate(parts).astype(np.float32)


def cents_to_ratio(cents: float) -> float:
    return math.pow(2.0, cents / 1200.0)
