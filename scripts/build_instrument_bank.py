"""Build the instrument bank shipped in the package from an upstream SoundFont, reproducibly.

    python scripts/build_instrument_bank.py [--source path/to/MuseScore_General_Lite.sf3]

The upstream is Debian's ``musescore-general-soundfont-small`` (MuseScore_General_Lite.sf3,
MIT; ``apt-get install musescore-general-soundfont-small``). The script reads it with the
engine's own SoundFont reader, keeps the curated instruments and drum pieces listed in
``nemo_widgets/engine/music/bank.py`` (General MIDI numbers), and writes into
``nemo_widgets/engine/music/bank/``:

* ``samples.bin`` — the kept samples' Ogg Vorbis streams, copied byte for byte (no re-encoding:
  the same upstream file gives the same bytes), in a fixed order; the few short streams whose
  last frames FFmpeg's decoder drops while a loop needs them are decoded with libsndfile
  (``soundfile``, needed only here) and stored as lossless 16-bit FLAC;
* ``index.json`` — every kept zone (key and velocity ranges, root, loop, envelopes, filter) and
  each sample's offset and length in ``samples.bin``, plus the upstream's name, version, size
  and SHA-256;
* ``LICENSE`` and ``README.md`` — the upstream, its version and its licence (MIT).

An SF2 source (16-bit PCM, e.g. FluidR3_GM.sf2) is accepted too: its samples are then encoded
to Ogg Vorbis with PyAV, which is not bit-reproducible across FFmpeg builds.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nemo_widgets.engine.music.bank import BANK_DIR, select_zones  # noqa: E402
from nemo_widgets.engine.music.soundfont import (  # noqa: E402
    SampleData,
    Zone,
    decode_ogg,
    decode_sample,
    read_soundfont,
)

DEFAULT_SOURCE = Path("/usr/share/sounds/sf3/MuseScore_General_Lite.sf3")
DEBIAN_PACKAGE = "musescore-general-soundfont-small"

LICENSE_TEXT = """The samples and zone data in this folder (samples.bin, index.json) are a subset of
MuseScore_General_Lite.sf3 ({version}), as packaged by Debian in
{package} {deb_version}, extracted unchanged by scripts/build_instrument_bank.py.

MuseScore_General SoundFont: MIT licence, parts public domain or CC0.
  Adaptation for MuseScore_General Copyright (c) 2018-2021 S. Christian Collins
  Fluid (R3) Mono GM SoundFont: Mono version Copyright (c) 2014-2017 Michael Cowgill
  Fluid (R3) GM SoundFont: Copyright (c) 2000-2002, 2008 Frank Wen <getfrank@gmail.com>
  MuseScore Drumline samples (CC0) by S. Christian Collins & Amir Oosman
  Splendid Grand piano from AKAI S5000 (public domain)
  Versilian Community Sample Library cymbals (CC0) by Sam Gossner

Permission is hereby granted, free of charge, to any person obtaining a copy of this
software and associated documentation files (the "Software"), to deal in the Software
without restriction, including without limitation the rights to use, copy, modify, merge,
publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons
to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR
PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE
FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
DEALINGS IN THE SOFTWARE.
"""

README_TEXT = """# The instrument bank

Sampled instruments for the music engine: {count} instruments and drum kits, {zones} zones,
{samples} samples, {size:.1f} MB. Built by `python scripts/build_instrument_bank.py` from
`{source}` ({version}; Debian package `{package}` {deb_version}; SHA-256 `{sha}`). Licence:
MIT (see `LICENSE`). Do not edit by hand: change the tables in
`nemo_widgets/engine/music/bank.py` and run the script again.

Instruments: {names}.
"""


def debian_version(package: str) -> str:
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package],
                             capture_output=True, text=True, check=False)
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


def to_flac(wave: Any, rate: int) -> bytes:
    """Encode mono float samples as 16-bit FLAC (lossless for 16-bit material)."""
    import av
    import numpy as np

    ints = np.round(np.clip(wave, -1.0, 1.0) * 32767).astype("<i2")
    buf = io.BytesIO()
    with av.open(buf, "w", format="flac") as out:
        stream = out.add_stream("flac", rate=rate, layout="mono")
        stream.format = "s16"
        for start in range(0, len(ints), 4096):
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(ints[None, start:start + 4096]),
                                               format="s16", layout="mono")
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def full_decode(data: bytes) -> Any:
    """An Ogg Vorbis stream decoded by libsndfile (``soundfile``), which returns every frame
    the stream's granule positions promise."""
    import soundfile

    wave, _rate = soundfile.read(io.BytesIO(data), dtype="float32")
    return wave if wave.ndim == 1 else wave.mean(axis=1)


