"""Where the time of a quick edit goes: upload → "generate music" → 1080p MP4, on a warm engine.

Run as ``python benchmarks/quick_edit.py [--runs N] [--think S]``. It starts an engine in a
temporary home, warms it up with a short clip (imports, FFmpeg capability checks, fonts), then
for each run makes a new 60 s 1920×1080 H.264 phone-style clip (a key frame every second, 29
cuts, a sound track; not timed, and new each run so no analysis is cached) and times, through
the real client (``NemoClient`` with its default settings: held render polls):

- upload, the music turn ("generate a background music track that matches the mood of my
  video"), the export (submit, render, poll wait, download);
- from the engine's log: the background analysis started by the upload; the music turn's
  stages (the wait for that analysis, ``generate``, writing the music), with ``generate`` split
  into plan, compose and synth by running them again in this process on the run's own plan
  (rows marked ``*``); the render's own stages (plan, summing the mix, loudness, the main
  FFmpeg run);
- from the client's progress callback: state + submit + poll wait (the time between the
  export's start and its download's start, less the engine's render) and the download;
- bare FFmpeg doing the physical floor of the same job in the same run: copy the video and
  encode one AAC track from the music WAV (``-c:v copy``, ``-c:a aac``);
- the engine's peak memory (``VmHWM`` of its process), and the load average before and after
  each run (the machine may be shared: the ratio, measured in the same run, is what compares).

``--think S`` waits S seconds between upload and prompt, as a user typing would (default 0: the
worst case, where the prompt arrives while the upload is still being analysed).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECONDS = 60
CUT_EVERY = 2.0
PROMPT = "generate a background music track that matches the mood of my video"
SOURCES = ("testsrc2", "smptehdbars", "rgbtestsrc", "testsrc")


def ffmpeg(exe: str, *args: str) -> None:
    subprocess.run([exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args],
                   check=True)


def make_clip(exe: str, path: Path, seconds: float, variant: int) -> Path:
    """A phone-like clip: cuts every ``CUT_EVERY`` s between test patterns with different hues,
    key frames every second (fixed GOP, as phones do), 48 kHz stereo AAC."""
    pieces = int(seconds / CUT_EVERY)
    inputs: list[str] = []
    chains: list[str] = []
    for i in range(pieces):
        source = SOURCES[i % len(SOURCES)]
        inputs += ["-f", "lavfi", "-i",
                   f"{source}=size=1920x1080:rate=30:duration={CUT_EVERY}"]
        chains.append(f"[{i}:v]hue=h={(i * 47 + variant * 13) % 360},format=yuv420p[v{i}]")
    labels = "".join(f"[v{i}]" for i in range(pieces))
    graph = ";".join(chains) + f";{labels}concat=n={pieces}:v=1:a=0[v]"
    tone = 220 + 20 * variant
    ffmpeg(exe, *inputs, "-f", "lavfi", "-i",
           f"sine=frequency={tone}:sample_rate=48000:duration={seconds}",
           "-filter_complex", graph, "-map", "[v]", "-map", f"{pieces}:a",
           "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-keyint_min", "30",
           "-sc_threshold", "0", "-b:v", "12M", "-c:a", "aac", "-ac", "2",
           "-t", str(seconds), str(path))
    return path


def peak_rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return float("nan")
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else float("nan")


def log_since(log: Path, offset: int) -> str:
    with log.open("rb") as handle:
        handle.seek(offset)
        return handle.read().decode("utf-8", "replace")


def bare_floor(exe: str, clip: Path, wav: Path, out: Path) -> float:
    began = time.perf_counter()
    ffmpeg(exe, "-i", str(clip), "-i", str(wav), "-map", "0:v", "-map", "1:a",
           "-c:v", "copy", "-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-ac", "2",
           "-t", str(SECONDS), "-movflags", "+faststart", str(out))
    return time.perf_counter() - began


def retime_music(home: Path, draft: dict, plan_json: dict) -> dict[str, float]:
    """Plan, compose and synthesise the run's own music again in this process, timing each.

    The engine's music turn calls ``generate`` (plan → compose → synth) as one; to say how its
    time splits, the same calls are repeated here on the same features (read from the
    engine's analysis cache: no decoding) and seed. ``plan same`` is 1 when the plan made
    here equals the one the engine made (so the split is of the very same work).
    """
    from nemo_widgets.engine.analysis import analyse_timeline
    from nemo_widgets.engine.media import probe
    from nemo_widgets.engine.music.api import render_plan
    from nemo_widgets.engine.music.compose import compose
    from nemo_widgets.engine.music.planner import plan_music

    def resolve(digest: str) -> tuple[Path, object]:
        [path] = (home / "media").glob(f"{digest}.*")
        return path, probe(path)

    source = {**draft, "t": [t for t in draft["t"] if t.get("role") != "bgm"
                             and not any(s.get("extra", {}).get("generated")
                                         or str(s.get("id", "")).startswith("sg_music_")
                                         for s in t.get("sg", []))]}
    features = analyse_timeline(source, resolve, home / "analysis")  # type: ignore[arg-type]
    began = time.perf_counter()
    plan = plan_music(features, PROMPT, seed=int(plan_json["seed"]))
    planned = time.perf_counter()
    compose(plan)
    composed = time.perf_counter()
    render_plan(plan, speech=[(float(a), float(b)) for a, b in features.speech])
    synthesised = time.perf_counter()
    return {"plan": planned - began, "compose": composed - planned,
            "synth": (synthesised - composed) - (composed - planned),
            "plan same": float(plan.to_dict() == plan_json)}


def one_run(client: object, clip: Path, out: Path, think: float, log: Path, home: Path
            ) -> dict[str, float]:
    conv = client.conversation()  # type: ignore[attr-defined]
    offset = log.stat().st_size
    times: dict[str, float] = {}
    began = time.perf_counter()
    conv.upload(clip)
    times["upload"] = time.perf_counter() - began
    if think:
        time.sleep(think)
    mark = time.perf_counter()
    conv.ask(PROMPT)
    times["music turn"] = time.perf_counter() - mark
    marks: dict[str, float] = {}

    def progress(stage: str, _fraction: float) -> None:
        marks.setdefault(stage, time.perf_counter())

    mark = time.perf_counter()
    result = conv.export(out, on_progress=progress)
    end = time.perf_counter()
    times["export"] = end - mark
    times["total"] = end - began - think
    text = log_since(log, offset)
    analysed = re.findall(r"analysed (\S+) \(.*?\) in ([\d.]+) s", text)
    if analysed:
        times["  analysis (background)"] = float(analysed[-1][1])
    turn = re.search(r"music turn: [\d.]+ s of music in ([\d.]+) s \((.*?)\)", text)
    if turn:
        stages = dict((k, float(v)) for k, v in re.findall(r"(\w+) ([\d.]+) s", turn.group(2)))
        times["  analysis wait (turn)"] = stages.get("analysis", 0.0)
        times["  generate"] = stages.get("generate", 0.0)
        state = conv.state()
        music = [m for m in state.generated_media if m.get("kind") == "music"]
        if music:
            split = retime_music(home, state.draft, music[-1]["plan"])
            for stage in ("plan", "compose", "synth"):
                times[f"    {stage}*"] = split[stage]
            times["    plan same"] = split["plan same"]
        times["  write music"] = stages.get("write", 0.0) + stages.get("extras", 0.0)
        times["  agent, state, SSE"] = times["music turn"] - float(turn.group(1))
    render = re.search(r"render \S+: [\d.]+ s of video in ([\d.]+) s \(plan ([\d.]+) s, "
                       r"(.*?); stream copy (\w+)\)", text)
    if render:
        engine_render = float(render.group(1))
        times["  render (engine)"] = engine_render
        times["    plan"] = float(render.group(2))
        stages = dict((k, float(v)) for k, v in re.findall(r"(\w+) ([\d.]+) s",
                                                           render.group(3)))
        times["    mix (sum the sounds)"] = stages.get("sound", 0.0)
        times["    mix (loudness)"] = stages.get("loudness", 0.0)
        times["    main (FFmpeg)"] = stages.get("main", 0.0)
        if "download" in marks:
            times["  state+submit+poll wait"] = marks["download"] - mark - engine_render
            times["  download"] = end - marks["download"]
    assert result.width == 1920 and result.height == 1080, result
    return times


def print_table(rows: list[dict[str, float]]) -> None:
    """Stages down, runs across, the median last (``*``: re-timed in this process)."""
    keys = list(dict.fromkeys(k for row in rows for k in row))
    print(f"{'stage':<28}" + "".join(f"{'run ' + str(i + 1):>10}" for i in range(len(rows)))
          + f"{'median':>10}")
    for key in keys:
        unit = "x" if "ratio" in key else ("" if "same" in key else "s")
        values = [row[key] for row in rows if key in row]
        cells = "".join(f"{row[key]:>9.2f}{unit or ' '}" if key in row else f"{'-':>10}"
                        for row in rows)
        median = f"{statistics.median(values):>9.2f}{unit or ' '}" if values else ""
        print(f"{key:<28}{cells}{median}")


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from nemo_widgets.client import ClientSettings, NemoClient
    from nemo_widgets.engine.media import ffmpeg_exe
    from nemo_widgets.engine.server import ensure_engine, stop_engine
    from nemo_widgets.engine.settings import EngineSettings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--think", type=float, default=0.0)
    args = parser.parse_args()
    exe = ffmpeg_exe()
    with tempfile.TemporaryDirectory(prefix="nemo-quick-") as tmp:
        folder = Path(tmp)
        home = folder / "home"
        settings = EngineSettings.from_env(env={}, home=home, tokens_per_client=1000)
        info = ensure_engine(settings)
        log = home / "engine.log"
        try:
            client = NemoClient(info.url, settings=ClientSettings(config_dir=folder / "cfg"))
            print("warming up the engine ...", flush=True)
            warm = make_clip(exe, folder / "warm.mp4", 4.0, 99)
            one_run(client, warm, folder / "warm-out.mp4", 0.0, log, home)
            rows: list[dict[str, float]] = []
            loads = [os.getloadavg()]
            for run in range(args.runs):
                print(f"making a new {SECONDS} s 1080p clip with cuts (run {run + 1}) ...",
                      flush=True)
                clip = make_clip(exe, folder / f"clip{run}.mp4", SECONDS, run)
                times = one_run(client, clip, folder / f"out{run}.mp4", args.think, log, home)
                wavs = sorted((home / "media").glob("*.wav"), key=os.path.getmtime)
                times["bare FFmpeg floor"] = bare_floor(exe, clip, wavs[-1],
                                                        folder / f"bare{run}.mp4")
                times["ratio to floor"] = times["total"] / times["bare FFmpeg floor"]
                rows.append(times)
                loads.append(os.getloadavg())
            client.close()
            print(f"\nquick edit of a {SECONDS} s 1080p clip (think time {args.think:g} s), "
                  f"engine peak memory {peak_rss_mb(info.pid):.0f} MB; load average (1 min) "
                  + " → ".join(f"{load[0]:.2f}" for load in loads))
            print_table(rows)
        finally:
            stop_engine(home)


if __name__ == "__main__":
    main()
