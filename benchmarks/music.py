"""How fast the music engine renders: seconds per style for 60 s of music, and × real time.

Run as ``python benchmarks/music.py [--seconds 60] [--reps 2] [--styles lofi,rock] [--cores 1]``.
Each style is rendered ``--reps`` times from the same synthetic video features (cuts every
~2.2 s, medium brightness and motion, one speech interval) and the best wall-clock time counts;
CPU time is printed too, since other work on the machine inflates wall time but not CPU time.
The first render of the process pays NumPy/SciPy warm-up, so one untimed render comes first.

The instrument bank (sampled instruments, ``engine/music/bank``) is loaded and every sample
decoded once before the timing, and that cost is printed on its own: the engine process keeps
it for every later piece.

What is timed is ``generate``: plan, compose, synthesise and master the mix — what the user
waits for before the music is on the timeline. The four stems are rendered only when first
read (the engine does it on their first download); the ``stems s`` column shows that cost
separately, once per style, and it is not part of the speed figures.

By default the process is pinned to one core (and BLAS/FFT threads to one), as the target is
stated: ≥ 60× real time on one core. The baseline, measured in the same run, is FFmpeg's own
expression synthesiser (``aevalsrc``) writing the same length of 48 kHz stereo — three sines,
no envelopes, no effects — to a WAV file: the ratio says how many times the cost of the
barest synthesis a composed, mixed piece costs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _pin_to_cores(count: int) -> None:
    """One core means one core: the affinity and every math library's thread pool."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(count)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[:count]))


if __name__ == "__main__":  # before NumPy starts its threads
    _cores = sys.argv[sys.argv.index("--cores") + 1] if "--cores" in sys.argv else "1"
    _pin_to_cores(int(_cores))

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from nemo_widgets.engine.analysis import VideoFeatures as Features  # noqa: E402
from nemo_widgets.engine.music import STYLES, generate  # noqa: E402


def features(seconds: float) -> Any:
    """Cuts every ~2.2 s (±20 ms), medium colour, motion that swells and settles, one line of
    speech from 10 to 14 s."""
    rng = np.random.default_rng(7)
    n = int(seconds) + 1
    cuts = [round(float(t) + float(rng.uniform(-0.02, 0.02)), 3)
            for t in np.arange(2.2, seconds - 1, 2.2)]
    return Features(duration=seconds, brightness=[0.5] * n, saturation=[0.4] * n,
                    warmth=[0.1] * n, motion=[0.3 + 0.2 * float(np.sin(i / 8.0))
                                              for i in range(n)],
                    cuts=cuts, cut_strength=[0.5 + 0.5 * (i % 4 == 0) for i in range(len(cuts))],
                    loudness_db=[-20.0] * n, speech=[(10.0, 14.0)], has_audio=True)


def ffmpeg_baseline(seconds: float) -> float:
    """Seconds FFmpeg's ``aevalsrc`` takes to write ``seconds`` of a stereo chord as WAV."""
    from nemo_widgets.engine.media import ffmpeg_exe

    expr = "0.2*(sin(2*PI*220*t)+sin(2*PI*277.18*t)+sin(2*PI*329.63*t))"
    with tempfile.TemporaryDirectory() as folder:
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
                            "-threads", "1", "-f", "lavfi", "-i",
                            f"aevalsrc={expr}|{expr}:s=48000:d={seconds}",
                            str(Path(folder) / "tone.wav")], check=True)
            best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--styles", default=",".join(STYLES))
    parser.add_argument("--cores", type=int, default=1, help="cores to pin to (default 1)")
    args = parser.parse_args()
    feats = features(args.seconds)
    from nemo_widgets.engine.music.bank import library

    start = time.perf_counter()
    lib = library()
    decoded = lib.preload() if lib is not None else 0
    bank_s = time.perf_counter() - start
    print(f"instrument bank: {lib.source if lib else 'none'}; index read and every sample "
          f"decoded in {bank_s:.2f} s ({decoded / 1e6:.0f} MB decoded; once per process, "
          "not counted below)")
    generate(features(8.0), "warm up")
    try:  # loudness columns when the dev tools are installed
        import pyloudnorm
        from scipy.signal import resample_poly

        meter = pyloudnorm.Meter(48_000)
    except ImportError:
        meter = None
    print(f"{'style':<12}{'seconds':>9}{'cpu s':>8}{'x real time':>13}{'stems s':>9}"
          f"{'notes':>8}{'distinct':>10}{'LUFS':>8}{'dBTP':>7}")
    total = 0.0
    for style in args.styles.split(","):
        best = cpu_best = float("inf")
        cue: dict[str, object] = {}
        for _ in range(max(args.reps, 1)):
            start, cpu = time.perf_counter(), time.process_time()
            result = generate(feats, style, seed=1)
            best = min(best, time.perf_counter() - start)
            cpu_best = min(cpu_best, time.process_time() - cpu)
            cue = result.cue
        total += best
        start = time.perf_counter()
        _ = result.stems
        stems_s = time.perf_counter() - start
        loud = ""
        if meter is not None:
            mix = result.mix.astype(np.float64)
            peak = float(np.max(np.abs(resample_poly(mix, 4, 1, axis=0))))
            loud = f"{meter.integrated_loudness(mix):>8.1f}{20 * np.log10(peak):>7.2f}"
        print(f"{style:<12}{best:>9.2f}{cpu_best:>8.2f}{args.seconds / best:>12.1f}x"
              f"{stems_s:>9.2f}{cue['notes']!s:>8}{cue['distinct_notes']!s:>10}{loud}")
    count = len(args.styles.split(","))
    print(f"{'mean':<12}{total / count:>9.2f}{'':>8}{args.seconds * count / total:>12.1f}x")
    baseline = ffmpeg_baseline(args.seconds)
    print(f"baseline: FFmpeg aevalsrc writes {args.seconds:.0f} s of stereo in {baseline:.2f} s "
          f"({args.seconds / baseline:.0f}x real time); composed music costs "
          f"{total / count / baseline:.1f}x that, on {args.cores} core(s)")
    print("(wall-clock best of --reps; 'cpu s' is the process's CPU time, every thread "
          "counted; a busy machine inflates wall time, not cpu time)")
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process (the engine's music path): {peak:.0f} MB")


if __name__ == "__main__":
    main()
