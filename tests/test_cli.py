"""The aqwal command line: decode, encode, schema export."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aqwal.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "engine-records.wal"
UPSTREAM = ROOT / "tests" / "data" / "upstream"


def test_decode_sample_prints_engine_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", str(SAMPLE)]) == 0
    lines = capsys.readouterr().out.splitlines()
    expected = [p.read_text(encoding="utf-8") for p in sorted(UPSTREAM.glob("*.json"))]
    assert lines == expected


def test_decode_stops_at_first_bad_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = SAMPLE.read_bytes()
    first = (UPSTREAM / "0000_TaskCreated.bin").read_bytes()
    bad = bytearray(data)
    bad[len(first) + 8] ^= 0xFF  # CRC byte of the second record
    path = tmp_path / "bad.wal"
    path.write_bytes(bytes(bad))
    assert main(["decode", str(path)]) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 1
    assert err.startswith(f"aqwal: frame_crc_mismatch at offset {len(first) + 8} [FRM-3]:")


def test_decode_payload(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.bin"
    path.write_bytes(bytes.fromhex("01 0b e8 07"))
    assert main(["decode", "--payload", str(path)]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "sequence": 1,
        "event": {"EnginePaused": {"timestamp": 1000}},
    }
    path.write_bytes(bytes.fromhex("01 0b e8 87 00"))
    assert main(["decode", "--payload", str(path)]) == 1
    assert "non_canonical_varint at offset 2" in capsys.readouterr().err
    assert main(["decode", "--payload", "--lenient", str(path)]) == 0


def test_encode_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decode", str(SAMPLE)]) == 0
    jsonl = tmp_path / "records.jsonl"
    jsonl.write_text(capsys.readouterr().out, encoding="utf-8")
    out = tmp_path / "out.wal"
    assert main(["encode", str(jsonl), "-o", str(out)]) == 0
    assert out.read_bytes() == SAMPLE.read_bytes()


def test_encode_reports_line_of_bad_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    jsonl = tmp_path / "records.jsonl"
    jsonl.write_text(
        '{"sequence":1,"event":{"EnginePaused":{"timestamp":1}}}\n'
        '{"sequence":2,"event":{"EnginePaused":{}}}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.wal"
    assert main(["encode", str(jsonl), "-o", str(out)]) == 1
    assert "line 2: form_missing_field" in capsys.readouterr().err
    assert not out.exists()


def test_encode_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    jsonl = tmp_path / "records.jsonl"
    jsonl.write_text('{"sequence":1,"event":{"EnginePaused":{"timestamp":1}}}\n', encoding="utf-8")
    assert main(["encode", str(jsonl), "-o", str(jsonl)]) == 2
    assert jsonl.read_text(encoding="utf-8").startswith("{")


def test_missing_input_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["decode", str(tmp_path / "nope.wal")]) == 2


def test_module_entry_point_and_stdin() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "aqwal", "decode", "-"],
        input=bytes.fromhex("0500000004000000dfbb6e9d010be807"),
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 0
    assert proc.stdout == b'{"sequence":1,"event":{"EnginePaused":{"timestamp":1000}}}\n'


def test_schema_export_matches_committed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "export"]) == 0
    committed = (ROOT / "spec" / "registry" / "wal-v5.json").read_text(encoding="utf-8")
    assert capsys.readouterr().out == committed
