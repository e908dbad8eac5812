"""Replies people read (issue 13 item 8): one plain sentence first, in the user's language, with
no contradiction between the tempo and its range, correct articles, reasons kept apart."""

from __future__ import annotations

import re
from typing import Any

import pytest

from nemo_widgets.engine.agent.language import has_chinese
from nemo_widgets.engine.agent.replies import Reply, history_done, music_added, reason_parts
from tests.engine.agent.support import CLIP_A, CLIP_B, PHOTO, SONG, edited, plan

MEDIA = [CLIP_A, CLIP_B, PHOTO, SONG]
QUOTED = re.compile(r'"[^"]*"|“[^”]*”|「[^」]*」')
FILE_NAME = re.compile(r"[\w-]+\.(?:mp4|mov|jpg|png|mp3|wav)")


def _plain(line: str) -> str:
    """The line without what the user typed (quoted words, file names)."""
    return FILE_NAME.sub("", QUOTED.sub("", line))


def assert_one_english_sentence(line: str) -> None:
    plain = _plain(line)
    assert not has_chinese(plain), line
    assert re.search(r"[.!?]$", line), f"not a finished sentence: {line!r}"
    inner = re.findall(r"[.!?](?=\s+[A-Z])", plain[:-1])
    assert not inner, f"more than one sentence: {line!r}"


def assert_one_chinese_sentence(line: str) -> None:
    plain = _plain(line)
    assert has_chinese(plain), line
    assert line.endswith(("。", "？", "！")), f"not a finished sentence: {line!r}"
    assert len(re.findall(r"[。？！]", plain)) == 1, f"more than one sentence: {line!r}"
    english = set(re.findall(r"[A-Za-z]{3,}", plain)) - {"BPM", "Export", "MP4", "Lo-fi"}
    assert not english, f"English words in a Chinese reply: {english} in {line!r}"


def assert_headline(text: str, language: str) -> None:
    headline = text.splitlines()[0]
    if language == "en" and headline.startswith("Timeline ("):
        return  # "show tracks": the seed's one-line summary is the answer (see replies.py)
    if language == "zh":
        assert_one_chinese_sentence(headline)
    else:
        assert_one_english_sentence(headline)
    assert not re.search(r"\ba [aeio]", text), f"article: {text!r}"


@pytest.fixture(scope="module")
def drafts() -> dict[str, dict[str, Any]]:
    placed = edited("add my videos to the timeline", media=MEDIA)
    music = edited("use my song as background music", placed, media=MEDIA)
    return {"placed": placed, "music": edited('add a title "Summer Trip"', music, media=MEDIA)}


ENGLISH = [
    "add my videos to the timeline", "mute the original audio", "set the original audio to 30%",
    "use my song as background music", "lower the music", "fade out the music",
    'add a title "Summer Trip"', "add a title", "remove the title", "trim to 5 seconds",
    "cut the first 2 seconds", "keep the first 60 seconds", "make it vertical", "square, crop",
    "delete track 2", "delete track 9", "show tracks", "remove the video track",
    "generate music for my video", "calm for the first 3 seconds, then build up",
    "make the music 5 seconds long", "give me three options", "export the video", "thanks!",
    "what can you do?", "make me a sandwich", "mute the original audio and make me a sandwich",
    "mute the original audio, add a title 'Hi' and make it square", "undo", "redo",
    "use music version 2", "add b.mp4 after a.mp4", "remove b.mp4", "clear the timeline",
    "only keep a.mp4", "each photo 5 seconds",
]
CHINESE = [
    "把视频放到时间线上", "静音原声", "原声音量30%", "用我上传的音乐作为背景音乐",
    "降低背景音乐音量",
    "音乐淡出", "添加标题“夏日旅行”", "添加标题", "删除标题", "只保留前5秒", "剪掉开头2秒", "竖屏",
    "删除第2条轨道", "删除第9条轨道", "显示时间线", "删除视频轨道", "生成背景音乐",
    "前3秒平静，然后逐渐增强", "把音乐改成5秒", "三个版本", "导出", "谢谢", "你能做什么",
    "给我做个三明治", "静音原声，然后给我做个三明治", "静音原声，添加标题“你好”并且改成正方形",
    "撤销", "重做", "用第2个音乐版本", "把b.mp4放在a.mp4后面", "删除b.mp4", "清空时间线",
    "只保留a.mp4", "每张图片5秒",
]


@pytest.mark.parametrize("start", ["placed", "music"])
@pytest.mark.parametrize("message", ENGLISH)
def test_english_replies_start_with_one_english_sentence(
        drafts: dict[str, dict[str, Any]], start: str, message: str) -> None:
    result = plan(message, drafts[start], MEDIA)
    assert result.reply is not None and result.language == "en"
    assert_headline(result.reply, "en")
    for action in result.actions:
        assert not has_chinese(_plain(action.result["message"]))


@pytest.mark.parametrize("start", ["placed", "music"])
@pytest.mark.parametrize("message", CHINESE)
def test_chinese_replies_start_with_one_chinese_sentence(
        drafts: dict[str, dict[str, Any]], start: str, message: str) -> None:
    result = plan(message, drafts[start], MEDIA)
    assert result.reply is not None and result.language == "zh"
    assert_headline(result.reply, "zh")
    for action in result.actions:  # change descriptions in the user's language too
        assert has_chinese(action.result["message"]), action


