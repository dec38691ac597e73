"""Opening inputs: regular files only, so that every read ends (spec: WAL-2, SNP-4).

A FIFO, a device or a socket named where a WAL or snapshot file is expected would make a reader
wait forever or read without end (``/dev/zero``); a directory cannot be read. Each is refused
with :class:`FileRefused`, an :class:`OSError` naming the path. Symbolic links to regular files
are followed; a link loop is the usual ``ELOOP`` error. Opening never blocks: FIFOs are opened
non-blocking and refused before anything is read.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from aqwal.atomicfile import file_kind


class FileRefused(OSError):
    """An input path that names something other than a regular file."""

    def __init__(self, path: Path | str, reason: str, code: int = errno.EINVAL) -> None:
        super().__init__(code, reason, str(path))


def _refuse(path: Path | str, mode: int) -> FileRefused:
    kind = file_kind(mode)
    code = errno.EISDIR if stat.S_ISDIR(mode) else errno.EINVAL
    return FileRefused(path, f"is {kind}, not a regular file", code)


def open_regular(path: Path | str) -> BinaryIO:
    """Open a regular file for reading; refuse anything else without blocking or reading."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _refuse(path, mode)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def regular_file_exists(path: Path | str) -> bool:
    """True for a regular file (or a link to one), False when nothing is there; raises
    :class:`FileRefused` for anything else and :class:`OSError` when the path cannot be
    looked up (a component that is not a directory, a link loop, no permission)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if os.path.lexists(path):
            raise FileRefused(path, "is a symbolic link to nothing", errno.ENOENT) from None
        return False
    if not stat.S_ISREG(mode):
        raise _refuse(path, mode)
    return True


def read_at_most(stream: BinaryIO, limit: int) -> bytes:
    """Up to ``limit`` bytes of a stream; reading stops there whatever follows."""
    parts: list[bytes] = []
    left = limit
    while left > 0:
        part = stream.read(min(left, 1 << 20))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def shown_path(path: Path | str) -> str:
    """A path for a message: bytes that are not UTF-8 (kept by Python as surrogate escapes)
    are shown as ``\\xNN``, so that printing never fails."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")
