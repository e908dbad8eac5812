"""The media library as the engine's work sees it: content hash → file, probe facts, owner.

Uploads and generated music are stored content-addressed (``media/<sha256>.<ext>``); a draft
names them by hash. The library resolves a hash for the analysis and the render, and says which
hashes a user may use: those they uploaded or the engine made for them (a hash seen in someone
else's ``cdn_url`` is not a key to their media).
"""

from __future__ import annotations

from pathlib import Path

from nemo_widgets.engine.media import MediaInfo
from nemo_widgets.engine.store import Store
from nemo_widgets.timeline import Timeline


class MediaLibrary:
    """Lookups over the store's ``media`` and ``media_owners`` tables."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def resolve(self, digest: str) -> tuple[Path, MediaInfo]:
        """The file and its facts; KeyError when the hash is unknown or its file is gone."""
        record = self._store.media(digest)
        if record is None or not record.path.exists():
            raise KeyError(digest)
        return record.path, MediaInfo.from_json(record.info)

    def foreign_sources(self, user_id: str, timeline: Timeline) -> list[str]:
        """The media hashes the timeline uses that are not the user's own, sorted."""
        used = {str(segment.source) for track in timeline.tracks for segment in track.segments
                if segment.source}
        return sorted(used - self._store.owned_media(user_id, used))