def test_the_timeline_summary_only_when_asked(drafts: dict[str, dict[str, Any]]) -> None:
    for message in ("mute the original audio", "add a title 'x'", "静音原声", "make it square"):
        assert "Timeline (" not in (plan(message, drafts["music"], MEDIA).reply or "")
    assert "Timeline (3 tracks)" in (plan("show tracks", drafts["music"], MEDIA).reply or "")


# --- the music tool's reply -----------------------------------------------------------------
PLANNER_REASONS = [
    "Mood: a energetic — the picture is bright with warm colours, lots of motion and fast "
    "cutting (31 cuts/min).",
    "Style: upbeat pop / corporate — the mood is bright and energetic.",
    "Tempo: 130.47 BPM, searched around 100–124 BPM for the grid that best fits the cuts; 17 "
    "of 29 cuts land within ±45 ms of a beat (mean error 11 ms).",
    "Key: A major (major for a brighter colour).",
]


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize(("tempo", "style", "length"), [
    (130.47, "corporate", 60.0), (101.6, "acoustic", 60.4), (84.0, "lofi", 8.0),
    (118.9999, "electronic", 125.0), (72.2, "piano", 11.0), (128.0, "hiphop", 18.0),
])
def test_music_replies_read_well(language: str, tempo: float, style: str, length: float) -> None:
    reply = music_added(style=style, tempo_bpm=tempo, key="A", mode="major", duration_s=length,
                        cuts_aligned=17, cuts_total=29, volume=0.3, ducked=True,
                        reasons=PLANNER_REASONS, language=language)  # type: ignore[arg-type]
    assert isinstance(reply, Reply) and reply.language == language
    assert_headline(reply.text, language)
    said = {int(t) for t in re.findall(r"(\d+(?:\.\d+)?) BPM", reply.headline)}
    assert said == {round(tempo)}  # rounded, never 130.47
    assert "17" in reply.headline and "29" in reply.headline
    assert all(r not in reply.text for r in reply.reasons)  # folded, not inline
    assert reply.reasons


def test_english_music_reasons_never_contradict_the_tempo() -> None:
    reply = music_added(style="corporate", tempo_bpm=130.47, key="A", mode="major",
                        duration_s=60, cuts_aligned=17, cuts_total=29,
                        reasons=PLANNER_REASONS)
    assert reply.headline == ("Added a 1:00 upbeat pop track, 130 BPM in A major; 17 of 29 cuts "
                              "land on a beat.")
    tempo_reason = next(r for r in reply.reasons if r.startswith("Tempo"))
    assert "searched around" not in tempo_reason and "130.47" not in tempo_reason
    assert tempo_reason.startswith("Tempo: 130 BPM, above the style's usual 100–124 BPM")
    low, high = (int(n) for n in re.findall(r"(\d+)–(\d+)", tempo_reason)[0])
    assert not low <= 130 <= high and "above" in tempo_reason
    assert reply.reasons[0].startswith("Mood: an energetic")
    assert any(r.startswith("Key: A major") for r in reply.reasons)  # a key, not an article


def test_issue_example_and_its_chinese() -> None:
    english = music_added(style="acoustic", tempo_bpm=101.7, key="D", mode="major",
                          duration_s=60.0, cuts_aligned=17, cuts_total=29)
    assert english.headline == ("Added a 1:00 acoustic track, 102 BPM in D major; 17 of 29 cuts "
                                "land on a beat.")
    chinese = music_added(style="acoustic", tempo_bpm=101.7, key="D", mode="major",
                          duration_s=60.0, cuts_aligned=17, cuts_total=29, language="zh")
    assert chinese.headline == ("已添加一段1:00的原声民谣配乐，102 BPM，D 大调；"
                                "29个剪辑点中有17个落在节拍上。")
    short = music_added(style="electronic", tempo_bpm=128, key="E", mode="minor", duration_s=8)
    assert short.headline == "Added an 8-second electronic track, 128 BPM in E minor."


def test_versions_and_lengths_are_said_in_the_details() -> None:
    reply = music_added(style="lofi", tempo_bpm=84, key="C", mode="minor", duration_s=15,
                        versions=3, video_s=30)
    assert any("3 versions" in line for line in reply.details)
    later = music_added(style="lofi", tempo_bpm=84, key="C", mode="minor", duration_s=15,
                        version=3, versions=3)
    assert any("music versions 3 to 5" in line and '"use music version 4"' in line
               for line in later.details)
    assert any("video is unchanged" in line for line in reply.details)


def test_reasons_travel_as_thought_parts() -> None:
    assert reason_parts(("a", "b")) == [{"text": "a", "thought": True},
                                        {"text": "b", "thought": True}]


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize(("kind", "done"), [("undo", True), ("undo", False), ("redo", True),
                                            ("redo", False), ("use_music", True),
                                            ("use_music", False)])
def test_history_replies_are_one_sentence(language: str, kind: str, done: bool) -> None:
    reply = history_done(kind, language, done=done, version=2,  # type: ignore[arg-type]
                         versions=1)
    assert_headline(reply.text, language)


@pytest.mark.parametrize(("tempo", "word"), [(130.47, "高于"), (110.0, "范围内"), (90.2, "低于")])
def test_chinese_music_reasons_place_the_tempo_in_its_range(tempo: float, word: str) -> None:
    reply = music_added(style="corporate", tempo_bpm=tempo, key="A", mode="major", duration_s=60,
                        language="zh", tempo_range=(100.0, 124.0))
    pace = next(r for r in reply.reasons if r.startswith("速度"))
    assert f"{round(tempo)} BPM" in pace and word in pace and "100–124 BPM" in pace
