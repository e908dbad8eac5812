"""Disk-full and permission errors, named for what they are and how to fix them.

An ``OSError`` deep inside an upload or a render used to surface as "the multipart body is
malformed" (blaming the user) or "Internal error (OSError)". Every writer of the engine's folder
turns it into one of these sentences instead, with HTTP 507 for a full disk (the server's
storage, not the request, is at fault) and 500 for a folder it may not write.
"""

from __future__ import annotations

import errno
import sqlite3

from nemo_widgets.engine.errors import EngineError

__all__ = ["StorageError", "is_storage_error", "storage_error"]

_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_DENIED = {errno.EACCES, errno.EPERM, errno.EROFS}


class StorageError(EngineError):
    """The engine's own folder cannot take the bytes: full, over quota, or not writable."""

    code = 507
    http_status = 507


def is_storage_error(exc: BaseException) -> bool:
    """True for the errors ``storage_error`` has a sentence for."""
    if isinstance(exc, OSError):
        return exc.errno in _FULL | _DENIED
    return isinstance(exc, sqlite3.OperationalError) and "full" in str(exc).lower()


def storage_error(exc: BaseException, folder: object) -> EngineError:
    """A sentence for ``exc`` raised while writing under ``folder``; a generic one otherwise."""
    errno_ = exc.errno if isinstance(exc, OSError) else None
    if errno_ in _FULL or (isinstance(exc, sqlite3.OperationalError)
                           and "full" in str(exc).lower()):
        return StorageError(
            f"The disk holding the engine's folder ({folder}) is full. Free some space there, "
            "or point NEMO_HOME at a bigger disk, and try again.")
    if errno_ in _DENIED:
        return StorageError(
            f"The engine may not write to its folder ({folder}): "
            f"{exc.strerror if isinstance(exc, OSError) else exc}. Make the folder writable by "
            "the user running the engine (or point NEMO_HOME elsewhere) and try again.",
            code=500, http_status=500)
    return EngineError(f"The engine could not write to its folder ({folder}): {exc}.",
                       code=500, http_status=500)
