"""End to end, as a user does it: a real JupyterLab, Debian's Chromium driven by Playwright, a
notebook that shows the widget, a generated clip chosen through the file input, the music chip,
the audio lane, the export, and a video element that can play. Screenshots of every step are
kept in ``test-artifacts/browser/`` (ignored by git)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.browser_lab import CHROMIUM, chromium_page, jupyter_lab, run_first_cell, write_notebook
from tests.media_factory import make_video

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "browser"
MUSIC_CHIP = "generate a background music track that matches the mood of my video"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK),
                       reason="Debian's chromium is not installed (.ci/run installs it)"),
]


@pytest.fixture
def artifacts() -> Path:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    print(f"screenshots: {ARTIFACTS}")
    return ARTIFACTS


def test_upload_music_export_and_play_in_jupyterlab(start_engine, tmp_path, artifacts):
    engine = start_engine()
    root = tmp_path / "lab"
    root.mkdir()
    clip = make_video(tmp_path / "holiday.mp4", seconds=3.0)
    write_notebook(root / "widget.ipynb",
                   ["from nemo_widgets.widget import NemoWidget\nw = NemoWidget()\nw"])
    config = tmp_path / "nemo-config"
    env = {"NEMO_API_URL": engine.url, "NEMO_CONFIG_DIR": str(config)}

    def shot(page, name: str) -> None:
        page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)

    with jupyter_lab(root, env, tmp_path / "lab.log") as lab, chromium_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        run_first_cell(page, lab, "widget.ipynb")
        widget = page.locator(".nemo-widget")
        widget.get_by_role("status").filter(has_text="Ready").wait_for(timeout=90_000)
        assert engine.url in widget.locator(".nemo-backend").inner_text()
        assert widget.locator(".nemo-credits").inner_text() == "100 credits"
        shot(page, "1-ready")

        widget.locator("input[type=file]").set_input_files(str(clip))
        item = widget.locator(".nemo-media-item", has_text="holiday.mp4")
        item.locator("img[src^='blob:']").wait_for(timeout=60_000)
        assert "0:03" in item.inner_text()
        shot(page, "2-uploaded")

        widget.get_by_role("button", name=MUSIC_CHIP).click()
        widget.locator(".nemo-lane[data-kind=audio] .nemo-segment").wait_for(timeout=120_000)
        widget.locator(".nemo-music audio[src^='blob:']").wait_for(timeout=60_000)
        assert "composed" in widget.locator(".nemo-msg-agent").last.inner_text()
        assert widget.locator(".nemo-credits").inner_text() != "100 credits"
        shot(page, "3-music")

        widget.get_by_role("button", name="Export the timeline as a 1080p MP4").click()
        video = widget.locator("video.nemo-video[src^='blob:']")
        video.wait_for(timeout=180_000)
        page.wait_for_function(
            "document.querySelector('video.nemo-video').readyState >= 3", timeout=60_000)
        assert page.evaluate("document.querySelector('video.nemo-video').videoWidth") == 1920
        link = widget.locator("a.nemo-download")
        assert link.get_attribute("download", timeout=5_000).endswith(".mp4")
        shot(page, "4-exported")

        page.keyboard.press("Control+s")
        page.wait_for_function("!document.querySelector('.jp-mod-dirty')", timeout=30_000)
        assert not errors, errors

    saved = (root / "widget.ipynb").read_text()
    tokens = [t for f in config.rglob("*") if f.is_file()
              for t in f.read_text(errors="ignore").split('"') if t.startswith("nmv_")]
    assert tokens and not any(token in saved for token in tokens)
    exported = list(root.glob("nemo-*.mp4"))
    assert len(exported) == 1 and len(saved) < 200_000 < exported[0].stat().st_size
