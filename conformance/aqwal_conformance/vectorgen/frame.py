"""Frame vectors: framed records, header faults, CRC, version and trailing bytes."""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from aqwal import types as t
from aqwal.codec import encode_record, frame
from aqwal_conformance.valuegen import event_values
from aqwal_conformance.vectorgen.builders import (
    VARIANTS,
    h,
)
from aqwal_conformance.vectors import Vector


def frame_vectors() -> Iterator[Vector]:
    for variant in VARIANTS:
        for shape, event in list(event_values(variant))[:2]:
            yield Vector(
                f"frame/{variant}-{shape}",
                "frame",
                f"framed {variant} ({shape})",
                "valid",
                encode_record(event),
                ("FRM-1", "FRM-2", "FRM-3", "FRM-4"),
            )
    record = encode_record(t.WalEvent(1, t.EnginePaused(1000)))

    def bad(name: str, description: str, data: bytes, code: str, *clauses: str) -> Vector:
        return Vector(f"frame/{name}", "frame", description, "invalid", data, clauses, error=code)

    for n in range(12):
        yield bad(f"short-header-{n:02d}", f"{n} bytes", record[:n], "frame_too_short", "FRM-5")
    for version in (0, 1, 4, 6, 0x0500, 0xFFFFFFFF):
        data = version.to_bytes(4, "little") + record[4:]
        yield bad(
            f"version-{version:08x}",
            f"frame version {version}",
            data,
            "frame_version_unsupported",
            "FRM-2",
            "FRM-5",
        )
    yield bad(
        "version-before-length",
        "bad version and a length past the end",
        h("04000000 ff000000 00000000 00"),
        "frame_version_unsupported",
        "FRM-5",
    )
    for declared in (5, 6, 255, 2**28):
        data = record[:4] + declared.to_bytes(4, "little") + record[8:]
        yield bad(
            f"length-{declared}",
            f"declared length {declared}, 4 payload bytes",
            data,
            "frame_length_exceeds_buffer",
            "FRM-4",
            "FRM-5",
        )
    for declared in (2**28 + 1, 2**32 - 1):
        data = record[:4] + declared.to_bytes(4, "little") + record[8:]
        yield bad(
            f"length-over-limit-{declared}",
            f"declared length {declared}",
            data,
            "frame_payload_too_large",
            "FRM-6",
            "FRM-5",
        )
    yield bad(
        "empty-payload",
        "declared length 0 followed by a record",
        h("05000000 00000000 00000000") + record,
        "frame_empty_payload",
        "FRM-5",
    )
    yield bad(
        "empty-payload-alone",
        "declared length 0, 12 bytes",
        h("05000000 00000000 00000000"),
        "frame_empty_payload",
        "FRM-5",
    )
    for i in range(4):
        mutated = bytearray(record)
        mutated[8 + i] ^= 0x01
        yield bad(
            f"crc-byte-{i}", f"CRC byte {i} flipped", bytes(mutated), "frame_crc_mismatch", "FRM-3"
        )
    for bit in range(0, 32, 5):
        mutated = bytearray(record)
        mutated[12 + bit // 8] ^= 1 << (bit % 8)
        yield bad(
            f"payload-bit-{bit:02d}",
            f"payload bit {bit} flipped",
            bytes(mutated),
            "frame_crc_mismatch",
            "FRM-3",
        )
    yield bad(
        "crc-over-header",
        "CRC computed over header and payload",
        record[:8] + zlib.crc32(record[:8] + record[12:]).to_bytes(4, "little") + record[12:],
        "frame_crc_mismatch",
        "FRM-3",
    )
    yield bad(
        "bad-payload-good-crc",
        "valid CRC over an undecodable payload",
        frame(h("01 1f")),
        "unknown_variant",
        "FRM-5",
    )
    yield bad(
        "payload-error-offset",
        "a payload error is located in the record",
        frame(h("01 05 0f") + bytes(15) + h("00")),
        "invalid_uuid_length",
        "FRM-5",
        "ERR-1",
    )
    for n, extra in ((1, b"\x00"), (12, record[:12]), (16, record)):
        yield Vector(
            f"frame/trailing-{n}",
            "frame",
            f"{n} byte(s) after the record",
            "acceptable",
            record + extra,
            ("FRM-7",),
            error="frame_trailing_bytes",
            flags=("TrailingFrameBytes",),
        )
