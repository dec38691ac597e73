"""Reviewing an engine change: diff sides from sources and git revisions, three report formats.

The same realistic edits a reviewer meets in the engine's event.rs are made to the engine-like
fixture (tests/data/rust/engine-like), and each gets its classification in every format
(spec: VER-21, VER-22, and the worked example of versioning.md).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from aqwal.cli import main

ROOT = Path(__file__).resolve().parents[1]
ENGINE_LIKE = ROOT / "tests/data/rust/engine-like"
EVENT = "crates/jobs-store/src/wal/event.rs"
JOB = "crates/jobs-core/src/job.rs"

Edit = Callable[[Path], None]


def replace(file: str, old: str, new: str) -> Edit:
    def edit(tree: Path) -> None:
        path = tree / file
        text = path.read_text()
        assert old in text, old
        path.write_text(text.replace(old, new, 1))

    return edit


# (id, edit, [(kind, severity, scope)], exit status)
EDITS: list[tuple[str, Edit, list[tuple[str, str, str]], int]] = [
    (
        "insert-before-last",
        replace(
            EVENT,
            "    BacklogTrimmed {",
            "    QuotaSet { limit: u64, at: u64 },\n    BacklogTrimmed {",
        ),
        [("variant inserted", "breaking", "wal"), ("variant moved", "breaking", "wal")],
        1,
    ),
    (
        "append-at-end",
        replace(EVENT, "kept: i32 },\n}", "kept: i32 },\n    QuotaSet { limit: u64, at: u64 },\n}"),
        [("variant appended", "compatible", "wal")],
        0,
    ),
    (
        "insert-variant",
        replace(
            EVENT,
            "    JobCancelled {",
            "    JobPaused { job_id: JobId, at: u64 },\n    JobCancelled {",
        ),
        [("variant inserted", "breaking", "wal"), ("variants renumbered", "breaking", "wal")],
        1,
    ),
    (
        "add-field",
        replace(
            EVENT,
            "WorkerLeft { worker: WorkerId, at: u64 }",
            "WorkerLeft { worker: WorkerId, why: String, at: u64 }",
        ),
        [("field added", "breaking", "wal")],
        1,
    ),
    (
        "add-optional-defaulted-field",
        replace(
            JOB,
            "    parent: Option<Box<JobId>>,\n}",
            "    parent: Option<Box<JobId>>,\n"
            '    #[cfg_attr(feature = "serde", serde(default))]\n    owner: Option<String>,\n}',
        ),
        # JobSpec is hand-deserialized: the wire type must change the same way
        [
            ("field added", "breaking", "wal"),
            ("json field added with default", "compatible", "snapshot"),
        ],
        1,
    ),
    (
        "rename-field",
        replace(
            EVENT,
            "WorkerLeft { worker: WorkerId, at: u64 }",
            "WorkerLeft { worker_id: WorkerId, at: u64 }",
        ),
        [("field renamed", "compatible", "wal")],
        0,
    ),
    (
        "retype-field",
        replace(EVENT, "tags: Vec<String>, slots: u32", "tags: Vec<String>, slots: u8"),
        [("field retyped", "breaking", "wal")],
        1,
    ),
    (
        "widen-field",
        replace(EVENT, "tags: Vec<String>, slots: u32", "tags: Vec<String>, slots: u64"),
        [("integer widened", "compatible", "wal")],
        0,
    ),
    (
        "gate-variant",
        replace(EVENT, "    QueuePaused {", '    #[cfg(feature = "ops")]\n    QueuePaused {'),
        [("variant feature changed", "breaking", "wal")],
        1,
    ),
]


def _add_wire_field(tree: Path) -> None:
    """The hand-written Deserialize of JobSpec reads the new field too."""
    replace(
        JOB,
        "            parent: Option<Box<JobId>>,\n        }",
        "            parent: Option<Box<JobId>>,\n            #[serde(default)]\n"
        "            owner: Option<String>,\n        }",
    )(tree)


def edited_copy(tmp_path: Path, edit: Edit, name: str = "new") -> Path:
    tree = tmp_path / name
    shutil.copytree(ENGINE_LIKE, tree)
    edit(tree)
    if "owner: Option<String>,\n}" in (tree / JOB).read_text():
        _add_wire_field(tree)
    return tree


@pytest.mark.parametrize(
    ("edit", "expected", "status"), [e[1:] for e in EDITS], ids=[e[0] for e in EDITS]
)
def test_engine_change_classified_in_every_format(
    edit: Edit,
    expected: list[tuple[str, str, str]],
    status: int,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    new = edited_copy(tmp_path, edit)
    assert main(["schema", "diff", str(ENGINE_LIKE), str(new), "--format", "json"]) == status
    doc = json.loads(capsys.readouterr().out)
    got = [(c["kind"], c["severity"], c["scope"]) for c in doc["changes"]]
    assert sorted(got) == sorted(expected)
    assert doc["compatible"] is (status == 0) and doc["registries"] == ["wal", "snapshot"]

    assert main(["schema", "diff", str(ENGINE_LIKE), str(new)]) == status
    text = capsys.readouterr().out
    for kind, severity, scope in expected:
        assert f"{severity.upper():10} {scope:8}" in text and kind in text

    assert main(["schema", "diff", str(ENGINE_LIKE), str(new), "--format", "markdown"]) == status
    md = capsys.readouterr().out
    assert md.startswith("### aqwal schema diff: ")
    assert ("**breaking**" in md) is (status == 1)
    rows = [line for line in md.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 1 + len(expected)  # the header and one row per change


def test_inserted_variant_shows_real_positions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = edited_copy(tmp_path, EDITS[2][1])
    main(["schema", "diff", str(ENGINE_LIKE), str(new), "--format", "json"])
    changes = json.loads(capsys.readouterr().out)["changes"]
    by_kind = {c["kind"]: c for c in changes}
    assert by_kind["variant inserted"]["path"] == "WalEventType > JobPaused"
    assert by_kind["variant inserted"]["new"] == "#1 JobPaused"
    renumbered = by_kind["variants renumbered"]
    assert renumbered["path"] == "WalEventType > JobCancelled .. BacklogTrimmed"
    assert (renumbered["old"], renumbered["new"]) == ("#1..#11", "#2..#12")


def test_registry_file_against_source(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    wal = tmp_path / "wal.json"
    assert main(["schema", "extract", str(ENGINE_LIKE), "-o", str(wal)]) == 0
    assert main(["schema", "diff", str(wal), str(ENGINE_LIKE)]) == 0
    assert ": 0 change(s), 0 breaking" in capsys.readouterr().out


def test_markdown_escapes_table_cells() -> None:
    from aqwal.schemadiff import Change
    from aqwal.schemareport import DiffReport, as_markdown

    change = Change("A|B > `c`", "field added", "breaking", "wal", "-", "Vec<u8>", "VER-5")
    md = as_markdown(DiffReport("old|x", "new", ("wal",), (change,)))
    row = next(line for line in md.splitlines() if "field added" in line)
    assert row.count(" | ") == 5  # six cells: no pipe of the content splits a cell
    assert "A\\|B" in row and "`` A\\|B > `c` ``" in row


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
        check=True,
        capture_output=True,
    )


def test_git_revisions_are_read_without_a_checkout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # spec: VER-21 — GIT_DIR@REV: git archive into a private temporary directory, removed after
    repo = tmp_path / "repo"
    shutil.copytree(ENGINE_LIKE, repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "change")
    EDITS[2][1](repo)
    git(repo, "commit", "-q", "-am", "insert a variant")
    git(repo, "checkout", "-q", "main")
    work_tree = sorted((p, p.stat().st_mtime_ns) for p in repo.rglob("*") if ".git" not in p.parts)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    assert main(["schema", "diff", f"{repo}@main", f"{repo}@change", "--format", "json"]) == 1
    kinds = {c["kind"] for c in json.loads(capsys.readouterr().out)["changes"]}
    assert kinds == {"variant inserted", "variants renumbered"}
    assert main(["schema", "diff", f"{repo}@main", str(repo)]) == 0
    capsys.readouterr()
    assert list(scratch.iterdir()) == []  # every temporary tree was removed
    now = sorted((p, p.stat().st_mtime_ns) for p in repo.rglob("*") if ".git" not in p.parts)
    assert now == work_tree  # the work tree was not touched

    assert main(["schema", "diff", f"{repo}@no-such-branch", str(repo)]) == 2
    assert "git archive failed" in capsys.readouterr().err
    assert main(["schema", "diff", f"{repo}@--output=x", str(repo)]) == 2
    assert "is not a revision" in capsys.readouterr().err
    assert not (repo / "x").exists() and list(scratch.iterdir()) == []


def test_a_side_that_does_not_exist_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schema", "diff", str(tmp_path / "nothing"), str(ENGINE_LIKE)]) == 2
    assert "no such registry file, source directory or GIT_DIR@REV" in capsys.readouterr().err
