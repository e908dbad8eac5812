"""Renders under attack and faults (issue 12, items 1, 7 and 14, and the render side of the kill
test), over real HTTP against a real engine: drafts beyond the limits are refused before a job
exists, a bad in-point fails with a plain sentence, a full disk is named as such, a killed engine
comes back with the render failed, nothing charged twice and ``tmp/`` empty."""

from __future__ import annotations

import resource
import time
from pathlib import Path
from typing import Any

import pytest

from nemo_widgets import protocol
from nemo_widgets.engine.errors import RenderError
from nemo_widgets.engine.media import probe
from nemo_widgets.engine.render import plan_render, run_render
from tests.engine.hostile import leftovers, wait_for_render, wait_until
from tests.engine_api import EngineApi
from tests.media_factory import make_audio, make_video


def _draft(video: str | None, d: int, *, audio: str | None = None, loop: bool = False,
           source_in_ms: int = 0, **meta: Any) -> dict[str, Any]:
    tracks = []
    if video:
        tracks.append({"tt": 0, "sg": [{"id": "v", "kind": "video", "source": video,
                                        "start_ms": 0, "duration_ms": d,
                                        "source_in_ms": source_in_ms}]})
    if audio:
        tracks.append({"tt": 1, "sg": [{"id": "a", "kind": "audio", "source": audio,
                                        "start_ms": 0, "duration_ms": d, "loop": loop}]})
    return {"t": tracks, "d": d, "m": {"width": 1920, "height": 1080, **meta}}


def _uploaded(api: EngineApi, session_id: str, *paths: Path) -> list[str]:
    answer = api.upload(session_id, *paths)
    assert answer.status_code == 200, answer.text
    return [item["hash"] for item in answer.json()["data"]["files"]]


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("hostile-render")
    return (make_video(folder / "clip.mp4", seconds=2.0),
            make_audio(folder / "song.wav", seconds=1.0))


def test_drafts_beyond_the_limits_are_refused_before_a_job_exists(start_engine, media) -> None:
    engine = start_engine(render_max_tracks=3, render_max_segments=4,
                          render_max_temp_bytes=2 * 1024 * 1024)
    api = engine.api()
    api.login()
    session_id = api.new_session()
    clip, song = _uploaded(api, session_id, *media)
    many_tracks = _draft(clip, 1000)
    many_tracks["t"] += [{"tt": 1, "sg": [{"id": f"a{i}", "kind": "audio", "source": song,
                                           "start_ms": 0, "duration_ms": 500}]} for i in range(3)]
    many_segments = _draft(clip, 1000)
    many_segments["t"][0]["sg"] += [{"id": f"v{i}", "kind": "video", "source": clip,
                                     "start_ms": 100 * i, "duration_ms": 100} for i in range(4)]
    cases = {
        "render_huge": (_draft(clip, 10 ** 9, audio=song, loop=True), "render_max_duration_s"),
        "render_tracks": (many_tracks, "render_max_tracks"),
        "render_segments": (many_segments, "render_max_segments"),
        "render_temp": (_draft(clip, 5000, audio=song, loop=True), "render_max_temp_bytes"),
    }
    for render_id, (draft, setting) in cases.items():
        answer = api.render(render_id, draft, session_id)
        assert answer.status_code == 400, answer.text
        assert setting in answer.json()["message"]
        missing = api.http.get(protocol.PATH_RENDER_POLL.format(render_id=render_id),
                               headers=api.auth)
        assert missing.status_code == 404, "no job was recorded"
    assert leftovers(engine.home) == []


def test_render_temp_space_is_bounded_while_it_runs(tmp_path: Path, media) -> None:
    clip, song = media
    library = {"clip": (clip, probe(clip)), "song": (song, probe(song))}
    draft = _draft("clip", 3000, audio="song", loop=True)
    plan = plan_render(draft, library.__getitem__, tmp_path / "out.mp4", tmp_path / "work")
    with pytest.raises(RenderError, match="outgrew its temporary space"):
        run_render(plan, max_temp_bytes=200_000)  # the 3 s mix needs ~1.1 MB
    assert list((tmp_path / "work").iterdir()) == []
    assert not (tmp_path / "out.mp4").exists() and not list(tmp_path.glob(".*"))


