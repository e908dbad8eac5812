"""End to end, as a user does it: a real JupyterLab, Debian's Chromium driven by Playwright, a
notebook that shows the widget. One pass goes through what issue 13 asks of the widget:
shortcut keys stay in the prompt; a text file named .mp4 is refused on its own row; the music
chip; the audition plays the video with the music in sync; versions, A/B, "use this one" and
undo; a prompt sent during an export waits while the export's progress stays on screen; the
contrast of every text in the light and the dark theme; no overlapping labels at 600 px; a
kernel restart says "Disconnected" and re-running the cell returns to the same session.
Screenshots of every step land in ``test-artifacts/browser/`` (ignored by git)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from tests.browser_lab import (
    CHROMIUM,
    chromium_page,
    jupyter_lab,
    restart_kernel,
    run_first_cell,
    write_notebook,
)
from tests.media_factory import make_cut_video

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
DOCS = ROOT / "docs" if os.environ.get("NEMO_UPDATE_DOCS") == "1" else ARTIFACTS
"""Where the two pictures for docs/widget.md go: ``NEMO_UPDATE_DOCS=1`` refreshes the ones in
``docs/``; otherwise they stay with the other screenshots."""
MUSIC_CHIP = "generate a background music track that matches the mood of my video"
CHECKS = (Path(__file__).parent / "page_checks.js").read_text()
"""Functions run in the page: ``contrast``, ``overlaps``, ``watchExport``."""


def check(page: Any, name: str, target: Any = None) -> Any:
    """Run one of ``page_checks.js``'s functions in the page."""
    return page.evaluate(f"(target) => ({CHECKS}).{name}(target)", target)


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK),
                       reason="Debian's chromium is not installed (.ci/run installs it)"),
]


def widget_width(page: Any, widget: Any, target: int) -> None:
    """Resize the page until the widget is ``target`` px wide (JupyterLab takes the rest)."""
    for _ in range(5):
        page.wait_for_timeout(400)
        width = widget.bounding_box()["width"]
        if abs(width - target) < 4:
            return
        page.set_viewport_size({"width": round(page.evaluate("innerWidth") + target - width),
                                "height": 1400})
    raise AssertionError(f"the widget is {widget.bounding_box()['width']} px wide")


def docs_picture(page: Any, widget: Any, path: Path) -> None:
    """The widget's top (header to the versions) for docs/widget.md, a small PNG."""
    widget.scroll_into_view_if_needed()
    page.evaluate("(el) => el.scrollIntoView({block: 'start'})", widget.element_handle())
    box = widget.bounding_box()
    bottom = widget.locator(".nemo-versions").bounding_box()
    height = min(page.viewport_size["height"] - box["y"], bottom["y"] + bottom["height"] + 8
                 - box["y"])
    page.screenshot(path=str(path), clip={"x": box["x"], "y": box["y"],
                                          "width": box["width"], "height": height})


@pytest.fixture
def artifacts() -> Path:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    print(f"screenshots: {ARTIFACTS}")
    return ARTIFACTS


def _count(widget: Any, selector: str) -> int:
    return int(widget.locator(selector).count())


