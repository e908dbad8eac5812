"""Media the engine keeps: what a file is, how it arrives, where it lives.

- ``probe``: identify and check a media file with PyAV (``MediaInfo``);
- ``ffmpeg``: the FFmpeg binary (imageio-ffmpeg's);
- ``library``: the content-addressed library — temp files hashed while written, committed under
  their SHA-256, the protocol's per-file answer;
- ``uploads``: multipart bodies streamed to temp files (size limit, minimum rate);
- ``url_import``: ``source_type: url`` imports, guarded against server-side request forgery;
- ``disk``: disk-full and permission errors named for what they are;
- ``sweeper``: ``tmp/`` leftovers that no live request or job owns are removed;
- ``fonts``: a font file that can draw a title; ``stems``: stem files of generated music.

The names most callers need are re-exported here.
"""

from nemo_widgets.engine.media.ffmpeg import ffmpeg_exe
from nemo_widgets.engine.media.files import file_sha256
from nemo_widgets.engine.media.probe import FileType, MediaInfo, probe

__all__ = ["FileType", "MediaInfo", "ffmpeg_exe", "file_sha256", "probe"]
