"""How the music sounds, measured with tools not written here: a music tagger's top five,
the tonal balance against real mixes, spectral flatness, loudness and true peak.

Run as ``python benchmarks/music_quality.py [--seconds 30] [--seeds 0,1] [--styles lofi,rock]
[--no-tagger] [--json out.json] [--engine-root /path/to/other/checkout]``.

Per style and seed the piece is generated from the same synthetic video features as
``benchmarks/music.py``, normalised to −14 LUFS (pyloudnorm, BS.1770), and measured:

* ``tags``: musicnn's top five (Pons & Serra, MagnaTagATune ``MTT_musicnn`` and Million Song
  Dataset ``MSD_musicnn`` models), when ``musicnn`` and TensorFlow are installed — on Python
  3.11: ``pip install tensorflow-cpu``, then ``pip install --no-deps musicnn tf-keras`` (musicnn
  pins an old NumPy; its layers need Keras 2, which ``TF_USE_LEGACY_KERAS=1`` selects);
* band shares of the energy (mono power spectrum, 48 kHz): < 60 Hz, 60–250 Hz, 250 Hz–2 kHz,
  2–5 kHz, 5–10 kHz, > 10 kHz; the real-music averages of issue 11 are printed beside them;
* spectral flatness (librosa, mean over frames);
* short-term level spread: 95th − 10th percentile of the 3 s short-term loudness (hop 1 s),
  the way EBU R 128's loudness range is taken;
* integrated loudness before normalisation and true peak (4× oversampled) of the mix as the
  engine delivers it.

``--engine-root`` measures another checkout's engine (e.g. the commit before a change) with the
same code, for before/after tables.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # musicnn's layers need Keras 2
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parents[1]

BANDS: tuple[tuple[str, float, float], ...] = (
    ("<60", 0.0, 60.0), ("60-250", 60.0, 250.0), ("250-2k", 250.0, 2000.0),
    ("2k-5k", 2000.0, 5000.0), ("5k-10k", 5000.0, 10000.0), (">10k", 10000.0, 1e9))
# issue 11: averages over real recordings (rock, electronic, orchestral) at −14 LUFS
REAL = {"<60": 0.30, "250-2k": 0.19, "2k-5k": 0.047, ">10k": 0.004, "flatness": 0.003,
        "spread": 10.7}
SR = 48_000


def band_shares(mix: Any) -> dict[str, float]:
    """Share of the energy in each band, from the mono sum's power spectrum (Welch)."""
    import numpy as np
    from scipy import signal

    mono = np.asarray(mix, dtype=np.float64).mean(axis=1)
    freqs, power = signal.welch(mono, SR, nperseg=8192)
    total = float(power.sum()) or 1.0
    return {name: float(power[(freqs >= lo) & (freqs < hi)].sum()) / total
            for name, lo, hi in BANDS}


def flatness(mix: Any) -> float:
    import librosa
    import numpy as np

    mono = np.asarray(mix, dtype=np.float32).mean(axis=1)
    return float(np.mean(librosa.feature.spectral_flatness(y=mono, n_fft=2048,
                                                           hop_length=1024)))


def level_spread(mix: Any) -> float:
    import numpy as np
    import pyloudnorm

    meter = pyloudnorm.Meter(SR)
    win, hop = 3 * SR, SR
    levels = []
    for start in range(0, max(len(mix) - win, 0) + 1, hop):
        value = meter.integrated_loudness(np.asarray(mix[start:start + win], dtype=np.float64))
        if np.isfinite(value) and value > -70:
            levels.append(value)
    if len(levels) < 2:
        return 0.0
    return float(np.percentile(levels, 95) - np.percentile(levels, 10))


def loudness(mix: Any) -> tuple[float, float]:
    import numpy as np
    import pyloudnorm
    from scipy.signal import resample_poly

    data = np.asarray(mix, dtype=np.float64)
    lufs = float(pyloudnorm.Meter(SR).integrated_loudness(data))
    peak = float(np.max(np.abs(resample_poly(data, 4, 1, axis=0))))
    return lufs, 20.0 * float(np.log10(max(peak, 1e-12)))


def normalise(mix: Any, target: float = -14.0) -> Any:
    import numpy as np

    lufs, _ = loudness(mix)
    return np.asarray(mix, dtype=np.float64) * 10.0 ** ((target - lufs) / 20.0)


