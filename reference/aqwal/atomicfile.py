"""Atomic file replacement: temporary sibling, fsync, rename, directory fsync (SNP-10, WAL-9).

Readers of ``target`` see either the old content or the whole new content, never a part; if
writing fails, the temporary file is removed and ``target`` is untouched.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def write_atomically(
    target: Path, chunks: Iterable[bytes], *, temp_name: str | None = None
) -> None:
    """Write ``chunks`` to ``target`` atomically.

    ``temp_name`` fixes the temporary file's name (the engine uses ``<name>.tmp`` for
    snapshots); by default it is ``.<name>.tmp`` beside the target.
    """
    directory = target.parent
    tmp = directory / (temp_name or f".{target.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
