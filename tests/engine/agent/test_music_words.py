"""Music requests from words (CONTRACTS §1): sections, seed, tempo, style, length, how many."""

from __future__ import annotations

from typing import Any

import pytest

from nemo_widgets.engine.agent import MusicRequest
from nemo_widgets.engine.agent.music_words import sections_in, sections_under_speech
from nemo_widgets.engine.agent.phrasing import normalize
from tests.engine.agent.support import edited, names, plan

CALM_THEN_BUILD = [{"start_s": 0.0, "end_s": 10.0, "shape": "calm"},
                   {"start_s": 10.0, "end_s": None, "shape": "build"}]
UNDER_SPEECH = [{"start_s": 0.0, "end_s": None, "shape": "quiet", "under": "speech"}]


@pytest.fixture
def placed() -> dict[str, Any]:
    return edited("add my video to the timeline")


@pytest.mark.parametrize(("message", "sections"), [
    ("calm for the first 10 seconds, then build up", CALM_THEN_BUILD),
    ("make the music calm for the first 10 seconds and then build up", CALM_THEN_BUILD),
    ("前10秒平静，然后逐渐增强", CALM_THEN_BUILD),
    ("a drop at 0:20", [{"start_s": 20.0, "end_s": None, "shape": "drop"}]),
    ("add a drop at 20 seconds to the music", [{"start_s": 20.0, "end_s": None,
                                                "shape": "drop"}]),
    ("在0:20来一个高潮", [{"start_s": 20.0, "end_s": None, "shape": "drop"}]),
    ("end on a big hit", [{"start_s": -1.0, "end_s": None, "shape": "hit"}]),
    ("以一个重音结尾", [{"start_s": -1.0, "end_s": None, "shape": "hit"}]),
    ("quiet under the talking part", UNDER_SPEECH),
    ("说话的部分音乐安静一点", UNDER_SPEECH),
    ("build up to a drop at 0:20", [{"start_s": 0.0, "end_s": 20.0, "shape": "build"},
                                    {"start_s": 20.0, "end_s": None, "shape": "drop"}]),
    ("quiet from 5 to 12 seconds", [{"start_s": 5.0, "end_s": 12.0, "shape": "quiet"}]),
    ("calm for 10 seconds then full energy", [
        {"start_s": 0.0, "end_s": 10.0, "shape": "calm"},
        {"start_s": 10.0, "end_s": None, "shape": "full"}]),
    ("the last 5 seconds calm", [{"start_s": 5.0, "end_s": None, "shape": "calm"}]),  # 10 s
    ("end on a drop", [{"start_s": -1.0, "end_s": None, "shape": "hit"}]),
])
def test_sections_from_words(placed: dict[str, Any], message: str,
                             sections: list[dict[str, Any]]) -> None:
    result = plan(message, placed)
    assert result.needs_music is not None, result.reply
    assert result.needs_music.sections == sections
    assert result.charge == "music" and names(result) == ["generate_music"]
    assert result.actions[0].args["sections"] == sections


@pytest.mark.parametrize("message", ["add calm music", "add some calm upbeat music",
                                     "generate energetic music for my video"])
def test_a_mood_word_alone_is_not_a_section(placed: dict[str, Any], message: str) -> None:
    result = plan(message, placed)
    assert result.needs_music is not None and result.needs_music.sections == []


@pytest.mark.parametrize(("message", "field", "value"), [
    ("seed 7", "seed", 7), ("种子 7", "seed", 7), ("96 BPM", "bpm", 96),
    ("每分钟96拍", "bpm", 96), ("style lofi", "style", "lofi"), ("lo-fi style please", "style",
                                                                   "lofi"),
    ("风格：爵士", "style", "jazz"), ("摇滚风格的音乐", "style", "rock"),
    ("style bossa", "style", None), ("generate music in a tiktok style", "style", None),
    ("give me three options", "count", 3),
    ("三个版本", "count", 3), ("make 3 versions of the music", "count", 3),
    ("give me 12 options", "count", 5), ("make the music 15 seconds long", "duration_s", 15.0),
    ("把音乐改成15秒", "duration_s", 15.0), ("30 seconds of music", "duration_s", 30.0),
])
def test_options_from_words(placed: dict[str, Any], message: str, field: str,
                            value: object) -> None:
    result = plan(message, placed)
    assert result.needs_music is not None, result.reply
    assert getattr(result.needs_music, field) == value
    assert result.actions[0].args.get(field) == value


