"""WAL file vectors: clean, torn and corrupt tails, resynchronisation, the repair outcome."""

from __future__ import annotations

import random
from collections.abc import Iterator

from aqwal import types as t
from aqwal.codec import encode_record, frame
from aqwal_conformance.scenarios import uid
from aqwal_conformance.vectorgen.builders import (
    h,
)
from aqwal_conformance.vectors import Vector
from aqwal_conformance.workload import engine_like_log


def wal_vectors() -> Iterator[Vector]:
    events = list(engine_like_log(random.Random(21), 6))
    records = [encode_record(e) for e in events]
    log = b"".join(records)
    bounds = [0]
    for r in records:
        bounds.append(bounds[-1] + len(r))
    clauses = ("WAL-1", "WAL-3", "WAL-4", "WAL-5")
    yield Vector("wal/clean", "wal", "six good records", "valid", log, (*clauses, "WAL-2"))
    yield Vector("wal/empty", "wal", "an empty file", "valid", b"", clauses)
    for cut in sorted(
        {
            *range(1, 12),
            *range(12, len(records[0])),
            *[b + 3 for b in bounds[1:-1]],
            *[b + 20 for b in bounds[1:-1]],
            len(log) - 1,
        }
    ):
        start = max(b for b in bounds if b <= cut)
        if cut == start:
            continue
        reason = "incomplete_header" if cut - start < 12 else "incomplete_payload"
        yield Vector(
            f"wal/torn-at-{cut:04d}",
            "wal",
            f"file cut at byte {cut}",
            "invalid",
            log[:cut],
            (*clauses, "WAL-8"),
            error=reason,
        )
    yield Vector(
        "wal/garbage-tail",
        "wal",
        "7 bytes of garbage after the log",
        "invalid",
        log + b"garbage",
        (*clauses, "WAL-8"),
        error="incomplete_header",
    )
    third = bounds[3]

    def mutate(offset: int, xor: int) -> bytes:
        data = bytearray(log)
        data[offset] ^= xor
        return bytes(data)

    mid = [
        ("mid-version", mutate(third, 0x01), "unsupported_version"),
        ("mid-crc", mutate(third + 8, 0x01), "crc_mismatch"),
        ("mid-payload-bit", mutate(third + 20, 0x10), "crc_mismatch"),
        (
            "mid-undecodable",
            log[:third] + frame(h("01 1f 00")) + log[bounds[4] :],
            "decode_failure",
        ),
        (
            "mid-empty-payload",
            log[:third] + h("05000000 00000000 00000000") + log[third:],
            "decode_failure",
        ),
        (
            "mid-over-256MiB",
            log[:third] + h("05000000 01000010 00000000") + log[third:],
            "decode_failure",
        ),
        (
            "mid-bad-utf8",
            log[:third] + frame(h("01 07 10") + uid(2, 1) + h("01 ff 00 00")) + log[third:],
            "decode_failure",
        ),
    ]
    for name, data, reason in mid:
        yield Vector(
            f"wal/{name}",
            "wal",
            f"corrupt record at offset {third}, valid ones after",
            "invalid",
            data,
            (*clauses, "WAL-7", "WAL-8"),
            error=reason,
        )
    last = bounds[-2]
    yield Vector(
        "wal/last-record-crc",
        "wal",
        "bit flip in the last record (a torn tail)",
        "invalid",
        mutate(last + 30, 0x04),
        (*clauses, "WAL-8"),
        error="crc_mismatch",
    )
    yield Vector(
        "wal/truncated-bad-version",
        "wal",
        "a truncated last record with a bad version: version is checked first",
        "invalid",
        log[:last] + b"\x06" + log[last + 1 : last + 20],
        clauses,
        error="unsupported_version",
    )
    yield Vector(
        "wal/last-over-256MiB",
        "wal",
        "last header declares more than 256 MiB",
        "invalid",
        log + h("05000000 01000010 00000000"),
        clauses,
        error="decode_failure",
    )
    repeated = log + encode_record(events[0])
    yield Vector(
        "wal/non-increasing-sequence",
        "wal",
        "scanners accept a record whose sequence does not increase",
        "valid",
        repeated,
        (*clauses, "WAL-6"),
    )
    wandering = b"".join(
        encode_record(t.WalEvent(seq, t.EnginePaused(1000 + seq))) for seq in (5, 9, 7)
    )
    yield Vector(
        "wal/first-last-max-sequence",
        "wal",
        "sequences 5, 9, 7: the first is 5, the last 7 and the largest 9, then a torn header",
        "invalid",
        wandering + wandering[:5],
        (*clauses, "WAL-4", "WAL-6"),
        error="incomplete_header",
    )
    yield from _non_increasing_vectors()
    yield from _reader_mode_vectors()


