"""Attacks on the real engine over real HTTP (issue 12, the engine-http items), each asserting
the typed error a client gets and that nothing was let in or left behind."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from nemo_widgets import protocol
from nemo_widgets.engine.settings import Prices
from nemo_widgets.engine.store import Store
from tests.engine_api import EngineApi, texts
from tests.media_factory import make_video

RUN = {"app_name": "nemo_agent", "user_id": "me", "new_message": {"parts": [{"text": "hi"}]}}


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return make_video(tmp_path_factory.mktemp("hostile") / "clip.mp4", seconds=1.0)


def user(engine) -> tuple[EngineApi, str]:
    api = engine.api()
    api.login()
    return api, api.new_session()


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def placed_draft(api: EngineApi, session_id: str, clip: Path) -> dict:
    api.upload(session_id, clip)
    api.run(session_id, "add my video to the timeline")
    return api.state(session_id)["draft"]


# --- item 4: body size and auth before the body ------------------------------------------------
def test_a_huge_body_without_a_token_is_refused_before_it_is_read(shared_engine):
    api = shared_engine.api()
    before = rss_kb(shared_engine.info.pid)
    sent = [0]

    def body():
        for _ in range(200):  # 200 MiB, if the engine read it
            sent[0] += 1
            yield b"x" * (1 << 20)

    try:
        answer = api.http.post(protocol.PATH_RUN_SSE, content=body(),
                               headers={"content-type": "application/json"})
        assert answer.status_code == 401 and answer.json()["code"] == protocol.CODE_BAD_TOKEN
    except httpx.TransportError:
        pass  # the engine answered and closed while the client was still sending
    assert rss_kb(shared_engine.info.pid) - before < 50_000, "the body was not buffered"
    assert api.http.get("/healthz").status_code == 200


@pytest.mark.parametrize("declared", [True, False])
def test_a_json_body_over_the_limit_is_413_while_reading(shared_engine, declared):
    api, session_id = user(shared_engine)
    big = json.dumps({**RUN, "session_id": session_id,
                      "pad": "x" * (3 * 1024 * 1024)}).encode()
    content = big if declared else iter([big[i:i + 65536] for i in range(0, len(big), 65536)])
    answer = api.http.post(protocol.PATH_RUN_SSE, content=content,
                           headers={**api.auth, "content-type": "application/json"})
    assert answer.status_code == 413
    assert answer.json()["code"] == protocol.CODE_FILE_TOO_LARGE
    assert "NEMO_ENGINE_MAX_JSON_BYTES" in answer.json()["message"]


def test_a_422_does_not_echo_the_input(shared_engine):
    api, _ = user(shared_engine)
    answer = api.http.post(protocol.PATH_RUN_SSE, headers=api.auth,
                           json={"app_name": "nemo_agent", "secret_pad": "y" * 100_000})
    assert answer.status_code == 422 and len(answer.content) < 2000
    assert "yyyy" not in answer.text


# --- item 6: parseable but wrong input is a 4xx with a sentence, never a 500 ------------------
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_run_sse_in_the_wrong_content_type_is_422(shared_engine, content_type):
    api, session_id = user(shared_engine)
    body = json.dumps({**RUN, "session_id": session_id})
    answer = api.http.post(protocol.PATH_RUN_SSE, content=body,
                           headers={**api.auth, "content-type": content_type})
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body"]
    form = api.http.post(protocol.PATH_RUN_SSE, data={"app_name": "nemo_agent"},
                         headers=api.auth)
    assert form.status_code == 422


@pytest.mark.parametrize(("raw_draft", "words"), [
    ('{"t": true}', "`t` must be a list"),
    ('{"t": [{"tt": 0, "sg": 5}]}', "`sg` must be a list"),
    ('{"t": [], "d": 1e400}', "not finite"),
    ('{"t": [], "d": true}', "`d` must be"),
    ('{"t": [{"tt": 0, "sg": [{"kind": "video", "start_ms": "soon"}]}]}', "must be a number"),
    ('{"t": [{"tt": 0, "sg": [{"kind": "video", "source": 7}]}]}', "must be a string"),
    ('{"t": [], "m": ' + "[" * 900 + "]" * 900 + "}", "nested more than"),
])
def test_malformed_drafts_are_422_with_the_fix(shared_engine, raw_draft, words):
    api, _ = user(shared_engine)
    body = '{"id": "render_bad", "draft": ' + raw_draft + "}"
    answer = api.http.post(protocol.PATH_RENDER_SUBMIT, content=body,
                           headers={**api.auth, "content-type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == protocol.CODE_BAD_REQUEST and words in answer.json()["message"]


def test_json_nested_too_deep_to_parse_is_400(shared_engine):
    api, _ = user(shared_engine)
    body = '{"id": "r", "draft": ' + "[" * 50_000 + "]" * 50_000 + "}"
    answer = api.http.post(protocol.PATH_RENDER_SUBMIT, content=body,
                           headers={**api.auth, "content-type": "application/json"})
    assert answer.status_code == 422 and answer.json()["code"] == protocol.CODE_BAD_REQUEST
    assert "not valid JSON" in answer.json()["message"]


# --- item 8: a draft may only use its user's media --------------------------------------------
def test_another_users_media_cannot_be_rendered_by_its_hash(shared_engine, clip):
    owner, owner_session = user(shared_engine)
    draft = placed_draft(owner, owner_session, clip)
    cdn_url = owner.state(owner_session)["video_infos"][0]["cdn_url"]
    stolen_hash = cdn_url.rsplit("/", 1)[-1].split(".")[0]
    assert draft["t"][0]["sg"][0]["source"] == stolen_hash
    thief, _ = user(shared_engine)
    answer = thief.render("render_stolen", draft)
    assert answer.status_code == 422 and answer.json()["code"] == protocol.CODE_BAD_REQUEST
    assert "not yours" in answer.json()["message"]
    assert thief.http.get(protocol.PATH_RENDER_POLL.format(render_id="render_stolen"),
                          headers=thief.auth).status_code == 404, "no job was made"
    assert owner.render("render_mine", draft).status_code == 200


# --- item 9: render ids are scoped per user, the engine's own names are random ----------------
def test_render_ids_are_per_user_and_reveal_nothing(shared_engine, clip):
    alice, alice_session = user(shared_engine)
    bob, bob_session = user(shared_engine)
    alice_draft = placed_draft(alice, alice_session, clip)
    bob_draft = placed_draft(bob, bob_session, clip)
    assert alice.render("render_1700000000000", alice_draft).status_code == 200
    same_id = bob.render("render_1700000000000", bob_draft)
    assert same_id.status_code == 200, "another user's id is neither taken nor revealed"
    assert bob.poll("render_1700000000000")["id"] == "render_1700000000000"
    unknown = bob.http.get(protocol.PATH_RENDER_POLL.format(render_id="render_1"),
                           headers=bob.auth)
    assert unknown.status_code == 404
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = alice.poll("render_1700000000000")
        if job["status"] in protocol.RENDER_FINAL_STATES:
            break
        time.sleep(0.1)
    name = job["output"]["url"].rsplit("/", 1)[-1]
    assert len(name) == 36 and "1700000000000" not in name, "output names are random"


# --- item 10: the home is private ------------------------------------------------------------
def test_the_home_and_its_files_are_private(start_engine, clip):
    engine = start_engine(profile="local")
    api, session_id = user(engine)
    api.upload(session_id, clip)
    home = engine.home
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for path in home.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        if path.is_dir():
            assert mode == 0o700, path
        elif path.name != "engine.lock":
            assert mode & 0o077 == 0, f"{path} is {oct(mode)}"
    assert {"engine.sqlite3", "engine.json", "engine.log"} <= {p.name for p in home.iterdir()}


# --- item 11: beyond loopback, a loud warning and a bearer on every route; Host allow-list ----
def test_a_host_header_outside_the_allow_list_is_refused(shared_engine):
    api = shared_engine.api()
    rebinding = api.http.get(protocol.PATH_HEALTH, headers={"host": "attacker.example:80"})
    assert rebinding.status_code == 400 and "DNS rebinding" in rebinding.json()["message"]
    assert api.http.get(protocol.PATH_HEALTH, headers={"host": "localhost"}).status_code == 200


def test_serving_beyond_loopback_warns_and_locks_every_route(tmp_path):
    env = {**os.environ, "NEMO_HOME": str(tmp_path), "NEMO_ENGINE_ACCESS_KEY": "k" * 40}
    process = subprocess.Popen([sys.executable, "-m", "nemo_widgets.engine", "--host",
                                "0.0.0.0", "--port", "0"], env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert process.stderr is not None and process.stdout is not None
        warning = process.stderr.readline()
        assert warning.startswith("WARNING") and "beyond this machine's loopback" in warning
        assert "k" * 40 not in warning
        url = process.stdout.readline().split("listening on ", 1)[1].split()[0]
        url = url.replace("0.0.0.0", "127.0.0.1")
        with httpx.Client(base_url=url, timeout=10) as http:
            for method, path in (("GET", protocol.PATH_HEALTH), ("GET", "/openapi.json"),
                                 ("GET", "/media/" + "0" * 64 + ".mp4"),
                                 ("POST", protocol.PATH_ANONYMOUS_TOKEN)):
                answer = http.request(method, path, headers={protocol.HEADER_CLIENT_ID: "c"})
                assert answer.status_code == 401, (method, path)
                assert answer.json()["code"] == protocol.CODE_BAD_TOKEN
            key = {"Authorization": "Bearer " + "k" * 40}
            assert http.get(protocol.PATH_HEALTH, headers=key).status_code == 200
            token = http.post(protocol.PATH_ANONYMOUS_TOKEN, headers={
                **key, protocol.HEADER_CLIENT_ID: "c"}).json()["data"]["token"]
            mine = {"Authorization": f"Bearer {token}"}
            assert http.get(protocol.PATH_CREDITS, headers=mine).json()["code"] == 0
            refused = http.post(protocol.PATH_ANONYMOUS_TOKEN, headers={
                **mine, protocol.HEADER_CLIENT_ID: "c2"})
            assert refused.status_code == 401, "only the access key mints tokens"
    finally:
        process.terminate()
        process.wait(timeout=15)


# --- item 13 (engine side) and issue 13: renewal never locks a client id out ------------------
def test_renewing_near_or_after_expiry_is_never_429(start_engine):
    engine = start_engine(profile="cloud", token_ttl_s=3)
    api = engine.api()
    first = api.login()
    assert api.new_token().status_code == 429, "a live token: the cloud's limit holds"
    time.sleep(2.5)  # half a second left: renewal time
    renewed = api.new_token()
    assert renewed.status_code == 200, renewed.text
    assert renewed.json()["data"]["user_id"] == first["user_id"], "the same user goes on"
    assert renewed.json()["data"]["credits"] == 100, "a renewal grants nothing new"
    time.sleep(3.1)  # now both tokens have expired
    assert api.new_token().status_code == 200


def test_the_local_profile_never_walls_its_user(start_engine, clip):
    engine = start_engine(profile="local", anonymous_credits=10, prices=Prices(edit=6))
    api = engine.api()
    first = api.login()
    again = api.new_token()
    assert again.status_code == 200 and again.json()["data"]["user_id"] == first["user_id"]
    session_id = api.new_session()
    api.upload(session_id, clip)
    for text in ("add my video to the timeline", 'add a title "One"', 'add a title "Two"',
                 "mute the original audio"):
        events = api.run(session_id, text)
        assert not any(isinstance(e, dict) and e.get("errorCode") for e in events), text
        assert texts(events), text
    assert api.credits()["available"] >= 0
    store = Store(engine.home / "engine.sqlite3")
    try:
        ledger = store.ledger(first["user_id"])
    finally:
        store.close()
    assert [e.action for e in ledger].count("charge:edit") == 4, "every edit is in the history"
    assert any(e.ref == "local-top-up" for e in ledger)


# --- item 14: 405 with Allow; the OpenAPI lists the real statuses and constraints -------------
def test_405_names_the_allowed_methods(shared_engine):
    api, _ = user(shared_engine)
    answer = api.http.put(protocol.PATH_CREDITS, headers=api.auth)
    assert answer.status_code == 405 and answer.headers["allow"] == "GET"
    answer = api.http.delete(protocol.PATH_RENDER_SUBMIT, headers=api.auth)
    assert answer.status_code == 405 and answer.headers["allow"] == "POST"


def test_openapi_documents_answers_errors_and_constraints(shared_engine):
    spec = shared_engine.api().http.get("/openapi.json").json()
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            responses = operation["responses"]
            assert "200" in responses, (method, path)
            assert responses["200"].get("content"), f"{method} {path} has no answer schema"
            if path not in (protocol.PATH_HEALTH,) and not path.startswith(
                    ("/media", "/renders", "/generated")):
                assert {"401"} <= set(responses) or path == protocol.PATH_ANONYMOUS_TOKEN, path
    poll = spec["paths"][protocol.PATH_RENDER_POLL]["get"]
    render_id = next(p for p in poll["parameters"] if p["name"] == "render_id")
    assert render_id["schema"]["pattern"] == r"^[A-Za-z0-9_.:-]{1,128}$"
    assert {"401", "404", "422"} <= set(poll["responses"])
    submit = spec["paths"][protocol.PATH_RENDER_SUBMIT]["post"]["responses"]
    assert {"400", "401", "409", "413", "422"} <= set(submit)
    assert "/api/state/nemo_agent/{user}/{session_id}/latest" in spec["paths"]
