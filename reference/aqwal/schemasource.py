"""Where the registries of one side of ``aqwal schema diff`` come from (spec: VER-21).

A side is a registry file (its one registry), a directory of Rust crates (every registry,
extracted), or ``GIT_DIR@REV``: the tree of a git revision, written by ``git archive`` into a
private temporary directory that is removed afterwards; no work tree is touched.
"""

from __future__ import annotations

import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from aqwal.registry import MAX_DOCUMENT_BYTES, parse
from aqwal.rustextract import ENGINE_TARGETS, Overlay, Target, extract
from aqwal.rustsource import MAX_FILE_BYTES, MAX_FILES
from aqwal.schema import Registry

#: At most this much Rust source is taken from one revision.
MAX_TREE_BYTES = 256 << 20


class SourceUnavailable(RuntimeError):
    """A side cannot be read at all: no such file, directory or revision (a usage error)."""


def read_registry_file(path: Path) -> Registry:
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise SourceUnavailable(f"cannot read {path}: {exc.strerror}") from None
    return parse(data, str(path))


def registries_of(
    spec: str, overlay: Overlay, targets: tuple[Target, ...] = ENGINE_TARGETS
) -> dict[str, Registry]:
    """The registries of one side, by registry name."""
    path = Path(spec)
    if path.is_file():
        reg = read_registry_file(path)
        return {reg.name: reg}
    if path.is_dir():
        return extract(path, targets, overlay)
    if "@" in spec:
        repo, rev = spec.rsplit("@", 1)
        with git_tree(repo, rev) as tree:
            return extract(tree, targets, overlay)
    raise SourceUnavailable(f"{spec}: no such registry file, source directory or GIT_DIR@REV")


@contextmanager
def git_tree(repo: str, rev: str) -> Iterator[Path]:
    """The Rust sources and manifests of ``rev`` in a temporary directory (removed on exit)."""
    if not rev or rev.startswith("-") or any(c in rev for c in "\0\n"):
        raise SourceUnavailable(f"{rev!r} is not a revision")
    if not Path(repo).is_dir():
        raise SourceUnavailable(f"{repo}: no such git directory")
    with tempfile.TemporaryDirectory(prefix="aqwal-tree-") as tmp, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            ["git", "-C", repo, "archive", "--format=tar", rev],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
        )
        assert proc.stdout is not None
        try:
            _unpack(proc.stdout, Path(tmp))
        except tarfile.TarError:
            pass  # git failed part-way; its status and message say why
        finally:
            proc.stdout.close()
            status = proc.wait()
        if status != 0:
            err.seek(0)
            lines = err.read(4096).decode("utf-8", "replace").strip().splitlines()
            reason = lines[0] if lines else f"exit status {status}"
            raise SourceUnavailable(f"{repo}@{rev}: git archive failed: {reason}")
        yield Path(tmp)


def _unpack(stream: object, dest: Path) -> None:
    """Write the ``.rs`` files and ``Cargo.toml`` manifests of a tar stream under ``dest``."""
    total = 0
    files = 0
    with tarfile.open(fileobj=stream, mode="r|") as tar:  # type: ignore[call-overload]
        for member in tar:
            name = PurePosixPath(member.name)
            if not member.isfile() or not (name.suffix == ".rs" or name.name == "Cargo.toml"):
                continue
            if name.is_absolute() or ".." in name.parts:
                raise SourceUnavailable(f"archive member {member.name!r} leaves the tree")
            files += 1
            total += member.size
            if member.size > MAX_FILE_BYTES or total > MAX_TREE_BYTES or files > MAX_FILES:
                raise SourceUnavailable(
                    f"the revision holds more Rust source than is read ({member.name})"
                )
            source = tar.extractfile(member)
            if source is None:
                continue
            target = dest.joinpath(*name.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "xb") as out:
                out.write(source.read(MAX_FILE_BYTES + 1))
