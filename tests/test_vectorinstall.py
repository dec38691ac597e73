"""Regenerating a vector set replaces the set's own files and nothing else (spec: WAL-16)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aqwal_conformance.vectorinstall import NotAVectorSet, install_vector_set
from aqwal_conformance.vectors import Vector


def _vector(name: str, data: bytes) -> Vector:
    return Vector(
        f"codec/{name}",
        "codec",
        "a test vector",
        "invalid",
        data,
        ("ENC-16",),
        error="unexpected_end",
        expected={"error": {"code": "unexpected_end", "offset": len(data)}},
    )


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_only_the_files_of_the_old_set_are_replaced_or_removed(tmp_path: Path) -> None:
    out = tmp_path / "vectors"
    install_vector_set([_vector("a", b"\x01"), _vector("b", b"\x02")], out)
    (out / "README.txt").write_text("mine")
    (out / "codec" / "notes.txt").write_text("mine too")
    (tmp_path / "vectors.new").mkdir()
    (tmp_path / "vectors.new" / "precious").write_text("a sibling")
    siblings = _files(tmp_path / "vectors.new")

    index = install_vector_set([_vector("b", b"\x03"), _vector("c", b"\x04")], out)

    files = _files(out)
    assert files.pop("README.txt") == b"mine"
    assert files.pop("codec/notes.txt") == b"mine too"
    assert sorted(files) == [
        "codec/b.bin",
        "codec/b.cbor",
        "codec/b.json",
        "codec/c.bin",
        "codec/c.cbor",
        "codec/c.json",
        "index.json",
    ]
    assert files["codec/b.bin"] == b"\x03"
    assert json.loads(files["index.json"]) == index
    assert _files(tmp_path / "vectors.new") == siblings
    # no temporary directory is left beside the set
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vectors", "vectors.new"]


def test_a_directory_emptied_of_the_old_set_is_removed_unless_it_holds_more(
    tmp_path: Path,
) -> None:
    out = tmp_path / "vectors"
    old = _vector("a", b"\x01")
    old.id = "frame/a"
    install_vector_set([old], out)
    install_vector_set([_vector("b", b"\x02")], out)
    assert not (out / "frame").exists()


def test_a_new_directory_is_created(tmp_path: Path) -> None:
    install_vector_set([_vector("a", b"\x01")], tmp_path / "new")
    assert sorted(_files(tmp_path / "new")) == [
        "codec/a.bin",
        "codec/a.cbor",
        "codec/a.json",
        "index.json",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"format":"aqwal-vectors/1","vectors":[{"files":{"input":"/etc/passwd"}}]}', "outside"),
        ('{"format":"aqwal-vectors/1","vectors":[{"files":{"input":"a/../../x"}}]}', "outside"),
        ('{"format":"other"}', "is not an aqwal-vectors/1 index"),
        ("not json", "is not a vector index"),
    ],
)
def test_an_index_that_is_not_a_vector_index_is_refused(
    tmp_path: Path, content: str, message: str
) -> None:
    out = tmp_path / "vectors"
    out.mkdir()
    (out / "index.json").write_text(content)
    with pytest.raises(NotAVectorSet, match=message):
        install_vector_set([_vector("a", b"\x01")], out)
    assert _files(out) == {"index.json": content.encode()}


def test_a_set_whose_directories_are_links_out_of_it_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "vectors"
    install_vector_set([_vector("a", b"\x01")], out)
    elsewhere = tmp_path / "elsewhere"
    (out / "codec").rename(elsewhere)
    (out / "codec").symlink_to(elsewhere)
    before = _files(elsewhere)
    with pytest.raises(NotAVectorSet, match="symbolic link"):
        install_vector_set([_vector("a", b"\x02")], out)
    assert _files(elsewhere) == before