def test_in_point_past_the_source_end_fails_with_a_sentence(start_engine, media) -> None:
    engine = start_engine()
    api = engine.api()
    api.login()
    session_id = api.new_session()
    clip, _song = _uploaded(api, session_id, *media)
    assert api.render("render_late", _draft(clip, 1000, source_in_ms=5000),
                      session_id).status_code == 200
    job = wait_for_render(api, "render_late")
    assert job["status"] == "failed"
    assert job["error"].startswith("Segment 'v' starts 5.00 s into its source, but the source "
                                   "is only 2.")
    assert "0x" not in job["error"] and "ffmpeg" not in job["error"].lower()
    assert leftovers(engine.home) == []


def test_full_disk_fails_the_render_with_its_cause(start_engine, media) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (3 * 1024 * 1024, hard))
    try:
        engine = start_engine()
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    api = engine.api()
    api.login()
    session_id = api.new_session()
    clip, song = _uploaded(api, session_id, *media)
    # 10 s of raw mix is 3.8 MB: the loudness pass cannot write it
    api.render("render_full", _draft(clip, 10_000, audio=song, loop=True), session_id)
    job = wait_for_render(api, "render_full")
    assert job["status"] == "failed"
    assert "full" in job["error"] and "Free some space" in job["error"], job["error"]
    assert "Internal error" not in job["error"]
    assert leftovers(engine.home) == []


def test_killed_mid_render_restarts_clean(start_engine, tmp_path: Path) -> None:
    engine = start_engine()
    api = engine.api()
    api.login()
    session_id = api.new_session()
    clip = make_video(tmp_path / "long.mp4", seconds=20.0, size="640x360")
    (digest,) = _uploaded(api, session_id, clip)
    before = api.credits()
    draft = _draft(digest, 20_000, title="t")
    draft["t"].append({"tt": 7, "sg": [{"id": "x", "kind": "text", "text": "slow on purpose",
                                        "start_ms": 0, "duration_ms": 20_000}]})
    assert api.render("render_killed", draft, session_id).status_code == 200
    assert wait_until(lambda: api.poll("render_killed")["progress"] >= 3, 60)
    assert leftovers(engine.home), "the render is working in tmp/"
    engine.kill()
    time.sleep(0.5)
    engine.restart()
    assert leftovers(engine.home) == [], "start-up swept the dead render's work"
    fresh = EngineApi(engine.url)
    fresh.token = api.token
    job = fresh.poll("render_killed")
    assert job["status"] == "failed" and "restart" in job["error"]
    assert fresh.credits() == before, "nothing charged, nothing held"
    assert fresh.render("render_killed", draft, session_id).status_code == 409
    assert fresh.render("render_again", _draft(digest, 1000), session_id).status_code == 200
    assert wait_for_render(fresh, "render_again")["status"] == "completed"
    assert leftovers(engine.home) == []


@pytest.mark.parametrize("draft", [
    {"t": True, "d": 1000},
    {"t": [{"tt": 0, "sg": 5}], "d": 1000},
    {"t": [{"tt": 0, "sg": [{"id": "v", "source": "x", "start_ms": 0, "duration_ms": 10}]}],
     "d": 1e400},
    {"t": [{"tt": 0, "sg": [{"id": "v", "source": "x", "start_ms": 0, "duration_ms": 10}]}],
     "d": 1000, "m": {"width": 1280, "height": 720}},
])
def test_malformed_drafts_are_a_sentence_not_a_500(shared_engine, draft) -> None:
    api = shared_engine.api()
    api.login()
    answer = api.http.post(protocol.PATH_RENDER_SUBMIT,
                           headers={**api.auth, "Content-Type": "application/json"},
                           content=('{"id": "render_bad", "draft": ' + _json(draft) + "}"))
    assert answer.status_code in (400, 422), answer.text
    message = answer.json()["message"]
    assert message.endswith(".") and "Internal" not in message
    assert leftovers(shared_engine.home) == []


def _json(value: Any) -> str:
    import json

    return json.dumps(value).replace("Infinity", "1e400")
