"""Edits: each instruction's effect on the draft (placing, sound, text, trims, canvas, tracks)."""

from __future__ import annotations

from typing import Any

import pytest

from nemo_widgets.engine.agent import MediaItem, ToolAction
from tests.engine.agent.support import (
    CLIP_A,
    CLIP_B,
    LONG_SONG,
    PHOTO,
    SONG,
    edited,
    names,
    plan,
    summary,
    track,
)


# --- 1. placing uploads --------------------------------------------------------------------------
@pytest.mark.parametrize("message", [
    "add my video to the timeline", "put the clips in order", "use all uploads",
    "Put everything on the timeline please", "把视频放到时间线上", "添加素材", "使用所有素材",
])
def test_place_uploads_in_order_back_to_back(message: str) -> None:
    draft = edited(message, media=[CLIP_A, SONG, CLIP_B])
    video = track(draft, "Video")
    assert video["tt"] == 0
    assert [(s["label"], s["start_ms"], s["duration_ms"], s["volume"]) for s in video["sg"]] == [
        ("a.mp4", 0, 10000, 1.0), ("b.mp4", 10000, 4000, 1.0)]
    assert draft["d"] == 14000
    assert all(t["tt"] != 1 for t in draft["t"])  # the song is not placed


def test_place_on_empty_draft_uses_default_canvas() -> None:
    draft = edited("add my video to the timeline", None)
    assert draft["m"] == {"title": "project", "width": 1920, "height": 1080, "fit": "crop",
                          "fps": 30}


def test_photos_are_stills_of_three_seconds_by_default() -> None:
    draft = edited("add the photos and videos", media=[PHOTO, CLIP_B])
    segments = track(draft, "Video")["sg"]
    assert [(s["kind"], s["start_ms"], s["duration_ms"]) for s in segments] == [
        ("image", 0, 3000), ("video", 3000, 4000)]


@pytest.mark.parametrize("message", ["add my photos, each photo 5 seconds", "每张图片5秒",
                                     "each photo for five seconds", "照片每张显示五秒"])
def test_photo_duration_can_be_asked(message: str) -> None:
    draft = edited(message, media=[PHOTO, CLIP_B])
    assert [s["duration_ms"] for s in track(draft, "Video")["sg"]] == [5000, 4000]
    assert draft["d"] == 9000


def test_place_and_photo_length_in_one_message_is_one_step() -> None:
    result = plan("add all photos, each photo 2 seconds", media=[PHOTO, CLIP_B])
    assert names(result) == ["add_media_to_timeline"]
    assert result.actions[0].args == {"track": "Video", "files": ["beach.jpg", "b.mp4"],
                                      "image_duration_s": 2.0}
    assert result.reply == ("Put beach.jpg and b.mp4 on the video track, back to back (0-6s): "
                            "clips keep their own sound, photos show for 2s each.")


def test_long_upload_lists_are_shortened_in_the_reply() -> None:
    photos = [MediaItem(f"{i:064d}", f"p{i}.jpg", "image", 0.0, 10, 10, False) for i in range(6)]
    assert plan("add all photos", media=photos).reply == (
        "Put p0.jpg, p1.jpg, p2.jpg and 3 more on the video track, back to back (0-18s), "
        "3s per photo.")


def test_photo_duration_retimes_placed_photos() -> None:
    draft = edited("add everything to the timeline", media=[PHOTO, CLIP_B])
    draft = edited("each photo 2 seconds", draft, media=[PHOTO, CLIP_B])
    assert [(s["start_ms"], s["duration_ms"]) for s in track(draft, "Video")["sg"]] == [
        (0, 2000), (2000, 4000)]


def test_new_photos_take_the_length_of_the_placed_ones() -> None:
    second = MediaItem("f" * 64, "more.png", "image", 0.0, 10, 10, False)
    draft = edited("add the photos, each photo 5 seconds", media=[PHOTO])
    draft = edited("add the new photos", draft, media=[PHOTO, second])
    assert [s["duration_ms"] for s in track(draft, "Video")["sg"]] == [5000, 5000]


