"""WAL vectors on *which* valid record a resynchronisation finds (spec: WAL-5, WAL-11).

A mid-file corruption's next valid record is the first complete, valid record after it
(``next_valid_offset`` of a ``validate_wal`` answer). A reader that checks long candidates by
their CRC-32 only when their payload ends, or that stops looking once it has found one, can
answer a later record, or none. Each vector here has more than one valid-looking record after
the corruption, and only the expected one is the first:

* long records after a long one with a wrong CRC-32, the first of them with a declared length
  between 2^15 and 2^16 (a CRC-32 shift over such a length needs both power tables);
* a long record holding a long false candidate whose header and first payload byte end a read;
* a long record after bytes that start an undecodable WalEvent;
* headers declaring 2^28, 2^28 + 1 and 2^32 - 1 bytes, and one reaching a byte past the end of
  the file, before a valid record;
* a short valid record inside the payload of a long valid record that starts before it;
* a long, and a short, valid record inside a false candidate that reaches exactly to the end of
  the file, with another valid record after them in a later read;
* a valid record one byte after the corruption, read 5 bytes at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aqwal.codec import MAX_PAYLOAD_LEN, encode_record, frame
from aqwal_conformance.vectorgen.builders import h
from aqwal_conformance.vectorgen.wal_resync import task_created, with_wrong_crc
from aqwal_conformance.vectors import Vector

CLAUSES = ("WAL-1", "WAL-3", "WAL-4", "WAL-5", "WAL-7", "WAL-8")
#: EnginePaused at 1000, sequence 1: the valid record every file starts with.
FIRST = frame(h("01 0b e8 07"))
#: A byte 05 after the first record: the version at its offset is not 5 (unsupported_version).
STRAY = b"\x05"
#: Bytes that hold no record header.
JUNK = 0xAA


def _header(length: int, crc: int = 0x0BAD0BAD) -> bytes:
    return b"".join(x.to_bytes(4, "little") for x in (5, length, crc))


def _long(n: int, size: int = 5_000) -> bytes:
    """A valid TaskCreated record with a payload of ``size`` bytes and more."""
    return encode_record(task_created(n, bytes(range(256)) * (size // 256) + bytes(size % 256)))


def _short(sequence: int) -> bytes:
    """A valid EngineResumed record of 16 bytes."""
    return frame(bytes([sequence]) + h("0c e9 07"))


def _read_size_ending_at(begin: int, end: int, low: int, high: int) -> int:
    """A read size in [low, high) for which a scan from ``begin`` has a read end at ``end``."""
    return next(n for n in range(low, high) if (end - begin) % n == 0)


def _wal(name: str, description: str, data: bytes, **options: Any) -> Vector:
    return Vector(
        f"wal/{name}",
        "wal",
        description,
        "invalid",
        data,
        (*CLAUSES, "WAL-11") if "read_buffer" in options else CLAUSES,
        error="unsupported_version",
        options=options,
    )


def _inside_false_candidate(inner: bytes) -> bytes:
    """``FIRST``, the stray byte, then a header declaring a payload of 5,000 bytes or more that
    reaches exactly to the end of the file, whose payload starts like a long TaskCreated and
    holds ``inner``, 1,500 bytes and a short valid record."""
    prefix = _long(930)[12:112]
    body = prefix + inner + bytes([JUNK]) * 1_500 + _short(3)
    body += bytes([JUNK]) * max(600, 5_000 - len(body))
    return FIRST + STRAY + _header(len(body)) + body


def resync_order_vectors() -> Iterator[Vector]:
    begin = len(FIRST) + 1  # where the search for a valid record begins (the corruption + 1)
    first_long = _long(921, 33_000)
    assert 1 << 15 <= len(first_long) - 12 < 1 << 16
    yield _wal(
        "resync-first-of-two-long-records",
        "a corrupt byte, a 5 KiB record with a wrong CRC-32, then two long valid records (the "
        "first over 32 KiB): the next valid record is the first of the two",
        FIRST + STRAY + with_wrong_crc(_long(920)) + first_long + _long(922),
    )
    # a long false candidate inside a long record's payload, its header and first payload
    # byte ending a read: the scan meets its payload start before the read's end
    filler = bytes(range(256)) * 24
    inside = _header(4_500) + _long(931)[12:112]
    outer = encode_record(task_created(923, filler[:900] + inside + filler[900:]))
    false_start = begin + outer.index(inside)
    size = _read_size_ending_at(begin, false_start + 13, 400, 1_100)
    yield _wal(
        f"resync-long-record-read-{size}",
        f"a corrupt byte, then a 6 KiB record whose payload holds a header declaring 4,500 "
        f"bytes, read {size} bytes at a time: a read ends with that header and one more byte, "
        "and the record is the next valid one",
        FIRST + STRAY + outer,
        read_buffer=size,
    )
    yield _wal(
        "resync-undecodable-bytes-before-long-record",
        "a corrupt byte, then 12 bytes that start a WalEvent of an unknown variant, right before "
        "a 5 KiB record: the record is the next valid one",
        FIRST + STRAY + h("01 1f") + bytes(10) + _long(924),
    )
    valid = _long(925)
    prefix = valid[12:112]  # the first bytes of a long payload: a WalEvent cut short
    huge = (MAX_PAYLOAD_LEN, MAX_PAYLOAD_LEN + 1, 2**32 - 1)
    claims = b"".join(_header(n) + prefix for n in huge)
    # the last claim's payload would end one byte after the end of the file
    claims += _header(len(prefix) + len(valid) + 1) + prefix
    data = FIRST + STRAY + claims + valid
    yield _wal(
        "resync-huge-declared-lengths",
        "a corrupt byte, headers declaring 268435456, 268435457 and 4294967295 bytes and one "
        "reaching one byte past the end of the file, each followed by the start of a long "
        "payload, then a 5 KiB record: that record is the next valid one",
        data,
    )
    outer = encode_record(task_created(926, filler[:100] + _short(2) + filler[100:]))
    yield _wal(
        "resync-record-inside-longer-record",
        "a corrupt byte, then a 6 KiB record whose payload holds a short valid record, read 512 "
        "bytes at a time: the long record, which starts first, is the next valid one",
        FIRST + STRAY + outer,
        read_buffer=512,
    )
    for kind, inner in (("long", _long(927)), ("short", _short(2))):
        yield _wal(
            f"resync-{kind}-record-inside-false-candidate",
            f"a corrupt byte, a header declaring a payload up to the end of the file, holding a "
            f"{kind} valid record and, 1,500 bytes later, a short one, read 512 bytes at a time: "
            f"the {kind} record is the next valid one",
            _inside_false_candidate(inner),
            read_buffer=512,
        )
    yield _wal(
        "resync-one-byte-after-read-5",
        "a corrupt byte 05, then a valid record, read 5 bytes at a time: the record one byte "
        "after the corruption is the next valid one",
        FIRST + STRAY + _short(2),
        read_buffer=5,
    )
