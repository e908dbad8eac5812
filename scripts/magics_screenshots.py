"""Screenshots of the magics notebook for ``docs/magics.md``, in JupyterLab's light and dark
themes: run ``notebooks/02-magics.ipynb`` on a private embedded engine, export it with
nbconvert's lab template in each theme, and let Debian's headless Chromium photograph it.

    python scripts/magics_screenshots.py        # writes docs/figures/magics-{light,dark}.png
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "docs" / "figures"
FIRST_CELLS = 10
"""The cells shown: set-up, connect, a %%nemo cell with its result, the tracks, the picture,
and the --export cell with its player."""


def main() -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("Debian's chromium is needed", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="nemo-shots-") as scratch:
        work = Path(scratch)
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEMO_")}
        env.update(NEMO_HOME=str(work / "home"), NEMO_CONFIG_DIR=str(work / "config"),
                   MPLBACKEND="module://matplotlib_inline.backend_inline")
        book = nbformat.read(ROOT / "notebooks" / "02-magics.ipynb", as_version=4)
        try:
            NotebookClient(book, timeout=300, kernel_name="python3",
                           resources={"metadata": {"path": str(work)}}).execute(env=env)
        finally:
            subprocess.run([sys.executable, "-m", "nemo_widgets.cli", "stop"], env=env,
                           check=False, capture_output=True)
        book.cells = book.cells[:FIRST_CELLS]
        for theme in ("light", "dark"):
            exporter = HTMLExporter(template_name="lab", theme=theme)
            page, _ = exporter.from_notebook_node(book)
            html = work / f"{theme}.html"
            html.write_text(page, encoding="utf-8")
            target = FIGURES / f"magics-{theme}.png"
            subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                            "--hide-scrollbars", "--window-size=1000,2250",
                            f"--screenshot={target}", html.as_uri()],
                           check=True, capture_output=True, timeout=120)
            print(f"wrote {target} ({target.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