def test_photo_duration_does_not_bring_back_what_was_cut() -> None:
    media = [PHOTO, CLIP_B, MediaItem("f" * 64, "last.png", "image", 0.0, 10, 10, False)]
    draft = edited("add everything to the timeline", media=media)
    draft = edited("cut the first 3 seconds", draft, media=media)
    draft = edited("each photo 1 second", draft, media=media)
    assert [(s["label"], s["duration_ms"]) for s in track(draft, "Video")["sg"]] == [
        ("b.mp4", 4000), ("last.png", 1000)]


def test_placing_again_adds_only_new_uploads(placed: dict[str, Any]) -> None:
    again = plan("add my video to the timeline", placed)
    assert again.draft is None and again.charge is None
    assert "already" in (again.reply or "")
    more = edited("add the new clips to the timeline", placed, media=[CLIP_A, SONG, CLIP_B])
    assert [s["label"] for s in track(more, "Video")["sg"]] == ["a.mp4", "b.mp4"]


def test_nothing_to_place_without_uploads() -> None:
    result = plan("add my video to the timeline", media=[])
    assert result.draft is None and result.charge is None
    assert result.actions[0].result["status"] == "error"
    assert "upload" in (result.reply or "")


def test_any_edit_places_uploads_first() -> None:
    result = plan("add a title 'Hi'")
    assert names(result) == ["add_media_to_timeline", "add_text"]
    assert result.draft is not None
    assert summary(result.draft) == (
        'Timeline (2 tracks): 1. Video: a.mp4 (0-10s) 2. Title: "Hi" (0-3s)')


def test_later_place_instruction_is_folded_into_auto_placement() -> None:
    result = plan("mute the original audio, then each photo 4 seconds", media=[PHOTO, CLIP_A])
    assert names(result) == ["add_media_to_timeline", "set_volume"]
    assert result.draft is not None
    assert track(result.draft, "Video")["sg"][0]["duration_ms"] == 4000


# --- 2. original audio -------------------------------------------------------------------------
@pytest.mark.parametrize(("message", "volume"), [
    ("mute the original audio", 0.0), ("静音原声", 0.0), ("remove the original sound", 0.0),
    ("去掉原声", 0.0), ("mute", 0.0), ("keep the original audio", 1.0), ("保留原声", 1.0),
    ("set the original audio to 30%", 0.3), ("原声音量30%", 0.3), ("原声音量百分之三十", 0.3),
    ("set the video volume to 0.5", 0.5),
])
def test_original_audio(placed: dict[str, Any], message: str, volume: float) -> None:
    start = edited("mute the original audio", placed) if volume == 1.0 else placed
    draft = edited(message, start)
    assert [s["volume"] for s in track(draft, "Video")["sg"]] == [volume]
    assert names(plan(message, start)) == ["set_volume"]


def test_muting_twice_changes_nothing(placed: dict[str, Any]) -> None:
    muted = edited("mute the original audio", placed)
    assert plan("mute the original audio", muted).draft is None


# --- 3. uploaded song as background music ---------------------------------------------------------
@pytest.mark.parametrize("message", [
    "use my song as background music", "add the mp3 as bgm", "用我上传的音乐作为背景音乐",
    "use song.mp3 as the soundtrack", "add background music",
])
def test_uploaded_song_becomes_bgm(placed: dict[str, Any], message: str) -> None:
    draft = edited(message, placed)
    bgm = track(draft, "BGM")
    assert (bgm["tt"], bgm["role"]) == (1, "bgm")
    (segment,) = bgm["sg"]
    assert segment == {"id": segment["id"], "kind": "audio", "start_ms": 0, "duration_ms": 10000,
                       "source": SONG.hash, "label": "song.mp3", "volume": 0.35,
                       "fade_in_ms": 500, "fade_out_ms": 1500, "loop": True}


