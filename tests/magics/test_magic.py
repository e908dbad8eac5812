"""The ``%nemo`` / ``%%nemo`` magics through IPython's test shell, against a real engine:
loading, interpolation, routing, live output, named sessions, each option, line commands and
errors shown as readable messages."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import av
import pandas as pd
import pytest
from IPython.utils.capture import capture_output
from matplotlib.figure import Figure

from nemo_widgets.magics.parsers import interpolate
from nemo_widgets.magics.result import NemoResult

MUSIC = "generate a background music track that matches the mood of my video"


def texts(cap) -> list[str]:
    return [o.data["text/plain"] for o in cap.outputs]


def no_secret(*chunks: str) -> None:
    joined = "\n".join(chunks)
    assert "nmv_" not in joined and "Bearer" not in joined and "Traceback" not in joined


def probe(path: Path) -> tuple[int, int, bool]:
    with av.open(str(path)) as container:
        video = container.streams.video[0].codec_context
        return video.width, video.height, bool(container.streams.audio)


def test_load_ext_registers_and_unload_ext_removes(ip):
    magics = ip.magics_manager.magics
    assert "nemo" in magics["line"] and "nemo" in magics["cell"]
    ip.run_line_magic("unload_ext", "nemo_widgets")
    assert "nemo" not in magics["line"] and "nemo" not in magics["cell"]
    assert not [c for c in ip.configurables if type(c).__name__ == "NemoMagics"]
    ip.run_line_magic("load_ext", "nemo_widgets")
    assert "nemo" in magics["cell"]
    ip.run_line_magic("config", "NemoMagics.language = 'zh'")
    magic = magics["line"]["nemo"].__self__
    assert magic.language == "zh"
    ip.run_line_magic("config", "NemoMagics.language = 'en'")


def test_cell_interpolates_streams_and_returns_a_result(ip, media, shared_engine):
    ip.run_line_magic("nemo", f"connect {shared_engine.url}")  # again, after the reload
    ip.user_ns.update(clip=media["clip"], mood="calm")
    with capture_output() as cap:
        result = ip.run_cell_magic("nemo", "--upload {clip} --session stream",
                                   MUSIC + ", {mood} {unknown}")
    assert isinstance(result, NemoResult) and result.ok, result.text
    assert result.turn.message == MUSIC + ", calm {unknown}"
    assert [u.filename for u in result.turn.uploads] == ["beach.mp4"]
    shown = texts(cap)
    # One area, updated in place: several updates while the answer streams, then one line.
    assert len(cap.outputs) >= 3 and all(o.transient for o in cap.outputs)
    assert len({o.transient["display_id"] for o in cap.outputs}) == 1
    streaming = [t for t in shown[:-1] if "BPM" in t]
    assert streaming, "the answer appears before the turn is over"
    assert any("⚙ generate_music" in t for t in shown[:-1])
    assert shown[-1].startswith("✓ agent") and "generate_music" in shown[-1]
    assert "credits left" in shown[-1] and "BPM" not in shown[-1], "text is shown once"
    # The result: text, the timeline after the turn, the tracks and a pleasant display.
    assert "BPM" in result.text and result.export is None
    assert result.summary.startswith("Timeline (2 tracks): 1. Video: beach.mp4")
    assert "BGM" in result.summary
    assert list(result.tracks.columns) == ["track", "kind", "start_s", "end_s", "duration_s",
                                           "volume", "label", "source"]
    assert result.tracks["kind"].tolist() == ["video", "audio"]
    html = result._repr_html_()
    assert "BPM" in html and "Timeline (2 tracks)" in html and "<table" in html
    assert result.summary in result._repr_markdown_() and result.summary in repr(result)
    no_secret(*shown, html, repr(result))
    assert ip.run_line_magic("nemo", "last --session stream") is result


def test_routing_skips_the_agent(ip, media, tmp_path):
    ip.user_ns["song"] = media["song"]
    with capture_output():
        uploaded = ip.run_cell_magic("nemo", "--session routes", "upload {song}")
        credits = ip.run_cell_magic("nemo", "--session routes", "how many credits do I have?")
        status = ip.run_cell_magic("nemo", "--session routes", "what's the status")
    assert uploaded.turn.route == "upload" and "song.mp3" in uploaded.text
    assert credits.turn.route == "credits" and "credits available" in credits.text
    assert status.turn.route == "status" and "Uploads: song.mp3" in status.text
    assert not any(r.turn.tool_calls for r in (uploaded, credits, status))
    assert "Timeline (" not in repr(credits), "a balance needs no timeline under it"
    assert repr(status).count("Timeline (") == 1, "the summary is shown once"


def test_export_option_and_export_route_make_1080p_mp4s_with_audio(ip, media, tmp_path):
    ip.user_ns["clip"] = media["clip"]
    target = tmp_path / "out" / "cell.mp4"
    target.parent.mkdir()
    with capture_output() as cap:
        ip.run_cell_magic("nemo", "--session exp --upload {clip} --quiet",
                          "put my video on the timeline")
        result = ip.run_cell_magic("nemo", f"--session exp --export {target}",
                                   'add a title "Cell" for the first 2 seconds')
    assert result.ok, result.text
    assert "export" in result.turn.agent_text.lower(), "the agent points at Export"

    assert result.export is not None and result.export.path == target
    assert probe(target) == (1920, 1080, True)
    assert f"Exported {target}" in result._repr_markdown_()
    assert "%nemo export" not in result.text, "no advice to do what --export just did"
    shown = result._repr_html_()
    assert shown.count("<video") == 1 and "data:video/mp4;base64," in shown, "a player"
    everything = "\n".join([*texts(cap), shown, repr(result), result._repr_markdown_()])
    assert shown.count("Exported ") == 1 and repr(result).count("Exported ") == 1
    assert "%nemo export" not in everything
    assert any("render" in t for t in texts(cap)), "the render's progress is shown"
    # "export" as a prompt goes straight to the export workflow, into export_dir.
    ip.run_line_magic("config", f"NemoMagics.export_dir = {str(tmp_path)!r}")
    try:
        with capture_output():
            routed = ip.run_cell_magic("nemo", "--session exp --quiet", "export")
    finally:
        ip.run_line_magic("config", "NemoMagics.export_dir = ''")
    assert routed.turn.route == "export" and routed.export is not None
    assert routed.export.path.parent == tmp_path and probe(routed.export.path)[2]
    assert repr(routed).count("Exported ") == 1, "each message once"


def test_named_sessions_side_by_side(ip, media):
    ip.user_ns.update(a=media["clip"], b=media["other"])
    with capture_output():
        first = ip.run_cell_magic("nemo", "--session left --upload {a} --quiet",
                                  "put my video on the timeline")
        second = ip.run_cell_magic("nemo", "--session right --upload {b} --quiet",
                                   "put my video on the timeline")
        again = ip.run_cell_magic("nemo", "--session left --quiet", "status")
    assert first.turn.session_id != second.turn.session_id
    assert "beach.mp4" in first.summary and "city.mp4" in second.summary
    assert again.turn.session_id == first.turn.session_id and "city.mp4" not in again.text
    sessions = ip.run_line_magic("nemo", "sessions")
    named = sessions.set_index("name")
    assert {"left", "right"} <= set(named.index)
    assert named.loc["left", "session_id"] == first.turn.session_id
    assert named.loc["left", "turns"] == 2


def test_quiet_shows_nothing_but_returns_the_result(ip):
    with capture_output() as cap:
        result = ip.run_cell_magic("nemo", "--quiet --session q", "how many credits?")
    assert cap.outputs == [] and cap.stdout == "" and cap.stderr == ""
    assert result.turn.route == "credits" and "credits available" in result.text


def test_line_commands(ip, media, tmp_path, shared_engine):
    with capture_output() as cap:
        ip.run_line_magic("nemo", f"connect {shared_engine.url}")
        ip.run_line_magic("nemo", f"upload {media['clip']} --session lines")
    port = shared_engine.url.rsplit(":", 1)[1]
    assert f"Connected to an engine on this machine (port {port}) as anon_" in cap.stdout
    assert shared_engine.url not in cap.stdout, "no loopback URL in a notebook's output"
    assert "Uploaded beach.mp4 (video, 2 s, 320×240)" in cap.stdout
    with capture_output():
        ip.run_cell_magic("nemo", "--session lines --quiet", "put my video on the timeline")
        status = ip.run_line_magic("nemo", "status --session lines")
    assert status.summary == "Timeline (1 track): 1. Video: beach.mp4 (0-2s)"
    tracks = ip.run_line_magic("nemo", "tracks --session lines")
    assert isinstance(tracks, pd.DataFrame) and tracks["label"].tolist() == ["beach.mp4"]
    with capture_output() as cap:
        credits = ip.run_line_magic("nemo", "credits --session lines")
    assert "credits available" in cap.stdout
    assert list(credits.columns) == ["time", "action", "delta", "available", "frozen",
                                     "total"]
    assert {"balance", "upload", "edit"} <= set(credits["action"])
    assert not credits.isna().any().any(), "no <NA> in the credit history"
    assert (credits["time"] == credits["time"].dt.floor("s")).all(), "whole seconds"
    history = ip.run_line_magic("nemo", "history --session lines")
    assert history["message"].tolist() == ["put my video on the timeline", "status"]
    assert history["route"].tolist() == ["agent", "status"]
    with capture_output():
        exported = ip.run_line_magic("nemo", f"export {tmp_path / 'line.mp4'} --session lines")
    assert exported.export.path == tmp_path / "line.mp4"
    assert probe(exported.export.path) == (1920, 1080, True)
    assert repr(exported).count("Exported ") == 1 and "<video" in exported._repr_html_()
    with capture_output() as cap:
        figure = ip.run_line_magic("nemo", "plot --session lines")
        ip.run_line_magic("nemo", "help")
    assert isinstance(figure, Figure) and len(figure.axes[0].collections) == 1
    assert "%nemo connect" in cap.stdout and "--export [PATH]" in cap.stdout
    no_secret(cap.stdout, repr(credits), repr(history))


def test_widget_command_gives_a_widget_on_the_same_session_or_says_why_not(ip):
    with capture_output() as cap:
        shown = ip.run_line_magic("nemo", "widget --session lines")
    if importlib.util.find_spec("nemo_widgets.widget") is None:
        assert shown is None and "The widget is not available here" in cap.stderr
    else:
        magic = ip.magics_manager.registry["NemoMagics"]
        assert type(shown).__name__ == "NemoWidget"
        assert shown.conversation is magic.conversation("lines").conversation
    assert "Traceback" not in cap.stderr


@pytest.mark.parametrize(("line", "cell", "expected"), [
    ("--bogus", "hello", "unrecognized arguments: --bogus"),
    ("", "   ", "The cell is empty"),
    ("--backend ftp://x", "hello", "Unknown backend 'ftp://x'"),
    ("--upload /no/such/file.mp4", "hello", "No such file: /no/such/file.mp4"),
    ("--upload {notes}", "hello", "Supported formats"),
    (None, "frob", "Unknown command 'frob'"),
    (None, 'upload "unclosed', "check the quotes"),
    (None, "connect a b", "Usage: %nemo connect"),
    (None, "last --session nothing-yet", "has no %%nemo result yet"),
])
def test_errors_are_readable_messages(ip, media, line, cell, expected):
    ip.user_ns["notes"] = media["notes"]
    with capture_output() as cap:
        if line is None:
            returned = ip.run_line_magic("nemo", cell)
        else:
            returned = ip.run_cell_magic("nemo", line, cell)
    assert returned is None
    assert cap.stderr.startswith("nemo: ") and expected in cap.stderr, cap.stderr
    if cap.outputs:  # a live area was opened before the error: it says it stopped
        assert texts(cap)[-1].startswith("✗ ") and "stopped by an error" in texts(cap)[-1]
    no_secret(cap.stdout, cap.stderr)


def test_an_unreachable_backend_is_told_with_its_fix(ip):
    with capture_output() as cap:
        result = ip.run_cell_magic("nemo", "--backend http://127.0.0.1:9", "hello")
    assert result.error is not None and not result.ok
    assert "Fix: Check that the backend is running" in repr(result)
    assert texts(cap)[-1].startswith("✗ ")
    no_secret(*texts(cap), cap.stderr)


def test_an_error_in_the_turn_is_in_the_result(ip):
    with capture_output() as cap:
        result = ip.run_cell_magic("nemo", "--session empty --export", "status")
    assert result.error is not None and "nothing to export" in result.error.message
    assert "Fix: Upload a video" in repr(result)
    assert "⚠" in result._repr_html_() and result.export is None
    no_secret(*texts(cap), cap.stderr)


def test_variables_fill_options_and_paths_with_spaces_stay_whole(ip, media, tmp_path):
    spaced = tmp_path / "my clips" / "beach two.mp4"
    spaced.parent.mkdir()
    spaced.write_bytes(media["clip"].read_bytes())
    ip.user_ns.update(spaced=spaced, name="spaces")
    with capture_output() as cap:
        ip.run_line_magic("nemo", "upload {spaced} --session {name}")
    assert "Uploaded beach two.mp4 (video" in cap.stdout, cap.stderr


def test_interpolation_rules():
    class Clip:
        name = "beach.mp4"

    namespace = {"n": 3, "clip": Clip(), "rate": 0.3456, "word": "hi"}
    assert interpolate("{n} {clip.name} {rate:.0%} {word!r}", namespace) == \
        "3 beach.mp4 35% 'hi'"
    assert interpolate("{missing} {clip.nope} {} {0} {{n}} {n:zz}", namespace) == \
        "{missing} {clip.nope} {} {0} {n} {n:zz}"
    assert interpolate('json {"a": 1}', namespace) == 'json {"a": 1}'


def test_an_interrupt_is_told_not_traced(ip):
    class Stop:
        def __format__(self, spec):
            raise KeyboardInterrupt  # what a kernel interrupt raises mid-cell

    ip.user_ns["stop"] = Stop()
    with capture_output() as cap:
        returned = ip.run_cell_magic("nemo", "--session interrupted", "make {stop} music")
    assert returned is None
    assert cap.stderr.startswith("nemo: Interrupted.") and "%nemo status" in cap.stderr


def test_undo_and_redo_restore_the_timeline(ip, media):
    ip.user_ns["clip"] = media["clip"]
    with capture_output():
        ip.run_cell_magic("nemo", "--session undo --upload {clip} --quiet",
                          "put my video on the timeline")
        titled = ip.run_cell_magic("nemo", "--session undo --quiet",
                                   'add a title "Undo me" for the first second')
        undone = ip.run_line_magic("nemo", "undo --session undo")
        redone = ip.run_line_magic("nemo", "redo --session undo")
    assert "Undo me" in titled.summary
    assert undone.turn.message == "undo" and undone.ok, undone.text
    assert "Undo me" not in undone.summary and "beach.mp4" in undone.summary
    assert redone.turn.message == "redo" and "Undo me" in redone.summary


def test_music_options_are_words_of_the_prompt(ip, media):
    ip.user_ns["clip"] = media["clip"]
    with capture_output():
        result = ip.run_cell_magic("nemo", "--session opts --upload {clip} --quiet --tempo 96 "
                                   "--seed 7", "generate a background music track")
    assert result.turn.message == "generate a background music track, 96 BPM, seed 7"
    assert result.ok and "96 BPM" in result.text, result.text
