"""The renderer, checked like a user would: render real drafts with FFmpeg, open the MP4s with
PyAV, look at the frames and measure the sound."""

from __future__ import annotations

import dataclasses
import itertools
import math
import threading
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from nemo_widgets.engine.errors import RenderError
from nemo_widgets.engine.media import MediaInfo, fonts, probe
from nemo_widgets.engine.render import (
    Canvas,
    FFmpegCaps,
    RenderPlan,
    TextItem,
    VideoClip,
    build_graph,
    can_stream_copy,
    clean_text,
    filter_escape,
    parse_progress_line,
    plan_render,
    run_render,
)
from tests.media_factory import make_audio, make_image, make_video, run_ffmpeg

HOSTILE = 'He said "hi": 100% \\ {x} ; [a] \'q\' 日本語 🎵\nsecond line'


# --- fixtures and helpers ------------------------------------------------------------------------


class Library:
    """Test media by name, standing in for the engine's upload store."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.items: dict[str, tuple[Path, MediaInfo]] = {}

    def add(self, name: str, path: Path) -> str:
        self.items[name] = (path, probe(path))
        return name

    def __call__(self, source: str) -> tuple[Path, MediaInfo]:
        return self.items[source]


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> Library:
    root = tmp_path_factory.mktemp("media")
    lib = Library(root)
    lib.add("clip", make_video(root / "clip.mp4", seconds=2, size="320x240", fps=25))
    lib.add("hd", make_video(root / "hd.mp4", seconds=2, size="1920x1080", fps=30,
                             extra=["-c:v", "libx264", "-preset", "ultrafast",
                                    "-pix_fmt", "yuv420p", "-c:a", "aac"]))
    lib.add("still", make_image(root / "still.png"))
    lib.add("tone", make_audio(root / "tone.wav", seconds=1))
    lib.add("bgm", make_audio(root / "bgm.mp3", seconds=3, tone_hz=220))
    return lib


def draft(tracks: list[dict[str, Any]], d: int, **meta: object) -> dict[str, Any]:
    return {"t": tracks, "d": d, "m": {"width": 1920, "height": 1080, **meta}}


def video(source: str, start: int, duration: int, **extra: object) -> dict[str, Any]:
    return {"tt": 0, "sg": [{"id": f"v{start}", "kind": "video", "source": source,
                             "start_ms": start, "duration_ms": duration, **extra}]}


def render(tmp_path: Path, lib: Library, doc: dict[str, Any], name: str = "out.mp4",
           progress: list[float] | None = None) -> tuple[RenderPlan, Path]:
    out = tmp_path / name
    plan = plan_render(doc, lib, out, tmp_path / "work")
    run_render(plan, progress.append if progress is not None else None)
    return plan, out


def inspect(path: Path) -> dict[str, object]:
    with av.open(str(path)) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        frames = sum(1 for p in c.demux(v) if p.size)
        return {
            "vcodec": v.codec_context.name, "acodec": a.codec_context.name,
            "size": (v.codec_context.width, v.codec_context.height),
            "frames": frames, "duration": float(c.duration or 0) / av.time_base,
            "rate": a.codec_context.sample_rate, "channels": a.codec_context.channels,
        }


def samples(path: Path) -> np.ndarray:
    """The decoded sound as a mono float array at 48 kHz."""
    with av.open(str(path)) as c:
        chunks = [f.to_ndarray().reshape(f.to_ndarray().shape[0], -1)
                  for f in c.decode(audio=0)]
    data = np.concatenate(chunks, axis=1).astype(np.float64)
    mono: np.ndarray = data.mean(axis=0)
    return mono


def rms(sound: np.ndarray, start: float, end: float) -> float:
    part = sound[int(start * 48000):int(end * 48000)]
    return float(np.sqrt(np.mean(part**2)))


def frame_at(path: Path, seconds: float) -> np.ndarray:
    """The RGB frame shown at ``seconds``."""
    with av.open(str(path)) as c:
        for f in c.decode(video=0):
            if f.time is not None and f.time + 1e-3 >= seconds:
                rgb: np.ndarray = f.to_ndarray(format="rgb24").astype(np.int16)
                return rgb
    raise AssertionError(f"no frame at {seconds}s")


def assert_output(path: Path, d: int, size: tuple[int, int] = (1920, 1080), fps: int = 30) -> None:
    info = inspect(path)
    assert info["vcodec"] == "h264" and info["acodec"] == "aac"
    assert info["size"] == size
    assert info["rate"] == 48000 and info["channels"] == 2
    assert info["frames"] == round(d * fps / 1000)
    assert abs(float(info["duration"]) - d / 1000) <= 0.05  # type: ignore[arg-type]


# --- end to end ----------------------------------------------------------------------------------


def test_clip_renders_at_exact_size_length_and_reports_progress(tmp_path: Path,
                                                                lib: Library) -> None:
    progress: list[float] = []
    plan, out = render(tmp_path, lib, draft([video("clip", 0, 2000)], 1500), progress=progress)
    assert not plan.stream_copy
    assert_output(out, 1500)
    assert progress[-1] == 100.0
    assert all(a < b for a, b in itertools.pairwise(progress))
    assert not list(tmp_path.glob(".*part*"))


@pytest.mark.parametrize(("size", "fit"), [((1080, 1920), "pad"), ((1080, 1080), "crop"),
                                         ((1080, 1920), None), ((1080, 1920), "letterbox")])
def test_other_canvases(tmp_path: Path, lib: Library, size: tuple[int, int],
                        fit: str | None) -> None:
    """Without ``m.fit`` the picture fills the canvas (crop); ``pad`` and its synonyms keep it
    whole, letterboxed."""
    extra = {} if fit is None else {"fit": fit}
    doc = draft([video("clip", 0, 1000)], 1000, width=size[0], height=size[1], **extra)
    _, out = render(tmp_path, lib, doc)
    assert_output(out, 1000, size)
    corner = frame_at(out, 0.5)[5, 5]
    # Letterboxing shows the black background in the corner; crop fills it with the picture.
    assert (corner.max() < 20) == (fit in ("pad", "letterbox"))


def test_image_gaps_and_fps(tmp_path: Path, lib: Library) -> None:
    track = {"tt": 0, "sg": [
        {"id": "a", "kind": "image", "source": "still", "start_ms": 500, "duration_ms": 1000},
        {"id": "b", "kind": "video", "source": "clip", "start_ms": 2000, "duration_ms": 500},
    ]}
    doc = draft([track], 3000, width=1080, height=1080, fps=25, background="#ff0000")
    _, out = render(tmp_path, lib, doc)
    assert_output(out, 3000, (1080, 1080), fps=25)
    red = np.array([255, 0, 0])
    for t in (0.2, 1.7, 2.8):  # before, between and after the segments: background
        assert np.abs(frame_at(out, t)[540, 540] - red).max() < 30, t
    first, last = frame_at(out, 0.6), frame_at(out, 1.4)
    assert np.abs(first[540, 540] - red).max() > 30  # the image is there...
    assert np.abs(first - last).mean() < 2  # ...and it is still


def test_audio_only_draft_is_background_with_sound(tmp_path: Path, lib: Library) -> None:
    doc = draft([{"tt": 1, "sg": [{"id": "m", "kind": "audio", "source": "bgm", "start_ms": 0,
                                   "duration_ms": 2000}]}], 2000, background="#0000ff")
    _, out = render(tmp_path, lib, doc)
    assert_output(out, 2000)
    assert frame_at(out, 1.0)[540, 960][2] > 200
    assert rms(samples(out), 0.2, 1.8) > 0.05


def test_volumes(tmp_path: Path, lib: Library) -> None:
    track = {"tt": 0, "sg": [
        {"id": "a", "kind": "video", "source": "clip", "start_ms": 0, "duration_ms": 1000},
        {"id": "b", "kind": "video", "source": "clip", "start_ms": 1000, "duration_ms": 1000,
         "volume": 0.5},
        {"id": "c", "kind": "video", "source": "clip", "start_ms": 2000, "duration_ms": 1000,
         "volume": 0},
    ]}
    _, out = render(tmp_path, lib, draft([track], 3000))
    sound = samples(out)
    full, half, muted = rms(sound, 0.2, 0.8), rms(sound, 1.2, 1.8), rms(sound, 2.2, 2.8)
    assert full > 0.05
    assert 20 * math.log10(half / full) == pytest.approx(-6.02, abs=0.5)
    assert muted < 1e-3


def test_muted_video_alone_gives_silent_aac(tmp_path: Path, lib: Library) -> None:
    _, out = render(tmp_path, lib, draft([video("clip", 0, 1000, volume=0)], 1000))
    assert_output(out, 1000)
    assert rms(samples(out), 0, 1) < 1e-4


def test_loop_and_fades(tmp_path: Path, lib: Library) -> None:
    track = {"tt": 1, "sg": [
        {"id": "once", "kind": "audio", "source": "tone", "start_ms": 0, "duration_ms": 2000},
        {"id": "loop", "kind": "audio", "source": "tone", "start_ms": 2000, "duration_ms": 3000,
         "loop": True, "fade_in_ms": 1000},
    ]}
    _, out = render(tmp_path, lib, draft([track], 5000))
    sound = samples(out)
    assert rms(sound, 0.2, 0.8) > 0.05  # the 1 s tone plays...
    assert rms(sound, 1.2, 1.9) < 1e-3  # ...then stops (no loop)
    assert rms(sound, 4.2, 4.9) > 0.05  # the looped one still sounds after its 1 s source
    assert rms(sound, 2.0, 2.1) < rms(sound, 3.5, 4.0) / 4  # and fades in


def test_hostile_title_is_drawn_literally(tmp_path: Path, lib: Library) -> None:
    title = {"tt": 7, "sg": [{"id": "t", "kind": "text", "text": HOSTILE, "start_ms": 0,
                              "duration_ms": 1000, "style": {"size": 48, "box": True}}]}
    plan, out = render(tmp_path, lib, draft([video("clip", 0, 1000), title], 1000))
    _, plain = render(tmp_path, lib, draft([video("clip", 0, 1000)], 1000), name="plain.mp4")
    assert not plan.stream_copy
    assert not any("日本語" in arg or "He said" in arg for arg in plan.argv)
    written = [p.read_text(encoding="utf-8") for p in plan.workdir.glob("text-*.txt")]
    assert clean_text(HOSTILE) in written
    with_text, without = frame_at(out, 0.5), frame_at(plain, 0.5)
    middle = np.s_[480:600, 300:1620]
    assert np.abs(with_text[middle] - without[middle]).mean() > 10
    assert np.abs(with_text[:200] - without[:200]).mean() < 3  # nothing else changed


def test_stream_copy_keeps_the_source_packets(tmp_path: Path, lib: Library) -> None:
    bgm = {"tt": 1, "sg": [{"id": "m", "kind": "audio", "source": "bgm", "start_ms": 0,
                            "duration_ms": 2000, "volume": 0.3, "loop": True}]}
    doc = draft([video("hd", 0, 2000), bgm], 2000)
    began = time.perf_counter()
    plan, out = render(tmp_path, lib, doc)
    copy_seconds = time.perf_counter() - began
    assert plan.stream_copy and "copy" in plan.argv
    assert_output(out, 2000)

    def packets(path: Path) -> list[bytes]:
        with av.open(str(path)) as c:
            return [bytes(p) for p in c.demux(video=0) if p.size]

    assert packets(out) == packets(lib.items["hd"][0])

    title = {"tt": 7, "sg": [{"id": "t", "kind": "text", "text": "Hi", "start_ms": 0,
                              "duration_ms": 500}]}
    began = time.perf_counter()
    plan2, _ = render(tmp_path, lib, draft([video("hd", 0, 2000), bgm, title], 2000), "t.mp4")
    assert not plan2.stream_copy
    assert copy_seconds < time.perf_counter() - began


def test_no_stream_copy_for_a_rotated_clip(tmp_path: Path, lib: Library) -> None:
    rotated = tmp_path / "rotated.mp4"
    run_ffmpeg(["-display_rotation", "90", "-i", str(lib.items["hd"][0]), "-c", "copy",
                str(rotated)])
    lib.add("rotated", rotated)
    plan = plan_render(draft([video("rotated", 0, 2000)], 2000), lib, tmp_path / "o.mp4",
                       tmp_path / "w")
    assert not plan.stream_copy


@pytest.mark.parametrize("change", [
    {"source_in_ms": 500}, {"start_ms": 100}, {"duration_ms": 1500},
])
def test_stream_copy_only_when_allowed(tmp_path: Path, lib: Library,
                                      change: dict[str, Any]) -> None:
    seg = {"id": "v", "kind": "video", "source": "hd", "start_ms": 0, "duration_ms": 2000}
    plan = plan_render(draft([{"tt": 0, "sg": [{**seg, **change}]}], 2000), lib,
                       tmp_path / "o.mp4", tmp_path / "w")
    assert not plan.stream_copy
    plan = plan_render(draft([{"tt": 0, "sg": [seg]}], 2000, width=1080, height=1080), lib,
                       tmp_path / "o.mp4", tmp_path / "w")
    assert not plan.stream_copy


def test_long_graph_goes_to_a_script_file(tmp_path: Path, lib: Library) -> None:
    segs = [{"id": f"s{i}", "kind": "video", "source": "clip", "start_ms": i * 50,
             "duration_ms": 50, "source_in_ms": i * 20} for i in range(40)]
    plan, out = render(tmp_path, lib, draft([{"tt": 0, "sg": segs}], 2000))
    assert any(arg.endswith("filter_complex") or arg == "-filter_complex_script"
               for arg in plan.argv)
    assert "-filter_complex" not in plan.argv
    assert_output(out, 2000)


def test_failure_leaves_nothing(tmp_path: Path, lib: Library) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(lib.items["clip"][0].read_bytes())
    lib.items["broken"] = (broken, lib.items["clip"][1])
    out = tmp_path / "out.mp4"
    plan = plan_render(draft([video("broken", 0, 1000)], 1000), lib, out, tmp_path / "w")
    broken.write_bytes(b"\0" * 1000)  # the file goes bad after planning
    with pytest.raises(RenderError, match="cannot be read any more"):
        run_render(plan)
    assert list(tmp_path.glob("*.mp4")) == [broken]
    assert not list(tmp_path.glob(".*"))


def test_cancel_kills_ffmpeg(tmp_path: Path, lib: Library) -> None:
    cancel = threading.Event()
    out = tmp_path / "out.mp4"
    plan = plan_render(draft([video("clip", 0, 2000)], 30000), lib, out, tmp_path / "w")
    began = time.perf_counter()
    with pytest.raises(RenderError, match="cancelled"):
        run_render(plan, lambda _p: cancel.set(), cancel)
    assert time.perf_counter() - began < 3
    assert not out.exists() and not list(tmp_path.glob(".*"))


@pytest.mark.parametrize(("doc", "message"), [
    ({"t": [], "d": 1000}, "nothing to render"),
    ({"t": [{"tt": 0, "sg": []}], "d": 1000}, "nothing to render"),
    (draft([video("nope", 0, 1000)], 1000), "unknown media"),
    (draft([video("clip", 0, 1000)], 1000, width=1280, height=720), "1280x720"),
    (draft([video("clip", 0, 1000)], 0), "length"),
    (draft([video("clip", 0, 1000)], 1000, fit="stretch"), "fit"),
    (draft([video("clip", 0, 1000)], 1000, background="red; drop"), "background"),
    (draft([video("clip", 0, 1000)], 1000, fps=0), "fps"),
    (draft([video("tone", 0, 1000)], 1000), "no picture"),
    (draft([video("clip", 0, 1000, volume=-1)], 1000), "volume"),
    (draft([{"tt": 0, "sg": [{"id": "x", "kind": "video", "start_ms": 0,
                              "duration_ms": 100}]}], 1000), "no media source"),
    (draft([{"tt": 7, "sg": [{"id": "t", "kind": "text", "text": "x", "start_ms": 0,
                              "duration_ms": 100, "style": {"color": "x:y"}}]}], 1000), "colour"),
])
def test_bad_drafts(tmp_path: Path, lib: Library, doc: dict[str, Any], message: str) -> None:
    with pytest.raises(RenderError, match=message):
        plan_render(doc, lib, tmp_path / "o.mp4", tmp_path / "w")


# --- pure parts ----------------------------------------------------------------------------------


def test_filter_escape_protects_every_special_character() -> None:
    escaped = filter_escape("C:/we ird's [x];,=\\")
    for special in " ':[];,=":
        assert special not in escaped.replace("\\" + special, "")
    assert filter_escape("/tmp/a_b-1.txt") == "/tmp/a_b-1.txt"


def test_progress_lines() -> None:
    assert parse_progress_line(b"out_time_us=1500000\n") == 1500000
    assert parse_progress_line(b"out_time_ms=1500000\n") == 1500000
    assert parse_progress_line(b"out_time_us=N/A\n") is None
    assert parse_progress_line(b"progress=end\n") is None


def test_graph_fills_gaps_with_exact_frame_counts(lib: Library) -> None:
    canvas = Canvas(1920, 1080, Fraction(30), "0x000000", "pad", 1000)
    path, info = lib("clip")
    clips = [VideoClip(path, info, 100, 300), VideoClip(path, info, 500, 200, source_in_ms=700)]
    graph = build_graph(canvas, clips, [], [], FFmpegCaps())
    text = graph.text()
    # gap 0-3, clip 3-12, gap 12-15, clip 15-21, gap 21-30: 30 frames in all.
    counts = [int(part.split("[")[0]) for part in text.split("trim=end_frame=")[1:]
              if not part.startswith("1,")]
    assert counts == [3, 9, 3, 6, 9]
    assert "concat=n=5" in text and "anullsrc" in text
    assert graph.inputs[1][:2] == ["-ss", "0.700"]


def test_stream_copy_rules() -> None:
    canvas = Canvas(1920, 1080, Fraction(30), "0x000000", "pad", 3000)
    info = MediaInfo(file_type="video", container="mp4", duration=3.0, width=1920, height=1080,
                     fps=25.0, has_video=True, has_audio=True, video_codec="h264",
                     pix_fmt="yuv420p")
    clip = VideoClip(Path("x.mp4"), info, 0, 3000)
    assert can_stream_copy([clip], [], canvas)  # a copied stream keeps its own frame rate
    for change in ({"video_codec": "hevc"}, {"pix_fmt": "yuv444p"}, {"width": 1280},
                   {"duration": 2.5}, {"container": "avi"}, {"file_type": "image"}):
        other = VideoClip(Path("x.mp4"), dataclasses.replace(info, **change), 0, 3000)
        assert not can_stream_copy([other], [], canvas), change
    assert not can_stream_copy([clip, clip], [], canvas)
    title = TextItem(Path("t.txt"), None, 0, 1000)
    assert not can_stream_copy([clip], [title], canvas)


def test_cjk_text_gets_a_cjk_font() -> None:
    charsets = [fonts.font_charset(f) for f in fonts.candidate_fonts()]
    if not any(c is not None and fonts.covers(c, 0x65E5) for c in charsets):
        pytest.skip("no CJK font installed (or no fc-query to tell)")
    font = fonts.pick_font("日本語")
    assert font is not None
    charset = fonts.font_charset(font)
    assert charset is not None and all(fonts.covers(charset, ord(c)) for c in "日本語")
    latin = fonts.pick_font("Hello")
    assert latin is not None and "DejaVu" in latin.name
