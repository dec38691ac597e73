"""Codec, frame, compat and encode vectors at the edges of the decoders and encoders.

* the WAL v4 reader (REG-5) on truncated payloads, on a one-byte sequence of 127 and on a
  one-byte discriminant of 127;
* a framed record whose payload holds a byte after the WalEvent (acceptable, ENC-17), and the
  Cron policy in a record under both profiles (ENC-19);
* a sequence whose element count needs more bytes than remain, by less than a factor of the
  element size (ENC-9);
* strings and byte vectors of 127 and 128 bytes written by the encoder (ENC-10, ENC-11);
* i32 values one past each end of the range in the CBOR form (JSN-7).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import cbor2

from aqwal import postcard as pc
from aqwal import types as t
from aqwal.codec import encode_payload, frame
from aqwal.forms import CBOR_FORM, to_cbor_bytes
from aqwal_conformance.scenarios import task_spec, uid
from aqwal_conformance.vectorgen.builders import RS, h
from aqwal_conformance.vectors import Vector

PAUSED = h("01 0b e8 07")  # WalEvent{1, EnginePaused{1000}}


def decoder_edge_vectors() -> Iterator[Vector]:
    yield from _compat()
    yield from _frames()
    yield from _counts()
    yield from _encoder_lengths()
    yield from _i32_range()
    yield from _identifier_lengths()


def _compat() -> Iterator[Vector]:
    cases = [
        ("truncated-0", "an empty payload", b""),
        ("truncated-1", "a payload that ends after the sequence", PAUSED[:1]),
        ("truncated-2", "a payload that ends after the discriminant", PAUSED[:2]),
        ("truncated-in-sequence", "a payload that ends inside the sequence varint", h("81")),
        ("sequence-127", "sequence 127, one byte", h("7f 0b e8 07")),
        ("discriminant-127", "discriminant 127, one byte, then the end", h("01 7f")),
    ]
    for name, description, data in cases:
        yield Vector(
            f"compat/edge-{name}",
            "compat",
            f"{description}, read as WAL v4 and as WAL v5",
            "invalid" if name != "sequence-127" else "valid",
            data,
            ("REG-5", "ENC-2", "ENC-16"),
            error=None
            if name == "sequence-127"
            else "unexpected_end"
            if name.startswith("truncated")
            else "unknown_variant",
        )


def _frames() -> Iterator[Vector]:
    yield Vector(
        "frame/payload-trailing-byte",
        "frame",
        "a record whose payload holds one byte after the WalEvent",
        "acceptable",
        frame(PAUSED + b"\x00"),
        ("ENC-17", "FRM-5"),
        error="trailing_bytes",
        flags=("TrailingBytes",),
    )
    cron = t.WalEvent(
        1,
        t.TaskCreated(
            task_spec(uid(1, 1))._replace(
                run_policy=t.RunPolicyCron(t.CronPolicy("0 * * * * *", 3))
            ),
            0,
        ),
    )
    record = frame(encode_payload(cron, workflow=True))
    yield Vector(
        "frame/cron-workflow",
        "frame",
        "a record with RunPolicy::Cron under the workflow profile",
        "valid",
        record,
        ("ENC-19", "FRM-5"),
        options={"profile": "workflow"},
    )
    yield Vector(
        "frame/cron-default-profile",
        "frame",
        "the same record without the workflow feature: Cron does not exist",
        "invalid",
        record,
        ("ENC-19", "FRM-5"),
        error="unknown_variant",
    )


def _counts() -> Iterator[Vector]:
    deps = (t.TaskId(uid(1, 2)),)
    data = encode_payload(t.WalEvent(1, t.DependencyDeclared(t.TaskId(uid(1, 1)), deps, 7)))
    at = 2 + 17  # sequence, discriminant, task id: then the element count
    assert data[at] == 1
    for count in (2, 3):
        yield Vector(
            f"codec/count-{count}-one-element",
            "codec",
            f"a prerequisite count of {count} with one identifier and a timestamp left: the "
            "count needs more bytes than remain",
            "invalid",
            data[:at] + bytes([count]) + data[at + 1 :],
            ("ENC-9", "ENC-16"),
            error="unexpected_end",
        )


def _encoder_lengths() -> Iterator[Vector]:
    for size in (127, 128):
        events = [
            ("string", t.WalEvent(1, t.LeaseAcquired(t.RunId(uid(2, 1)), "s" * size, 9, 8))),
            (
                "bytes",
                t.WalEvent(
                    1,
                    t.LedgerEntryAppended(
                        t.LedgerEntryId(uid(10, 1)),
                        t.TenantId(uid(8, 1)),
                        "k",
                        None,
                        b"\x05" * size,
                        5,
                    ),
                ),
            ),
        ]
        for kind, event in events:
            yield Vector(
                f"encode/length-{kind}-{size}",
                "encode",
                f"a {kind} of {size} bytes: its length takes {1 + (size >= 128)} byte(s)",
                "valid",
                to_cbor_bytes(CBOR_FORM.dump("WalEvent", event)),
                ("ENC-2", "ENC-10", "ENC-11", "ENC-20"),
            )


def _identifier_lengths() -> Iterator[Vector]:
    """An identifier declaring 15 bytes with exactly 15 left: the length is checked against
    the input first (ENC-16), then against 16 (ENC-12)."""
    yield Vector(
        "codec/identifier-15-at-end",
        "codec",
        "a task id of 15 bytes that ends the payload",
        "invalid",
        h("01 05 0f") + bytes(range(1, 16)),
        ("ENC-12", "ENC-16"),
        error="invalid_uuid_length",
    )


def _i32_range() -> Iterator[Vector]:
    instance = t.RunInstance(
        t.RunId(uid(2, 1)), t.TaskId(uid(1, 1)), RS.Scheduled, None, 0, 5, 5, 0, 5
    )
    for value in (pc.I32_MIN - 1, pc.I32_MAX + 1):
        doc: dict[str, Any] = CBOR_FORM.dump("WalEvent", t.WalEvent(1, t.RunCreated(instance)))
        doc["event"]["RunCreated"]["run_instance"]["effective_priority"] = value
        yield Vector(
            f"encode/form-i32-{value}",
            "encode",
            f"refused: an i32 of {value}",
            "invalid",
            to_cbor_bytes(doc),
            ("CBR-2", "CBR-5", "JSN-7"),
            error="form_out_of_range",
        )
    doc = CBOR_FORM.dump("WalEvent", t.WalEvent(1, t.RunCreated(instance)))
    doc["event"]["RunCreated"]["run_instance"]["effective_priority"] = cbor2.CBORTag(3, b"\x05")
    yield Vector(
        "encode/form-i32-negative-bignum",
        "encode",
        "an i32 of -6 written as a negative bignum (tag 3)",
        "valid",
        to_cbor_bytes(doc),
        ("CBR-7", "JSN-7"),
    )
