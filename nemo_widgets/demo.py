"""The main job in one call: a video in, a 1080p MP4 with music composed to fit it out.

Used by ``nemo-widgets demo``. Without a video it makes one: a few shots of moving test
patterns over different colours, cut at known times, with FFmpeg — so that it runs on a fresh
machine with nothing else. With ``music`` it puts that song under the video instead of
composing one. It goes through the same client and conversation as the widget, the magics and
``generate``.
"""

from __future__ import annotations

import itertools
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from imageio_ffmpeg import get_ffmpeg_exe as ffmpeg_exe

from nemo_widgets.client import ExportResult, NemoClient

MUSIC_PROMPT = "generate a background music track that matches the mood of my video"
SONG_PROMPT = ('Put my video on the timeline, use my song as background music at 40%, '
               'fade it out, and add a title "Made with nemo-widgets" for the first 3 seconds')

# Shot boundaries of the made-up clip (seconds), its length, and the colours of its shots.
_CUTS = (2.0, 3.5, 5.0, 7.0, 8.5)
_SECONDS = 10.0
_COLOURS = ("0x1f4e79", "0xc0392b", "0x27ae60", "0xf1c40f", "0x8e44ad", "0xe67e22")


def make_demo_clip(path: Path, *, cuts: tuple[float, ...] = _CUTS,
                   seconds: float = _SECONDS) -> Path:
    """A 720p clip of moving test patterns over coloured backgrounds, cut at ``cuts``, with a
    quiet room tone: something with cuts and motion for the music to follow."""
    fps = 30
    bounds = [0.0, *cuts, seconds]
    chains = []
    for index, (start, end) in enumerate(itertools.pairwise(bounds)):
        length = f"{end - start + 0.1:.3f}"
        chains.append(
            f"color=c={_COLOURS[index % len(_COLOURS)]}:size=1280x720:rate={fps}"
            f":duration={length}[c{index}];"
            f"testsrc2=size=320x240:rate={fps}:duration={length}[t{index}];"
            f"[c{index}][t{index}]overlay=x='480+300*sin(t*{1 + index % 3})':y=240,"
            f"trim=end_frame={round((end - start) * fps)},setpts=PTS-STARTPTS[v{index}]")
    shots = len(bounds) - 1
    graph = ";".join(chains) + ";" + "".join(f"[v{i}]" for i in range(shots)) + \
        f"concat=n={shots}:v=1:a=0[vout]"
    subprocess.run([
        ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"anoisesrc=color=pink:amplitude=0.01:sample_rate=48000"
                             f":duration={seconds}",
        "-filter_complex", graph, "-map", "[vout]", "-map", "0:a",
        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac",
        "-t", f"{seconds:.3f}", str(path)], check=True, stdin=subprocess.DEVNULL)
    return path


def run_demo(output: Path, *, video: Path | None = None, music: Path | None = None,
             prompt: str | None = None, backend: str | None = None,
             say: Callable[[str], None] = print) -> ExportResult:
    """Upload, instruct, export; report each step through ``say``."""
    with tempfile.TemporaryDirectory(prefix="nemo-demo-") as scratch:
        if video is None:
            video = make_demo_clip(Path(scratch) / "demo-clip.mp4")
        uploads = [video] if music is None else [video, music]
        prompt = prompt or (MUSIC_PROMPT if music is None else SONG_PROMPT)
        with NemoClient(backend) as client:
            say(f"backend: {client.base_url}")
            conv = client.conversation(auto_export=False)
            for item in conv.upload(*uploads):
                say(f"uploaded {item}")
            say(f"> {prompt}")
            turn = conv.ask(prompt)
            say(turn.text)
            if turn.error is not None:
                raise turn.error
            say(conv.timeline().summary())
            last = [-10.0]

            def progress(stage: str, fraction: float) -> None:
                percent = fraction * 100
                if stage == "render" and (percent - last[0] >= 10 or percent >= 100):
                    last[0] = percent
                    say(f"render {percent:.0f}%")

            result = conv.export(output, on_progress=progress)
            say(f"saved {result}")
            return result
