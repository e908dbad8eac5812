"""How long the video analysis takes on a 60 s 1080p30 clip, on this machine.

Run as ``python benchmarks/analysis.py [--reps N] [--seconds S]``. It makes two clips in a
temporary folder (not timed), each with twelve moving shots (cuts every ~5 s, most off the key
frame) and a sound track:

* ``phone``: H.264 with a key frame every second and no scene-cut key frames, as phones write;
* ``long-gop``: x264 ``ultrafast`` defaults (a key frame every ~8 s), as the render benchmark.

For each it times ``analyse_file`` with the full and the sparse video scan (and the automatic
choice), checks that both find the same cuts at the true times, then times ``analyse_timeline``
on a draft of the clip, cold and then from the cache. The best of ``--reps`` runs counts.

The baseline, measured in the same run, is a bare decode of every frame with PyAV (frame
threads on, nothing done with the pictures): each analysis time is also printed as a ratio to
it. Below 1.0× the analysis is cheaper than merely decoding the video once.

Next to the wall-clock time each line shows the CPU time the process spent (all its threads,
from ``getrusage``) for the same best run. On a machine shared with other work the wall clock
swings by 2× from run to run while the CPU time moves by a few per cent, so the CPU ratio to
the bare decode is the steadier measure of the work; the wall clock is what a user waits.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

SHOTS = [
    "testsrc2=size=1920x1080:rate=30",
    "smptehdbars=size=1920x1080:rate=30,scroll=horizontal=0.002",
    "gradients=size=1920x1080:rate=30:speed=0.02",
    "testsrc2=size=1920x1080:rate=30,hflip",
    "rgbtestsrc=size=1920x1080:rate=30,scroll=vertical=0.003",
    "testsrc=size=1920x1080:rate=30",
]
CODECS = {
    "phone": ["-c:v", "libx264", "-preset", "veryfast", "-g", "30", "-x264-params",
              "scenecut=0", "-b:v", "12M"],
    "long-gop": ["-c:v", "libx264", "-preset", "ultrafast"],
}


def make_clip(exe: str, folder: Path, name: str, seconds: float) -> tuple[Path, list[float]]:
    """Twelve shots of unequal length (so most cuts miss the key frames) and a tone."""
    count = 12
    lengths = [seconds / count + ((i * 7) % 11 - 5) * 0.087 for i in range(count)]
    lengths[-1] = seconds - sum(lengths[:-1])
    args: list[str] = []
    for i, length in enumerate(lengths):
        args += ["-f", "lavfi", "-i",
                 f"{SHOTS[i % len(SHOTS)]},trim=duration={length:.3f},setpts=PTS-STARTPTS"]
    args += ["-f", "lavfi", "-i", f"sine=frequency=330:sample_rate=48000:duration={seconds}"]
    chain = "".join(f"[{i}:v]" for i in range(count))
    path = folder / f"{name}.mp4"
    subprocess.run([exe, "-hide_banner", "-loglevel", "error", "-y", *args,
                    "-filter_complex", f"{chain}concat=n={count}:v=1:a=0,format=yuv420p[v]",
                    "-map", "[v]", "-map", f"{count}:a", *CODECS[name], "-c:a", "aac",
                    "-movflags", "+faststart", str(path)], check=True)
    cuts, at = [], 0.0
    for length in lengths[:-1]:
        at += length
        cuts.append(round(at * 30) / 30)
    return path, cuts


def cpu_time() -> float:
    """Seconds of CPU this process has used so far, all threads, user and system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def best(reps: int, job: Callable[[], Any]) -> tuple[float, float, Any]:
    """The shortest of ``reps`` runs (the one the machine disturbed least): its wall-clock and
    CPU seconds, and its result."""
    runs, result = [], None
    for _ in range(reps):
        began, cpu = time.perf_counter(), cpu_time()
        result = job()
        runs.append((time.perf_counter() - began, cpu_time() - cpu))
    wall, cpu = min(runs)
    return wall, cpu, result


def bare_decode(path: Path) -> int:
    """Decode every frame of the first video stream and drop it: the cost floor of reading."""
    import av

    frames = 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for _frame in container.decode(stream):
            frames += 1
    return frames


def bench_clip(path: Path, truth: list[float], name: str, reps: int, cache: Path) -> None:
    from nemo_widgets.engine.analysis import analyse_file, analyse_timeline
    from nemo_widgets.engine.media import probe

    info = probe(path)
    print(f"{name}: {info.duration:.0f} s {info.width}x{info.height} {info.fps:g} fps, "
          f"{len(truth)} cuts")
    floor, floor_cpu, frames = best(reps, lambda: bare_decode(path))
    print(f"  bare PyAV decode     {floor:6.2f} s ({info.duration / floor:4.0f}x real time; "
          f"cpu {floor_cpu:5.2f} s; {frames} frames) — the baseline")
    for label, sparse in (("full", False), ("sparse", True), ("auto", None)):
        seconds, cpu, result = best(
            reps, lambda: analyse_file(path, info, sparse=sparse))  # noqa: B023
        cuts = result.cuts
        worst = max((min(abs(c - t) for c in cuts) for t in truth), default=0.0)
        print(f"  analyse_file {label:6s} {seconds:6.2f} s ({info.duration / seconds:4.0f}x "
              f"real time, {seconds / floor:.2f}x the bare decode; cpu {cpu:5.2f} s, "
              f"{cpu / floor_cpu:.2f}x); {len(cuts)} cuts, worst error {worst * 1000:.0f} ms")
    ms = round(info.duration * 1000)
    draft = {"t": [{"tt": 0, "sg": [{"id": "a", "kind": "video", "source": name,
                                     "start_ms": 0, "duration_ms": ms}]}], "d": ms}

    def resolve(_source: str) -> tuple[Path, Any]:
        return path, info

    cold, _, _ = best(1, lambda: analyse_timeline(draft, resolve, cache))
    warm, _, _ = best(reps, lambda: analyse_timeline(draft, resolve, cache))
    print(f"  analyse_timeline cold {cold:6.2f} s, cached {warm * 1000:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the video analysis.")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=60.0)
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from nemo_widgets.engine.media import ffmpeg_exe

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in CODECS:
            path, truth = make_clip(ffmpeg_exe(), folder, name, options.seconds)
            bench_clip(path, truth, name, options.reps, folder / f"cache-{name}")


if __name__ == "__main__":
    main()
