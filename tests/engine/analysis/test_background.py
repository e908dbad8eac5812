"""An uploaded video is analysed at once, in the background (issue 15): its analysis is cached
before any music is asked for, and the music request that follows reads it instead of decoding
the file again."""

from __future__ import annotations

from pathlib import Path

from tests.engine.hostile import wait_until
from tests.media_factory import make_cut_video


def test_upload_is_analysed_before_music_is_asked(start_engine, tmp_path: Path) -> None:
    engine = start_engine()
    api = engine.api()
    api.login()
    session_id = api.new_session()
    clip = make_cut_video(tmp_path / "cuts.mp4", cuts=[1.0, 2.0], seconds=3.0)
    answer = api.upload(session_id, clip)
    digest = answer.json()["data"]["files"][0]["hash"]
    cached = engine.home / "analysis" / f"{digest}.json"
    assert wait_until(cached.exists, 60), "the upload was analysed without being asked"
    api.run(session_id, "add my video to the timeline")
    api.run(session_id, "generate a background music track that matches the mood of my video")
    assert api.state(session_id)["generated_media"], "music was made"
    log = (engine.home / "engine.log").read_text()
    assert log.count("analysed ") == 1, "the music request read the cached analysis"
