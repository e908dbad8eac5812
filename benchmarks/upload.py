"""How fast the client uploads a large file, against curl on the same engine, and how much
memory it needs to do so.

Run as ``python benchmarks/upload.py [--size-mb 500] [--reps 2]``. It writes a WAV file of the
given size in a temporary folder (silence with a valid header, so the engine accepts it as
audio; not timed), starts an engine of its own, warms it up with one upload, then alternates
``curl -F files=@…`` and ``NemoClient.upload`` on the same session, ``--reps`` times each, and
keeps each side's best time (the least disturbed by the machine). Both timings include what the
engine does with the file (hash, probe, store), so the ratio says how much the client adds.

It prints the throughput of both, their ratio (target: client ≥ 0.8× curl) and the client's
peak resident-memory growth during its uploads (target: ≤ 64 MB), read from the kernel's
high-water mark (``VmHWM`` after resetting it through ``/proc/self/clear_refs``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nemo_widgets import protocol  # noqa: E402
from nemo_widgets.client import ClientSettings, NemoClient  # noqa: E402
from nemo_widgets.engine.server import ensure_engine, stop_engine  # noqa: E402
from nemo_widgets.engine.settings import EngineSettings  # noqa: E402

MB = 1_000_000


def write_wav(path: Path, size: int) -> None:
    """A 48 kHz stereo 16-bit WAV of exactly ``size`` bytes (silence)."""
    data = size - 44
    header = (b"RIFF" + (36 + data).to_bytes(4, "little") + b"WAVEfmt "
              + (16).to_bytes(4, "little") + (1).to_bytes(2, "little")
              + (2).to_bytes(2, "little") + (48000).to_bytes(4, "little")
              + (48000 * 4).to_bytes(4, "little") + (4).to_bytes(2, "little")
              + (16).to_bytes(2, "little") + b"data" + data.to_bytes(4, "little"))
    chunk = bytes(8 << 20)
    with path.open("wb") as handle:
        handle.write(header)
        left = data
        while left > 0:
            handle.write(chunk[:min(left, len(chunk))])
            left -= min(left, len(chunk))


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0); False when the kernel refuses."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def curl_upload(url: str, header_file: Path, path: Path) -> float:
    """One ``curl`` upload; the seconds it took. The token stays out of argv (``-H @file``)."""
    started = time.perf_counter()
    subprocess.run(["curl", "-sS", "--fail", "-o", os.devnull, "-H", f"@{header_file}",
                    "-F", f"files=@{path}", url], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=500, help="file size in MB (10^6 B)")
    parser.add_argument("--reps", type=int, default=2, help="timed runs per side")
    args = parser.parse_args()
    size = args.size_mb * MB

    with tempfile.TemporaryDirectory(prefix="nemo-upload-bench-") as scratch:
        folder = Path(scratch)
        media = folder / "big.wav"
        write_wav(media, size)
        settings = EngineSettings.from_env(env={}, home=folder / "home",
                                           max_upload_bytes=size + 10 * MB,
                                           tokens_per_client=10)
        engine = ensure_engine(settings)
        try:
            client = NemoClient(engine.url, settings=ClientSettings(config_dir=folder / "cfg"))
            session = client.create_session().session_id
            path = protocol.PATH_UPLOAD.format(session_id=session)
            # curl uses a token of its own user, on a session of its own.
            answer = httpx.post(engine.url + protocol.PATH_ANONYMOUS_TOKEN,
                                headers={protocol.HEADER_CLIENT_ID: str(uuid.uuid4())}).json()
            curl_token = answer["data"]["token"]
            curl_session = httpx.post(engine.url + protocol.PATH_CREATE_SESSION,
                                      headers={"Authorization": f"Bearer {curl_token}"},
                                      json={"task_name": "bench"}).json()["data"]["session_id"]
            header_file = folder / "auth-header"
            fd = os.open(header_file, os.O_WRONLY | os.O_CREAT, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(f"Authorization: Bearer {curl_token}\n")
            curl_url = engine.url + protocol.PATH_UPLOAD.format(session_id=curl_session)
            del curl_token, path

            print(f"file: {size / MB:.0f} MB WAV; engine {engine.url}; best of {args.reps}")
            curl_upload(curl_url, header_file, media)  # warm-up: the file is stored once
            baseline_kb = _status_kb("VmRSS")
            peak_ok = reset_peak()
            curl_times, client_times = [], []
            for _ in range(args.reps):
                curl_times.append(curl_upload(curl_url, header_file, media))
                started = time.perf_counter()
                client.upload(session, media)
                client_times.append(time.perf_counter() - started)
            peak_kb = _status_kb("VmHWM") if peak_ok else _status_kb("VmRSS")
            client.close()
        finally:
            stop_engine(settings.home)

    curl_best, client_best = min(curl_times), min(client_times)
    curl_rate, client_rate = size / MB / curl_best, size / MB / client_best
    ratio = client_rate / curl_rate
    growth_mb = (peak_kb - baseline_kb) / 1024
    print(f"curl:   best {curl_best:6.2f} s  {curl_rate:7.1f} MB/s  (runs: "
          + ", ".join(f"{t:.2f}" for t in curl_times) + ")")
    print(f"client: best {client_best:6.2f} s  {client_rate:7.1f} MB/s  (runs: "
          + ", ".join(f"{t:.2f}" for t in client_times) + ")")
    print(f"throughput ratio client/curl: {ratio:.2f}x (target >= 0.8x) "
          + ("OK" if ratio >= 0.8 else "MISSED"))
    how = "VmHWM" if peak_ok else "VmRSS after (peak reset unavailable)"
    print(f"client peak RSS growth: {growth_mb:.1f} MB ({how}; target <= 64 MB) "
          + ("OK" if growth_mb <= 64 else "MISSED"))


if __name__ == "__main__":
    main()
