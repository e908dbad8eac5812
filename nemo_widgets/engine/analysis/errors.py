"""The one error the analysis raises: nothing of a file could be decoded."""

from __future__ import annotations

from nemo_widgets.engine.errors import UnsupportedMedia


class AnalysisError(UnsupportedMedia):
    """A file that cannot be analysed at all (a file decoded in part is analysed in part).

    It is an ``UnsupportedMedia`` so that the engine answers it like any undecodable upload.
    """
