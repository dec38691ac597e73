"""WAL file vectors at the reader's edges: buffer boundaries, length limits, false candidates.

* ``read_buffer`` (a protocol hint, WAL-11) makes the reference read a few bytes at a time, so
  headers, payloads and resynchronisation candidates lie across the boundaries of its reads;
  the outcome is the one of a single read.
* A declared length of exactly 256 MiB is allowed (the record is then incomplete), one more is
  ``decode_failure`` (WAL-3 steps 4 and 5).
* After a corruption, bytes that start like a record header but are no valid record must not
  make a torn file look mid-file (WAL-5).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from aqwal import types as t
from aqwal.codec import MAX_PAYLOAD_LEN, encode_payload, encode_record, frame
from aqwal_conformance.scenarios import task_spec, uid
from aqwal_conformance.vectorgen.builders import h
from aqwal_conformance.vectors import Vector
from aqwal_conformance.workload import engine_like_log

CLAUSES = ("WAL-1", "WAL-3", "WAL-4", "WAL-5")


def _header(length: int, crc: int = 0, version: int = 5) -> bytes:
    return b"".join(x.to_bytes(4, "little") for x in (version, length, crc))


def cron_record() -> bytes:
    """A TaskCreated record whose run policy is Cron (workflow feature only, ENC-19)."""
    spec = task_spec(uid(1, 1))._replace(run_policy=t.RunPolicyCron(t.CronPolicy("0 * * * * *", 2)))
    return frame(encode_payload(t.WalEvent(100, t.TaskCreated(spec, 0)), workflow=True))


def false_candidates() -> bytes:
    """Byte runs that each begin with a version-5 header and fail one check of a record."""
    good = frame(h("01 0b e8 07"))  # EnginePaused at 1000, sequence 1
    return b"".join(
        [
            _header(0),  # empty payload
            _header(MAX_PAYLOAD_LEN + 1),  # over the limit
            good[:-1] + b"\x08",  # CRC mismatch
            frame(h("01 1f 00")),  # CRC right, payload undecodable
            frame(h("01 0b e8 07 00")),  # a trailing byte (strict readers refuse it)
            _header(40, 7) + b"\x01\x02",  # payload cut short by the end of the file
        ]
    )


def wal_boundary_vectors() -> Iterator[Vector]:
    events = list(engine_like_log(random.Random(23), 8))
    records = [encode_record(e) for e in events]
    log = b"".join(records)
    third = sum(len(r) for r in records[:3])
    for size in (1, 7, 12, 13, 64):
        yield Vector(
            f"wal/read-buffer-{size}",
            "wal",
            f"eight good records read {size} byte(s) at a time",
            "valid",
            log,
            (*CLAUSES, "WAL-2", "WAL-11"),
            options={"read_buffer": size},
        )
    cut = log[: third + 20]
    yield Vector(
        "wal/read-buffer-7-torn",
        "wal",
        "a file cut inside the fourth record, read 7 bytes at a time",
        "invalid",
        cut,
        (*CLAUSES, "WAL-8", "WAL-11"),
        error="incomplete_payload",
        options={"read_buffer": 7},
    )
    damaged = bytearray(log)
    damaged[third + 8] ^= 0x01
    for size in (5, 64):
        yield Vector(
            f"wal/read-buffer-{size}-mid-file",
            "wal",
            f"a CRC mismatch in the fourth record, valid records after it, read {size} bytes "
            "at a time: the next valid record is found across read boundaries",
            "invalid",
            bytes(damaged),
            (*CLAUSES, "WAL-7", "WAL-8", "WAL-11"),
            error="crc_mismatch",
            options={"read_buffer": size},
        )
    torn = log[:third] + _header(len(records[3]), 1) + records[3][12:] + false_candidates()
    # one candidate is valid for a lenient reader (a trailing byte): the mode is named (CP-6)
    for name, options in (
        ("", {"strict": True}),
        ("-read-buffer-6", {"strict": True, "read_buffer": 6}),
    ):
        yield Vector(
            f"wal/false-candidates{name}",
            "wal",
            "a corrupt record followed only by byte runs that start like a record header but "
            "are no valid record: the tail is torn, not mid-file",
            "invalid",
            torn,
            (*CLAUSES, "WAL-8", "WAL-11"),
            error="crc_mismatch",
            options=options,
        )
    # the next valid record's first bytes close a read: its header straddles two reads with
    # 3 (and 1) bytes in the first
    start = third + 1  # where the search for a valid record begins
    after = third + len(records[3])
    for split in (3, 1):
        size = next(n for n in range(5, 64) if (after + split - start) % n == 0)
        yield Vector(
            f"wal/read-buffer-{size}-candidate-split-{split}",
            "wal",
            f"a CRC mismatch in the fourth record, then one valid record, read {size} bytes at "
            f"a time: its header has {split} byte(s) in one read and the rest in the next",
            "invalid",
            bytes(damaged[: after + len(records[4])]),
            (*CLAUSES, "WAL-7", "WAL-8", "WAL-11"),
            error="crc_mismatch",
            options={"read_buffer": size},
        )
    yield Vector(
        "wal/candidate-at-end",
        "wal",
        "a corrupt record, then the first 7 bytes of a record header at the end of the file",
        "invalid",
        bytes(damaged[:after]) + records[0][:7],
        (*CLAUSES, "WAL-8"),
        error="crc_mismatch",
    )
    for name, bad in (("undecodable", frame(h("01 1f 00"))), ("ends-early", frame(h("01 0b")))):
        yield Vector(
            f"wal/first-record-{name}",
            "wal",
            f"the first record's CRC is right but its payload {name.replace('-', ' ')}; valid "
            "records follow",
            "invalid",
            bad + log,
            (*CLAUSES, "WAL-7"),
            error="decode_failure",
        )
    yield Vector(
        "wal/resync-one-byte-after",
        "wal",
        "a stray byte 05 before a valid record: the record one byte after the corruption's "
        "start is found, the file is mid-file",
        "invalid",
        log + b"\x05" + records[0],
        (*CLAUSES, "WAL-7", "WAL-8"),
        error="unsupported_version",
    )
    # spec: WAL-5 — a candidate whose payload is longer than a few KiB is checked by the running
    # CRC-32 of the scan in the reference; the outcome is that of reading the payload
    spec = task_spec(uid(1, 900))._replace(payload=t.TaskPayload(bytes(range(256)) * 20, "x"))
    long_record = encode_record(t.WalEvent(900, t.TaskCreated(spec, 1_700_000_900)))
    yield Vector(
        "wal/resync-long-record",
        "wal",
        "a stray byte 05 before a valid record of 5 KiB: the record is found, the file is mid-file",
        "invalid",
        log + b"\x05" + long_record,
        (*CLAUSES, "WAL-7", "WAL-8"),
        error="unsupported_version",
    )
    yield Vector(
        "wal/resync-long-false-candidate",
        "wal",
        "a corrupt record, then a header declaring 5,000 bytes with a wrong CRC-32 over the "
        "valid record of 5 KiB that follows it: only that record is valid, the file is mid-file",
        "invalid",
        log + b"\x05" + _header(5000, crc=0x12345678) + long_record,
        (*CLAUSES, "WAL-7", "WAL-8"),
        error="unsupported_version",
    )
    yield Vector(
        "wal/last-payload-ends-early",
        "wal",
        "the last record's CRC is right but its WalEvent runs past the payload",
        "invalid",
        log + frame(h("01 0b")),
        CLAUSES,
        error="decode_failure",
    )
    yield Vector(
        "wal/cron-record",
        "wal",
        "a record with RunPolicy::Cron: WAL files are read without the workflow feature",
        "invalid",
        log + cron_record(),
        (*CLAUSES, "ENC-19"),
        error="decode_failure",
    )
    yield Vector(
        "wal/last-length-at-limit",
        "wal",
        "the last header declares exactly 256 MiB: allowed, so the record is incomplete",
        "invalid",
        log + _header(MAX_PAYLOAD_LEN) + b"\x00" * 4,
        CLAUSES,
        error="incomplete_payload",
    )
