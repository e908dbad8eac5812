"""Child processes that do not outlive the engine.

FFmpeg runs as a child of the engine. If the engine is killed (SIGKILL, a crashed kernel), an
orphaned FFmpeg would go on encoding for minutes and write into the engine's folders; on Linux
the kernel can send it SIGKILL when its parent dies (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import ctypes
import signal
import sys
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1


def _kill_me_with_parent() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def child_preexec() -> Callable[[], None] | None:
    """A ``preexec_fn`` that ties the child's life to ours, where the platform allows it."""
    return _kill_me_with_parent if sys.platform.startswith("linux") else None
