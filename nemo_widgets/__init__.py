"""nemo-widgets: fitting, royalty-free music under your video, from a notebook or a terminal.

``%load_ext nemo_widgets`` registers the ``%nemo`` / ``%%nemo`` magics (see ``docs/magics.md``);
``from nemo_widgets import NemoWidget`` gives the widget. Both are loaded on first use, so
``import nemo_widgets`` stays light (the CLI and the engine import it too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nemo_widgets._version import __version__

if TYPE_CHECKING:  # pragma: no cover
    from IPython.core.interactiveshell import InteractiveShell

__all__ = ["NemoWidget", "__version__", "load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(ipython: InteractiveShell) -> None:
    """``%load_ext nemo_widgets``: register the ``%nemo`` / ``%%nemo`` magics."""
    from nemo_widgets.magics import load

    load(ipython)


def unload_ipython_extension(ipython: InteractiveShell) -> None:
    """``%unload_ext nemo_widgets``: remove the magics and close their clients."""
    from nemo_widgets.magics import unload

    unload(ipython)


def __getattr__(name: str) -> Any:
    """``nemo_widgets.NemoWidget``, imported only when asked for (it pulls in anywidget)."""
    if name == "NemoWidget":
        from nemo_widgets.widget import NemoWidget

        return NemoWidget
    raise AttributeError(f"module 'nemo_widgets' has no attribute {name!r}")
