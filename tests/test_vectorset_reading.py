"""Reading the files of a vector set: whole, bounded by a limit (spec: CP-14)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from aqwal_conformance import vectorset
from aqwal_conformance.vectorset import VectorSetError


def test_a_file_is_read_whole_up_to_the_limit(tmp_path: Path) -> None:
    (tmp_path / "a.bin").write_bytes(b"x" * 100)
    (tmp_path / "empty.bin").write_bytes(b"")
    assert vectorset._read_confined(tmp_path, "a.bin", 100) == b"x" * 100
    assert vectorset._read_confined(tmp_path, "empty.bin", 100) == b""
    with pytest.raises(VectorSetError, match="larger than 99 bytes"):
        vectorset._read_confined(tmp_path, "a.bin", 99)


@pytest.mark.parametrize(("size", "limit", "read"), [(10, 100, True), (101, 100, False)])
def test_a_file_that_grew_after_its_size_was_taken_is_read_on_to_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int, limit: int, read: bool
) -> None:
    data = bytes(range(size))
    (tmp_path / "a.bin").write_bytes(data)
    inode = (tmp_path / "a.bin").stat().st_ino
    real_fstat = os.fstat

    def older_size(fd: int) -> Any:
        info = real_fstat(fd)
        if info.st_ino != inode:
            return info
        return os.stat_result((*info[:6], 3, *info[7:]))  # st_size: 3 bytes, as it was

    monkeypatch.setattr(os, "fstat", older_size)
    if read:
        assert vectorset._read_confined(tmp_path, "a.bin", limit) == data
    else:
        with pytest.raises(VectorSetError, match=f"larger than {limit} bytes"):
            vectorset._read_confined(tmp_path, "a.bin", limit)


def test_a_small_file_is_read_without_a_buffer_of_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.bin").write_bytes(b"abc")
    inode = (tmp_path / "a.bin").stat().st_ino
    sizes: list[int] = []
    real_read = os.read

    def recording(fd: int, n: int) -> bytes:
        if os.fstat(fd).st_ino == inode:
            sizes.append(n)
        return real_read(fd, n)

    monkeypatch.setattr(os, "read", recording)
    assert vectorset._read_confined(tmp_path, "a.bin", 1 << 28) == b"abc"
    assert max(sizes) == 4


@pytest.mark.parametrize(
    ("relative", "shown"),
    [("d/a.bin", "d/a.bin"), ("d//a.bin", "d/a.bin"), ("./d/./a.bin", "d/a.bin")],
)
def test_paths_are_shown_as_pathlib_spells_them(
    tmp_path: Path, relative: str, shown: str
) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.bin").write_bytes(b"abc")
    assert vectorset._read_confined(tmp_path, relative, 3) == b"abc"
    with pytest.raises(VectorSetError) as info:
        vectorset._read_confined(tmp_path, relative, 2)
    assert str(info.value) == f"{tmp_path / shown} is larger than 2 bytes"


@pytest.mark.parametrize("relative", ["", "/etc/passwd", "d/../../x", "..", "a\x00b"])
def test_paths_outside_the_set_are_refused(tmp_path: Path, relative: str) -> None:
    with pytest.raises(VectorSetError, match="is not a path inside the vector set"):
        vectorset._read_confined(tmp_path, relative, 10)


def test_an_index_is_checked_again_when_its_bytes_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    entry = {
        "id": "frame/a",
        "category": "frame",
        "description": "d",
        "result": "valid",
        "files": {"input": "frame/a.bin", "cbor": "frame/a.cbor"},
    }
    index = tmp_path / "index.json"
    index.write_text(json.dumps({"format": "aqwal-vectors/1", "vectors": [entry]}))
    checks: list[int] = []
    real_check = vectorset._entry_problem

    def counted(e: Any) -> str | None:
        checks.append(1)
        return real_check(e)

    monkeypatch.setattr(vectorset, "_entry_problem", counted)
    first = vectorset.open_vector_set(tmp_path)
    second = vectorset.open_vector_set(tmp_path)
    assert second.entries == first.entries and len(checks) == 1  # the same bytes: once
    assert first.entries[0]["flags"] == [] and first.entries[0]["error"] is None
    index.write_text(json.dumps({"format": "aqwal-vectors/1", "vectors": [entry, entry]}))
    with pytest.raises(VectorSetError, match="the id is listed twice"):
        vectorset.open_vector_set(tmp_path)
    with pytest.raises(VectorSetError, match="the id is listed twice"):
        vectorset.open_vector_set(tmp_path)  # a refused index is not kept
    index.write_text(json.dumps({"format": "aqwal-vectors/1", "vectors": [entry]}) + " ")
    assert vectorset.open_vector_set(tmp_path).entries == first.entries


def test_at_most_four_small_indexes_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    monkeypatch.setattr(vectorset, "_CHECKED", {})
    monkeypatch.setattr(vectorset, "_CHECKED_INDEX_MAX", 300)
    for n in range(6):
        entry = {
            "id": f"frame/{'x' * 200 * (n == 5)}",
            "category": "frame",
            "description": "d",
            "result": "valid",
            "files": {"input": "frame/a.bin", "cbor": "frame/a.cbor"},
        }
        (tmp_path / str(n)).mkdir()
        (tmp_path / str(n) / "index.json").write_text(
            json.dumps({"format": "aqwal-vectors/1", "vectors": [entry]})
        )
        vectorset.open_vector_set(tmp_path / str(n))
    # the newest four small ones; the sixth index is over the (lowered) size limit
    assert list(vectorset._CHECKED) == [str(tmp_path / str(n)) for n in (1, 2, 3, 4)]
