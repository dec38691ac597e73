"""Byte examples derived by hand from spec/encoding.md, not produced by the codec.

Each expected hex string below was written from the clause it cites; the tests check that the
reference produces exactly those bytes and decodes them back to the value.
"""

from __future__ import annotations

from typing import Any

import pytest

from aqwal import postcard as pc
from aqwal.codec import decode_record, decode_value, encode_record, encode_value
from aqwal.types import (
    AttemptId,
    BudgetDimension,
    CapabilityCanCancel,
    ConcurrencyKeyHoldPolicy,
    EnginePaused,
    EventFilterBudgetThreshold,
    EventFilterCustom,
    EventFilterTaskCompleted,
    RepeatPolicy,
    RoleCustom,
    RunId,
    RunPolicyOnce,
    RunPolicyRepeat,
    RunState,
    RunStateChanged,
    SafetyLevel,
    TaskConstraints,
    TaskCreated,
    TaskId,
    TaskMetadata,
    TaskPayload,
    TaskSpec,
    WalEvent,
)


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace("|", " "))


def uid(n: int) -> bytes:
    return n.to_bytes(16, "big")


# spec: ENC-2 — minimal unsigned LEB128
VARINTS = [
    (0, "00"),
    (1, "01"),
    (127, "7f"),
    (128, "80 01"),
    (300, "ac 02"),
    (16383, "ff 7f"),
    (16384, "80 80 01"),
    (2**32 - 1, "ff ff ff ff 0f"),
    (2**32, "80 80 80 80 10"),
    (2**64 - 1, "ff ff ff ff ff ff ff ff ff 01"),
]


@pytest.mark.parametrize(("value", "hexed"), VARINTS)
def test_varint_bytes(value: int, hexed: str) -> None:
    assert pc.uvarint(value) == h(hexed)
    assert pc.u64(h(hexed), 0, pc.STRICT) == (value, len(h(hexed)))
    if value < 2**32:
        assert pc.u32(h(hexed), 0, pc.STRICT) == (value, len(h(hexed)))


# spec: ENC-5 — zigzag i32 seen through TaskMetadata.priority (tags=[] 00, description=None 00)
ZIGZAG = [
    (0, "00"),
    (-1, "01"),
    (1, "02"),
    (-2, "03"),
    (-64, "7f"),
    (64, "80 01"),
    (2**31 - 1, "fe ff ff ff 0f"),
    (-(2**31), "ff ff ff ff 0f"),
]


@pytest.mark.parametrize(("priority", "hexed"), ZIGZAG)
def test_zigzag_priority(priority: int, hexed: str) -> None:
    value = TaskMetadata((), priority, None)
    data = h(f"00 {hexed} 00")
    assert encode_value("TaskMetadata", value) == data
    assert decode_value("TaskMetadata", data) == value


VALUES: list[tuple[str, str, Any, str]] = [
    # (id, type, value, hex)
    ("metadata-default", "TaskMetadata", TaskMetadata((), 0, None), "00 00 00"),
    (
        "metadata-tags",  # ENC-9, ENC-10, ENC-8: 2 tags "a" "bc", priority -3, Some("é")
        "TaskMetadata",
        TaskMetadata(("a", "bc"), -3, "é"),
        "02 01 61 02 62 63 | 05 | 01 02 c3 a9",
    ),
    ("payload-empty", "TaskPayload", TaskPayload(b"", None), "00 00"),
    (
        "payload-bytes",  # ENC-11
        "TaskPayload",
        TaskPayload(b"\x01\x02\x03", "x"),
        "03 01 02 03 | 01 01 78",
    ),
    ("policy-once", "RunPolicy", RunPolicyOnce(), "00"),
    (
        "policy-repeat",  # ENC-15 newtype variant: discriminant then the inner struct
        "RunPolicy",
        RunPolicyRepeat(RepeatPolicy(6, 1800)),
        "01 06 88 0e",
    ),
    (
        "constraints-default",
        "TaskConstraints",
        TaskConstraints(
            1, None, None, ConcurrencyKeyHoldPolicy.HoldDuringRetry, SafetyLevel.Pure, None
        ),
        "01 00 00 00 00 00",
    ),
    (
        "constraints-full",
        "TaskConstraints",
        TaskConstraints(
            300,
            60,
            "k",
            ConcurrencyKeyHoldPolicy.ReleaseOnRetry,
            SafetyLevel.Transactional,
            ("gpu",),
        ),
        "ac 02 | 01 3c | 01 01 6b | 01 | 02 | 01 01 03 67 70 75",
    ),
    ("role-custom", "Role", RoleCustom("x"), "03 01 78"),
    ("capability-cancel", "Capability", CapabilityCanCancel(), "04"),
    (
        "filter-task-completed",  # ENC-12: 0x10 + 16 big-endian bytes
        "EventFilter",
        EventFilterTaskCompleted(TaskId(uid(1))),
        "00 10 00000000000000000000000000000001",
    ),
    (
        "filter-budget-threshold",  # u8 is one raw byte: 200 -> c8 (not a varint)
        "EventFilter",
        EventFilterBudgetThreshold(TaskId(uid(0x1234)), BudgetDimension.TimeSecs, 200),
        "02 10 00000000000000000000000000001234 02 c8",
    ),
    ("filter-custom", "EventFilter", EventFilterCustom(""), "03 00"),
]


@pytest.mark.parametrize(
    ("type_name", "value", "hexed"), [v[1:] for v in VALUES], ids=[v[0] for v in VALUES]
)
def test_value_bytes(type_name: str, value: Any, hexed: str) -> None:
    assert encode_value(type_name, value) == h(hexed)
    assert decode_value(type_name, h(hexed)) == value


# spec: FRM-1, FRM-3 — whole records
RECORDS: list[tuple[str, WalEvent, str]] = [
    (
        "engine-paused",
        WalEvent(1, EnginePaused(1000)),
        "05000000 04000000 dfbb6e9d | 01 0b e8 07",
    ),
    (
        "run-state-changed",
        WalEvent(3, RunStateChanged(RunId(uid(2000)), RunState.Scheduled, RunState.Ready, 1000)),
        "05000000 17000000 840f00fc | 03 02 10 000000000000000000000000000007d0 00 01 e8 07",
    ),
    (
        "task-created",
        WalEvent(
            1,
            TaskCreated(
                TaskSpec(
                    TaskId(uid(1000)),
                    TaskPayload(b"\x01\x02\x03", "application/octet-stream"),
                    RunPolicyOnce(),
                    TaskConstraints(
                        1,
                        None,
                        None,
                        ConcurrencyKeyHoldPolicy.HoldDuringRetry,
                        SafetyLevel.Pure,
                        None,
                    ),
                    TaskMetadata((), 0, None),
                    None,
                    None,
                ),
                0,
            ),
        ),
        "05000000 3e000000 8917745e | 01 00 | 10 000000000000000000000000000003e8"
        " | 03 010203 | 01 18 6170706c69636174696f6e2f6f637465742d73747265616d | 00"
        " | 01 00 00 00 00 00 | 00 00 00 | 00 | 00 | 00",
    ),
]


@pytest.mark.parametrize(("event", "hexed"), [r[1:] for r in RECORDS], ids=[r[0] for r in RECORDS])
def test_record_bytes(event: WalEvent, hexed: str) -> None:
    assert encode_record(event) == h(hexed)
    assert decode_record(h(hexed)) == event


def test_attempt_id_is_plain_bytes() -> None:
    # spec: ENC-14 — a newtype is just its inner value; identifiers are 16 raw bytes in Python
    assert AttemptId(uid(7)) == uid(7)