def test_the_widget_in_jupyterlab(start_engine, tmp_path, artifacts):
    engine = start_engine()
    root = tmp_path / "lab"
    root.mkdir()
    clip = make_cut_video(tmp_path / "holiday.mp4", cuts=[1.5, 3.0], seconds=4.0)
    fake = tmp_path / "notes.mp4"
    fake.write_text("these are notes, not a video\n" * 50)
    write_notebook(root / "widget.ipynb",
                   ["from nemo_widgets import NemoWidget\nw = NemoWidget()\nw"])
    config = tmp_path / "nemo-config"
    env = {"NEMO_API_URL": engine.url, "NEMO_CONFIG_DIR": str(config)}
    step = iter(range(1, 100))

    def shot(page: Any, name: str) -> None:
        page.screenshot(path=str(artifacts / f"{next(step):02d}-{name}.png"), full_page=True)

    with jupyter_lab(root, env, tmp_path / "lab.log") as lab, chromium_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        to_engine: list[str] = []  # the page must never ask the engine for anything
        page.on("request", lambda request: to_engine.append(request.url)
                if request.url.startswith(engine.url) else None)
        run_first_cell(page, lab, "widget.ipynb")
        widget = page.locator(".nemo-widget")
        widget.get_by_role("status").filter(has_text="Ready").wait_for(timeout=90_000)
        port = engine.url.rsplit(":", 1)[1]
        assert widget.locator(".nemo-backend").inner_text() == f"local engine · port {port}"
        session = widget.locator(".nemo-session").inner_text()
        assert session.startswith("session ")
        shot(page, "ready")

        # 1. Keys typed in the prompt never reach JupyterLab's shortcuts.
        cells = _count(page, ".jp-Notebook .jp-Cell")
        prompt = widget.locator(".nemo-prompt")
        prompt.click()
        prompt.press_sequentially("first line")
        for key in ("Shift+Enter", "a", "b", "x", "d", "d", "m", "z", "ArrowUp", "ArrowDown"):
            page.keyboard.press(key)
        assert prompt.input_value() == "first line\nabxddmz"
        assert _count(page, ".jp-Notebook .jp-Cell") == cells, "no cell was added or removed"
        assert _count(page, ".nemo-widget") == 1, "the cell was not run again"
        assert not page.locator(".jp-Notebook .jp-mod-dirty").count()
        page.keyboard.press("Escape")
        assert not page.evaluate("document.activeElement.classList.contains('nemo-prompt')")
        prompt.fill("")
        shot(page, "keys-stay-in-the-prompt")

        # 2. Uploads tell the truth: the video is added, the text file named .mp4 refused.
        widget.locator("input[type=file]").set_input_files([str(clip), str(fake)])
        item = widget.locator(".nemo-media-item", has_text="holiday.mp4")
        item.locator("img[src^='blob:']").wait_for(timeout=60_000)
        refused = widget.locator(".nemo-transfer[data-state=refused]")
        refused.wait_for(timeout=60_000)
        assert "notes.mp4" in refused.locator(".nemo-transfer-reason").inner_text()
        assert widget.locator(".nemo-transfer", has_text="holiday.mp4").get_attribute(
            "data-state") == "added"
        assert "done" not in widget.locator(".nemo-transfers").inner_text()
        shot(page, "uploads")

        # 3. Music: the lane with its waveform, the version list, chips that follow.
        widget.get_by_role("button", name=MUSIC_CHIP).click()
        widget.locator(".nemo-lane[data-kind=audio] .nemo-wave path").wait_for(timeout=120_000)
        widget.locator(".nemo-version[data-version='1']").wait_for(timeout=30_000)
        assert _count(widget, ".nemo-lane[data-kind=audio] .nemo-beat") > 2
        assert _count(widget, ".nemo-lane[data-kind=video] .nemo-cut") == 2
        chips = widget.locator(".nemo-chip").all_inner_texts()
        assert chips == ["another version", "calmer", "more upbeat", "undo"]
        assert _count(widget, "button:has-text('Export')") == 1, "one Export control"
        shot(page, "music")

        # 4. Audition: the video plays with the music under it, in sync.
        widget.locator("video.nemo-audition-video[src^='blob:']").wait_for(timeout=60_000)
        widget.locator("audio.nemo-audition-audio[src^='blob:']").wait_for(
            state="attached", timeout=60_000)
        widget.get_by_role("button", name="Play the audition").click()
        page.wait_for_function("document.querySelector('.nemo-audition-video').currentTime > 1",
                               timeout=20_000)
        timing = page.evaluate("""() => {
            const v = document.querySelector('.nemo-audition-video');
            const a = document.querySelector('.nemo-audition-audio');
            return {video: v.currentTime, audio: a.currentTime, audioPaused: a.paused,
                    head: document.querySelector('.nemo-playhead').style.left};
        }""")
        assert timing["video"] > 1 and not timing["audioPaused"], timing
        assert abs(timing["audio"] - timing["video"]) < 0.3, timing
        assert "calc(" in timing["head"], "the playhead moves across the lanes"
        shot(page, "audition")
        widget.get_by_role("button", name="Pause the audition").click()

        # 5. Versions: another one, and A/B between them under the same picture.
        widget.get_by_role("button", name="another version").click()
        widget.locator(".nemo-version[data-version='2'][data-in-use=true]").wait_for(
            timeout=120_000)
        first = widget.locator(".nemo-version[data-version='1']")
        first.get_by_role("button", name="Play version 1 under the video").click()
        assert "Hearing B: v1" in widget.locator(".nemo-hearing").inner_text()
        widget.locator(".nemo-ab").click()
        assert "Hearing A: v2" in widget.locator(".nemo-hearing").inner_text()
        shot(page, "versions-a-b")

        # 6. A prompt during an export waits, visibly; the export's progress stays on screen.
        widget.get_by_role("status").filter(has_text="Ready").wait_for(timeout=60_000)
        check(page, "watchExport")  # what the page shows while the export runs
        widget.get_by_role("button", name="Export the timeline as a 1080p MP4").click()
        prompt.fill("calmer")
        prompt.press("Enter")
        widget.locator(".nemo-msg-user", has_text="calmer").wait_for(timeout=10_000)
        shot(page, "export-with-a-queued-prompt")
        video = widget.locator("video.nemo-video[src^='blob:']")
        video.wait_for(timeout=180_000)
        page.wait_for_function(
            "document.querySelector('video.nemo-video').readyState >= 2", timeout=60_000)
        assert page.evaluate("document.querySelector('video.nemo-video').videoWidth") == 1920
        assert widget.locator(".nemo-rendered").inner_text().startswith("Rendered from:")
        widget.get_by_role("status").filter(has_text="Ready").wait_for(timeout=120_000)
        assert widget.locator(".nemo-msg-user", has_text="calmer").get_attribute(
            "data-queued") == "false"
        seen = page.evaluate("window.nemoSeen")
        assert any("queued" in row for row in seen["queued"]), seen
        assert seen["progress"] and all("Rendering" in t or "Fetching" in t or "Export" in t
                                        for t in seen["progress"]), seen
        assert seen["progressWhileQueued"], "the export's bar stayed while the prompt waited"
        shot(page, "exported")

        # 7. Contrast, light theme; no overlapping labels at 400 and 600 px.
        low = [c for c in check(page, "contrast", widget.element_handle()) if c["ratio"] < 4.5]
        assert not low, low
        page.evaluate("() => { window.jupyterapp.commands.execute("
                      "'application:toggle-left-area'); }")
        for width in (400, 600):
            widget_width(page, widget, width)
            assert check(page, "overlaps", widget.element_handle()) == [], width
        docs_picture(page, widget, DOCS / "widget-light.png")
        shot(page, "600px-light")

        # 8. Dark theme.
        page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', "
                      "{theme: 'JupyterLab Dark'})")
        page.wait_for_function("document.body.dataset.jpThemeLight === 'false'",
                               timeout=30_000)
        page.wait_for_timeout(500)
        low = [c for c in check(page, "contrast", widget.element_handle()) if c["ratio"] < 4.5]
        assert not low, low
        assert check(page, "overlaps", widget.element_handle()) == []
        docs_picture(page, widget, DOCS / "widget-dark.png")
        shot(page, "600px-dark")

        # 9. A kernel restart: the old view says so; re-running the cell returns to the session.
        restart_kernel(page)
        widget.get_by_role("status").filter(has_text="Disconnected — run the cell again"
                                            ).wait_for(timeout=60_000)
        assert widget.locator(".nemo-prompt").is_disabled()
        assert widget.locator(".nemo-export").is_disabled()
        shot(page, "disconnected")
        time.sleep(1)
        run_first_cell(page, lab, "widget.ipynb", navigate=False)
        widget = page.locator(".nemo-widget")
        widget.get_by_role("status").filter(has_text="Ready").wait_for(timeout=90_000)
        assert widget.locator(".nemo-session").inner_text() == session
        widget.locator(".nemo-lane[data-kind=audio] .nemo-wave path").wait_for(timeout=60_000)
        assert _count(widget, ".nemo-version") >= 2
        widget.locator(".nemo-media-item img[src^='blob:']").wait_for(timeout=60_000)
        shot(page, "same-session-after-restart")

        # 10. "Use this one" puts a version in the draft; undo restores the draft before it.
        first = widget.locator(".nemo-version[data-version='1']")
        before = widget.locator(".nemo-version[data-in-use=true]").get_attribute("data-version")
        assert before != "1"
        first.get_by_role("button", name="Use version 1 as the background music").click()
        widget.locator(".nemo-version[data-version='1'][data-in-use=true]").wait_for(
            timeout=60_000)  # the in-use mark is read from the draft's BGM lane
        assert _count(widget, ".nemo-version[data-in-use=true]") == 1
        widget.get_by_role("status").filter(has_text="Ready").wait_for(timeout=60_000)
        widget.get_by_role("button", name="Undo the last change of the timeline").click()
        widget.locator(f".nemo-version[data-version='{before}'][data-in-use=true]").wait_for(
            timeout=60_000)  # undo restored the draft before "use this one"
        shot(page, "versions-and-undo")
        links = page.evaluate("""(root) => [...root.querySelectorAll('[src], [href]')]
            .map(el => el.getAttribute('src') || el.getAttribute('href'))""",
                              widget.element_handle())
        assert links and all(link.startswith("blob:") for link in links), links
        assert to_engine == [], "every byte the widget shows came through the kernel"
        assert not errors, errors