def test_bgm_with_asked_volume_and_no_loop_when_long_enough(placed: dict[str, Any]) -> None:
    draft = edited("use long.mp3 as background music at 20%", placed,
                   media=[CLIP_A, SONG, LONG_SONG])
    (segment,) = track(draft, "BGM")["sg"]
    assert (segment["label"], segment["volume"], segment.get("loop", False)) == (
        "long.mp3", 0.2, False)


def test_bgm_needs_an_audio_upload(placed: dict[str, Any]) -> None:
    result = plan("use my song as background music", placed, media=[CLIP_A])
    assert result.draft is None
    assert result.actions[0].result["status"] == "error"


def test_bgm_replaces_previous_bgm(with_music: dict[str, Any]) -> None:
    draft = edited("use long.mp3 as bgm", with_music, media=[CLIP_A, SONG, LONG_SONG])
    assert [t["name"] for t in draft["t"]] == ["Video", "BGM"]
    assert track(draft, "BGM")["sg"][0]["label"] == "long.mp3"


# --- 4. music volume and removal ------------------------------------------------------------------
@pytest.mark.parametrize(("message", "volume"), [
    ("lower the music", 0.245), ("music quieter", 0.245), ("降低音乐音量", 0.245),
    ("louder music", 0.455), ("turn the music up", 0.455), ("set the music to 20%", 0.2),
    ("背景音乐音量50%", 0.5), ("音乐小声一点", 0.245), ("mute the music", 0.0),
])
def test_music_volume(with_music: dict[str, Any], message: str, volume: float) -> None:
    result = plan(message, with_music)
    assert names(result) == ["set_volume"] and result.needs_music is None
    assert result.draft is not None and result.charge == "edit"
    assert track(result.draft, "BGM")["sg"][0]["volume"] == volume
    assert track(result.draft, "Video")["sg"][0]["volume"] == 1.0


@pytest.mark.parametrize("message", ["remove the music", "删除背景音乐", "no music",
                                     "get rid of the background music"])
def test_remove_music(with_music: dict[str, Any], message: str) -> None:
    result = plan(message, with_music)
    assert names(result) == ["remove_track"] and result.needs_music is None
    assert result.draft is not None
    assert [t["name"] for t in result.draft["t"]] == ["Video"]


def test_music_volume_without_music_explains(placed: dict[str, Any]) -> None:
    result = plan("lower the music", placed)
    assert result.draft is None and result.charge is None
    assert "no background music" in (result.reply or "")


# --- 5. fades ----------------------------------------------------------------------------------
def test_fade_in_music_over_two_seconds(with_music: dict[str, Any]) -> None:
    draft = edited("fade in the music over 2 seconds", with_music)
    segment = track(draft, "BGM")["sg"][0]
    assert (segment["fade_in_ms"], segment["fade_out_ms"]) == (2000, 1500)


@pytest.mark.parametrize(("message", "fade_in", "fade_out"), [
    ("fade out at the end", 500, 2000), ("淡入", 1000, 1500), ("淡出3秒", 500, 3000),
    ("fade in and out", 1000, 2000), ("音乐淡入淡出", 1000, 2000),
    ("fade in over 2 seconds and out over 3 seconds", 2000, 3000),
])
def test_fades_go_on_the_music(with_music: dict[str, Any], message: str, fade_in: int,
                               fade_out: int) -> None:
    segment = track(edited(message, with_music), "BGM")["sg"][0]
    assert (segment["fade_in_ms"], segment["fade_out_ms"]) == (fade_in, fade_out)


def test_fades_go_on_the_video_sound_without_music() -> None:
    draft = edited("fade in and out", media=[CLIP_A, CLIP_B])
    first, last = track(draft, "Video")["sg"]
    assert first.get("fade_in_ms") == 1000 and "fade_out_ms" not in first
    assert last.get("fade_out_ms") == 2000 and "fade_in_ms" not in last


