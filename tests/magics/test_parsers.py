"""The magics' grammar: typed argument objects, parsers and help generated from them, the
music options written into the prompt, and readable usage errors."""

from __future__ import annotations

import dataclasses

import pytest

from nemo_widgets.magics.commands import HANDLERS
from nemo_widgets.magics.parsers import (
    LINE_COMMANDS,
    CellArgs,
    ExportArgs,
    HelpArgs,
    HelpText,
    MagicUsageError,
    MusicSaveArgs,
    UploadArgs,
    UseArgs,
    help_text,
    parse_cell_line,
    parse_line,
)
from nemo_widgets.prompt_options import MusicOptions


def test_every_command_has_a_handler_and_a_line_in_the_help():
    assert set(HANDLERS) == set(LINE_COMMANDS.values())
    text = help_text()
    for name, cls in LINE_COMMANDS.items():
        doc = (cls.__doc__ or "").strip()
        assert doc, f"{name} has no description"
        assert f"%nemo {name}" in text and doc.splitlines()[0] in text
    for option in ("--upload", "--export", "--seed", "--tempo", "--style", "--duration"):
        assert option in text, "the cell's options come from its parser"


def test_help_for_one_command_comes_from_its_parser():
    text = help_text("export")
    assert text.startswith("usage: %nemo export") and "--resume" in text
    with pytest.raises(HelpText, match="--stems"):
        parse_line("music --help")
    with pytest.raises(MagicUsageError, match="No command 'frob'"):
        help_text("frob")


def test_lines_become_typed_objects():
    assert parse_line("") == HelpArgs()
    assert parse_line("help export") == HelpArgs(topic="export")
    upload = parse_line('upload a.mp4 "b c.mp4" --session left')
    assert upload == UploadArgs(session="left", paths=("a.mp4", "b c.mp4"))
    assert parse_line("export out.mp4 --resume") == ExportArgs(path="out.mp4", resume="")
    assert parse_line("export --resume render_1").resume == "render_1"
    assert parse_line("export").resume is None
    assert parse_line("use 2 -b local") == UseArgs(backend="local", version=2)
    assert parse_line("music out --stems --cue") == MusicSaveArgs(folder="out", stems=True,
                                                                 cue=True)
    assert all(dataclasses.is_dataclass(cls) for cls in LINE_COMMANDS.values())
    with pytest.raises(dataclasses.FrozenInstanceError):
        upload.session = "other"  # type: ignore[misc]


def test_cell_line_with_variables_and_music_options():
    args = parse_cell_line("-u {clip} --seed 7 --tempo 96 --style lofi --duration 30 -e",
                           {"clip": "my clip.mp4"})
    assert args == CellArgs(upload=("my clip.mp4",), export="", seed=7, tempo=96,
                            style="lofi", duration=30.0)
    assert args.music.apply("make music") == \
        "make music, style lofi, 96 BPM, 30 seconds long, seed 7"
    assert parse_cell_line("").music.apply("calm piano") == "calm piano"


@pytest.mark.parametrize(("line", "expected"), [
    ("--tempo fast", "invalid int value: 'fast'"),
    ("--tempo 1000", "between 30 and 300"),
    ("--duration 0", "more than 0"),
    ("--style ' '", "needs a name"),
    ("--bogus", "unrecognized arguments: --bogus"),
])
def test_bad_cell_options_say_what_is_wrong(line, expected):
    with pytest.raises(MagicUsageError, match=expected):
        parse_cell_line(line)


def test_bad_lines_say_what_is_wrong():
    with pytest.raises(MagicUsageError, match="Unknown command 'frob'"):
        parse_line("frob")
    with pytest.raises(MagicUsageError, match="Usage: %nemo use"):
        parse_line("use two")
    with pytest.raises(MagicUsageError, match="check the quotes"):
        parse_line('upload "unclosed')


def test_music_options_as_words():
    assert MusicOptions().empty and MusicOptions().apply("x") == "x"
    assert MusicOptions(seed=3).apply("calm music.") == "calm music, seed 3"
    assert MusicOptions(duration=12.5, tempo=90).words() == ["90 BPM", "12.5 seconds long"]
    assert MusicOptions(style="lofi").apply("") == "style lofi"
