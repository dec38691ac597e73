"""WAL-11: a WAL scan reports the same whatever its read size; the protocol's read_buffer hint."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from aqwal.codec import encode_record
from aqwal.walfile import CHUNK, validate_wal_file
from aqwal_conformance import testee
from aqwal_conformance.runner import requests_for
from aqwal_conformance.vectorgen.wal_boundaries import false_candidates
from aqwal_conformance.vectors import Vector
from aqwal_conformance.workload import engine_like_log

RECORDS = [encode_record(e) for e in engine_like_log(random.Random(5), 6)]
LOG = b"".join(RECORDS)
THIRD = sum(len(r) for r in RECORDS[:3])


def _damaged(tail: bytes) -> bytes:
    data = bytearray(LOG[:THIRD] + tail)
    data[THIRD + 8] ^= 0xFF  # the fourth record's CRC
    return bytes(data)


def _summary(path: Path, chunk: int = CHUNK) -> tuple[object, ...]:
    r = validate_wal_file(path, chunk=chunk)
    corruption = None if r.corruption is None else (r.corruption.code, r.corruption.offset)
    return r.records, r.last_sequence, r.valid_end, r.tail, r.next_valid_offset, corruption


@pytest.mark.parametrize(
    ("data", "tail"),
    [
        (LOG, "clean"),
        (LOG[: THIRD + 17], "torn"),
        (_damaged(b"".join(RECORDS[3:])), "mid-file"),
        (_damaged(RECORDS[3] + false_candidates()), "torn"),
    ],
    ids=["clean", "torn", "mid-file", "false-candidates"],
)
def test_reports_do_not_depend_on_the_read_size(tmp_path: Path, data: bytes, tail: str) -> None:
    # spec: WAL-11
    path = tmp_path / "a.wal"
    path.write_bytes(data)
    whole = _summary(path)
    assert whole[3] == tail
    for chunk in range(1, 40):
        assert _summary(path, chunk) == whole, chunk


@pytest.mark.parametrize(
    ("hint", "used"),
    [(7, 7), (CHUNK, CHUNK), (0, None), (CHUNK + 1, None), (True, None), ("7", None)],
)
def test_the_testee_honours_a_valid_read_buffer_hint(
    monkeypatch: pytest.MonkeyPatch, hint: object, used: int | None
) -> None:
    # spec: CP-4 — a hint; values that are no positive read size are ignored
    seen: list[int | None] = []

    def outcome(data: bytes, **options: Any) -> dict[str, Any]:
        seen.append(options["read_buffer"])
        return {}

    monkeypatch.setattr(testee, "wal_outcome", outcome)
    testee.handle({"kind": "validate_wal", "log": LOG, "options": {"read_buffer": hint}})
    assert seen == [used]


def test_the_runner_sends_a_wal_vectors_options() -> None:
    # spec: CP-6
    v = Vector("wal/x", "wal", "", "valid", LOG, (), options={"read_buffer": 9})
    assert requests_for(v) == [("", {"kind": "validate_wal", "log": LOG, "options": v.options})]
