"""How much the renderer costs over FFmpeg doing the same work by hand.

Run as ``python benchmarks/render.py [--reps N]``. It makes a 60 s 1080p H.264 + AAC clip and a
60 s BGM in a temporary folder (not timed), then times, in this process:

1. stream copy: the clip alone at 16:9 with the BGM mixed in at 30 %, ours (plan_render +
   run_render) against a hand-written FFmpeg command that copies the video and mixes the same
   sound (target: ours <= 1.2x bare);
2. re-encode: the same with a title on a 9:16 canvas, against hand-written scale + pad +
   drawtext with the same preset, CRF and sound (target: ours <= 1.1x bare).

Our render also normalises the exported sound to −14 LUFS with true peaks under −1 dBTP (an
audio-only first pass, a BS.1770 measurement and a limiter, then the main run). So each case
has two baselines: the hand-written command alone (mixing, no loudness work — a lower bound),
and the same command with FFmpeg's own two-pass ``loudnorm`` (measure, then a linear gain to
−14 LUFS / −1 dBTP) — the same work done the FFmpeg way. The targets are judged against the
second; both ratios are printed.

Each side runs ``--reps`` times, alternating, and the best time counts (the least disturbed by
the machine). FFmpeg capability checks and font lookup are warmed up first: a server pays them
once per process, not per render.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SECONDS = 60
TITLE = "Urban Dreams"


def ffmpeg(exe: str, *args: str) -> None:
    subprocess.run([exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args],
                   check=True)


def make_media(exe: str, folder: Path) -> tuple[Path, Path]:
    """A 60 s 1080p30 H.264/AAC test clip and a 60 s MP3 tone for BGM."""
    clip, bgm = folder / "clip.mp4", folder / "bgm.mp3"
    ffmpeg(exe, "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:duration={SECONDS}",
           "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={SECONDS}",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
           "-ac", "2", str(clip))
    ffmpeg(exe, "-f", "lavfi", "-i", f"sine=frequency=220:sample_rate=48000:duration={SECONDS}",
           "-ac", "2", "-c:a", "libmp3lame", str(bgm))
    return clip, bgm


def draft(canvas: tuple[int, int], title: bool) -> dict[str, Any]:
    ms = SECONDS * 1000
    tracks: list[dict[str, Any]] = [
        {"tt": 0, "sg": [{"id": "v", "kind": "video", "source": "clip", "start_ms": 0,
                          "duration_ms": ms, "volume": 1.0}]},
        {"tt": 1, "role": "bgm", "sg": [{"id": "m", "kind": "audio", "source": "bgm",
                                         "start_ms": 0, "duration_ms": ms, "volume": 0.3}]},
    ]
    if title:
        tracks.append({"tt": 7, "sg": [{"id": "t", "kind": "text", "text": TITLE,
                                        "start_ms": 0, "duration_ms": 3000,
                                        "style": {"size": 96, "position": "center"}}]})
    return {"t": tracks, "d": ms, "m": {"width": canvas[0], "height": canvas[1], "fps": 30}}


def bare_copy(clip: Path, bgm: Path, out: Path) -> list[str]:
    return [
        "-i", str(clip), "-i", str(bgm), "-filter_complex",
        "[1:a]volume=0.3[b];[0:a][b]amix=inputs=2:duration=first:normalize=0[a]",
        "-map", "0:v", "-map", "[a]", "-c:v", "copy",
        "-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-ac", "2",
        "-t", str(SECONDS), "-movflags", "+faststart", str(out),
    ]


def bare_encode(clip: Path, bgm: Path, out: Path, font: Path, textfile: Path) -> list[str]:
    picture = (
        "[0:v]scale=1080:1920:force_original_aspect_ratio=decrease,"
        "pad=1080:1920:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,"
        f"drawtext=fontfile={font}:textfile={textfile}:fontsize=96:fontcolor=white:"
        "x=(w-text_w)/2:y=(h-text_h)/2:enable='between(t,0,3)'[v]"
    )
    sound = "[1:a]volume=0.3[b];[0:a][b]amix=inputs=2:duration=first:normalize=0[a]"
    return [
        "-i", str(clip), "-i", str(bgm), "-filter_complex", f"{picture};{sound}",
        "-map", "[v]", "-map", "[a]",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-ac", "2",
        "-t", str(SECONDS), "-movflags", "+faststart", str(out),
    ]


LOUDNORM = "loudnorm=I=-14:TP=-1:LRA=20"
MIX = "[1:a]volume=0.3[b];[0:a][b]amix=inputs=2:duration=first:normalize=0"


def measure_loudness(exe: str, clip: Path, bgm: Path) -> dict[str, str]:
    """FFmpeg's first loudnorm pass over the mix: what the second pass needs to be linear."""
    run = subprocess.run([exe, "-hide_banner", "-nostdin", "-i", str(clip), "-i", str(bgm),
                          "-filter_complex", f"{MIX},{LOUDNORM}:print_format=json[a]",
                          "-map", "[a]", "-t", str(SECONDS), "-f", "null", "-"],
                         check=True, capture_output=True, text=True)
    report: dict[str, str] = json.loads(
        run.stderr[run.stderr.rindex("{"):run.stderr.rindex("}") + 1])
    return report