def _batch_data(audio_file: str, n_frames: int, overlap: int) -> tuple[Any, Any]:
    """musicnn's own input (``musicnn.extractor.batch_data``: log-compressed mel patches),
    with one fix: it casts the mel power to float16 *before* ``log10(10000·x + 1)``, and under
    NumPy 2's promotion rules ``10000·x`` then stays float16 and overflows to inf for any
    mel power above 6.5 — every frame of a normally loud track — so every track got the same
    tags. Here the logarithm is taken in float32 and the result cast to float16, as intended."""
    import librosa
    import numpy as np
    from musicnn import configuration as config

    audio, sr = librosa.load(audio_file, sr=config.SR)
    rep = librosa.feature.melspectrogram(y=audio, sr=sr, hop_length=config.FFT_HOP,
                                         n_fft=config.FFT_SIZE, n_mels=config.N_MELS).T
    rep = np.log10(10000.0 * rep.astype(np.float32) + 1.0).astype(np.float16)
    last = rep.shape[0] - n_frames + 1
    batch = np.stack([rep[t:t + n_frames] for t in range(0, last, overlap)])
    return batch, rep


def tagger_top5(paths: list[Path]) -> dict[str, dict[str, list[str]]] | None:
    """musicnn's top five tags per file and model, or None when musicnn is not installed."""
    try:
        from musicnn import extractor
        from musicnn.tagger import top_tags
    except Exception:  # noqa: BLE001 - TensorFlow fails in many ways when absent or broken
        return None
    extractor.batch_data = _batch_data
    out: dict[str, dict[str, list[str]]] = {}
    for path in paths:
        out[str(path)] = {
            model: list(top_tags(str(path), model=model, topN=5, print_tags=False))
            for model in ("MTT_musicnn", "MSD_musicnn")}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--styles", default="")
    parser.add_argument("--no-tagger", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--engine-root", type=Path, default=ROOT)
    args = parser.parse_args()
    sys.path.insert(0, str(args.engine_root.resolve()))
    sys.path.insert(1, str(ROOT / "benchmarks"))
    import numpy as np
    from music import features  # benchmarks/music.py: the same synthetic video

    from nemo_widgets.engine.music import STYLES, generate, write_wav

    styles = args.styles.split(",") if args.styles else list(STYLES)
    seeds = [int(s) for s in args.seeds.split(",")]
    feats = features(args.seconds)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        for style in styles:
            for seed in seeds:
                mix = generate(feats, style, seed=seed).mix
                lufs, peak = loudness(mix)
                norm = normalise(mix)
                row: dict[str, Any] = {"style": style, "seed": seed, "lufs": lufs,
                                       "true_peak_db": peak, **band_shares(norm),
                                       "flatness": flatness(norm), "spread": level_spread(norm)}
                path = Path(folder) / f"{style}-{seed}.wav"
                import scipy.signal as ss
                write_wav(path, np.clip(ss.resample_poly(norm, 1, 3, axis=0), -1, 1), 16_000)
                row["wav"] = str(path)
                rows.append(row)
                print(f"{style:<11}{seed:>3}  " + "  ".join(
                    f"{b[0]}={row[b[0]] * 100:5.1f}%" for b in BANDS)
                    + f"  flat={row['flatness']:.4f}  spread={row['spread']:4.1f} dB"
                    f"  {lufs:6.1f} LUFS {peak:6.2f} dBTP", flush=True)
        tags = None if args.no_tagger else tagger_top5([Path(r["wav"]) for r in rows])
        for row in rows:
            row["tags"] = tags.get(row.pop("wav"), {}) if tags else {}
    if tags:
        print("\nmusicnn top five (MTT | MSD):")
        for row in rows:
            print(f"{row['style']:<11}{row['seed']:>3}  "
                  + ", ".join(row["tags"]["MTT_musicnn"]) + "  |  "
                  + ", ".join(row["tags"]["MSD_musicnn"]))
    else:
        print("\n(musicnn not installed: no tags)")
    mean = {k: float(np.mean([r[k] for r in rows])) for k in
            [b[0] for b in BANDS] + ["flatness", "spread"]}
    print("\nmean over styles and seeds (real music, issue 11):")
    for key, value in mean.items():
        real = REAL.get(key)
        shown = f"{value * 100:.1f}%" if key not in ("flatness", "spread") else f"{value:.4g}"
        ref = "" if real is None else (f"{real * 100:.1f}%" if key not in (
            "flatness", "spread") else f"{real:.4g}")
        print(f"  {key:<9}{shown:>9}   {ref}")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "mean": mean}, indent=1))


if __name__ == "__main__":
    main()
