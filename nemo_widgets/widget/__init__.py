"""The JupyterLab widget: drop a video, ask for music, hear it under the picture, choose a
version, undo, export and play — in one notebook view.

``NemoWidget`` is an anywidget whose front end is the checked ES module in ``js/src/`` (shipped
in the wheel as ``nemo_widgets/static/``), a thin face over the same ``Conversation`` the magics
and the CLI use. The package, by job:

- ``widget``: the traits (one documented list), the ``{kind: handler}`` message table, the
  scripted methods (``upload``, ``ask``, ``undo``, ``redo``, ``use_music``, ``export``);
- ``state``: the pure reducer — actions in, a new ``View`` (and small messages) out, with
  ``status`` derived from the running jobs;
- ``work``: the client's loop, where all work runs, and ``to_view``, the one hop to the view;
- ``jobs``: connect/resume, turns, the export, uploads, reading the session back;
- ``blobs`` / ``transfer``: bytes to and from the browser in acknowledged chunks;
- ``media``: thumbnails, lanes, waveform, versions, canvas, the audition's video;
- ``sessions``: which session a notebook showed last, to return to it.

Scripted use, from a cell::

    w = NemoWidget()               # shows itself when it is the cell's last value
    w.upload("beach.mp4")
    w.ask("generate a background music track that matches the mood of my video")
    w.export()                      # the view ends with a video player and a download link
"""

from nemo_widgets.widget.jobs import error_view
from nemo_widgets.widget.widget import NemoWidget

__all__ = ["NemoWidget", "error_view"]
