"""Codec and encode vectors at every varint length boundary (spec: ENC-2 .. ENC-4, ENC-9).

A LEB128 varint grows by one byte at each power of 2^7. For each boundary the value just below
and the value at it are decoded (``codec``) and encoded (``encode``): u64 in the sequence, u32 in
``attempt_count``, i32 (zigzag) in ``effective_priority``, and lengths of strings (up to 16384
bytes) and of sequences (127 and 128 elements). Over-long forms of every length are acceptable
inputs (ENC-4): a strict reader refuses each with ``non_canonical_varint`` at the varint's start.
"""

from __future__ import annotations

from collections.abc import Iterator

from aqwal import types as t
from aqwal.codec import encode_payload
from aqwal.forms import CBOR_FORM, to_cbor_bytes
from aqwal_conformance.scenarios import uid
from aqwal_conformance.vectorgen.builders import RS, h
from aqwal_conformance.vectors import Vector

U64_BOUNDARIES = [v for k in range(1, 10) for v in (2 ** (7 * k) - 1, 2 ** (7 * k))] + [2**64 - 1]
U32_BOUNDARIES = [v for k in range(1, 5) for v in (2 ** (7 * k) - 1, 2 ** (7 * k))] + [2**32 - 1]
#: i32 values whose zigzag form sits at a varint boundary, and the two extremes.
I32_BOUNDARIES = [-64, 63, 64, -65, -8192, 8191, 8192, -8193, -(2**31), 2**31 - 1]


def _run_created(attempt_count: int = 0, priority: int = 0) -> t.WalEvent:
    instance = t.RunInstance(
        t.RunId(uid(2, 1)),
        t.TaskId(uid(1, 1)),
        RS.Scheduled,
        None,
        attempt_count,
        5,
        5,
        priority,
        5,
    )
    return t.WalEvent(1, t.RunCreated(instance))


def _events() -> Iterator[tuple[str, str, t.WalEvent]]:
    for v in U64_BOUNDARIES:
        yield (
            f"u64-{v}",
            f"sequence and timestamp {v}",
            t.WalEvent(v, t.TaskCanceled(t.TaskId(uid(1, 1)), v)),
        )
    for v in U32_BOUNDARIES:
        yield f"u32-{v}", f"attempt_count {v}", _run_created(attempt_count=v)
    for v in I32_BOUNDARIES:
        yield f"i32-{v}", f"effective_priority {v}", _run_created(priority=v)
    for size in (16383, 16384):
        owner = "o" * size
        yield (
            f"string-{size}",
            f"a lease owner of {size} bytes",
            t.WalEvent(1, t.LeaseAcquired(t.RunId(uid(2, 1)), owner, 9, 8)),
        )
    for count in (127, 128):
        deps = tuple(t.TaskId(uid(1, n + 2)) for n in range(count))
        yield (
            f"sequence-{count}",
            f"{count} prerequisites",
            t.WalEvent(1, t.DependencyDeclared(t.TaskId(uid(1, 1)), deps, 7)),
        )


def varint_vectors() -> Iterator[Vector]:
    for name, description, event in _events():
        yield Vector(
            f"codec/varint-{name}",
            "codec",
            f"{description}: decoded at a varint length boundary",
            "valid",
            encode_payload(event),
            ("ENC-2", "ENC-3", "ENC-9", "ENC-10"),
        )
        yield Vector(
            f"encode/varint-{name}",
            "encode",
            f"{description}: encoded at a varint length boundary",
            "valid",
            to_cbor_bytes(CBOR_FORM.dump("WalEvent", event)),
            ("ENC-2", "ENC-9", "ENC-10", "ENC-20"),
        )
    paused = h("0b e8 07")  # EnginePaused at 1000, after the sequence
    for size in range(3, 10):
        overlong = b"\x81" + b"\x80" * (size - 2) + b"\x00"
        yield Vector(
            f"codec/overlong-sequence-{size}",
            "codec",
            f"sequence 1 in {size} bytes",
            "acceptable",
            overlong + paused,
            ("ENC-4",),
            error="non_canonical_varint",
            flags=("NonCanonicalVarint",),
        )
    for size in (3, 4):
        overlong = b"\x8b" + b"\x80" * (size - 2) + b"\x00"
        yield Vector(
            f"codec/overlong-discriminant-{size}",
            "codec",
            f"discriminant 11 in {size} bytes",
            "acceptable",
            h("01") + overlong + h("e8 07"),
            ("ENC-4", "ENC-15"),
            error="non_canonical_varint",
            flags=("NonCanonicalVarint",),
        )
