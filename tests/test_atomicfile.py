"""Atomic replacement never writes through a link, never replaces what is not a regular file,
and leaves nothing behind on failure (spec: SNP-10, WAL-9)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from aqwal.atomicfile import OutputRefused, write_atomically

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file semantics")


def _listing(directory: Path) -> dict[str, tuple[str, bytes | str]]:
    """Every entry of a directory: its kind and content (or link target)."""
    out: dict[str, tuple[str, bytes | str]] = {}
    for entry in sorted(directory.iterdir()):
        mode = entry.lstat().st_mode
        if stat.S_ISLNK(mode):
            out[entry.name] = ("link", os.readlink(entry))
        elif stat.S_ISREG(mode):
            out[entry.name] = ("file", entry.read_bytes())
        else:
            out[entry.name] = ("other", "")
    return out


def test_planted_links_at_guessable_temporary_names_are_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "in.wal"
    victim.write_bytes(b"precious")
    for name in (".out.wal.tmp", "out.wal.tmp", "out.wal.new", ".out.wal.new"):
        (tmp_path / name).symlink_to(victim)
    before = _listing(tmp_path)
    write_atomically(tmp_path / "out.wal", [b"new ", b"content"])
    after = _listing(tmp_path)
    assert after.pop("out.wal") == ("file", b"new content")
    assert after == before


def test_a_fixed_temporary_name_is_replaced_not_written_through(tmp_path: Path) -> None:
    # spec: SNP-1 — the engine's snapshot.bin.tmp; a stale one may be a link to another file
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    (tmp_path / "snapshot.bin.tmp").symlink_to(victim)
    write_atomically(tmp_path / "snapshot.bin", [b"x"], temp_name="snapshot.bin.tmp")
    os.link(victim, tmp_path / "snapshot.bin.tmp")  # a hard link this time
    write_atomically(tmp_path / "snapshot.bin", [b"y"], temp_name="snapshot.bin.tmp")
    assert victim.read_bytes() == b"precious"
    assert (tmp_path / "snapshot.bin").read_bytes() == b"y"
    assert not (tmp_path / "snapshot.bin.tmp").exists()


def _refused(target: Path, fragment: str) -> None:
    with pytest.raises(OutputRefused) as info:
        write_atomically(target, [b"data"])
    assert fragment in str(info.value)


def test_a_symbolic_link_target_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.write_bytes(b"keep")
    (tmp_path / "out").symlink_to(real)
    before = _listing(tmp_path)
    _refused(tmp_path / "out", "symbolic link")
    assert _listing(tmp_path) == before


def test_a_dangling_or_looping_link_target_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    before = _listing(tmp_path)
    _refused(tmp_path / "dangling", "symbolic link")
    _refused(tmp_path / "loop", "symbolic link")
    assert _listing(tmp_path) == before


def test_a_fifo_target_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    _refused(tmp_path / "fifo", "FIFO")
    assert stat.S_ISFIFO((tmp_path / "fifo").lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo"]


def test_a_device_target_is_refused() -> None:
    null = Path("/dev/null")
    if not null.exists():
        pytest.skip("no /dev/null")
    _refused(null, "character device")
    assert stat.S_ISCHR(null.lstat().st_mode)


def test_a_directory_target_is_refused(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "inside").write_bytes(b"keep")
    before = _listing(tmp_path / "d")
    _refused(tmp_path / "d", "directory")
    _refused(tmp_path / "d" / ".", "directory")
    _refused(Path("/"), "directory")
    assert _listing(tmp_path / "d") == before


def test_a_missing_parent_is_refused(tmp_path: Path) -> None:
    _refused(tmp_path / "missing" / "out", "does not exist")
    (tmp_path / "file").write_bytes(b"")
    _refused(tmp_path / "file" / "out", "not a directory")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_a_failure_while_writing_leaves_the_target_and_no_temporary_file(
    tmp_path: Path,
) -> None:
    target = tmp_path / "out"
    target.write_bytes(b"old")

    def chunks() -> Iterator[bytes]:
        yield b"partial"
        raise RuntimeError("the producer failed")

    with pytest.raises(RuntimeError):
        write_atomically(target, chunks())
    assert _listing(tmp_path) == {"out": ("file", b"old")}


def test_new_files_get_the_umask_mode_and_replaced_files_keep_theirs(tmp_path: Path) -> None:
    old_mask = os.umask(0o027)
    try:
        write_atomically(tmp_path / "new", [b"x"])
        kept = tmp_path / "kept"
        kept.write_bytes(b"")
        kept.chmod(0o604)
        write_atomically(kept, [b"y"])
    finally:
        os.umask(old_mask)
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o640
    assert stat.S_IMODE(kept.stat().st_mode) == 0o604


def test_a_hard_linked_target_is_replaced_not_written_through(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.write_bytes(b"old")
    os.link(target, tmp_path / "other-name")
    write_atomically(target, [b"new"])
    assert target.read_bytes() == b"new"
    assert (tmp_path / "other-name").read_bytes() == b"old"
