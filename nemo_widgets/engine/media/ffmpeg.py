"""Where the FFmpeg binary is: the imageio-ffmpeg wheel's (it has libx264, drawtext and AAC).

The wheel ships ``ffmpeg`` but no ``ffprobe``, which is why probing uses PyAV (``probe``).
"""

from __future__ import annotations

import functools

__all__ = ["ffmpeg_exe"]


@functools.cache
def ffmpeg_exe() -> str:
    """The FFmpeg binary of the imageio-ffmpeg wheel (imported late: it is only needed here)."""
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())
