"""Installing a vector set into a directory without deleting anything it did not write.

:func:`install_vector_set` writes the vectors into a fresh temporary directory beside the target
(created exclusively, under an unpredictable name), then moves them into the target. A target
that exists must be an empty directory or a vector set — a directory whose ``index.json`` is a
vector index naming only files inside it. Of an old set, only its own files — the ones its
index names, and the index — are replaced or removed; every other file stays, and so does every
sibling of the target.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from aqwal.atomicfile import file_kind
from aqwal.inputfile import FileRefused, open_regular, read_at_most, shown_path
from aqwal_conformance.vectors import INDEX_FORMAT, Vector, write_vectors

INDEX = "index.json"
#: Read at most this much of an index (the index of 1,162 vectors is under 1 MiB).
MAX_INDEX_BYTES = 64 * 1024 * 1024


class NotAVectorSet(Exception):
    """The target holds something that regenerating the vectors must not replace."""


def _member(rel: object) -> PurePosixPath:
    """A file name of a set: relative, no ``..``, no empty or ``.`` part."""
    if not isinstance(rel, str) or not rel:
        raise NotAVectorSet(f"its index names a file {rel!r}")
    path = PurePosixPath(rel)
    if path.is_absolute() or any(part in ("", ".", "..") for part in rel.split("/")):
        raise NotAVectorSet(f"its index names a file outside the set: {rel!r}")
    return path


def old_set_files(target: Path) -> set[PurePosixPath]:
    """The files of the vector set in ``target`` (its index included), or the empty set for
    an empty or missing directory; :class:`NotAVectorSet` for anything else."""
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return set()
    shown = shown_path(target)
    if not stat.S_ISDIR(mode):
        raise NotAVectorSet(f"{shown} is {file_kind(mode)}, not a directory")
    index_path = target / INDEX
    if not os.path.lexists(index_path):
        if any(target.iterdir()):
            raise NotAVectorSet(f"{shown} is not empty and holds no vector index")
        return set()
    try:
        with open_regular(index_path) as f:  # never blocks on a FIFO
            index: Any = json.loads(read_at_most(f, MAX_INDEX_BYTES))
    except FileRefused as exc:
        raise NotAVectorSet(f"{shown_path(index_path)} {exc.strerror}") from None
    except (OSError, ValueError) as exc:
        raise NotAVectorSet(f"{shown_path(index_path)} is not a vector index: {exc}") from None
    if not isinstance(index, dict) or index.get("format") != INDEX_FORMAT:
        raise NotAVectorSet(f"{shown_path(index_path)} is not an {INDEX_FORMAT} index")
    files = {PurePosixPath(INDEX)}
    entries = index.get("vectors")
    if not isinstance(entries, list):
        raise NotAVectorSet(f"{shown_path(index_path)} lists no vectors")
    for entry in entries:
        names = entry.get("files") if isinstance(entry, dict) else None
        if not isinstance(names, dict):
            raise NotAVectorSet(f"{shown_path(index_path)} has an entry without files")
        files.update(_member(rel) for rel in names.values())
    return files


def _check_replaceable(target: Path, rel: PurePosixPath) -> None:
    """Every directory on the way must be a real directory inside the target (not a link out
    of it), and the file itself a regular file if it exists."""
    here = target
    for part in rel.parts[:-1]:
        here = here / part
        with contextlib.suppress(FileNotFoundError):
            mode = os.lstat(here).st_mode
            if not stat.S_ISDIR(mode):
                raise NotAVectorSet(f"{shown_path(here)} is {file_kind(mode)}, not a directory")
    with contextlib.suppress(FileNotFoundError):
        mode = os.lstat(target / rel).st_mode
        if not stat.S_ISREG(mode):
            raise NotAVectorSet(f"{shown_path(target / rel)} is {file_kind(mode)}")


def install_vector_set(vectors: Iterable[Vector], target: Path) -> dict[str, Any]:
    """Write ``vectors`` to ``target`` as described in the module docstring; return the
    index. Raises :class:`NotAVectorSet` before anything is written if ``target`` is not an
    empty directory or a vector set."""
    target = Path(os.path.abspath(target))
    old = old_set_files(target)
    for rel in old:
        _check_replaceable(target, rel)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        index = write_vectors(vectors, staging)
        new = {
            PurePosixPath(p.relative_to(staging).as_posix())
            for p in staging.rglob("*")
            if p.is_file()
        }
        for rel in new:
            _check_replaceable(target, rel)
        if not target.exists():
            os.rename(staging, target)
            return index
        for rel in sorted(new - {PurePosixPath(INDEX)}):
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / rel, target / rel)
        for rel in sorted(old - new):
            with contextlib.suppress(FileNotFoundError):
                (target / rel).unlink()
        # the index last: until it is replaced, the old index still describes the old files
        os.replace(staging / INDEX, target / INDEX)
        for directory in sorted(
            {rel.parent for rel in old - new}, key=lambda d: len(d.parts), reverse=True
        ):
            here = target / directory
            while here != target:
                with contextlib.suppress(OSError):  # not empty: it holds other files
                    here.rmdir()
                here = here.parent
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return index
