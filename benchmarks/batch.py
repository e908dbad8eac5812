"""Folder batch throughput on a Dask ``LocalCluster``: clips per hour with one and two workers,
and the parallel efficiency (two workers' throughput over twice one worker's).

    python benchmarks/batch.py [--clips 6] [--seconds 10]

Each run makes its own clips (1080p-bound renders of short cut videos), so no analysis cache
helps a second run; the engines' start-up is counted, as a user waiting for the batch would.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nemo_widgets.batch import find_videos, plan
from nemo_widgets.cluster import run_on_cluster
from tests.media_factory import make_cut_video

PROMPT = "generate a background music track that matches the mood of my video"


def run(workers: int, clips: int, seconds: float, root: Path) -> float:
    folder = root / f"clips-{workers}"
    folder.mkdir()
    for number in range(clips):
        cuts = [round(seconds * k / 4 + 0.1 * number, 2) for k in range(1, 4)]
        make_cut_video(folder / f"clip{number}.mp4", cuts, seconds)
    items = plan(find_videos(folder), root / f"out-{workers}")
    start = time.perf_counter()
    done = run_on_cluster(items, PROMPT, workers=workers, engine_root=root / f"eng-{workers}",
                          say=lambda _line: None)
    elapsed = time.perf_counter() - start
    failed = [item.source.name for item in done if item.status != "done"]
    if failed:
        raise SystemExit(f"failed: {failed}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clips", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        rates = {}
        for workers in (1, 2):
            elapsed = run(workers, args.clips, args.seconds, root)
            rates[workers] = args.clips / elapsed * 3600
            print(f"{workers} worker(s): {args.clips} clips of {args.seconds:.0f} s in "
                  f"{elapsed:.1f} s = {rates[workers]:.0f} clips/hour")
        print(f"parallel efficiency (2 workers): {rates[2] / (2 * rates[1]):.2f}")


if __name__ == "__main__":
    main()
