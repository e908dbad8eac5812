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


class MusicTagger:
    """musicnn (Pons & Serra, 2019) with its published weights, its graph built once per model
    and reused for every track (``musicnn.tagger.top_tags`` rebuilds it for every file).

    The input is musicnn's own (``musicnn.extractor.batch_data``: the mono track at 16 kHz,
    librosa's log-compressed mel patches of 3 s) with one fix: musicnn casts the mel power to
    float16 *before* ``log10(10000·x + 1)``, and under NumPy 2's promotion rules ``10000·x``
    then stays float16 and overflows to inf for any mel power above 6.5 — every frame of a
    normally loud track — so every track got the same tags. Here the logarithm is taken in
    float32 and the result cast to float16, as intended.
    """

    def __init__(self, model: str = "MTT_musicnn") -> None:
        import musicnn
        import tensorflow as tf
        from musicnn import configuration as config
        from musicnn import models

        tf.compat.v1.disable_eager_execution()
        self.config = config
        self.labels = config.MTT_LABELS if "MTT" in model else config.MSD_LABELS
        import librosa

        self.frames = int(librosa.time_to_frames(3, sr=config.SR, n_fft=config.FFT_SIZE,
                                                 hop_length=config.FFT_HOP)) + 1
        self.graph = tf.Graph()
        with self.graph.as_default(), tf.name_scope("model"):
            self.x = tf.compat.v1.placeholder(tf.float32, [None, self.frames, config.N_MELS])
            self.training = tf.compat.v1.placeholder(tf.bool)
            logits = models.define_model(self.x, self.training, model, len(self.labels))[0]
            self.y = tf.nn.sigmoid(logits)
            self.session = tf.compat.v1.Session(graph=self.graph)
            self.session.run(tf.compat.v1.global_variables_initializer())
            tf.compat.v1.train.Saver().restore(
                self.session, str(Path(musicnn.__file__).parent / model) + "/")

    def top(self, audio: Any, sr: int, count: int = 5) -> list[str]:
        """The ``count`` most likely tags of a (n,) or (n, channels) track."""
        import librosa
        import numpy as np

        cfg = self.config
        mono = np.asarray(audio, dtype=np.float32)
        mono = mono.mean(axis=1) if mono.ndim == 2 else mono
        mono = librosa.resample(mono, orig_sr=sr, target_sr=cfg.SR)
        rep = librosa.feature.melspectrogram(y=mono, sr=cfg.SR, hop_length=cfg.FFT_HOP,
                                             n_fft=cfg.FFT_SIZE, n_mels=cfg.N_MELS).T
        rep = np.log10(10000.0 * rep.astype(np.float32) + 1.0).astype(np.float16)
        starts = range(0, rep.shape[0] - self.frames + 1, self.frames)
        batch = np.stack([rep[t:t + self.frames] for t in starts])
        outs = [self.session.run(self.y, {self.x: batch[i:i + cfg.BATCH_SIZE],
                                          self.training: False})
                for i in range(0, len(batch), cfg.BATCH_SIZE)]
        mean = np.concatenate(outs).mean(axis=0)
        return [self.labels[i] for i in np.argsort(-mean)[:count]]


def taggers() -> dict[str, MusicTagger] | None:
    """Both musicnn models, or None when musicnn (or TensorFlow) is not installed."""
    try:
        return {m: MusicTagger(m) for m in ("MTT_musicnn", "MSD_musicnn")}
    except Exception:  # TensorFlow fails in many ways when absent or broken
        return None


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
    import importlib

    import numpy as np

    # the engine first: benchmarks/music.py puts this checkout on sys.path when imported
    engine = importlib.import_module("nemo_widgets.engine.music")
    STYLES, generate = engine.STYLES, engine.generate
    from music import features  # the same synthetic video as benchmarks/music.py

    styles = args.styles.split(",") if args.styles else list(STYLES)
    seeds = [int(s) for s in args.seeds.split(",")]
    feats = features(args.seconds)
    rows: list[dict[str, Any]] = []
    models = None if args.no_tagger else taggers()
    for style in styles:
        for seed in seeds:
            mix = generate(feats, style, seed=seed).mix
            lufs, peak = loudness(mix)
            norm = normalise(mix)
            row: dict[str, Any] = {"style": style, "seed": seed, "lufs": lufs,
                                   "true_peak_db": peak, **band_shares(norm),
                                   "flatness": flatness(norm), "spread": level_spread(norm)}
            row["tags"] = {name: tagger.top(norm, SR) for name, tagger in
                           (models or {}).items()}
            rows.append(row)
            print(f"{style:<11}{seed:>3}  " + "  ".join(
                f"{b[0]}={row[b[0]] * 100:5.1f}%" for b in BANDS)
                + f"  flat={row['flatness']:.4f}  spread={row['spread']:4.1f} dB"
                f"  {lufs:6.1f} LUFS {peak:6.2f} dBTP", flush=True)
    if models:
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
    import nemo_widgets

    print(f"(engine: {Path(nemo_widgets.__file__).parent})")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "mean": mean}, indent=1))


if __name__ == "__main__":
    main()
