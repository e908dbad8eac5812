"""The main job in one call: a video and a song in, a 1080p MP4 with that music out.

Used by ``nemo-widgets demo``. Without files it makes its own: a test-pattern clip with a tone
and a short chord loop, both with FFmpeg, so that it runs on a fresh machine with nothing else.
It goes through the same client and conversation as the widget, the magics and ``generate``.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from nemo_widgets.client import ExportResult, NemoClient
from nemo_widgets.engine.media import ffmpeg_exe

DEFAULT_PROMPT = ('Put my video on the timeline, use my song as background music at 40%, '
                  'fade it out, and add a title "Made with nemo-widgets" for the first 3 seconds')

# A I–V–vi–IV loop in C major (one chord a second), as sums of sines with a soft decay.
_CHORDS = [(261.63, 329.63, 392.0), (196.0, 246.94, 392.0), (220.0, 261.63, 329.63),
           (174.61, 220.0, 349.23)]


def _chord_expression() -> str:
    terms = []
    for index, chord in enumerate(_CHORDS):
        gate = f"between(mod(t,4),{index},{index + 1})"
        tones = "+".join(f"sin(2*PI*{freq}*t)" for freq in chord)
        terms.append(f"{gate}*({tones})*exp(-2*mod(t,1))")
    return "0.25*(" + "+".join(terms) + ")"


def make_demo_media(folder: Path, seconds: float = 8.0) -> tuple[Path, Path]:
    """A 720p clip with its own sound and a chord-loop song, made with FFmpeg."""
    video, song = folder / "demo-clip.mp4", folder / "demo-song.wav"
    quiet = ["-hide_banner", "-loglevel", "error", "-y"]
    subprocess.run([
        ffmpeg_exe(), *quiet,
        "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=30:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=220:sample_rate=48000:duration={seconds}",
        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac",
        "-af", "volume=0.2", str(video)], check=True, stdin=subprocess.DEVNULL)
    subprocess.run([
        ffmpeg_exe(), *quiet, "-f", "lavfi", "-i",
        f"aevalsrc='{_chord_expression()}':s=48000:d=4", "-ac", "2", str(song)],
        check=True, stdin=subprocess.DEVNULL)
    return video, song


def run_demo(output: Path, *, video: Path | None = None, music: Path | None = None,
             prompt: str = DEFAULT_PROMPT, backend: str | None = None,
             say: Callable[[str], None] = print) -> ExportResult:
    """Upload, instruct, export; report each step through ``say``."""
    with tempfile.TemporaryDirectory(prefix="nemo-demo-") as scratch:
        if video is None or music is None:
            made_video, made_song = make_demo_media(Path(scratch))
            video, music = video or made_video, music or made_song
        with NemoClient(backend) as client:
            say(f"backend: {client.base_url}")
            conv = client.conversation(auto_export=False)
            for item in conv.upload(video, music):
                say(f"uploaded {item}")
            say(f"> {prompt}")
            turn = conv.ask(prompt)
            say(turn.text)
            if turn.error is not None:
                raise turn.error
            last = [-10.0]

            def progress(stage: str, fraction: float) -> None:
                percent = fraction * 100
                if stage == "render" and (percent - last[0] >= 10 or percent >= 100):
                    last[0] = percent
                    say(f"render {percent:.0f}%")

            result = conv.export(output, on_progress=progress)
            say(f"saved {result}")
            return result
