"""aqwal schema extract: registries from Rust source (spec: VER-15 .. VER-20).

The fixtures under tests/data/rust are this project's own Rust text: ``constructs`` has one of
every construct the extractor reads, ``engine-like`` is shaped like the engine's WAL and snapshot
crates, and each file of ``refusals`` is a crate whose first line names the error it must get.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aqwal.cli import main
from aqwal.declarations import SNAPSHOT_V8, WAL_V5
from aqwal.errors import AqwalError
from aqwal.registry import document_text, export_text
from aqwal.rustextract import ENGINE_TARGETS, Target, extract, load_overlay, overlay_document

ROOT = Path(__file__).resolve().parents[1]
RUST = ROOT / "tests/data/rust"
ENGINE_LIKE = RUST / "engine-like"
ENGINE_LIKE_OVERLAY = load_overlay((RUST / "engine-like.overlay.json").read_bytes(), "overlay")
ONE_ROOT = (Target("wal", "Root", "VERSION"),)
REFUSALS = sorted((RUST / "refusals").glob("*.rs"))


def crate_of(source: Path, dest: Path) -> Path:
    """A one-file crate holding ``source`` as its lib.rs."""
    (dest / "src").mkdir(parents=True)
    (dest / "Cargo.toml").write_text('[package]\nname = "fixture"\nversion = "0.1.0"\n')
    shutil.copy(source, dest / "src/lib.rs")
    return dest


def test_every_construct_extracts_to_the_checked_in_registry() -> None:
    # spec: VER-16, VER-17 — wire types, newtypes, aliases, rename rules, defaults, discriminants
    regs = extract(RUST / "constructs", ONE_ROOT)
    assert export_text(regs["wal"]) == (RUST / "constructs.wal.json").read_text()


def test_engine_like_crates_extract_to_the_checked_in_registries() -> None:
    # spec: VER-15, VER-19, VER-20 — paths across crates, hand-written impls, overlay, json_only
    regs = extract(ENGINE_LIKE, ENGINE_TARGETS, ENGINE_LIKE_OVERLAY)
    for name in ("wal", "snapshot"):
        expected = (RUST / f"engine-like.{name}.json").read_text()
        assert export_text(regs[name]) == expected, name


def test_types_only_in_snapshots_are_json_only() -> None:
    regs = extract(ENGINE_LIKE, ENGINE_TARGETS, ENGINE_LIKE_OVERLAY)
    snap = regs["snapshot"]
    json_only = {d.name for d in snap if not getattr(d, "on_wire", True)}
    assert json_only == {"Snapshot", "SnapshotJob", "SnapshotExecution"}


def test_overlay_file_is_the_one_derived_from_the_declarations() -> None:
    # spec: VER-20 — the overlay carries what only the specification adds
    expected = document_text(overlay_document([WAL_V5, SNAPSHOT_V8]))
    assert (ROOT / "spec/registry/overlay.json").read_text() == expected
    assert main(["schema", "export", "--overlay", "--check", "spec/registry/overlay.json"]) == 0


@pytest.mark.parametrize("fixture", REFUSALS, ids=[p.stem for p in REFUSALS])
def test_refusals_name_the_rule(fixture: Path, tmp_path: Path) -> None:
    # spec: VER-16 — what has no registry form is refused, never guessed
    header = fixture.read_text().splitlines()[0]
    code, fragment = header.removeprefix("// refused: ").split(": ", 1)
    crate = crate_of(fixture, tmp_path / "crate")
    with pytest.raises(AqwalError) as info:
        extract(crate, ONE_ROOT)
    assert info.value.code == code, str(info.value)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_refusal_on_the_command_line_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crate = crate_of(RUST / "refusals/flatten.rs", tmp_path / "crate")
    (crate / "src/lib.rs").write_text(
        (crate / "src/lib.rs").read_text().replace("Root", "WalEvent")
        + "\npub mod wal { pub mod codec { pub const VERSION: u32 = 1; } }\n"
    )
    assert main(["schema", "extract", str(crate)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("aqwal: source_unsupported") and err.count("\n") == 1
    assert "serde(flatten)" in err and "lib.rs:" in err


def test_a_directory_without_crates_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AqwalError) as info:
        extract(tmp_path)
    assert info.value.code == "source_unresolved"


def test_a_missing_parser_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_tree_sitter(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("tree_sitter"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_tree_sitter)
    assert main(["schema", "extract", str(ENGINE_LIKE)]) == 2
    err = capsys.readouterr().err
    assert "pip install 'aqwal[extract]'" in err and err.count("\n") == 1


def test_extract_writes_only_the_named_output(tmp_path: Path) -> None:
    before = sorted(p for p in ENGINE_LIKE.rglob("*"))
    out = tmp_path / "wal.json"
    assert (
        main(["schema", "extract", str(ENGINE_LIKE), "--registry", "snapshot", "-o", str(out)]) == 0
    )
    assert sorted(p for p in ENGINE_LIKE.rglob("*")) == before
    assert [p.name for p in tmp_path.iterdir()] == ["wal.json"]
    assert '"name": "snapshot"' in out.read_text()
