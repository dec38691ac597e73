"""WAL vectors for resynchronisation over long candidates (spec: WAL-5, WAL-11).

A reader may check a candidate longer than a few KiB without reading its payload twice (the
reference keeps a running CRC-32 and shifts it by the payload's length); these vectors make
such a shortcut answer what reading every candidate outright answers:

* the only valid record after the corruption is longer than 64 KiB and starts after two long
  false candidates that overlap it and each other, and its own payload holds more headers
  declaring long payloads; it is read in pieces whose boundary falls right after its header, so
  other headers, payload starts and ends lie across reads;
* the only record after the corruption is 5 KiB long and its first bytes already make a whole
  WalEvent: a lenient reader accepts the bytes left over, a strict one does not;
* the only record after the corruption is longer than 128 KiB: a shift by its length combines
  powers of x that a shift by 64 KiB does not need (in the reference, entries of the second
  power table built from every byte of the entry before them).
"""

from __future__ import annotations

from collections.abc import Iterator

from aqwal import types as t
from aqwal.codec import encode_payload, encode_record, frame
from aqwal_conformance.scenarios import task_spec, uid
from aqwal_conformance.vectorgen.builders import h
from aqwal_conformance.vectors import Vector

CLAUSES = ("WAL-1", "WAL-3", "WAL-4", "WAL-5")
#: Longer than 2 * 2^15 bytes: the CRC-32 shift needs the third entry of its second power table.
BIG_PAYLOAD = 66_000
#: Longer than 4 * 2^15 bytes: the fifth entry of the second power table.
HUGE_PAYLOAD = 4 * 2**15 + 300


def task_created(n: int, payload: bytes) -> t.WalEvent:
    """A TaskCreated event (sequence ``n``) whose task payload is ``payload``."""
    spec = task_spec(uid(1, n))._replace(payload=t.TaskPayload(payload, "x"))
    return t.WalEvent(n, t.TaskCreated(spec, 1_700_000_000 + n))


def with_wrong_crc(record: bytes) -> bytes:
    """The record with its last payload byte changed: its CRC-32 no longer matches."""
    return record[:-1] + bytes([record[-1] ^ 0x01])


def overlapping_long_candidates(log: bytes) -> tuple[bytes, int]:
    """``log``, one corrupt byte, then two long false candidates and the one valid record;
    and where that record starts."""
    decoy = encode_record(task_created(910, bytes(6_000)))
    cut = decoy[: 12 + 100]  # declares 6 KiB, holds 100 bytes: ends inside what follows
    wrong = with_wrong_crc(encode_record(task_created(911, bytes(range(256)) * 20)))
    inner = with_wrong_crc(encode_record(task_created(912, bytes(5_000))))
    filler = bytes(range(256)) * ((BIG_PAYLOAD - 3 * len(inner)) // 256)
    body = inner + filler[:7_000] + inner + filler[7_000:] + inner
    big = encode_record(task_created(913, body))
    assert len(big) - 12 > 2 << 15
    before = log + b"\x05" + cut + wrong
    return before + big, len(before)


def resync_long_vectors() -> Iterator[Vector]:
    log = frame(h("01 0b e8 07"))  # EnginePaused at 1000, sequence 1
    data, valid = overlapping_long_candidates(log)
    # the search starts one byte after the corruption; the valid record's header ends a read
    size = next(n for n in range(800, 2000) if (valid + 12 - len(log) - 1) % n == 0)
    yield Vector(
        "wal/resync-overlapping-long-candidates",
        "wal",
        "a corrupt byte, a header declaring 6 KiB over the rest, a 5 KiB record with a wrong "
        "CRC-32, then the only valid record (over 64 KiB, holding three more such headers), "
        f"read {size} bytes at a time, a read ending with that record's header: the file is "
        "mid-file",
        "invalid",
        data,
        (*CLAUSES, "WAL-7", "WAL-8", "WAL-11"),
        error="unsupported_version",
        options={"read_buffer": size},
    )
    # spec: WAL-5 — found by shifting the scan's CRC-32 by more than 128 KiB
    huge = encode_record(task_created(915, bytes(range(256)) * (HUGE_PAYLOAD // 256)))
    assert len(huge) - 12 > 4 << 15 and b"\x05\x00\x00\x00" not in huge[1:]
    yield Vector(
        "wal/resync-record-over-128-kib",
        "wal",
        "a corrupt byte, then the only valid record, over 128 KiB long: it is found, the file is "
        "mid-file",
        "invalid",
        log + b"\x05" + huge,
        (*CLAUSES, "WAL-7", "WAL-8"),
        error="unsupported_version",
    )
    # spec: WAL-5 — EnginePaused at 1001, sequence 2, then 5,000 bytes a lenient reader ignores
    padded = frame(h("02 0b e9 07") + bytes(5_000))
    junk = encode_payload(task_created(914, b""))[:20]  # no header among them
    assert b"\x05\x00\x00\x00" not in b"\x05" + junk
    for mode, strict, tail in (("strict", True, "torn"), ("lenient", False, "mid-file")):
        yield Vector(
            f"wal/resync-long-trailing-bytes-{mode}",
            "wal",
            "a corrupt byte, 20 bytes, then a 5 KiB record whose first four bytes are a whole "
            f"WalEvent: a {mode} reader finds the file {tail}",
            "invalid",
            log + b"\x05" + junk + padded,
            (*CLAUSES, "WAL-8", "WAL-10", "ENC-17"),
            error="unsupported_version",
            options={"strict": strict},
        )
