"""Every codec error code is raised by at least one input, with its offset and clause."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from aqwal import codec
from aqwal.codec import decode_payload, decode_record, decode_value, encode_record, encode_value
from aqwal.errors import ERROR_CODES, AqwalError
from aqwal.forms import JSON_FORM, parse_json_text
from aqwal.types import (
    AttemptId,
    ConcurrencyKeyHoldPolicy,
    CronPolicy,
    EnginePaused,
    RunId,
    RunInstance,
    RunPolicyCron,
    RunState,
    SafetyLevel,
    TaskCanceled,
    TaskConstraints,
    TaskCreated,
    TaskId,
    TaskMetadata,
    TaskPayload,
    TaskSpec,
    WalEvent,
)

CODEC_CATEGORIES = {"frame", "decode", "validation", "encode", "form"}
ONE = (1).to_bytes(16, "big")
NIL = bytes(16)


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace("|", " "))


def record(payload: bytes, version: int = 5) -> bytes:
    return codec.frame(payload, version)


def spec(task_id: bytes = ONE, constraints: TaskConstraints | None = None) -> TaskSpec:
    return TaskSpec(
        TaskId(task_id),
        TaskPayload(b"", None),
        RunPolicyCron(CronPolicy("0 * * * * *", None)),
        constraints
        or TaskConstraints(
            1, None, None, ConcurrencyKeyHoldPolicy.HoldDuringRetry, SafetyLevel.Pure, None
        ),
        TaskMetadata((), 0, None),
        None,
        None,
    )


def run(
    run_id: bytes = ONE,
    task_id: bytes = ONE,
    state: RunState = RunState.Scheduled,
    attempt: bytes | None = None,
    scheduled: int = 0,
) -> RunInstance:
    return RunInstance(
        RunId(run_id),
        TaskId(task_id),
        state,
        None if attempt is None else AttemptId(attempt),
        0,
        5,
        scheduled,
        0,
        5,
    )


def invalid_run(**kw: Any) -> Callable[[], object]:
    raw = encode_value("RunInstance", run(**kw), validate=False)
    return lambda: decode_value("RunInstance", raw)


def oversize() -> object:
    old = codec.MAX_PAYLOAD_LEN
    codec.MAX_PAYLOAD_LEN = 8
    try:
        return codec.frame(b"123456789")
    finally:
        codec.MAX_PAYLOAD_LEN = old


PAUSED = encode_record(WalEvent(1, EnginePaused(1000)))  # 05000000 04000000 dfbb6e9d 010be807
EVENT_JSON = {"sequence": 1, "event": {"EnginePaused": {"timestamp": 1}}}

# code -> (action that must raise it, expected offset or None, expected path or None)
CASES: dict[str, tuple[Callable[[], object], int | None]] = {
    # frame (spec FRM-5 order)
    "frame_too_short": (lambda: decode_record(PAUSED[:11]), 0),
    "frame_version_unsupported": (lambda: decode_record(record(h("01 0b e8 07"), version=4)), 0),
    "frame_payload_too_large": (lambda: decode_record(h("05000000 01000010 00000000 00")), 4),
    "frame_length_exceeds_buffer": (lambda: decode_record(PAUSED[:-1]), 4),
    "frame_empty_payload": (lambda: decode_record(h("05000000 00000000 00000000") + PAUSED), 4),
    "frame_crc_mismatch": (lambda: decode_record(PAUSED[:-1] + b"\x08"), 8),
    "frame_trailing_bytes": (lambda: decode_record(PAUSED + b"\x00"), 16),
    # payload structure
    "unexpected_end": (lambda: decode_record(record(h("01 0b"))), 14),
    "varint_overflow": (lambda: decode_payload(h("ff ff ff ff ff ff ff ff ff 02 0b 00")), 0),
    "non_canonical_varint": (lambda: decode_payload(h("01 0b e8 87 00")), 2),
    "invalid_option_tag": (lambda: decode_value("TaskPayload", h("00 02")), 1),
    "invalid_utf8": (lambda: decode_value("TaskPayload", h("00 01 02 61 ff")), 4),
    "invalid_uuid_length": (lambda: decode_payload(h("01 05 0f") + bytes(15) + h("00")), 2),
    "unknown_variant": (lambda: decode_payload(h("01 1f 00")), 1),
    "trailing_bytes": (lambda: decode_record(record(h("01 0b e8 07 00"))), 16),
    # validation
    "invalid_repeat_count": (lambda: decode_value("RunPolicy", h("01 00 01")), 1),
    "invalid_repeat_interval": (lambda: decode_value("RunPolicy", h("01 01 00")), 1),
    "invalid_cron_max_occurrences": (
        lambda: decode_value("RunPolicy", h("02 01 2a 01 00"), workflow=True),
        1,
    ),
    "invalid_cron_expression": (
        lambda: decode_value("RunPolicy", h("02 01 20 00"), workflow=True),
        1,
    ),
    "invalid_max_attempts": (lambda: decode_value("TaskConstraints", h("00 00 00 00 00 00")), 0),
    "zero_timeout": (lambda: decode_value("TaskConstraints", h("01 01 00 00 00 00 00")), 0),
    "empty_concurrency_key": (
        lambda: decode_value("TaskConstraints", h("01 00 01 00 00 00 00")),
        0,
    ),
    "empty_capabilities": (lambda: decode_value("TaskConstraints", h("01 00 00 00 00 01 00")), 0),
    "empty_capability_entry": (
        lambda: decode_value("TaskConstraints", h("01 00 00 00 00 01 01 00")),
        0,
    ),
    "nil_task_spec_id": (
        lambda: decode_payload(
            encode_value(
                "WalEvent", WalEvent(1, TaskCreated(spec(NIL), 0)), validate=False, workflow=True
            ),
            workflow=True,
        ),
        2,
    ),
    "nil_run_id": (invalid_run(run_id=NIL), 0),
    "nil_run_task_id": (invalid_run(task_id=NIL), 0),
    "attempt_outside_running": (invalid_run(state=RunState.Ready, attempt=ONE), 0),
    "ready_schedule_causality": (invalid_run(state=RunState.Ready, scheduled=6), 0),
    # encoding
    "value_out_of_range": (lambda: encode_record(WalEvent(-1, EnginePaused(0))), 12),
    "invalid_value_type": (lambda: encode_record(WalEvent(1, EnginePaused("now"))), 14),  # type: ignore[arg-type]
    "invalid_id": (lambda: encode_record(WalEvent(1, TaskCanceled(b"short", 0))), 14),  # type: ignore[arg-type]
    "payload_too_large_to_write": (oversize, 12),
    "variant_not_enabled": (lambda: encode_record(WalEvent(1, TaskCreated(spec(), 0))), 33),
    # JSON form
    "form_syntax": (lambda: parse_json_text('{"sequence": '), 13),
    "form_type_mismatch": (
        lambda: JSON_FORM.load("WalEvent", {**EVENT_JSON, "sequence": "1"}),
        None,
    ),
    "form_missing_field": (
        lambda: JSON_FORM.load("WalEvent", {"event": EVENT_JSON["event"]}),
        None,
    ),
    "form_duplicate_key": (lambda: parse_json_text('{"a": 1, "a": 2}'), None),
    "form_unknown_variant": (
        lambda: JSON_FORM.load("WalEvent", {"sequence": 1, "event": {"Nope": {}}}),
        None,
    ),
    "form_invalid_uuid": (
        lambda: JSON_FORM.load(
            "WalEvent", {"sequence": 1, "event": {"TaskCanceled": {"task_id": "x", "timestamp": 0}}}
        ),
        None,
    ),
    "form_out_of_range": (
        lambda: JSON_FORM.load("WalEvent", {**EVENT_JSON, "sequence": 2**64}),
        None,
    ),
}


def test_every_codec_code_has_a_case() -> None:
    codes = {c for c, e in ERROR_CODES.items() if e.category in CODEC_CATEGORIES}
    assert codes == set(CASES)


@pytest.mark.parametrize("code", sorted(CASES))
def test_code_is_raised(code: str) -> None:
    action, offset = CASES[code]
    with pytest.raises(AqwalError) as info:
        action()
    err = info.value
    assert err.code == code, str(err)
    assert err.clause == ERROR_CODES[code].clause
    assert err.offset == offset, str(err)
    assert code in str(err)


def test_acceptable_cases_decode_when_lenient() -> None:
    # spec: ENC-4, ENC-17, FRM-7 — a lenient reader yields the same value
    expected = WalEvent(1, EnginePaused(1000))
    assert decode_payload(h("01 0b e8 87 00"), strict=False) == expected
    assert decode_payload(h("81 00 0b e8 07"), strict=False) == expected
    assert decode_record(record(h("01 0b e8 07 00 ff")), strict=False) == expected
    assert decode_record(PAUSED + b"junk", strict=False) == expected


def test_validation_order_nested_first() -> None:
    # spec: VAL-11 — a nested value's rule fires before its parent's
    bad = spec(
        NIL,
        TaskConstraints(
            0, None, None, ConcurrencyKeyHoldPolicy.HoldDuringRetry, SafetyLevel.Pure, None
        ),
    )
    raw = encode_value("TaskSpec", bad, validate=False, workflow=True)
    with pytest.raises(AqwalError) as info:
        decode_value("TaskSpec", raw, workflow=True)
    assert info.value.code == "invalid_max_attempts"


def test_in_memory_values_get_the_encoder_codes() -> None:
    """spec: ENC-21, ENC-23 — the encoder's own codes, for values no form reader produced."""
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: encode_record(WalEvent(2**64, EnginePaused(0))), "value_out_of_range"),
        (lambda: encode_record(WalEvent(1, EnginePaused(-1))), "value_out_of_range"),
        (lambda: encode_record(WalEvent(1, EnginePaused("1"))), "invalid_value_type"),  # type: ignore[arg-type]
        (lambda: encode_record(WalEvent(1, TaskCanceled(TaskId(ONE[:15]), 0))), "invalid_id"),
    ]
    for encode, code in cases:
        with pytest.raises(AqwalError) as info:
            encode()
        assert (info.value.category, info.value.code) == ("encode", code)


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ("01 05 10 00 00 00", "unexpected_end"),  # 16 declared, 3 present
        ("01 05 05 00 00", "unexpected_end"),  # 5 declared, 2 present
        ("01 05 05 00 00 00 00 00 00", "invalid_uuid_length"),  # 5 declared and present
    ],
)
def test_identifier_length_is_checked_against_the_input_first(payload: str, code: str) -> None:
    """spec: ENC-12, ENC-16 — both errors are located at the identifier's length byte."""
    with pytest.raises(AqwalError) as info:
        decode_payload(h(payload))
    assert (info.value.code, info.value.offset) == (code, 2)


@pytest.mark.parametrize(
    ("expression", "rejected"),
    [(" \t\n\r", True), ("", True), ("\u00a0", False), ("\x0b\x0c", False), ("\u3000", False)],
)
def test_cron_white_space_is_the_grammar_s(expression: str, rejected: bool) -> None:
    """spec: VAL-4 — only U+0020, U+0009, U+000A and U+000D are white space; the reference
    accepts the other expressions the grammar rejects (they are acceptable)."""
    data = encode_record(
        WalEvent(
            1,
            TaskCreated(spec()._replace(run_policy=RunPolicyCron(CronPolicy(expression, None))), 0),
        ),
        workflow=True,
        validate=False,
    )
    if rejected:
        with pytest.raises(AqwalError) as info:
            decode_record(data, workflow=True)
        assert info.value.code == "invalid_cron_expression"
    else:
        event = decode_record(data, workflow=True).event
        assert isinstance(event, TaskCreated)
        policy = event.task_spec.run_policy
        assert isinstance(policy, RunPolicyCron)
        assert policy.policy.expression == expression