def _paused_log(sequences: list[int]) -> bytes:
    """EnginePaused records (16 bytes each for sequences below 128) with these sequences."""
    return b"".join(
        encode_record(t.WalEvent(seq, t.EnginePaused(1000 + i))) for i, seq in enumerate(sequences)
    )


def _whole_and_in_reads(
    name: str, description: str, log: bytes, read_buffer: int, clauses: tuple[str, ...]
) -> Iterator[Vector]:
    """A valid log as two vectors: read whole, and read ``read_buffer`` bytes at a time."""
    yield Vector(name, "wal", description, "valid", log, clauses)
    yield Vector(
        f"{name}-read-{read_buffer}",
        "wal",
        f"{description}, read {read_buffer} bytes at a time",
        "valid",
        log,
        clauses,
        options={"read_buffer": read_buffer},
    )


def _non_increasing_vectors() -> Iterator[Vector]:
    """The records whose sequence is not above the previous record's (spec: WAL-6), listed by
    offset: equal and lower sequences, at the start, across read ends, beyond the limit of 100,
    and around a corruption."""
    clauses = ("WAL-1", "WAL-3", "WAL-4", "WAL-6")
    yield from _whole_and_in_reads(
        "wal/non-increasing-equal-and-lower",
        "sequences 0 0 3 2 2 5 9 9 8 12: records 2, 4, 5, 8 and 9 do not increase",
        _paused_log([0, 0, 3, 2, 2, 5, 9, 9, 8, 12]),
        40,
        clauses,
    )
    # 70 records: the 65th repeats the 64th's sequence, the 70th goes back to 1
    long_run = [*range(1, 65), 64, *range(65, 69), 1]
    yield Vector(
        "wal/non-increasing-after-64-records",
        "wal",
        "sequences 1..64, 64 again, 65..68, then 1: records 65 and 70 do not increase",
        "valid",
        _paused_log(long_run),
        clauses,
    )
    # 2 + 120 records, each of the 120 below its predecessor: only the first 100 are listed
    yield from _whole_and_in_reads(
        "wal/non-increasing-more-than-100",
        "122 records, the last 120 each below the one before: 100 are listed",
        _paused_log([120, 121, *range(120, 0, -1)]),
        100,
        clauses,
    )
    good = _paused_log([4, 3])
    after = _paused_log([2])
    yield Vector(
        "wal/non-increasing-around-corruption",
        "wal",
        "sequences 4 then 3, a record with a wrong CRC-32, then sequence 2: only the record "
        "with 3 is listed, the one after the corruption is not read",
        "invalid",
        good + after[:-1] + bytes([after[-1] ^ 1]) + after,
        (*clauses, "WAL-5"),
        error="crc_mismatch",
    )


def mode_dependent_logs() -> list[tuple[str, str, bytes]]:
    """Logs whose second record holds an acceptable deviation (WAL-10), valid records around it:
    (name, description, bytes)."""
    first = encode_record(t.WalEvent(1, t.EnginePaused(1000)))
    last = encode_record(t.WalEvent(3, t.EnginePaused(1002)))
    return [
        (
            "overlong-varint",
            "a record whose timestamp is an over-long varint (e9 87 00 for 1001)",
            first + frame(h("02 0c e9 87 00")) + last,
        ),
        (
            "leftover-payload-byte",
            "a record with a byte left over after its WalEvent",
            first + frame(h("02 0c e9 07 00")) + last,
        ),
    ]


def _reader_mode_vectors() -> Iterator[Vector]:
    for name, description, log in mode_dependent_logs():
        for strict in (True, False):
            mode = "strict" if strict else "lenient"
            yield Vector(
                f"wal/{mode}-{name}",
                "wal",
                f"{description}, read by a {mode} reader",
                "invalid" if strict else "valid",
                log,
                ("WAL-10", "WAL-3", "WAL-5", "ENC-4" if "varint" in name else "ENC-17"),
                error="decode_failure" if strict else None,
                options={"strict": strict},
            )
