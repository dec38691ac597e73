"""`aqwal conform` as a CI tool: the vector set it uses and refuses (spec: CP-14), option
values, and differential mode with the same options and reports (spec: CP-10). Every error is
one `aqwal: ...` line, never a traceback."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import cbor2
import pytest

from aqwal.cli import main
from aqwal_conformance.iut import ReferenceIUT
from aqwal_conformance.vectorset import checkout_vectors, default_vectors, packaged_vectors

ROOT = Path(__file__).resolve().parents[1]
VECTORS = ROOT / "vectors"
BROKEN = Path(__file__).parent / "testees" / "broken_testee.py"


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aqwal: "), err
    return lines[0]


@pytest.fixture()
def small_set(tmp_path: Path) -> Path:
    """A copy of five `wal` cases of the vector set (index entries and files), to break in
    various ways."""
    root = tmp_path / "set"
    index = json.loads((VECTORS / "index.json").read_text(encoding="utf-8"))
    index["vectors"] = [e for e in index["vectors"] if e["category"] == "wal"][:5]
    for entry in index["vectors"]:
        for relative in entry["files"].values():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(VECTORS / relative, root / relative)
    (root / "index.json").write_text(json.dumps(index), encoding="utf-8")
    return root


def edit_first_entry(root: Path, key: str, value: object) -> None:
    index = json.loads((root / "index.json").read_text(encoding="utf-8"))
    index["vectors"][0]["files"][key] = value
    (root / "index.json").write_text(json.dumps(index), encoding="utf-8")


def test_a_small_set_runs(small_set: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conform", "--quiet", "--vectors", str(small_set)]) == 0
    assert f"vectors: {small_set}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("breakage", "words"),
    [
        ("index: []", "is not an aqwal-vectors/1 index"),
        ("index: not JSON", "is not JSON"),
        ("index: not UTF-8", "is not UTF-8"),
        ("index: missing", "cannot read"),
        ("entry: no files", "'files' is not an object of paths"),
        ("file: missing", "cannot read"),
        ("file: not CBOR", "not CBOR"),
        ("file: ../../etc/passwd", "is not a path inside the vector set"),
        ("file: /dev/zero", "is not a path inside the vector set"),
        ("file: symlink out", "leads outside the vector set"),
        ("file: a symlink", "cannot read"),
        ("file: a directory", "is not a regular file"),
        ("expected: wrong shape", "'records' is missing"),
        ("expected: next_valid_offset", "'next_valid_offset' is neither null nor an unsigned"),
        ("expected: non_increasing", "'non_increasing_sequences' is not an array of {offset,"),
    ],
)
def test_unusable_vector_sets_are_one_line_errors(
    small_set: Path, breakage: str, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    index = small_set / "index.json"
    first = json.loads(index.read_text(encoding="utf-8"))["vectors"][0]["files"]
    if breakage == "index: []":
        index.write_text("[]", encoding="utf-8")
    elif breakage == "index: not JSON":
        index.write_text("{", encoding="utf-8")
    elif breakage == "index: not UTF-8":
        index.write_bytes(b'{"format": "\xff"}')
    elif breakage == "index: missing":
        index.unlink()
    elif breakage == "entry: no files":
        doc = json.loads(index.read_text(encoding="utf-8"))
        del doc["vectors"][3]["files"]
        index.write_text(json.dumps(doc), encoding="utf-8")
    elif breakage == "file: missing":
        (small_set / first["input"]).unlink()
    elif breakage == "file: not CBOR":
        (small_set / first["cbor"]).write_bytes(b"\xff")
    elif breakage == "expected: wrong shape":
        (small_set / first["cbor"]).write_bytes(b"\xa0")
    elif breakage == "expected: next_valid_offset":
        doc = cbor2.loads((small_set / first["cbor"]).read_bytes())
        (small_set / first["cbor"]).write_bytes(cbor2.dumps({**doc, "next_valid_offset": -1}))
    elif breakage == "expected: non_increasing":
        doc = cbor2.loads((small_set / first["cbor"]).read_bytes())
        rows = [{"offset": 16, "sequence": 1, "extra": 0}]
        (small_set / first["cbor"]).write_bytes(
            cbor2.dumps({**doc, "non_increasing_sequences": rows})
        )
    elif breakage.startswith("file: ../") or breakage == "file: /dev/zero":
        edit_first_entry(small_set, "input", breakage.removeprefix("file: "))
    elif breakage == "file: symlink out":
        (small_set / "out").symlink_to(ROOT / "spec")
        edit_first_entry(small_set, "input", "out/errors.md")
    elif breakage == "file: a symlink":
        (small_set / "wal" / "link.bin").symlink_to(small_set / first["input"])
        edit_first_entry(small_set, "input", "wal/link.bin")
    elif breakage == "file: a directory":
        edit_first_entry(small_set, "input", "wal")
    assert main(["conform", "--quiet", "--vectors", str(small_set)]) == 2
    line = one_line_error(capsys)
    assert line.startswith("aqwal: vectors: ") and words in line, line


@pytest.mark.parametrize(
    ("arguments", "status", "words"),
    [
        (["--timeout", "inf"], 2, "--timeout: the timeout must be more than 0"),
        (["--timeout", "0"], 2, "--timeout: the timeout must be more than 0"),
        (["--timeout", "nan"], 2, "--timeout: the timeout must be more than 0"),
        (["--stateful", "--examples", "0"], 2, "--examples must be at least 1"),
        (["--stateful", "--iut", ""], 1, "the IUT command is empty"),
        (["--stateful", "--iut", "'unbalanced"], 1, "cannot parse the IUT command"),
        (["--stateful", "--iut", "/no/such/program"], 1, "cannot start the IUT"),
        (["-o", "/no/such/directory/report.xml"], 2, "its directory does not exist"),
        (["--vectors", "/no/such/vectors"], 2, "does not exist or is not a directory"),
    ],
)
def test_bad_option_values_are_one_line_errors(
    arguments: list[str], status: int, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["conform", "--quiet", "--category", "wal", *arguments]) == status
    assert words in one_line_error(capsys)


def test_an_expected_failures_file_that_is_not_utf8_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = tmp_path / "xfail.txt"
    listing.write_bytes(b"frame/crc-byte-0 caf\xe9\n")
    assert main(["conform", "--quiet", "--expected-failures", str(listing)]) == 2
    assert one_line_error(capsys) == f"aqwal: {listing} is not UTF-8 text"


def test_differential_mode_honours_reports_outputs_and_expected_failures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    iut = f"{sys.executable} {BROKEN} raw:digest-int"
    out = tmp_path / "conformance.json"
    base = ["conform", "--stateful", "--examples", "3", "--iut", iut, "--quiet"]
    assert main([*base, "--report", "json", "-o", str(out)]) == 1
    doc = json.loads(out.read_text(encoding="utf-8"))
    (case,) = doc["cases"]
    assert case["id"] == "stateful/differential" and case["status"] == "failed"
    assert "digest is 5, not text" in case["detail"]
    wal = tmp_path / "conformance.difference.wal"
    assert wal.read_bytes().hex() == case["log"] and case["log"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [wal.name, out.name]
    text = capsys.readouterr().out  # the text report, on stdout
    assert "FAILED  stateful/differential:" in text and "one frame per line, hex" in text
    listing = tmp_path / "xfail.txt"
    listing.write_text("stateful/differential  digests are numbers\n", encoding="utf-8")
    assert main([*base, "--expected-failures", str(listing), "--report", "json"]) == 0
    (case,) = json.loads(capsys.readouterr().out)["cases"]
    assert case["status"] == "xfail"
    assert case["detail"].startswith("digests are numbers (invariant differential failed")


def test_differential_mode_keeps_hypothesis_storage_private(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Hypothesis caches data in .hypothesis/ of the current directory unless told otherwise; a
    # run writes nothing but its named outputs.
    from hypothesis.configuration import storage_directory

    import aqwal_conformance.differential as differential

    used: list[Path] = []

    def caching_run(machine: object, settings: object) -> None:
        cache = storage_directory("constants")
        cache.create_if_missing()
        used.append(cache.path)

    monkeypatch.setattr(differential, "run_state_machine_as_test", caching_run)
    monkeypatch.delenv("HYPOTHESIS_STORAGE_DIRECTORY", raising=False)
    result = differential.differential_case(ReferenceIUT(), examples=1, timeout=5.0)
    assert result.status == "passed"
    assert used and Path.cwd() not in used[0].parents
    assert not used[0].exists()


def test_differential_mode_after_vectors_skips_without_replay(
    capsys: pytest.CaptureFixture[str],
) -> None:
    iut = f"{sys.executable} {BROKEN} no-replay"
    arguments = ["conform", "--quiet", "--stateful", "--iut", iut, "--category", "wal"]
    assert main(arguments) == 0
    out = capsys.readouterr().out
    assert "stateful       0       0        1" in out
    assert main([*arguments, "--require", "replay"]) == 1


def test_a_difference_after_a_snapshot_carries_the_snapshot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # spec: CP-10, CP-15 — without the snapshot the log alone would not reproduce the difference
    iut = f"{sys.executable} {BROKEN} snapshot-digest"
    out = tmp_path / "conformance.json"
    arguments = ["conform", "--stateful", "--examples", "40", "--iut", iut, "--quiet"]
    assert main([*arguments, "--report", "json", "-o", str(out)]) == 1
    (case,) = json.loads(out.read_text(encoding="utf-8"))["cases"]
    assert "IUT digest '000" in case["detail"]
    wal = tmp_path / "conformance.difference.wal"
    snapshot = tmp_path / "conformance.difference.snapshot"
    assert wal.read_bytes().hex() == case["log"]
    assert snapshot.read_bytes().hex() == case["snapshot"]
    assert snapshot.read_bytes()[:4] == (4).to_bytes(4, "little")  # a snapshot file (SNP-2)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([out.name, wal.name, snapshot.name])
    assert "snapshot replayed with it (" in capsys.readouterr().out


def test_require_names_a_request_kind(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conform", "--quiet", "--require", "replay", "--category", "wal"]) == 0
    capsys.readouterr()
    assert main(["conform", "--quiet", "--require", "rewind"]) == 2
    err = capsys.readouterr().err
    assert "--require: 'rewind' is not a request kind" in err and "write_snapshot" in err


def test_vectors_path_is_the_packaged_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["vectors", "path"]) == 0
    printed = Path(capsys.readouterr().out.strip())
    assert printed == packaged_vectors()
    assert (printed / "index.json").is_file()


def test_the_package_ships_every_vector_file() -> None:
    # The wheel's aqwal_vectors is vectors/ itself: every file must match a package-data
    # pattern of its directory, so the installed copy is identical (.ci/run checks an
    # installed wheel too).
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    assert config["setuptools"]["package-dir"]["aqwal_vectors"] == "vectors"
    package_data = config["setuptools"]["package-data"]
    listed = packages()
    unshipped = []
    for path in VECTORS.rglob("*"):
        if path.is_file():
            folder = path.parent.relative_to(VECTORS).as_posix()
            package = "aqwal_vectors" + ("" if folder == "." else "." + folder)
            patterns = package_data.get(package, []) if package in listed else []
            if not any(fnmatch(path.name, p) for p in patterns):
                unshipped.append(path)
    assert unshipped == []


def packages() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed: list[str] = config["tool"]["setuptools"]["packages"]
    return listed


def test_a_checkout_takes_precedence_over_the_packaged_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT / "spec" / "schemas")
    assert checkout_vectors() == default_vectors() == ROOT / "vectors"
    monkeypatch.chdir(tmp_path)
    assert checkout_vectors() is None
    assert default_vectors() == packaged_vectors()
    fake = tmp_path / "vectors"
    fake.mkdir()
    (fake / "index.json").write_text("{}", encoding="utf-8")
    assert checkout_vectors() is None, "a vectors/ directory alone is not a checkout"
    os.chdir(ROOT)


def test_stateful_leave_out_is_named_in_the_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # spec: CP-10 — the parts left out are part of what the case claims
    assert main(["conform", "--quiet", "--stateful-leave-out", "snapshots"]) == 2
    assert "add --stateful" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["conform", "--stateful", "--stateful-leave-out", "rewinds"])
    assert exited.value.code == 2
    assert "invalid choice: 'rewinds'" in capsys.readouterr().err
    out = tmp_path / "report.json"
    arguments = ["conform", "--quiet", "--stateful", "--examples", "2", "--report", "json"]
    leave_out = ["--stateful-leave-out", "snapshots", "--stateful-leave-out", "lenient-encodings"]
    assert main([*arguments, *leave_out, "-o", str(out)]) == 0
    (case,) = json.loads(out.read_text(encoding="utf-8"))["cases"]
    assert case["detail"].endswith("replay requests; left out: snapshots, lenient-encodings)")


def test_run_refuses_an_unknown_or_stray_leave_out() -> None:
    from aqwal_conformance.runner import run

    with pytest.raises(ValueError, match="cannot leave out 'rewinds'"):
        run(stateful=1, leave_out=["rewinds"])
    with pytest.raises(ValueError, match="differential mode only"):
        run(categories=["wal"], leave_out=["snapshots"])


def test_the_command_line_offers_exactly_the_parts_differential_mode_can_leave_out() -> None:
    # the parser lists the names itself, so that building it imports no conformance module
    import argparse

    from aqwal.cli import build_parser
    from aqwal_conformance.runner import LEAVE_OUT

    commands = next(
        a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)
    )
    conform = commands.choices["conform"]
    (option,) = [a for a in conform._actions if "--stateful-leave-out" in a.option_strings]
    assert tuple(option.choices or ()) == LEAVE_OUT