# --- 7. trims ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("message", "length"), [
    ("trim the video to 8 seconds", 8000), ("只保留前8秒", 8000), ("make it 6 seconds long", 6000),
    ("keep only the first five seconds", 5000), ("剪到7秒", 7000),
    ("cut the last 3 seconds", 7000), ("剪掉最后3秒", 7000),
])
def test_trim_shortens_everything(full: dict[str, Any], message: str, length: int) -> None:
    with_text = edited("add text 'late' from 4s to 9s", full)
    draft = edited(message, with_text)
    assert draft["d"] == length
    assert track(draft, "Video")["sg"][0]["duration_ms"] == length
    assert track(draft, "BGM")["sg"][0]["duration_ms"] == length
    text = track(draft, "Text")["sg"][0]
    assert text["start_ms"] + text["duration_ms"] == min(9000, length)


@pytest.mark.parametrize("message", ["cut the first 2 seconds", "去掉前两秒", "剪掉前2秒",
                                     "trim 2 seconds from the start"])
def test_cut_the_start_moves_the_in_point(full: dict[str, Any], message: str) -> None:
    draft = edited(message, full)
    (clip,) = track(draft, "Video")["sg"]
    assert (clip["start_ms"], clip["duration_ms"], clip["source_in_ms"]) == (0, 8000, 2000)
    assert draft["d"] == 8000 and track(draft, "BGM")["sg"][0]["duration_ms"] == 8000


def test_trim_across_clips_and_drop_text_after_the_end() -> None:
    draft = edited("add the clips to the timeline", media=[CLIP_A, CLIP_B])
    draft = edited("add text 'bye' from 11s to 13s", draft, media=[CLIP_A, CLIP_B])
    draft = edited("cut the first 11 seconds", draft, media=[CLIP_A, CLIP_B])
    (clip,) = track(draft, "Video")["sg"]
    assert (clip["label"], clip["duration_ms"], clip["source_in_ms"]) == ("b.mp4", 3000, 1000)
    shorter = edited("trim to 2 seconds", draft, media=[CLIP_A, CLIP_B])
    assert all(t["tt"] != 7 for t in shorter["t"])


def test_trim_that_does_not_shorten_is_refused(full: dict[str, Any]) -> None:
    for message in ("make it 15 seconds long", "cut the first 10 seconds"):
        result = plan(message, full)
        assert result.draft is None and result.charge is None
        assert result.actions[0].result["status"] == "error"


def test_growing_the_video_regrows_the_music() -> None:
    draft = edited("use my song as background music", media=[CLIP_A, SONG])
    draft = edited("trim to 4 seconds", draft, media=[CLIP_A, SONG])
    assert track(draft, "BGM")["sg"][0].get("loop", False) is False
    draft = edited("add the new clips", draft, media=[CLIP_A, SONG, CLIP_B])
    assert draft["d"] == 8000
    assert track(draft, "BGM")["sg"][0]["loop"] is True


# --- 8. canvas ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("message", "size"), [
    ("make it vertical", (1080, 1920)), ("9:16", (1080, 1920)), ("for TikTok", (1080, 1920)),
    ("for Instagram Reels", (1080, 1920)), ("YouTube Shorts", (1080, 1920)), ("竖屏", (1080, 1920)),
    ("square", (1080, 1080)), ("1:1", (1080, 1080)), ("for Instagram", (1080, 1080)),
    ("改成正方形", (1080, 1080)), ("16:9", (1920, 1080)), ("horizontal", (1920, 1080)),
    ("横屏", (1920, 1080)), ("for YouTube", (1920, 1080)),
])
def test_canvas_size(placed: dict[str, Any], message: str, size: tuple[int, int]) -> None:
    start = edited("make it square", placed) if size == (1920, 1080) else placed
    draft = edited(message, start)
    assert (draft["m"]["width"], draft["m"]["height"]) == size
    assert draft["t"] == start["t"]


