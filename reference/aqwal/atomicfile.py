"""Atomic file replacement: temporary sibling, fsync, rename, directory fsync (SNP-10, WAL-9).

Readers of ``target`` see either the old content or the whole new content, never a part; if
writing fails, the temporary file is removed and ``target`` is untouched.

The target must be a regular file or not exist: a directory, symbolic link, FIFO, socket or
device is refused (:class:`OutputRefused`) rather than replaced — renaming over ``/dev/null``
or over a symbolic link would destroy something that is not an output. The temporary file is
created exclusively (``O_EXCL``, never through a symbolic link) with an unpredictable name in
the target's directory, so a file planted under a guessable name cannot be written through.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path


class OutputRefused(OSError):
    """The output path names something that must not be replaced, or cannot be a file."""

    def __init__(self, target: Path, reason: str) -> None:
        super().__init__(errno.EINVAL, reason, str(target))


def file_kind(mode: int) -> str:
    """What a file of this ``st_mode`` is, in words, for messages."""
    for test, name in (
        (stat.S_ISREG, "a regular file"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def check_output_target(target: Path) -> int | None:
    """Refuse a target that is not a regular file; return its permission bits if it exists."""
    if target.name in ("", ".", ".."):
        raise OutputRefused(target, "names a directory, not a file")
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        raise OutputRefused(target, "a component of the path is not a directory") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise OutputRefused(target, f"is {file_kind(st.st_mode)}; refusing to replace it")
    parent = target.parent
    try:
        parent_st = os.stat(parent)
    except FileNotFoundError:
        raise OutputRefused(target, f"the directory {parent} does not exist") from None
    except NotADirectoryError:
        raise OutputRefused(target, "a component of the path is not a directory") from None
    if not stat.S_ISDIR(parent_st.st_mode):
        raise OutputRefused(target, f"{parent} is not a directory")
    return None if st is None else stat.S_IMODE(st.st_mode)


def _new_file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _exclusive_temp(directory: Path, target: Path, temp_name: str | None) -> tuple[int, Path]:
    if temp_name is None:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
        return fd, Path(name)
    # A protocol-mandated name (the engine's ``snapshot.bin.tmp``, SNP-1): a leftover from an
    # interrupted write is stale by definition and is replaced, but never followed or written
    # through — it is unlinked (a directory there is refused) and created anew exclusively.
    tmp = directory / temp_name
    with contextlib.suppress(FileNotFoundError):
        st = os.lstat(tmp)
        if stat.S_ISDIR(st.st_mode):
            raise OutputRefused(tmp, "the temporary file's name is taken by a directory")
        tmp.unlink()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    return os.open(tmp, flags, 0o600), tmp


def write_atomically(
    target: Path, chunks: Iterable[bytes], *, temp_name: str | None = None
) -> None:
    """Write ``chunks`` to ``target`` atomically.

    ``temp_name`` fixes the temporary file's name (the engine uses ``<name>.tmp`` for
    snapshots); by default it is unpredictable, ``.<name>.<random>.tmp`` beside the target.
    Raises :class:`OutputRefused` for a target that is not a regular file or has no directory,
    :class:`OSError` when writing fails, and whatever iterating ``chunks`` raises; in every
    case nothing but the temporary file was touched, and it is gone.
    """
    existing_mode = check_output_target(target)
    directory = target.parent
    fd, tmp = _exclusive_temp(directory, target, temp_name)
    created = os.fstat(fd)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), _new_file_mode() if existing_mode is None else existing_mode)
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        _remove_if_ours(tmp, created)
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _remove_if_ours(tmp: Path, created: os.stat_result) -> None:
    # Only the file this call created: the name may have been taken over meanwhile.
    with contextlib.suppress(OSError):
        st = os.lstat(tmp)
        if (st.st_dev, st.st_ino) == (created.st_dev, created.st_ino):
            tmp.unlink()
