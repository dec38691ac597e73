"""WAL files: streaming reads, the engine's reason codes and offsets, repair policies."""

from __future__ import annotations

import io
import os
import random
from pathlib import Path

import pytest

from aqwal import types as t
from aqwal.codec import encode_record, frame
from aqwal.errors import ERROR_CODES, WalFileError
from aqwal.walfile import (
    BATCH,
    MAX_NON_INCREASING,
    REASONS,
    WalCorruption,
    read_wal,
    read_wal_batches,
    repair_wal_file,
    validate_wal_file,
)
from aqwal_conformance.workload import engine_like_log

EVENTS = list(engine_like_log(random.Random(8), 12))
RECORDS = [encode_record(e) for e in EVENTS]
LOG = b"".join(RECORDS)
BOUNDARIES = [0]
for r in RECORDS:
    BOUNDARIES.append(BOUNDARIES[-1] + len(r))


def write(tmp_path: Path, data: bytes, name: str = "a.wal") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_reason_codes_are_the_engines() -> None:
    assert {c for c, e in ERROR_CODES.items() if e.category == "wal"} == {
        *REASONS,
        "mid_file_corruption",
    }


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 20])
def test_streaming_reads_every_record_whatever_the_chunk(chunk: int) -> None:
    got = list(read_wal(io.BytesIO(LOG), chunk=chunk))
    assert [e for _, e in got] == EVENTS
    assert [o for o, _ in got] == BOUNDARIES[:-1]


def test_torn_tail_at_every_byte_offset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # spec: WAL-3, WAL-5, WAL-8 — cut the log at every offset. Each repair syncs its output
    # and the directory (WAL-9); the disk is not what this test is about, so the syncs are
    # counted instead of waited for (two a repair; hundreds of waits took seconds).
    synced: list[int] = []
    monkeypatch.setattr(os, "fsync", synced.append)
    for cut in range(len(LOG) + 1):
        path = write(tmp_path, LOG[:cut])
        report = validate_wal_file(path)
        start = max(b for b in BOUNDARIES if b <= cut)
        complete = BOUNDARIES.index(start)
        assert report.records == complete
        assert report.valid_end == start
        if cut == start:
            assert report.corruption is None and report.tail == "clean"
        else:
            assert report.corruption is not None
            expected = "incomplete_header" if cut - start < 12 else "incomplete_payload"
            assert (report.corruption.code, report.corruption.offset) == (expected, start)
            assert report.tail == "torn"
        out = tmp_path / "out.wal"
        result = repair_wal_file(path, "truncate-partial", output=out)
        assert out.read_bytes() == LOG[:start]
        assert result.kept == start
        assert path.read_bytes() == LOG[:cut]  # the input is never touched
    assert len(synced) == 2 * (len(LOG) + 1)


def _corrupt_record(index: int, byte: int, data: bytes = LOG) -> bytes:
    raw = bytearray(data)
    raw[BOUNDARIES[index] + byte] ^= 0x40
    return bytes(raw)


@pytest.mark.parametrize(
    ("data", "reason", "cause"),
    [
        (_corrupt_record(3, 0), "unsupported_version", "frame_version_unsupported"),
        (_corrupt_record(3, 9), "crc_mismatch", "frame_crc_mismatch"),
        (_corrupt_record(3, 20), "crc_mismatch", "frame_crc_mismatch"),
        (
            LOG[: BOUNDARIES[3]] + frame(bytes.fromhex("01 1f 00")) + LOG[BOUNDARIES[4] :],
            "decode_failure",
            "unknown_variant",
        ),
        (
            LOG[: BOUNDARIES[3]]
            + bytes.fromhex("05000000 00000000 00000000")
            + LOG[BOUNDARIES[3] :],
            "decode_failure",
            "frame_empty_payload",
        ),
        (
            LOG[: BOUNDARIES[3]]
            + bytes.fromhex("05000000 01000010 00000000")
            + LOG[BOUNDARIES[3] :],
            "decode_failure",
            "frame_payload_too_large",
        ),
    ],
    ids=["version", "crc-byte", "payload-bit", "bad-payload", "empty", "over-256MiB"],
)
def test_mid_file_corruption(tmp_path: Path, data: bytes, reason: str, cause: str) -> None:
    path = write(tmp_path, data)
    report = validate_wal_file(path)
    assert report.corruption is not None
    assert (report.corruption.code, report.corruption.offset) == (reason, BOUNDARIES[3])
    assert report.corruption.cause.code == cause
    assert report.records == 3
    assert report.tail == "mid-file"
    assert report.next_valid_offset is not None
    with pytest.raises(WalFileError) as info:
        repair_wal_file(path, "truncate-partial", output=tmp_path / "out.wal")
    assert info.value.code == "mid_file_corruption"
    assert not (tmp_path / "out.wal").exists()
    with pytest.raises(WalCorruption) as strict:
        repair_wal_file(path, "strict", output=tmp_path / "out.wal")
    assert strict.value.code == reason


