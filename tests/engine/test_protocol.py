"""The engine's protocol surface over real HTTP: tokens, sessions, credits, codes and envelopes."""

from __future__ import annotations

import time

from nemo_widgets import protocol
from tests.engine_api import EngineApi


def test_anonymous_token_needs_a_client_id_and_grants_100_credits(start_engine):
    api = start_engine().api()
    missing = api.http.post(protocol.PATH_ANONYMOUS_TOKEN)
    assert missing.status_code == 400
    data = api.login()
    assert data["token"].startswith("nmv_usr_")
    assert data["user_id"].startswith("anon_")
    assert data["credits"] == 100
    assert "T" in data["expires_at"]
    assert api.credits() == {"available": 100, "frozen": 0, "total": 100}


def test_one_token_per_client_per_window_on_the_cloud(start_engine):
    api = start_engine(profile="cloud").api()
    api.login()
    again = api.new_token()
    assert again.status_code == 429
    assert again.json()["code"] == 429 and "NEMO_ENGINE_PROFILE" in again.json()["message"]
    other_client = api.new_token(client_id="another-client")
    assert other_client.status_code == 200


def test_expired_token_answers_1001(start_engine):
    api = start_engine(token_ttl_s=1).api()
    api.login()
    time.sleep(1.2)
    answer = api.http.get(protocol.PATH_CREDITS, headers=api.auth)
    assert answer.status_code == 401
    assert answer.json()["code"] == protocol.CODE_BAD_TOKEN
    no_token = api.http.get(protocol.PATH_CREDITS)
    assert no_token.json()["code"] == protocol.CODE_BAD_TOKEN


def test_errors_as_http_200_with_code(start_engine):
    api = start_engine(profile="cloud", errors_as_200=True).api()
    api.login()
    answer = api.http.get(protocol.PATH_STATE.format(session_id="nope"), headers=api.auth)
    assert answer.status_code == 200
    assert answer.json()["code"] == protocol.CODE_SESSION_NOT_FOUND


def test_sessions_accept_me_real_id_and_missing_user_id(shared_engine):
    api = shared_engine.api()
    api.login()
    session_id = api.new_session()
    real = api.http.get(f"/api/state/nemo_agent/{api.user_id}/{session_id}/latest",
                        headers=api.auth)
    assert real.json()["code"] == 0
    state = real.json()["data"]
    assert state["session_id"] == session_id and state["task_id"].startswith("task_")
    assert set(state["state"]) >= {"draft", "video_infos", "canvas_config", "generated_media"}
    assert state["state"]["canvas_config"]["width"] == 1920
    events = api.run(session_id, "describe the timeline")
    assert events, "a turn with no user_id key must still run"
    body = {"app_name": "nemo_agent", "session_id": session_id,
            "new_message": {"parts": [{"text": "show tracks"}]}}
    no_user = api.http.post(protocol.PATH_RUN_SSE, headers=api.auth, json=body)
    assert no_user.status_code == 200
    camel = {"appName": "nemo_agent", "userId": api.user_id, "sessionId": session_id,
             "newMessage": {"parts": [{"text": "show tracks"}]}}
    assert api.http.post(protocol.PATH_RUN_SSE, headers=api.auth, json=camel).status_code == 200


def test_unknown_session_is_1002_and_adk_404(shared_engine):
    api = shared_engine.api()
    api.login()
    state = api.http.get(protocol.PATH_STATE.format(session_id="sess_missing"), headers=api.auth)
    assert state.status_code == 404 and state.json()["code"] == protocol.CODE_SESSION_NOT_FOUND
    run = api.http.post(protocol.PATH_RUN_SSE, headers=api.auth, json={
        "app_name": "nemo_agent", "user_id": "me", "session_id": "sess_missing",
        "new_message": {"parts": [{"text": "hi"}]}})
    assert run.status_code == 404 and run.json() == {"detail": "Session not found"}


def test_another_users_session_is_not_found(shared_engine):
    owner, stranger = shared_engine.api(), shared_engine.api()
    owner.login()
    stranger.login()
    session_id = owner.new_session()
    answer = stranger.http.get(protocol.PATH_STATE.format(session_id=session_id),
                               headers=stranger.auth)
    assert answer.json()["code"] == protocol.CODE_SESSION_NOT_FOUND


def test_bad_bodies_are_422_not_crashes(shared_engine):
    api = shared_engine.api()
    api.login()
    session_id = api.new_session()
    raw = api.http.post(protocol.PATH_RUN_SSE, headers={**api.auth, "content-type":
                        "application/json"}, content=b"{not json")
    assert raw.status_code == 422
    missing = api.http.post(protocol.PATH_RUN_SSE, headers=api.auth,
                            json={"app_name": "nemo_agent"})
    assert missing.status_code == 422
    render = api.http.post(protocol.PATH_RENDER_SUBMIT, headers=api.auth, json={"id": 5})
    assert render.status_code == 422 and render.json()["code"] == protocol.CODE_BAD_REQUEST
    session = api.http.post(protocol.PATH_CREATE_SESSION, headers=api.auth,
                            json={"task_name": ["x"]})
    assert session.status_code == 422
    assert api.state(session_id)["draft"]["t"] == []
    assert api.http.get("/healthz").json()["status"] == "ok"


def test_claim_token(shared_engine):
    api = shared_engine.api()
    api.login()
    session_id = api.new_session()
    task_id = api.http.get(protocol.PATH_STATE.format(session_id=session_id),
                           headers=api.auth).json()["data"]["task_id"]
    answer = api.http.post(protocol.PATH_CLAIM_TOKEN, headers=api.auth,
                           json={"task_id": task_id, "session_id": session_id})
    data = answer.json()["data"]
    assert data["claim_token"].startswith("clm_") and data["expires_in"] == 604800
    wrong = api.http.post(protocol.PATH_CLAIM_TOKEN, headers=api.auth,
                          json={"task_id": "task_x", "session_id": session_id})
    assert wrong.json()["code"] == protocol.CODE_SESSION_NOT_FOUND


def test_token_never_in_logs_or_state(start_engine):
    engine = start_engine()
    api: EngineApi = engine.api()
    api.login()
    session_id = api.new_session()
    api.run(session_id, "show tracks")
    assert api.token
    log_text = (engine.home / "engine.log").read_text(errors="replace")
    db_bytes = (engine.home / "engine.sqlite3").read_bytes()
    assert api.token not in log_text
    assert api.token.encode() not in db_bytes
