"""``nemo-widgets`` as a user runs it: generate in one command, the direct calls, clear
messages and the documented exit codes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import av
import pytest

from nemo_widgets import protocol
from nemo_widgets.cli import ProgressLine, build_parser, main
from tests.media_factory import make_audio, make_video

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cli-media")
    return {"clip": make_video(folder / "clip.mp4", seconds=1.5),
            "song": make_audio(folder / "song.mp3", seconds=1.0)}


@pytest.fixture
def cli_env(monkeypatch, tmp_path):
    """Point the CLI at a backend with a private config folder and short waits."""
    monkeypatch.setenv("NEMO_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("NEMO_CLIENT_RENDER_POLL_S", "0.1")
    monkeypatch.setenv("NEMO_CLIENT_RENDER_POLL_MAX_S", "0.3")
    monkeypatch.setenv("NEMO_CLIENT_RATE_LIMIT_WAIT_S", "0.1")
    monkeypatch.delenv("NEMO_TOKEN", raising=False)

    def use(url: str) -> None:
        monkeypatch.setenv("NEMO_API_URL", url)
    return use


def test_generate_then_status_credits_and_export(shared_engine, media, cli_env, tmp_path,
                                                  capsys):
    cli_env(shared_engine.url)
    output = tmp_path / "out.mp4"
    code = main(["generate", str(media["clip"]), str(media["song"]), "--prompt",
                 'add my video, use my song as background music at 30% and add a title "CLI"',
                 "-o", str(output)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"saved {output}" in out and "1920x1080" in out and 'title "CLI"' in out
    for stage in ("upload", "render", "download"):
        assert f"{stage} " in err and "100%" in err
    assert "session: sess_" in err and "credits available" in err
    with av.open(str(output)) as container:
        assert container.streams.video[0].codec_context.width == 1920
        assert float(container.duration) / av.time_base == pytest.approx(1.5, abs=0.1)

    assert main(["status", "--table"]) == 0
    out, _ = capsys.readouterr()
    assert "Timeline (3 tracks): 1. Video: clip.mp4" in out and "user: anon_" in out
    assert "start_s" in out, "the segment table"

    assert main(["credits", "--json"]) == 0
    balance = json.loads(capsys.readouterr().out)
    assert balance == {"available": 95, "frozen": 0, "total": 95}

    again = tmp_path / "again.mp4"
    assert main(["export", "-o", str(again), "--backend", shared_engine.url]) == 0
    assert again.exists() and f"saved {again}" in capsys.readouterr().out
    assert "nmv_usr_" not in out + err


def test_bad_inputs_exit_2_before_anything_is_sent(shared_engine, cli_env, tmp_path, capsys):
    cli_env(shared_engine.url)
    notes = tmp_path / "notes.txt"
    notes.write_text("hi")
    assert main(["generate", str(notes), "-p", "x", "-o", str(tmp_path / "o.mp4")]) == 2
    assert "Supported formats: video mp4" in capsys.readouterr().err
    assert main(["generate", str(tmp_path / "missing.mp4"), "-p", "x",
                 "-o", str(tmp_path / "o.mp4")]) == 2
    assert "No such file" in capsys.readouterr().err
    assert main(["generate", str(notes), "-p", "x", "-o", str(tmp_path / "o.mov")]) == 2
    assert ".mp4" in capsys.readouterr().err
    assert main(["export", "-o", str(tmp_path / "o.mp4")]) == 2
    assert "--session" in capsys.readouterr().err
    assert not (tmp_path / "cfg" / "tokens.json").exists(), "no token was even asked for"


def test_unreachable_backend_exits_3(cli_env, capsys):
    assert main(["--backend", "http://127.0.0.1:9", "credits"]) == 3
    assert "connection to the backend failed" in capsys.readouterr().err
    assert main(["credits", "--backend", "http://127.0.0.1:9"]) == 3


def test_refusals_exit_1_with_the_fix(start_engine, media, cli_env, tmp_path, capsys):
    engine = start_engine(export_requires_plan=True, anonymous_credits=5)  # one edit's worth
    cli_env(engine.url)
    code = main(["generate", str(media["clip"]), "-p", "add my video to the timeline",
                 "-o", str(tmp_path / "plan.mp4")])
    err = capsys.readouterr().err
    assert code == 1 and "plan" in err and "not about credits" in err
    code = main(["--backend", engine.url, "generate", str(media["clip"]), "-p",
                 "add my video to the timeline", "-o", str(tmp_path / "poor.mp4")])
    err = capsys.readouterr().err
    assert code == 1 and f"{protocol.REGISTER_URL}?bind=anon_" in err
    assert not (tmp_path / "poor.mp4").exists()


def test_the_entry_point_runs_as_a_program(tmp_path):
    run = subprocess.run([sys.executable, "-m", "nemo_widgets.cli", "generate",
                          str(tmp_path / "nope.mp4"), "-p", "x", "-o", str(tmp_path / "o.mp4")],
                         capture_output=True, text=True, cwd=ROOT, timeout=60,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                              "PYTHONPATH": str(ROOT), "NEMO_API_URL": "http://127.0.0.1:9"})
    assert run.returncode == 2 and "No such file" in run.stderr
    assert "Traceback" not in run.stderr


def test_parser_and_progress_line(tmp_path):
    args = build_parser().parse_args(["--backend", "cloud", "credits"])
    assert args.backend == "cloud"
    args = build_parser().parse_args(["status", "--backend", "http://x.test"])
    assert args.backend == "http://x.test"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["generate", "a.mp4", "-o", "o.mp4"])  # --prompt missing

    class Sink:
        def __init__(self) -> None:
            self.text = ""

        def write(self, text: str) -> None:
            self.text += text

        def flush(self) -> None:
            pass

    sink = Sink()
    line = ProgressLine(sink)  # type: ignore[arg-type]
    for done in range(0, 101, 5):
        line.bar("upload", done / 100)
    line.say("uploaded a.mp4")
    assert sink.text.count("upload ") == 5, "a plain stream gets a line per quarter"
    assert sink.text.endswith("uploaded a.mp4\n")


def test_music_options_become_words_of_the_prompt(shared_engine, media, cli_env, tmp_path,
                                                  capsys):
    cli_env(shared_engine.url)
    output = tmp_path / "options.mp4"
    code = main(["generate", str(media["clip"]), "-p", "generate background music",
                 "--tempo", "96", "--seed", "7", "--style", "lofi", "-o", str(output)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "> generate background music, style lofi, 96 BPM, seed 7" in err
    assert output.exists()
    assert main(["generate", str(media["clip"]), "-p", "x", "--tempo", "5",
                 "-o", str(output)]) == 2
    assert "between 30 and 300" in capsys.readouterr().err


def test_folder_batch_writes_one_mp4_per_video_and_resumes(shared_engine, cli_env, tmp_path,
                                                           capsys):
    cli_env(shared_engine.url)
    folder, outdir = tmp_path / "clips", tmp_path / "out"
    folder.mkdir()
    for name, hz in (("beach.mp4", 220), ("city.mov", 330), ("forest.mp4", 440)):
        make_video(folder / name, seconds=1.0, tone_hz=hz)
    (folder / "broken.mp4").write_text("not a video")
    (folder / "notes.txt").write_text("ignored: not a video")
    argv = ["generate", f"{folder}/", "-p", "generate a background music track that matches "
            "the mood of my video", "-o", f"{outdir}/", "--jobs", "2"]

    assert main(argv) == 1, "one file failed"
    out, err = capsys.readouterr()
    assert "broken.mp4" in err and "failed" in err and "beach.mp4" not in err.split("error:")[-1]
    assert "3 done, 0 skipped, 1 failed" in out
    made = sorted(p.name for p in outdir.glob("*.mp4"))
    assert made == ["beach.mp4", "city.mp4", "forest.mp4"]
    for path in outdir.glob("*.mp4"):
        with av.open(str(path)) as container:
            video, audio = container.streams.video[0], container.streams.audio[0]
            assert video.codec_context.name == "h264" and audio.codec_context.name == "aac"
            assert (video.codec_context.width, video.codec_context.height) == (1920, 1080)
    sessions = {line.split()[-1] for line in out.splitlines() if "sess_" in line}
    assert len(sessions) == 3, "each video has a session of its own"

    stamps = {p.name: p.stat().st_mtime_ns for p in outdir.glob("*.mp4")}
    assert main(argv) == 1, "the broken file still fails, named"
    out, err = capsys.readouterr()
    assert "0 done, 3 skipped, 1 failed" in out and "broken.mp4" in err
    assert stamps == {p.name: p.stat().st_mtime_ns for p in outdir.glob("*.mp4")}

    (folder / "broken.mp4").unlink()
    assert main(argv) == 0
    assert "0 done, 3 skipped, 0 failed" in capsys.readouterr().out


def test_folder_batch_usage_errors(shared_engine, cli_env, tmp_path, capsys):
    cli_env(shared_engine.url)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["generate", str(empty), "-p", "x", "-o", str(tmp_path / "out")]) == 2
    assert "No videos in" in capsys.readouterr().err
    assert main(["generate", str(empty), "-p", "x", "-o", str(tmp_path / "o.mp4")]) == 2
    assert "names a folder" in capsys.readouterr().err


def _killed_during_render(url: str, session_id: str, output: Path, config: Path) -> None:
    """Run ``nemo-widgets export`` in a process of its own and kill it once the render runs
    (polls 3 s apart, so the kill comes before the download)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEMO_CONFIG_DIR": str(config),
           "NEMO_API_URL": url, "NEMO_CLIENT_RENDER_POLL_S": "3"}
    child = subprocess.Popen([sys.executable, "-m", "nemo_widgets.cli", "export", "--session",
                              session_id, "-o", str(output)], env=env, text=True, cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert child.stderr is not None
        for line in child.stderr:
            if line.startswith("render"):
                break
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert not output.exists(), "killed before the download"


@pytest.mark.timeout(240)
def test_export_resume_picks_up_a_render_whose_terminal_was_closed(shared_engine, media,
                                                                   cli_env, tmp_path, capsys):
    cli_env(shared_engine.url)
    first = tmp_path / "first.mp4"
    assert main(["generate", str(media["clip"]), "-p", "add my video to the timeline",
                 "-o", str(first)]) == 0
    err = capsys.readouterr().err
    session_id = err.split("session: ")[-1].split(";")[0].strip()
    orphan = tmp_path / "orphan.mp4"
    _killed_during_render(shared_engine.url, session_id, orphan, tmp_path / "cfg")

    assert main(["export", "--resume"]) == 0
    out, err = capsys.readouterr()
    assert f"saved {orphan}" in out and "following render_" in err
    with av.open(str(orphan)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (video.codec_context.width, video.codec_context.height) == (1920, 1080)
        assert video.codec_context.name == "h264" and audio.codec_context.name == "aac"
    assert main(["export", "--resume"]) == 2, "nothing is left to follow"
    assert "No render is waiting" in capsys.readouterr().err
    assert main(["export"]) == 2 and "-o OUT.mp4" in capsys.readouterr().err


def test_music_command_saves_the_mix_stems_and_cue(shared_engine, media, cli_env, tmp_path,
                                                   capsys):
    cli_env(shared_engine.url)
    assert main(["generate", str(media["clip"]), "-p", "generate a background music track "
                 "that matches the mood of my video", "-o", str(tmp_path / "m.mp4")]) == 0
    capsys.readouterr()
    folder = tmp_path / "music"
    assert main(["music", "-o", str(folder), "--stems", "--cue", "--mp3"]) == 0
    out = capsys.readouterr().out
    saved = sorted(p.name for p in folder.iterdir())
    assert len(out.splitlines()) == len(saved) and all(f"saved {folder}" in line
                                                        for line in out.splitlines())
    mix = [n for n in saved if n.count("-") == 2 and n.endswith(".wav")]
    assert len(mix) == 1 and mix[0].replace(".wav", ".mp3") in saved
    assert len([n for n in saved if n.endswith(".wav")]) >= 3, "the mix and its stems"
    cue = json.loads(next(folder.glob("*-cue.json")).read_text())
    assert cue, "the cue file has the beat grid"
    with av.open(str(folder / mix[0])) as container:
        seconds = float(container.duration) / av.time_base
    assert seconds == pytest.approx(1.5, abs=0.2), "music as long as the video"


@pytest.mark.slow
def test_folder_batch_on_a_local_dask_worker(cli_env, tmp_path, capsys, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.delenv("NEMO_API_URL", raising=False)  # the worker starts its own engine
    folder, outdir = tmp_path / "clips", tmp_path / "out"
    folder.mkdir()
    make_video(folder / "one.mp4", seconds=1.0)
    argv = ["generate", str(folder), "-p", "generate a background music track that matches "
            "the mood of my video", "-o", str(outdir), "--workers", "1"]
    assert main(argv) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "1 done, 0 skipped, 0 failed" in out
    with av.open(str(outdir / "one.mp4")) as container:
        assert container.streams.video[0].codec_context.width == 1920
    assert main(argv) == 0 and "0 done, 1 skipped" in capsys.readouterr().out
