"""The command line for logs and data directories: replay, verify, inspect, snapshot, repair."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from aqwal.cli import main
from aqwal.codec import encode_record
from aqwal.digest import state_digest
from aqwal.reducer import Reducer
from aqwal_conformance.scenarios import error_cases
from aqwal_conformance.workload import engine_like_log

EVENTS = list(engine_like_log(random.Random(4), 300))
LOG = b"".join(encode_record(e) for e in EVENTS)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    (tmp_path / "wal").mkdir()
    (tmp_path / "snapshots").mkdir()
    (tmp_path / "wal" / "actionqueue.wal").write_bytes(LOG)
    return tmp_path


def full_digest() -> str:
    reducer = Reducer()
    for e in EVENTS:
        reducer.apply(e)
    return state_digest(reducer.state)


def test_replay_digest_and_snapshot_round_trip(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wal = data_dir / "wal" / "actionqueue.wal"
    assert main(["replay", str(wal), "--digest"]) == 0
    assert capsys.readouterr().out.strip() == full_digest()
    snap = data_dir / "snapshots" / "snapshot.bin"
    assert main(["snapshot", "write", str(wal), "-o", str(snap)]) == 0
    capsys.readouterr()
    assert main(["replay", str(data_dir), "--digest"]) == 0
    assert capsys.readouterr().out.strip() == full_digest()
    assert main(["snapshot", "show", str(snap)]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["metadata"] == {
        "schema_version": 8,
        "wal_sequence": 300,
        "task_count": len(body["tasks"]),
        "run_count": len(body["runs"]),
    }


def test_replay_default_prints_snapshot_json(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replay", str(data_dir)]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["version"] == 4 and body["metadata"]["wal_sequence"] == 300


def test_replay_events_reports_rejections(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = next(c for c in error_cases() if c.id == "finish-reused-attempt-id")
    path = tmp_path / "case.wal"
    path.write_bytes(b"".join(encode_record(e) for e in case.events))
    assert main(["replay", str(path), "--events"]) == 1
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x.get("error") for x in lines[:-1]] == list(case.expected)
    assert "state" in lines[-1]
    assert main(["replay", str(path), "--events", "--strict"]) == 1
    out, err = capsys.readouterr()
    assert "attempt_already_finished" in err
    assert len(out.splitlines()) == case.expected.index("attempt_already_finished")


def test_verify_and_inspect(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(data_dir)]) == 0
    assert capsys.readouterr().out.strip().endswith("ok")
    wal = data_dir / "wal" / "actionqueue.wal"
    wal.write_bytes(LOG[:-5])
    assert main(["verify", str(data_dir), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["wal"]["corruption"]["code"] == "incomplete_payload"
    assert report["wal"]["tail"] == "torn"
    assert main(["inspect", str(data_dir), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["records"] == 299 and info["tail"] == "incomplete_payload"
    assert sum(v["records"] for v in info["variants"].values()) == 299
    assert main(["inspect", str(data_dir)]) == 0
    assert "RunStateChanged" in capsys.readouterr().out


def test_repair(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wal = data_dir / "wal" / "actionqueue.wal"
    wal.write_bytes(LOG + b"\x05\x00")
    out = data_dir / "fixed.wal"
    assert main(["repair", str(data_dir), "--policy", "truncate-partial", "-o", str(out)]) == 0
    assert out.read_bytes() == LOG
    assert wal.read_bytes() == LOG + b"\x05\x00"
    assert main(["repair", str(wal), "--policy", "strict", "--in-place"]) == 1
    assert main(["repair", str(wal)]) == 2  # neither -o nor --in-place
    assert main(["repair", str(wal), "--in-place"]) == 0
    assert wal.read_bytes() == LOG
    capsys.readouterr()


def test_snapshot_show_rejects_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.bin"
    path.write_bytes(b"\x05\x00\x00\x00")
    assert main(["snapshot", "show", str(path)]) == 1
    assert "snapshot_unsupported_version" in capsys.readouterr().err
