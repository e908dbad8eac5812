"""Browser → kernel upload throughput of the widget, beside JupyterLab's own upload, measured in
the same run, the same page and the same browser.

Run as ``python benchmarks/widget_upload.py [--size-mb 200] [--reps 2]``. It writes a WAV file
(silence with a valid header, not timed), starts an engine, a JupyterLab server and Debian's
Chromium, shows the widget, and then alternates, ``--reps`` times each:

- **widget**: the file chosen through the widget's file input; timed from the first message to
  the kernel's ``upload-done`` (every 1 MiB chunk acknowledged, written to a temporary file,
  SHA-256 checked per chunk and for the whole file), as the view records it on the row
  (``data-transfer-ms``). The hand-over to the engine that follows is not part of it.
- **baseline**: the same ``File`` object saved to the server by JupyterLab's own upload route
  (``PUT /api/contents`` in 1 MiB base64 chunks, what the file browser's upload button does),
  timed in the page.

Playwright only prepares the page (opens the notebook, runs the cell) and then detaches: the
timings run with nothing but a bare DevTools connection attached (``DevToolsPage``), because
Playwright's network instrumentation copies every websocket frame to its driver and, attached,
halved both throughputs (a cost no user's browser pays).

It prints each side's best (least disturbed) throughput and their ratio; the target is a widget
throughput of at least 30 MB/s on loopback.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.upload import write_wav  # noqa: E402
from nemo_widgets.engine.server import ensure_engine, stop_engine  # noqa: E402
from nemo_widgets.engine.settings import EngineSettings  # noqa: E402
from tests.browser_lab import (  # noqa: E402
    DevToolsPage,
    Lab,
    chromium_debug_port,
    jupyter_lab,
    run_first_cell,
    write_notebook,
)

MB = 1_000_000

# JupyterLab's file-browser upload, as its source does it: 1 MiB slices, base64, PUT with
# chunk numbers (-1 marks the last one).
BASELINE_JS = """
async ([token, name]) => {
  const file = document.querySelector('#bench-input').files[0];
  const size = 1024 * 1024;
  const started = performance.now();
  for (let start = 0, n = 1; start < file.size; start += size, n += 1) {
    const bytes = new Uint8Array(await file.slice(start, start + size).arrayBuffer());
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    const last = start + size >= file.size;
    const answer = await fetch(`/api/contents/${name}`, {
      method: 'PUT',
      headers: {Authorization: `token ${token}`, 'Content-Type': 'application/json'},
      body: JSON.stringify({type: 'file', format: 'base64', name, path: name,
                            content: btoa(binary), chunk: last ? -1 : n}),
    });
    if (!answer.ok) throw new Error(`contents API answered ${answer.status}`);
  }
  return performance.now() - started;
}
"""


def prepare_page(port: int, lab: Lab) -> None:
    """With Playwright: open the notebook, run the widget's cell, wait for "Ready" and add the
    baseline's file input; then detach, so that nothing observes the page while it is timed
    (see ``DevToolsPage``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
        try:
            page = browser.contexts[0].pages[0]
            run_first_cell(page, lab, "bench.ipynb")
            page.locator(".nemo-status", has_text="Ready").wait_for(timeout=90_000)
            page.evaluate("() => { const i = document.createElement('input');"
                          " i.type = 'file'; i.id = 'bench-input';"
                          " document.body.append(i); }")
        finally:
            browser.close()  # disconnects; Chromium and its page stay


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--window", type=int, default=None, help="chunks in flight")
    parser.add_argument("--chunk-kib", type=int, default=None, help="chunk size")
    args = parser.parse_args()
    size = args.size_mb * MB
    with tempfile.TemporaryDirectory(prefix="widget-bench-") as folder:
        base = Path(folder)
        source = base / "big.wav"
        write_wav(source, size)
        settings = EngineSettings.from_env(env={}, home=base / "engine", keepalive_s=1.0)
        engine = ensure_engine(settings)
        root = base / "lab"
        root.mkdir()
        setup = "from nemo_widgets.widget import NemoWidget\nw = NemoWidget()\n"
        if args.window:
            setup += f"w.window = {args.window}\n"
        if args.chunk_kib:
            setup += f"w.chunk_bytes = {args.chunk_kib * 1024}\n"
        write_notebook(root / "bench.ipynb", [setup + "w"])
        env = {"NEMO_API_URL": engine.url, "NEMO_CONFIG_DIR": str(base / "cfg")}
        widget_ms: list[float] = []
        baseline_ms: list[float] = []
        try:
            with jupyter_lab(root, env, base / "lab.log") as lab, \
                    chromium_debug_port(base / "chromium") as port:
                prepare_page(port, lab)
                page = DevToolsPage(port, "/lab/")
                try:
                    page.set_input_files("#bench-input", source)
                    for rep in range(args.reps):
                        page.set_input_files(".nemo-file-input", source)
                        row = f"document.querySelectorAll('.nemo-transfer')[{rep}]"
                        widget_ms.append(float(page.wait_for(
                            f"({row} || {{dataset: {{}}}}).dataset.transferMs")))
                        # let the kernel hand the file to the engine (the row's verdict)
                        # before the next timing
                        page.wait_for(f"['added', 'refused'].includes({row}.dataset.state)")
                        baseline_ms.append(float(page.evaluate(
                            f"({BASELINE_JS})({json.dumps([lab.token, f'copy-{rep}.wav'])})")))
                        (root / f"copy-{rep}.wav").unlink(missing_ok=True)
                        time.sleep(1)
                finally:
                    page.close()
        finally:
            stop_engine(settings.home)
    best_widget = size / MB / (min(widget_ms) / 1000)
    best_base = size / MB / (min(baseline_ms) / 1000)
    print(f"file: {args.size_mb} MB WAV, {args.reps} runs each, best of each")
    print("widget (chunked custom messages, acks, per-chunk SHA-256):  "
          f"{best_widget:6.1f} MB/s  runs {[round(size / MB / (t / 1000), 1) for t in widget_ms]}")
    print("baseline (JupyterLab contents API upload, base64 chunks):  "
          f"{best_base:6.1f} MB/s  runs {[round(size / MB / (t / 1000), 1) for t in baseline_ms]}")
    print(f"ratio widget/baseline: {best_widget / best_base:.2f}x; target widget >= 30 MB/s: "
          f"{'met' if best_widget >= 30 else 'NOT met'}")


if __name__ == "__main__":
    main()
