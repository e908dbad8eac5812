""""Make it vertical" on a landscape video fills the 9:16 frame (issue 13, item 7): the draft's
``m.fit`` is ``crop`` unless the user asks to keep the whole picture (``pad``). Checked on the
rendered frames with PyAV, through the real engine and its agent."""

from __future__ import annotations

from pathlib import Path

import av
import httpx
import numpy as np
import pytest

from tests.engine.hostile import wait_for_render
from tests.engine_api import EngineApi
from tests.media_factory import make_video


def _frame(path: Path, seconds: float = 0.5) -> np.ndarray:
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if frame.time is not None and frame.time + 1e-3 >= seconds:
                rgb: np.ndarray = frame.to_ndarray(format="rgb24").astype(np.float64)
                return rgb
    raise AssertionError("no frame")


def _edges(rgb: np.ndarray) -> dict[str, float]:
    """Mean brightness of a 4 % strip along each edge of the frame."""
    h, w = rgb.shape[:2]
    band_h, band_w = max(1, h // 25), max(1, w // 25)
    return {"top": rgb[:band_h].mean(), "bottom": rgb[-band_h:].mean(),
            "left": rgb[:, :band_w].mean(), "right": rgb[:, -band_w:].mean()}


def _render(api: EngineApi, session_id: str, render_id: str, tmp_path: Path) -> Path:
    draft = api.state(session_id)["draft"]
    assert api.render(render_id, draft, session_id).status_code == 200
    job = wait_for_render(api, render_id)
    assert job["status"] == "completed", job
    out = tmp_path / f"{render_id}.mp4"
    out.write_bytes(httpx.get(job["output"]["url"], timeout=60).content)
    return out


@pytest.fixture(scope="module")
def landscape(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("fit") / "wide.mp4", seconds=1.0,
                      size="640x360", pattern="testsrc")


def test_make_it_vertical_fills_the_frame_unless_asked_to_keep_it_whole(
        shared_engine, landscape: Path, tmp_path: Path) -> None:
    api = shared_engine.api()
    api.login()
    session_id = api.new_session()
    assert api.upload(session_id, landscape).status_code == 200
    api.run(session_id, "add my video to the timeline")
    api.run(session_id, "make it vertical")
    state = api.state(session_id)
    assert (state["draft"]["m"]["width"], state["draft"]["m"]["height"]) == (1080, 1920)
    assert state["draft"]["m"].get("fit", "crop") == "crop"
    filled = _frame(_render(api, session_id, "render_vertical", tmp_path))
    assert filled.shape[:2] == (1920, 1080)
    edges = _edges(filled)
    assert min(edges.values()) > 30, f"black edges: {edges}"

    api.run(session_id, "keep the whole picture")
    assert api.state(session_id)["draft"]["m"]["fit"] == "pad"
    whole = _frame(_render(api, session_id, "render_letterbox", tmp_path))
    boxed = _edges(whole)
    assert boxed["top"] < 5 and boxed["bottom"] < 5, f"letterbox bars expected: {boxed}"
    lit_rows = np.flatnonzero(whole.mean(axis=(1, 2)) > 5)
    # the whole 16:9 picture, 1080 wide, is 607 rows tall in the middle of the 9:16 frame
    assert abs(len(lit_rows) - 607) <= 8 and abs(lit_rows.mean() - 960) <= 8
