"""The seed's whole workflow over real HTTP, render variants, credits and restart persistence."""

from __future__ import annotations

import time
from pathlib import Path

import av
import httpx
import numpy as np
import pytest

from nemo_widgets import protocol
from tests.engine_api import EngineApi, texts, tool_calls
from tests.media_factory import make_audio, make_video


def wait_for_render(api: EngineApi, render_id: str, timeout: float = 120) -> tuple[dict, list]:
    """Poll until the job ends; return the last answer and every progress value seen."""
    seen: list[float] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = api.poll(render_id)
        job = answer.get("data", answer) if "success" in answer else answer
        seen.append(job["progress"])
        if job["status"] in protocol.RENDER_FINAL_STATES:
            return job, seen
        time.sleep(0.05)
    raise AssertionError("render did not finish")


def video_facts(path: Path) -> dict:
    with av.open(str(path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        return {"codec": video.codec_context.name, "width": video.codec_context.width,
                "height": video.codec_context.height, "pix_fmt": video.codec_context.pix_fmt,
                "audio": audio.codec_context.name, "rate": audio.codec_context.sample_rate,
                "duration": float(container.duration) / av.time_base}


def audio_rms(path: Path) -> float:
    with av.open(str(path)) as container:
        samples = [frame.to_ndarray().astype(np.float64).ravel()
                   for frame in container.decode(audio=0)]
    data = np.concatenate(samples)
    return float(np.sqrt(np.mean(data ** 2)))


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("workflow-media")
    return {
        "video": make_video(folder / "beach.mp4", seconds=4.0, size="640x360", tone_hz=440),
        "song": make_audio(folder / "song.mp3", seconds=2.0, tone_hz=660),
        "full_hd": make_video(folder / "fullhd.mp4", seconds=3.0, size="1920x1080",
                              extra=["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt",
                                     "yuv420p", "-c:a", "aac"]),
    }


def test_seed_workflow_end_to_end(shared_engine, clips, tmp_path):
    api = shared_engine.api()
    api.login()
    session_id = api.new_session()
    uploaded = api.upload(session_id, clips["video"], clips["song"]).json()["data"]["files"]
    assert [f["file_type"] for f in uploaded] == ["video", "audio"]
    events = api.run(session_id, 'add my video to the timeline, use my song as background '
                                 'music at 30% and add a title "Urban Dreams"')
    calls = tool_calls(events)
    assert calls, "tool work must show as functionCall events"
    assert all(isinstance(e, dict) and e.get("author") == "nemo_agent" and
               e.get("invocationId", "").startswith("e-") for e in events if e)
    draft = api.state(session_id)["draft"]
    types = [t["tt"] for t in draft["t"] if t["sg"]]
    assert types.count(0) == 1 and types.count(1) == 1 and types.count(7) == 1
    assert draft["d"] == pytest.approx(4000, abs=50)
    assert api.credits()["available"] == 95, "one editing turn costs 5 credits"

    submitted = api.render("render_seed", draft, session_id)
    assert submitted.status_code == 200
    assert submitted.json()["status"] in {"pending", "processing"}
    job, seen = wait_for_render(api, "render_seed")
    assert job["status"] == "completed", job
    assert seen == sorted(seen) and seen[-1] == 100
    assert job["output"]["url"].endswith(".mp4")
    assert job["completedAt"] >= job["createdAt"]
    output = tmp_path / "seed.mp4"
    output.write_bytes(httpx.get(job["output"]["url"]).content)
    facts = video_facts(output)
    assert facts["codec"] == "h264" and facts["pix_fmt"] == "yuv420p"
    assert (facts["width"], facts["height"]) == (1920, 1080)
    assert facts["audio"] == "aac" and facts["rate"] == 48000
    assert facts["duration"] == pytest.approx(4.0, abs=0.1)
    download = api.http.get(protocol.PATH_RENDER_DOWNLOAD.format(render_id="render_seed"),
                            headers=api.auth)
    assert download.content == output.read_bytes()
    assert api.credits()["available"] == 95, "export is free"


def test_render_ids_are_unique_and_unknown_ids_fail_cleanly(shared_engine, clips):
    api = shared_engine.api()
    api.login()
    session_id = api.new_session()
    api.upload(session_id, clips["video"])
    api.run(session_id, "put the clips on the timeline")
    draft = api.state(session_id)["draft"]
    assert api.render("render_dup", draft).status_code == 200
    again = api.render("render_dup", draft)
    assert again.status_code == 409 and again.json()["code"] == protocol.CODE_DUPLICATE
    unknown = api.http.get(protocol.PATH_RENDER_POLL.format(render_id="render_nope"),
                           headers=api.auth)
    assert unknown.status_code == 404
    empty = api.render("render_empty", {"t": [], "d": 0, "m": {}})
    assert empty.status_code == 400 and "nothing to render" in empty.json()["message"]
    ghost = dict(draft, t=[{"tt": 0, "sg": [dict(draft["t"][0]["sg"][0], source="0" * 64)]}])
    refused = api.render("render_ghost", ghost)
    assert refused.status_code == 422 and "not yours" in refused.json()["message"]
    assert wait_for_render(api, "render_dup")[0]["status"] == "completed"


def test_success_answer_shape_and_stream_copy(start_engine, clips):
    engine = start_engine(profile="cloud", render_answer_shape="success")
    api = engine.api()
    api.login()
    session_id = api.new_session()
    api.upload(session_id, clips["full_hd"])
    api.run(session_id, "add my video to the timeline")
    draft = api.state(session_id)["draft"]
    submitted = api.render("render_copy", draft).json()
    assert submitted["success"] is True and submitted["data"]["status"] == "pending"
    job, _ = wait_for_render(api, "render_copy")
    assert job["status"] == "completed" and job["outputUrl"].endswith(".mp4")
    path = engine.home / "renders" / job["outputUrl"].rsplit("/", 1)[-1]
    with av.open(str(path)) as out, av.open(str(clips["full_hd"])) as src:
        out_sizes = [p.size for p in out.demux(video=0) if p.size]
        src_sizes = [p.size for p in src.demux(video=0) if p.size]
    assert out_sizes == src_sizes, "the video packets are copied, not re-encoded"


def test_export_blocked_by_plan_is_402(start_engine, clips):
    api = start_engine(profile="cloud", export_requires_plan=True).api()
    api.login()
    answer = api.render("render_plan", {"t": [{"tt": 7, "sg": [
        {"kind": "text", "text": "hi", "start_ms": 0, "duration_ms": 1000}]}], "d": 1000,
        "m": {"width": 1920, "height": 1080}})
    assert answer.status_code == 402 and answer.json()["code"] == 402


def test_volume_set_by_the_agent_is_heard(shared_engine, clips, tmp_path):
    api = shared_engine.api()
    api.login()
    session_id = api.new_session()
    api.upload(session_id, clips["video"])
    api.run(session_id, "add my video to the timeline")
    loud_draft = api.state(session_id)["draft"]
    api.run(session_id, "mute the original audio")
    muted_draft = api.state(session_id)["draft"]
    assert muted_draft["t"][0]["sg"][0]["volume"] == 0
    for name, draft in (("loud", loud_draft), ("muted", muted_draft)):
        api.render(f"render_{name}", draft)
        job, _ = wait_for_render(api, f"render_{name}")
        (tmp_path / f"{name}.mp4").write_bytes(httpx.get(job["output"]["url"]).content)
    loud, muted = audio_rms(tmp_path / "loud.mp4"), audio_rms(tmp_path / "muted.mp4")
    assert loud > 0.05 and muted < loud / 100


def test_no_credits_is_2001_and_leaves_the_draft(start_engine, clips):
    api = start_engine(profile="cloud", anonymous_credits=3).api()
    api.login()
    session_id = api.new_session()
    api.upload(session_id, clips["video"])
    events = api.run(session_id, "add my video to the timeline")
    codes = [e.get("errorCode") for e in events if isinstance(e, dict)]
    assert "2001" in codes
    message = next(e["errorMessage"] for e in events if isinstance(e, dict)
                   and e.get("errorCode") == "2001")
    assert "NEMO_ENGINE_PROFILE=cloud" in message, "a local engine's user learns it is a setting"
    assert api.state(session_id)["draft"]["t"] == []
    assert api.credits() == {"available": 3, "frozen": 0, "total": 3}
    described = api.run(session_id, "show tracks")
    assert texts(described), "free requests still work without credits"


def test_everything_survives_a_restart(start_engine, clips):
    engine = start_engine()
    api = engine.api()
    api.login()
    session_id = api.new_session()
    api.upload(session_id, clips["video"])
    api.run(session_id, 'add my video and a title "Still here"')
    draft_before = api.state(session_id)["draft"]
    credits_before = api.credits()
    api.render("render_before", draft_before)
    wait_for_render(api, "render_before")
    engine.restart()
    after = EngineApi(engine.url)
    after.token = api.token
    assert after.state(session_id)["draft"] == draft_before
    assert after.state(session_id)["video_infos"][0]["filename"] == "beach.mp4"
    assert after.credits() == credits_before
    assert after.poll("render_before")["status"] == "completed"


def test_render_cut_off_by_a_kill_ends_failed(start_engine, clips):
    engine = start_engine()
    api = engine.api()
    api.login()
    session_id = api.new_session()
    api.upload(session_id, clips["video"])
    api.run(session_id, "add my video to the timeline")
    draft = api.state(session_id)["draft"]
    draft["d"] = 60_000
    draft["t"][0]["sg"][0]["duration_ms"] = 60_000
    draft["t"][0]["sg"][0]["loop"] = True
    api.render("render_cut", draft)
    deadline = time.monotonic() + 30
    while api.poll("render_cut")["status"] == "pending" and time.monotonic() < deadline:
        time.sleep(0.02)
    engine.kill()
    engine.restart()
    fresh = EngineApi(engine.url)
    fresh.token = api.token
    job = fresh.poll("render_cut")
    assert job["status"] == "failed" and "restart" in job["error"]