@pytest.mark.parametrize("message", ["crop to fill", "fill the frame", "铺满"])
def test_canvas_fit(placed: dict[str, Any], message: str) -> None:
    """A new draft fills the frame (a vertical canvas is not two thirds black); keeping the
    whole picture is asked for, and filling again goes back."""
    assert placed["m"].get("fit", "crop") == "crop"
    letterboxed = edited("letterbox", placed)
    assert letterboxed["m"]["fit"] == "pad"
    assert edited(message, letterboxed)["m"]["fit"] == "crop"


def test_canvas_size_and_fit_said_together_are_one_step(placed: dict[str, Any]) -> None:
    for message in ("make it vertical and crop to fill", "竖屏，铺满"):
        result = plan(message, placed)
        assert names(result) == ["set_canvas"]
        assert result.draft is not None
        assert {k: result.draft["m"][k] for k in ("width", "height", "fit")} == {
            "width": 1080, "height": 1920, "fit": "crop"}


def test_same_canvas_changes_nothing(placed: dict[str, Any]) -> None:
    result = plan("16:9", placed)
    assert result.draft is None and result.charge is None and "already" in (result.reply or "")


# --- 9. removing tracks by number ----------------------------------------------------------------
@pytest.mark.parametrize("message", ["delete track 2", "remove the second track", "删除第2条轨道",
                                     "删除第二条轨道"])
def test_remove_track_by_number(full: dict[str, Any], message: str) -> None:
    result = plan(message, full)
    assert result.draft is not None
    assert summary(result.draft) == (
        'Timeline (2 tracks): 1. Video: a.mp4 (0-10s) 2. Title: "Summer Trip" (0-3s)')
    assert result.actions[0].args == {"index": 2, "track": "BGM"}


def test_remove_missing_track_number(full: dict[str, Any]) -> None:
    result = plan("delete track 7", full)
    assert result.draft is None and "3" in (result.reply or "")


# --- 10. describing ------------------------------------------------------------------------------
SEED_SUMMARY = ('Timeline (3 tracks): 1. Video: a.mp4 (0-10s) 2. BGM: song.mp3 (0-10s, 35%) '
                '3. Title: "Summer Trip" (0-3s)')


def test_summary_in_the_seed_format(full: dict[str, Any]) -> None:
    assert summary(full) == SEED_SUMMARY


@pytest.mark.parametrize("message", ["show tracks", "what's on the timeline?",
                                     "describe the timeline", "显示时间线", "时间线上有什么"])
def test_describe(full: dict[str, Any], message: str) -> None:
    result = plan(message, full, turn_index=2)  # never silent
    assert result.draft is None and result.charge is None and result.needs_music is None
    assert result.reply is not None
    lines = result.reply.splitlines()
    if result.language == "zh":  # a Chinese sentence first, then the seed's line
        assert lines[:2] == ["时间线上有3条轨道，共10秒。", SEED_SUMMARY]
    else:  # the seed's one line is the answer, as the product shows it
        assert lines[0] == SEED_SUMMARY
    assert "- 2. BGM: song.mp3 (0-10s, 35%)" in lines
    assert result.actions == [ToolAction("describe_timeline", {}, result.actions[0].result)]
    assert result.actions[0].result["summary"] == SEED_SUMMARY


def test_describe_an_empty_draft_does_not_place() -> None:
    result = plan("show the timeline")
    assert result.draft is None and names(result) == ["describe_timeline"]
    assert (result.reply or "").startswith("Timeline (0 tracks): empty\n")
    assert plan("显示时间线").reply == "时间线是空的。\n请上传视频，然后让我把它放到时间线上。"


def test_placing_one_upload_reads_naturally() -> None:
    assert plan("add my video to the timeline").reply == (
        "Put a.mp4 on the video track with its own sound; the video is 10s long.")
    assert plan("把视频放到时间线上").reply == "已把a.mp4放到视频轨道（保留原声），视频共10秒。"
    assert plan("add the photo", media=[PHOTO]).reply == (
        "Put beach.jpg on the video track for 3s; the video is 3s long.")