def test_the_cli_suffix_is_one_request_and_leaves_the_video_alone(placed: dict[str, Any]) -> None:
    message = "generate upbeat music for my video, seed 7, 96 BPM, style lofi, 30 seconds long"
    result = plan(message, placed)
    assert result.needs_music == MusicRequest(
        prompt=message, variation="bpm", bpm=96, seed=7, style="lofi", duration_s=30.0)
    assert names(result) == ["generate_music"]  # no trim: "30 seconds long" is the music's
    assert result.draft is None
    assert plan("make it 3 seconds long", placed).draft is not None  # alone it still trims


def test_defaults_keep_todays_request(placed: dict[str, Any]) -> None:
    request = plan("generate music for my video", placed).needs_music
    assert request == MusicRequest(prompt="generate music for my video", variation=None,
                                   bpm=None)
    assert (request.sections, request.seed, request.style, request.duration_s,
            request.count) == ([], None, None, None, 1)


@pytest.mark.parametrize("message", ["make it vertical, tiktok style", "trim to 5 seconds",
                                     "drop the title", "mute the original audio for 5 seconds",
                                     "keep the first 10 seconds"])
def test_other_instructions_are_not_music(placed: dict[str, Any], message: str) -> None:
    assert plan(message, placed).needs_music is None


def test_speech_intervals_place_the_quiet_sections() -> None:
    sections = sections_in(normalize("calm for the first 4 seconds, quiet under the voice"))
    assert sections_under_speech(sections, [(1.0, 2.5), (6.0, 8.0)]) == [
        {"start_s": 0.0, "end_s": 4.0, "shape": "calm"},
        {"start_s": 1.0, "end_s": 2.5, "shape": "quiet"},
        {"start_s": 6.0, "end_s": 8.0, "shape": "quiet"}]
    assert sections_under_speech(UNDER_SPEECH, []) == []


# --- the music's own length (issue 14 item 7) ------------------------------------------------
def generated_music(draft: dict[str, Any], length_ms: int, **extra: Any) -> dict[str, Any]:
    """The draft with a generated track on the BGM track, as the music tool places it."""
    bgm = {"tt": 1, "name": "BGM", "role": "bgm", "sg": [dict(
        {"id": "sg_music_1", "kind": "audio", "source": "f" * 64, "label": "Lofi · 84 BPM",
         "start_ms": 0, "duration_ms": length_ms, "volume": 0.5, "generated": True}, **extra)]}
    return dict(draft, t=[*draft["t"], bgm])


@pytest.mark.parametrize(("message", "seconds"), [
    ("make the music 6 seconds long", 6.0), ("shorten the music to 6 seconds", 6.0),
    ("cut the music to 6 seconds", 6.0), ("the music should be 6 seconds", 6.0),
    ("把音乐改成6秒", 6.0), ("音乐时长改为6秒", 6.0), ("make the song 1 minute long", 60.0),
])
def test_music_length_is_a_music_request_that_leaves_the_video_alone(
        placed: dict[str, Any], message: str, seconds: float) -> None:
    result = plan(message, generated_music(placed, 10000))
    assert result.needs_music is not None, result.reply
    assert result.needs_music.duration_s == seconds
    assert result.needs_music.variation is None and result.needs_music.seed is None  # kept
    assert names(result) == ["generate_music"] and result.draft is None
    assert "video" in (result.reply or "") or "视频" in (result.reply or "")
    assert names(plan("make the video 6 seconds long", placed)) == ["trim"]