def test_bit_flip_in_last_record_is_a_torn_tail(tmp_path: Path) -> None:
    path = write(tmp_path, _corrupt_record(len(RECORDS) - 1, 20))
    report = validate_wal_file(path)
    assert report.corruption is not None and report.corruption.code == "crc_mismatch"
    assert report.tail == "torn"
    result = repair_wal_file(path, "truncate-partial", in_place=True)
    assert path.read_bytes() == LOG[: BOUNDARIES[-2]]
    assert result.dropped == len(RECORDS[-1])
    assert validate_wal_file(path).last_sequence == EVENTS[-2].sequence


def test_garbage_tail_is_repaired(tmp_path: Path) -> None:
    path = write(tmp_path, LOG + b"garbage")
    assert validate_wal_file(path).corruption.code == "incomplete_header"  # type: ignore[union-attr]
    repair_wal_file(path, "truncate-partial", in_place=True)
    assert path.read_bytes() == LOG


def test_truncated_record_with_bad_version_reports_version_first(tmp_path: Path) -> None:
    # spec: WAL-3 — the writer-open scanner checks the version before the payload length
    data = LOG[: BOUNDARIES[-2]] + b"\x06" + RECORDS[-1][1:20]
    report = validate_wal_file(write(tmp_path, data))
    assert report.corruption is not None
    assert report.corruption.code == "unsupported_version"


def test_clean_repair_is_a_no_op(tmp_path: Path) -> None:
    path = write(tmp_path, LOG)
    result = repair_wal_file(path, "strict", in_place=True)
    assert result.written is None and path.read_bytes() == LOG


def test_non_increasing_sequences_are_reported(tmp_path: Path) -> None:
    again = encode_record(t.WalEvent(1, t.EnginePaused(5)))
    report = validate_wal_file(write(tmp_path, LOG + again))
    assert report.non_increasing == ((len(LOG), 1),)
    assert report.last_sequence == 1 and report.max_sequence == EVENTS[-1].sequence


def test_non_increasing_sequences_are_found_in_every_batch_up_to_the_limit(
    tmp_path: Path,
) -> None:
    # spec: WAL-6 — sequences 1, 2, ... with a step back at every record numbered in ``back``
    # (one at the start of a batch, one at its end, many in a row), compared with the rule
    # applied record by record
    back = {1, BATCH - 1, BATCH, BATCH + 1, 2 * BATCH, *range(3 * BATCH, 3 * BATCH + 150)}
    sequences: list[int] = []
    for i in range(4 * BATCH):
        sequences.append(sequences[-1] - 1 if i in back else i + 10)
    records = [encode_record(t.WalEvent(s, t.EnginePaused(5))) for s in sequences]
    offsets = [sum(map(len, records[:i])) for i in range(len(records))]
    expected = [(offsets[i], sequences[i]) for i in range(1, len(sequences)) if i in back][
        :MAX_NON_INCREASING
    ]
    report = validate_wal_file(write(tmp_path, b"".join(records)))
    assert report.non_increasing == tuple(expected)
    assert (report.first_sequence, report.last_sequence) == (sequences[0], sequences[-1])
    assert report.max_sequence == max(sequences)
    assert report.records == len(sequences)


@pytest.mark.parametrize("chunk", [1, 100, 1 << 20])
def test_batches_hold_the_records_up_to_a_corruption_then_raise(chunk: int) -> None:
    # spec: WAL-2, WAL-3 — the records before the corrupt one, in batches of at most BATCH
    events = [t.WalEvent(s, t.EnginePaused(s)) for s in range(1, 2 * BATCH + 10)]
    good = b"".join(map(encode_record, events))
    bad = bytearray(encode_record(t.WalEvent(9999, t.EnginePaused(1))))
    bad[-1] ^= 0xFF
    got: list[t.WalEvent] = []
    with pytest.raises(WalCorruption) as info:
        for offsets, batch in read_wal_batches(io.BytesIO(good + bad), chunk=chunk):
            assert 0 < len(batch) <= BATCH and len(offsets) == len(batch)
            got += batch
    assert got == events
    assert (info.value.code, info.value.offset) == ("crc_mismatch", len(good))


def test_empty_file_is_an_empty_log(tmp_path: Path) -> None:
    report = validate_wal_file(write(tmp_path, b""))
    assert (report.records, report.tail, report.last_sequence) == (0, "clean", 0)
