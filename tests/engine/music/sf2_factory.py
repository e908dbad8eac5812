"""A tiny SoundFont 2 written at test time: one preset, one instrument, one looped sine.

Written from the SoundFont 2.04 specification's record layouts, so the engine's reader is
checked against a file whose every field is known."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

RATE = 44_100
FREQ = 441.0  # an exact 100-sample period: the loop is seamless
LOOP = (22_050, 22_050 + 100 * 100)


def _chunk(cid: bytes, body: bytes) -> bytes:
    pad = b"\0" if len(body) % 2 else b""
    return struct.pack("<4sI", cid, len(body)) + body + pad


def _list(kind: bytes, *chunks: bytes) -> bytes:
    return _chunk(b"LIST", kind + b"".join(chunks))


def write_sf2(path: Path, *, program: int = 25, release_tc: int = -1200) -> Path:
    """A 1 s sine of 441 Hz (MIDI 69 + 3.9 cents, so the header says −4 cents) on every key,
    looped over its second half, with a volume release of ``release_tc`` timecents."""
    n = RATE
    wave = np.round(0.5 * 32767 * np.sin(2 * np.pi * FREQ * np.arange(n) / RATE))
    pcm = wave.astype("<i2").tobytes() + b"\0" * 92  # 46 zero samples after each sample
    info = _list(b"INFO", _chunk(b"ifil", struct.pack("<HH", 2, 1)),
                 _chunk(b"isng", b"EMU8000\0"), _chunk(b"INAM", b"test font\0\0"))
    sdta = _list(b"sdta", _chunk(b"smpl", pcm))
    phdr = (struct.pack("<20sHHHIII", b"Test Guitar", program, 0, 0, 0, 0, 0)
            + struct.pack("<20sHHHIII", b"EOP", 0, 0, 1, 0, 0, 0))
    pbag = struct.pack("<HH", 0, 0) + struct.pack("<HH", 1, 0)
    pgen = struct.pack("<HH", 41, 0) + struct.pack("<HH", 0, 0)
    inst = struct.pack("<20sH", b"Test Inst", 0) + struct.pack("<20sH", b"EOI", 2)
    ibag = struct.pack("<HH", 0, 0) + struct.pack("<HH", 1, 0) + struct.pack("<HH", 4, 0)
    igen = (struct.pack("<Hh", 38, release_tc)  # global zone: the release
            + struct.pack("<HBB", 43, 0, 127)  # key range 0–127
            + struct.pack("<HH", 54, 1)  # loop continuously
            + struct.pack("<HH", 53, 0)  # sample 0 (last generator of the zone)
            + struct.pack("<HH", 0, 0))
    shdr = (struct.pack("<20sIIIIIBbHH", b"Sine", 0, n, LOOP[0], LOOP[1], RATE, 69, -4, 0, 1)
            + struct.pack("<20sIIIIIBbHH", b"EOS", 0, 0, 0, 0, 0, 0, 0, 0, 0))
    mod = b"\0" * 10
    pdta = _list(b"pdta", _chunk(b"phdr", phdr), _chunk(b"pbag", pbag), _chunk(b"pmod", mod),
                 _chunk(b"pgen", pgen), _chunk(b"inst", inst), _chunk(b"ibag", ibag),
                 _chunk(b"imod", mod), _chunk(b"igen", igen), _chunk(b"shdr", shdr))
    body = b"sfbk" + info + sdta + pdta
    path.write_bytes(struct.pack("<4sI", b"RIFF", len(body)) + body)
    return path