def test_music_of_an_asked_length_is_never_stretched(placed: dict[str, Any]) -> None:
    draft = generated_music(placed, 6000, keep_length=True)
    draft = edited("add a title 'Hi'", draft)
    bgm = next(t for t in draft["t"] if t.get("role") == "bgm")
    assert bgm["sg"][0]["duration_ms"] == 6000 and not bgm["sg"][0].get("loop")
    assert draft["d"] == 10000  # the video is untouched
    shorter = edited("trim to 4 seconds", draft)
    assert next(t for t in shorter["t"] if t.get("role") == "bgm")["sg"][0]["duration_ms"] == 4000
    stretched = edited("add a title 'Hi'", generated_music(placed, 6000))
    assert next(t for t in stretched["t"] if t.get("role") == "bgm")["sg"][0]["loop"] is True


@pytest.mark.parametrize("prompt", ["generate calm background music for my video.", "生成背景音乐",
                                    ""])
def test_the_options_suffix_of_the_cli_and_the_magics(placed: dict[str, Any], prompt: str) -> None:
    """The exact words ``nemo_widgets.prompt_options`` appends (CONTRACTS §2)."""
    body = prompt.rstrip().rstrip(".,;")
    words = "style lofi, 96 BPM, 30.5 seconds long, seed 7"
    message = f"{body}, {words}" if body else words
    result = plan(message, placed)
    request = result.needs_music
    assert request is not None, result.reply
    assert (request.style, request.bpm, request.duration_s, request.seed) == ("lofi", 96, 30.5, 7)
    assert names(result) == ["generate_music"] and result.draft is None
    assert result.language == ("zh" if "生成" in prompt else "en")


def test_a_plan_said_in_several_clauses(placed: dict[str, Any]) -> None:
    result = plan("calm for the first 10 seconds, then build up, a drop at 0:20 and end on a big "
                  "hit", placed)
    assert result.needs_music is not None
    assert result.needs_music.sections == [
        {"start_s": 0.0, "end_s": 10.0, "shape": "calm"},
        {"start_s": 10.0, "end_s": 20.0, "shape": "build"},  # closed by the drop
        {"start_s": 20.0, "end_s": None, "shape": "drop"},
        {"start_s": -1.0, "end_s": None, "shape": "hit"}]
    assert result.reply == ("Music generation is handled by the music tool: it will compose a "
                            "track shaped as asked (calm 0-10s, a build 10-20s, a drop at 20s, "
                            "a hit at the end).")
    chinese = plan("前10秒平静，然后逐渐增强", placed).reply
    assert chinese == "背景音乐由音乐工具生成：它会按你的要求安排段落（0-10秒平静，10秒起渐强）。"


@pytest.mark.parametrize(("message", "sections"), [
    ("the music should build up", [{"start_s": 0.0, "end_s": None, "shape": "build"}]),
    ("在10秒处来个drop", [{"start_s": 10.0, "end_s": None, "shape": "drop"}]),
    ("end with a bang", [{"start_s": -1.0, "end_s": None, "shape": "hit"}]),
])
def test_more_ways_to_say_sections(placed: dict[str, Any], message: str,
                                   sections: list[dict[str, Any]]) -> None:
    result = plan(message, placed)
    assert result.needs_music is not None and result.needs_music.sections == sections


def test_known_speech_places_the_quiet_sections_in_the_request(placed: dict[str, Any]) -> None:
    result = plan("quiet under the talking part", placed, speech=[(1.0, 2.5)])
    assert result.needs_music is not None
    assert result.needs_music.sections == [{"start_s": 1.0, "end_s": 2.5, "shape": "quiet"}]


def test_sections_from_the_end_are_placed_on_the_musics_length(placed: dict[str, Any]) -> None:
    result = plan("the last 5 seconds calm, end on a big hit, 30 seconds long", placed)
    assert result.needs_music is not None and result.needs_music.duration_s == 30.0
    assert result.needs_music.sections == [
        {"start_s": 25.0, "end_s": None, "shape": "calm"},
        {"start_s": -1.0, "end_s": None, "shape": "hit"}]  # the contract's end marker stays
