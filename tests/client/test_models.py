"""Typed records from answers: states (the draft as an object or as JSON text, the owner's
id), malformed states as ``MalformedAnswer``, and upload answers of every shape."""

from __future__ import annotations

import json

import pytest

from nemo_widgets.client import MalformedAnswer
from nemo_widgets.client.models import SessionState, UploadedFile, uploaded_files

DRAFT = {"t": [{"tt": 0, "sg": [{"startMs": 0, "durationMs": 1000, "name": "a.mp4"}]}],
         "d": 1000}


def test_a_state_with_the_draft_as_text_and_the_owner_in_it():
    state = SessionState.from_json({"session_id": "s", "user_id": "anon_9", "state": {
        "draft": json.dumps(DRAFT), "generated_media": [{"type": "bgm", "url": "u"}]}}, "s")
    assert state.draft == DRAFT and state.user_id == "anon_9"
    assert state.summary() == "Timeline (1 track): 1. Video: a.mp4 (0-1s)"
    assert [v.version for v in state.music_versions] == [1]


@pytest.mark.parametrize("data", [
    {"state": {"draft": "{not json"}}, {"state": {"draft": [1, 2]}},
    {"state": {"draft": {"t": "tracks"}}}, {"state": 5}, [1],
])
def test_malformed_states_are_typed(data):
    with pytest.raises(MalformedAnswer):
        SessionState.from_json(data, "s")


def test_upload_answers_of_every_shape():
    documented = {"files": [{"filename": "a.mp4", "file_type": "video", "cdn_url": "u",
                             "duration": 2, "width": 320, "height": 240, "hash": "h"}]}
    assert uploaded_files(documented, ["a.mp4"])[0].duration == 2.0
    camel = uploaded_files([{"fileName": "a.mp4", "fileType": "video", "cdnUrl": "u"}], [])
    assert (camel[0].filename, camel[0].cdn_url) == ("a.mp4", "u")
    [only_url] = uploaded_files({"url": "https://cdn/a.mp4"}, ["a.mp4"])
    assert only_url == UploadedFile("a.mp4", "video", "https://cdn/a.mp4",
                                    extra={"described": False})
    assert [f.filename for f in uploaded_files({"file": {"filename": "b.wav"}}, ["b.wav"])
            ] == ["b.wav"]
    silent = uploaded_files({"session_state_applied": True}, ["a.mp4", "b.png"])
    assert [(f.filename, f.file_type) for f in silent] == [("a.mp4", "video"), ("b.png", "image")]
