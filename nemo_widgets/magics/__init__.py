"""``%nemo`` / ``%%nemo``: the client from notebook cells.

``%load_ext nemo_widgets`` registers one ``Magics`` class (``magic.py``). The cell form sends its
body as a prompt (``{var}`` takes values from the notebook) through the same ``Conversation``
the widget and the CLI use, so routing (export / credits / status / upload skip the agent), GUI
translation and the credit ledger behave the same in every face. The line form runs commands,
each parsed into a typed argument object (``parsers.py``) and carried out by its handler
(``commands.py``). See ``docs/magics.md``.

    parsers.py   the grammar: argument dataclasses → argparse parsers → help
    magic.py     NemoMagics: settings (traitlets), named sessions, errors as sentences
    cell.py      %%nemo: upload, prompt, export, the result
    commands.py  %nemo COMMAND handlers
    live.py      the display area updated while a turn runs
    result.py    NemoResult: .text .timeline .tracks .export, rich display with a player
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nemo_widgets.magics.magic import NemoMagics
from nemo_widgets.magics.parsers import MagicUsageError
from nemo_widgets.magics.result import NemoResult

if TYPE_CHECKING:  # pragma: no cover
    from IPython.core.interactiveshell import InteractiveShell

__all__ = ["MagicUsageError", "NemoMagics", "NemoResult", "load", "unload"]

_LOADED: dict[int, NemoMagics] = {}


def load(shell: InteractiveShell) -> NemoMagics:
    """Register the magics on ``shell`` (once) and make ``%config NemoMagics`` see them."""
    ipython: Any = shell
    if id(ipython) in _LOADED:
        return _LOADED[id(ipython)]
    magics = NemoMagics(shell=ipython, config=ipython.config)
    ipython.register_magics(magics)  # Magics() already joined shell.configurables (%config)
    _LOADED[id(ipython)] = magics
    return magics


def unload(shell: InteractiveShell) -> None:
    """Remove the magics from ``shell`` and close their clients."""
    ipython: Any = shell
    magics = _LOADED.pop(id(ipython), None)
    manager = ipython.magics_manager
    for kind in ("line", "cell"):
        manager.magics[kind].pop("nemo", None)
    manager.registry.pop("NemoMagics", None)
    if magics is not None:
        while magics in ipython.configurables:
            ipython.configurables.remove(magics)
        magics.close()