def to_ogg(sample: SampleData) -> bytes:
    """Encode a PCM sample as Ogg Vorbis (only for SF2 sources)."""
    import av
    import numpy as np

    wave = decode_sample(sample)
    buf = io.BytesIO()
    with av.open(buf, "w", format="ogg") as out:
        stream = out.add_stream("libvorbis", rate=sample.rate, layout="mono")
        frame_size = 1024
        for start in range(0, len(wave), frame_size):
            chunk = np.ascontiguousarray(wave[start:start + frame_size][None, :])
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
            frame.sample_rate = sample.rate
            frame.pts = start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def _compact(zone: dict[str, object]) -> dict[str, object]:
    """A zone's JSON with floats rounded far below audibility and default values left out."""
    defaults = {f.name: f.default for f in fields(Zone)}
    out = {k: round(v, 5) if isinstance(v, float) else v for k, v in zone.items()}
    return {k: v for k, v in out.items() if k not in defaults or defaults[k] != v}


def build(source: Path, dest: Path) -> dict[str, object]:
    font = read_soundfont(source)
    chosen = select_zones(font)
    keys = sorted({z.sample for zones in chosen.values() for z in zones},
                  key=lambda k: int(k.split(":", 1)[0]))
    dest.mkdir(parents=True, exist_ok=True)
    loop_ends: dict[str, int] = {}
    for zones in chosen.values():
        for z in zones:
            if z.loop is not None:
                loop_ends[z.sample] = max(loop_ends.get(z.sample, 0), z.loop[1])
    offsets: dict[str, dict[str, Any]] = {}
    with (dest / "samples.bin").open("wb") as blob:
        for key in keys:
            sample = font.samples[key]
            data = sample.data if sample.ogg else to_ogg(sample)
            codec = "ogg"
            if key in loop_ends and len(decode_ogg(data)) <= loop_ends[key]:
                # FFmpeg's Vorbis decoder drops the last few frames of some short streams
                # (here: loop ends inside them); those few samples are kept as FLAC instead
                data, codec = to_flac(full_decode(data), sample.rate), "flac"
            offsets[key] = {"offset": blob.tell(), "length": len(data), "rate": sample.rate,
                            "codec": codec}
            blob.write(data)
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    deb = debian_version(DEBIAN_PACKAGE)
    index = {
        "format": 1,
        "upstream": {"name": font.name, "file": source.name, "sf_version": font.version,
                     "debian_package": DEBIAN_PACKAGE, "debian_version": deb,
                     "sha256": sha, "licence": "MIT"},
        "instruments": {name: [_compact(z.to_json()) for z in zones]
                        for name, zones in chosen.items()},
        "samples": offsets,
    }
    (dest / "index.json").write_text(json.dumps(index, separators=(",", ":"), sort_keys=True)
                                     + "\n")
    size = (dest / "samples.bin").stat().st_size + (dest / "index.json").stat().st_size
    (dest / "LICENSE").write_text(LICENSE_TEXT.format(version=font.name, package=DEBIAN_PACKAGE,
                                                      deb_version=deb))
    zone_count = sum(len(z) for z in chosen.values())
    (dest / "README.md").write_text(README_TEXT.format(
        count=len(chosen), zones=zone_count, samples=len(keys), size=size / 1e6,
        source=source.name, version=font.name, package=DEBIAN_PACKAGE, deb_version=deb,
        sha=sha, names=", ".join(sorted(chosen))))
    return {"instruments": len(chosen), "zones": zone_count, "samples": len(keys),
            "bytes": size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--dest", type=Path, default=BANK_DIR)
    args = parser.parse_args()
    if not args.source.is_file():
        sys.exit(f"{args.source} not found: apt-get install {DEBIAN_PACKAGE}")
    print(json.dumps(build(args.source, args.dest)))


if __name__ == "__main__":
    main()
