"""Uploads over real HTTP: all 13 formats, sniffing, limits, URL mode and hostile input."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from nemo_widgets import protocol
from tests.media_factory import FORMAT_ARGS, make_any, make_video


@pytest.fixture(scope="module")
def all_formats(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("formats")
    return {ext: make_any(folder / f"sample.{ext}", seconds=1.0) for ext in FORMAT_ARGS}


def _leftovers(home: Path) -> list[Path]:
    return [p for p in (home / "tmp").rglob("*") if p.is_file()]


def test_all_thirteen_formats_upload_in_one_request(shared_engine, all_formats):
    api = shared_engine.api()
    api.login()
    session_id = api.new_session()
    answer = api.upload(session_id, *all_formats.values())
    assert answer.status_code == 200, answer.text
    files = answer.json()["data"]["files"]
    assert [f["filename"] for f in files] == [p.name for p in all_formats.values()]
    for item, (ext, path) in zip(files, all_formats.items(), strict=True):
        assert item["file_type"] == FORMAT_ARGS[ext][0], ext
        assert set(item) == {"filename", "file_type", "cdn_url", "duration", "width", "height",
                             "fps", "hash"}
        if item["file_type"] != "image":
            assert item["duration"] == pytest.approx(1.0, abs=0.1), ext
        if item["file_type"] != "audio":
            assert item["width"] > 0 and item["height"] > 0
        served = httpx.get(item["cdn_url"])
        assert served.status_code == 200 and served.content == path.read_bytes(), ext
    state = api.state(session_id)
    assert [v["hash"] for v in state["video_infos"]] == [f["hash"] for f in files]


def test_type_is_sniffed_not_trusted(shared_engine, all_formats, tmp_path):
    api = shared_engine.api()
    api.login()
    session_id = api.new_session()
    png_named_mp4 = api.upload(session_id, all_formats["png"], names=["holiday.mp4"])
    assert png_named_mp4.json()["data"]["files"][0]["file_type"] == "image"
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video at all\n" * 50)
    refused = api.upload(session_id, text)
    assert refused.status_code == 415
    body = refused.json()
    assert body["code"] == protocol.CODE_UNSUPPORTED_FILE and "mp4" in body["message"]


@pytest.mark.parametrize("damage", ["empty", "truncated", "garbage-tail"])
def test_damaged_files_are_4001_and_leave_nothing(shared_engine, tmp_path, damage):
    api = shared_engine.api()
    api.login()
    session_id = api.new_session()
    good = make_video(tmp_path / "good.mp4", seconds=1.0)
    data = good.read_bytes()
    damaged = tmp_path / f"{damage}.mp4"
    damaged.write_bytes({"empty": b"", "truncated": data[:2000],
                         "garbage-tail": b"\x00" * 4096 + data[-3000:]}[damage])
    media_before = sorted((shared_engine.home / "media").iterdir())
    answer = api.upload(session_id, good, damaged)
    assert answer.json()["code"] == protocol.CODE_UNSUPPORTED_FILE
    assert sorted((shared_engine.home / "media").iterdir()) == media_before
    assert api.state(session_id)["video_infos"] == [], "one bad file keeps nothing"
    assert _leftovers(shared_engine.home) == []


def test_too_large_is_4002_and_keeps_nothing(start_engine, tmp_path):
    engine = start_engine(max_upload_bytes=200_000)
    api = engine.api()
    api.login()
    session_id = api.new_session()
    big = make_video(tmp_path / "big.mp4", seconds=4.0, size="640x480")
    assert big.stat().st_size > 200_000
    answer = api.upload(session_id, big)
    assert answer.json()["code"] == protocol.CODE_FILE_TOO_LARGE
    assert "compress" in answer.json()["message"]
    assert list((engine.home / "media").iterdir()) == []
    assert _leftovers(engine.home) == []


@pytest.mark.slow
def test_600_mb_stream_is_cut_at_the_limit(shared_engine):
    api = shared_engine.api()
    api.login()
    session_id = api.new_session()
    boundary = "nemo-boundary"
    chunk = b"\x00" * (1 << 20)

    def body():
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
               f"filename=\"huge.mp4\"\r\nContent-Type: video/mp4\r\n\r\n").encode()
        for _ in range(600):
            yield chunk
        yield f"\r\n--{boundary}--\r\n".encode()

    try:
        answer = api.http.post(
            protocol.PATH_UPLOAD.format(session_id=session_id), content=body(),
            headers={**api.auth, "content-type": f"multipart/form-data; boundary={boundary}"})
        assert answer.json()["code"] == protocol.CODE_FILE_TOO_LARGE
    except httpx.TransportError:
        pass  # the engine may close the socket once it stopped reading: also acceptable
    assert shared_engine.api().http.get("/healthz").status_code == 200
    assert _leftovers(shared_engine.home) == []
    assert api.state(session_id)["video_infos"] == []


@pytest.mark.parametrize("name", ["../../../etc/passwd.mp4", "..\\..\\win.mp4",
                                  "we\"ird:na%me\n.mp4", "🎬 clip 日本.mp4", "." * 300 + "mp4",
                                  "a" * 400 + ".mp4"])
def test_odd_file_names_are_kept_safe(shared_engine, tmp_path, name):
    api = shared_engine.api()
    api.login()
    session_id = api.new_session()
    clip = make_video(tmp_path / "clip.mp4", seconds=0.5)
    answer = api.upload(session_id, clip, names=[name])
    assert answer.status_code == 200, answer.text
    stored = answer.json()["data"]["files"][0]
    assert "/" not in stored["filename"] and "\\" not in stored["filename"]
    assert "\n" not in stored["filename"] and len(stored["filename"]) <= 190
    assert not (tmp_path.parent / "etc").exists()
    names = {p.name for p in (shared_engine.home / "media").iterdir()}
    assert f"{stored['hash']}.mp4" in names


def test_url_mode_imports_by_url(shared_engine, tmp_path):
    # The engine's own cdn_url is taken from its library (no request to loopback); any other
    # loopback URL is refused like every local address.
    api = shared_engine.api()
    api.login()
    session_id = api.new_session()
    clip = make_video(tmp_path / "source.mp4", seconds=1.0)
    first = api.upload(session_id, clip).json()["data"]["files"][0]
    other_session = api.new_session()
    by_url = api.http.post(protocol.PATH_UPLOAD.format(session_id=other_session),
                           headers=api.auth,
                           json={"urls": [first["cdn_url"]], "source_type": "url"})
    item = by_url.json()["data"]["files"][0]
    assert item["hash"] == first["hash"] and item["file_type"] == "video"
    bad = api.http.post(protocol.PATH_UPLOAD.format(session_id=other_session), headers=api.auth,
                        json={"urls": [shared_engine.url + "/media/nothing-here.mp4"]})
    assert bad.json()["code"] == protocol.CODE_UNSUPPORTED_FILE
    not_http = api.http.post(protocol.PATH_UPLOAD.format(session_id=other_session),
                             headers=api.auth, json={"urls": ["file:///etc/passwd"]})
    assert not_http.json()["code"] == protocol.CODE_UNSUPPORTED_FILE
    assert len(api.state(other_session)["video_infos"]) == 1


def test_upload_without_files_field_or_session(shared_engine, tmp_path):
    api = shared_engine.api()
    api.login()
    session_id = api.new_session()
    clip = make_video(tmp_path / "c.mp4", seconds=0.5)
    with clip.open("rb") as handle:
        wrong_field = api.http.post(protocol.PATH_UPLOAD.format(session_id=session_id),
                                    headers=api.auth, files={"video": ("c.mp4", handle)})
    assert wrong_field.status_code == 422
    unknown = api.upload("sess_unknown", clip)
    assert unknown.json()["code"] == protocol.CODE_SESSION_NOT_FOUND
