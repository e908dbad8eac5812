"""Held render polls (``?wait=``, an engine extension): over real HTTP against a real engine,
a poll answers the moment the render has news, and the client notices a finished render
without its back-off wait."""

from __future__ import annotations

import itertools
import time

import av
import pytest

from nemo_widgets import protocol
from nemo_widgets.client import ClientSettings, NemoClient
from tests.media_factory import make_video


@pytest.fixture(scope="module")
def local_engine(tmp_path_factory):
    """A user's own engine (profile ``local``): the one that holds polls."""
    from nemo_widgets.engine.server import ensure_engine
    from nemo_widgets.engine.settings import EngineSettings
    from tests.conftest import RunningEngine

    settings = EngineSettings.from_env(env={}, home=tmp_path_factory.mktemp("held-home"),
                                       keepalive_s=1.0, profile="local")
    running = RunningEngine(settings, ensure_engine(settings))
    yield running
    running.stop()


def _renderable_session(url: str, tmp_path, config) -> str:
    clip = make_video(tmp_path / "clip.mp4", seconds=2.0)
    with NemoClient(url, settings=ClientSettings(config_dir=config)) as client:
        conv = client.conversation()
        conv.upload(clip)
        assert conv.ask("add my video to the timeline").ok
        return str(conv.session_id)


@pytest.mark.timeout(120)
def test_a_held_poll_answers_with_news_and_says_it_waited(local_engine, tmp_path):
    session = _renderable_session(local_engine.url, tmp_path, tmp_path / "cfg")
    api = local_engine.api()  # the same user as the client: its saved client id
    api.client_id = (tmp_path / "cfg" / "client_id").read_text().strip()
    api.login()
    assert api.render("held_1", api.state(session)["draft"], session).status_code == 200
    path = protocol.PATH_RENDER_POLL.format(render_id="held_1")
    plain = api.http.get(path, headers=api.auth)
    assert protocol.HEADER_RENDER_WAITED not in plain.headers, "only when asked"
    answers = []
    for _ in range(60):  # never sleeps: each poll is held by the engine until there is news
        held = api.http.get(path, params={"wait": 10}, headers=api.auth)
        assert held.status_code == 200
        assert float(held.headers[protocol.HEADER_RENDER_WAITED]) <= 10.5
        answers.append(held.json())
        if answers[-1]["status"] in ("completed", "failed"):
            break
    assert answers[-1]["status"] == "completed", answers[-1]
    progress = [a["progress"] for a in answers]
    assert progress == sorted(progress) and len(answers) <= 25, "news only: ~5-point steps"
    again = api.http.get(path, params={"wait": 10}, headers=api.auth)
    assert again.headers[protocol.HEADER_RENDER_WAITED] == "0.000", "a finished job: no wait"
    assert api.http.get(path, params={"wait": -1}, headers=api.auth).status_code == 422


@pytest.mark.timeout(90)
def test_the_client_notices_a_finished_render_without_its_back_off(local_engine, tmp_path):
    # A back-off of 10 minutes: were the poll not held, the export would outlive the timeout.
    settings = ClientSettings(config_dir=tmp_path / "cfg", render_poll_s=600,
                              render_poll_max_s=600)
    clip = make_video(tmp_path / "clip.mp4", seconds=2.0)
    seen: list[tuple[str, float]] = []
    with NemoClient(local_engine.url, settings=settings) as client:
        conv = client.conversation()
        conv.upload(clip)
        assert conv.ask("add my video to the timeline").ok
        result = conv.export(tmp_path / "out.mp4",
                             on_progress=lambda stage, f: seen.append((stage, f)))
    rendering = [f for s, f in seen if s == "render"]
    assert rendering[0] < 1.0, "the first poll found the render unfinished..."
    assert rendering[-1] == 1.0 and ("download", 1.0) in seen, "...and no back-off followed"
    with av.open(str(result.path)) as container:
        assert container.streams.video and container.streams.audio
        assert float(container.duration) / av.time_base == pytest.approx(2.0, abs=0.15)


@pytest.mark.timeout(120)
def test_the_cloud_profile_ignores_wait_and_the_client_backs_off(shared_engine, tmp_path):
    """The cloud profile answers polls at once, as the cloud does: no header, and the client
    follows the render with its back-off (its polls are spaced by ``render_poll_s``)."""
    settings = ClientSettings(config_dir=tmp_path / "cfg", render_poll_s=0.4,
                              render_poll_max_s=0.4)
    clip = make_video(tmp_path / "clip.mp4", seconds=2.0)
    seen: list[float] = []
    with NemoClient(shared_engine.url, settings=settings) as client:
        conv = client.conversation()
        conv.upload(clip)
        assert conv.ask("add my video to the timeline").ok
        result = conv.export(tmp_path / "out.mp4",
                             on_progress=lambda stage, f: stage == "render" and seen.append(
                                 time.monotonic()))
        api = shared_engine.api()
        api.client_id = (tmp_path / "cfg" / "client_id").read_text().strip()
        api.login()
        held = api.http.get(protocol.PATH_RENDER_POLL.format(render_id=result.render_id),
                            params={"wait": 5}, headers=api.auth)
    assert held.status_code == 200 and protocol.HEADER_RENDER_WAITED not in held.headers
    gaps = [b - a for a, b in itertools.pairwise(seen)]
    assert gaps and min(gaps) >= 0.35, f"back-off between polls: {gaps}"