def with_loudnorm(args: list[str], measured: dict[str, str]) -> list[str]:
    """The bare command with the second, linear loudnorm pass on its mix."""
    second = (f"{LOUDNORM}:measured_I={measured['input_i']}:measured_TP={measured['input_tp']}"
              f":measured_LRA={measured['input_lra']}:measured_thresh={measured['input_thresh']}"
              f":offset={measured['target_offset']}:linear=true,aresample=48000")
    return [a.replace("normalize=0[a]", f"normalize=0,{second}[a]") for a in args]


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from nemo_widgets.engine.media import ffmpeg_exe, fonts, probe
    from nemo_widgets.engine.render import ffmpeg_caps, plan_render, run_render

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3, help="runs per side (best counts)")
    reps = parser.parse_args().reps

    exe = ffmpeg_exe()
    with tempfile.TemporaryDirectory(prefix="nemo-bench-") as tmp:
        folder = Path(tmp)
        print(f"making a {SECONDS} s 1080p test clip ...", flush=True)
        clip, bgm = make_media(exe, folder)
        media = {"clip": (clip, probe(clip)), "bgm": (bgm, probe(bgm))}
        ffmpeg_caps()
        font = fonts.pick_font(TITLE)
        textfile = folder / "title.txt"
        textfile.write_text(TITLE, encoding="utf-8")

        def ours(doc: dict[str, Any], expect_copy: bool) -> float:
            began = time.perf_counter()
            plan = plan_render(doc, media.__getitem__, folder / "ours.mp4", folder / "work")
            run_render(plan)
            elapsed = time.perf_counter() - began
            assert plan.stream_copy == expect_copy
            return elapsed

        def bare(args: list[str]) -> float:
            began = time.perf_counter()
            ffmpeg(exe, *args)
            return time.perf_counter() - began

        def bare_two_pass(args: list[str]) -> float:
            began = time.perf_counter()
            measured = measure_loudness(exe, clip, bgm)
            ffmpeg(exe, *with_loudnorm(args, measured))
            return time.perf_counter() - began

        copy_args = bare_copy(clip, bgm, folder / "bare.mp4")
        encode_args = bare_encode(clip, bgm, folder / "bare.mp4", font or Path(), textfile)
        cases = [
            ("stream copy, 16:9 + BGM", 1.2, lambda: ours(draft((1920, 1080), False), True),
             lambda: bare(copy_args), lambda: bare_two_pass(copy_args)),
            ("re-encode, 9:16 + title + BGM", 1.1,
             lambda: ours(draft((1080, 1920), True), False),
             lambda: bare(encode_args), lambda: bare_two_pass(encode_args)),
        ]
        for name, target, run_ours, run_bare, run_loud in cases:
            ours_times, bare_times, loud_times = [], [], []
            for _ in range(reps):
                bare_times.append(run_bare())
                loud_times.append(run_loud())
                ours_times.append(run_ours())
            best_ours, best_bare, best_loud = min(ours_times), min(bare_times), min(loud_times)
            ratio = best_ours / best_loud
            verdict = "ok" if ratio <= target else "OVER TARGET"
            print(f"{name}: ours {best_ours:.2f} s; bare FFmpeg with two-pass loudnorm "
                  f"{best_loud:.2f} s, ratio {ratio:.2f}x (target <= {target}x: {verdict}); "
                  f"bare FFmpeg without loudness work {best_bare:.2f} s, ratio "
                  f"{best_ours / best_bare:.2f}x", flush=True)
            print(f"    all runs: ours {[round(t, 2) for t in ours_times]}, "
                  f"two-pass {[round(t, 2) for t in loud_times]}, "
                  f"no loudness {[round(t, 2) for t in bare_times]}", flush=True)


if __name__ == "__main__":
    main()
