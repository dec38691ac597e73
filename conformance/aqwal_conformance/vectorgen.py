"""Generation of the golden vectors: deterministic, from the declarations and the scenarios.

``generate()`` returns every vector with its expected outcome (computed by the reference and
checked against the case's declared intent). Nothing depends on time, machine or hash seeds.
"""

from __future__ import annotations

import json
import random
import zlib
from collections.abc import Callable, Iterator
from typing import Any

from aqwal import types as t
from aqwal.codec import encode_payload, encode_record, frame
from aqwal.declarations import ALL_TYPES, V4_VARIANT_COUNT, WAL_V5
from aqwal.forms import CBOR_FORM, JSON_FORM, to_cbor_bytes, to_json_text
from aqwal.reducer import Reducer
from aqwal.schema import Opt, Ref, Seq
from aqwal.snapshot import FIELDS_ADDED_IN_SCHEMA_8, encode_snapshot, snapshot_of
from aqwal_conformance.scenarios import NIL, LogBuilder, all_cases, task_spec, uid
from aqwal_conformance.valuegen import event_values, nested_variant_values
from aqwal_conformance.vectors import Vector, check_intent, evaluate
from aqwal_conformance.workload import engine_like_log

VARIANTS = [v.name for v in WAL_V5.enum("WalEventType").variants]
RS = t.RunState


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace("|", " "))


def _records(events: list[t.WalEvent]) -> bytes:
    return b"".join(encode_record(e) for e in events)


# ---------------------------------------------------------------------------------------------
# codec


def codec_vectors() -> Iterator[Vector]:
    for variant in VARIANTS:
        index = VARIANTS.index(variant)
        for shape, event in event_values(variant):
            yield Vector(
                f"codec/{variant}-{shape}",
                "codec",
                f"{variant} with {shape} field values",
                "valid",
                encode_payload(event),
                ("ENC-1", "ENC-13", "ENC-15", "TYP-1", "REG-1", "ENC-20", f"EVT-{index}"),
            )
    for enum_name, variant_name, event in nested_variant_values(workflow=True):
        decl = WAL_V5.enum(enum_name)
        gated = decl.variant(variant_name).feature
        yield Vector(
            f"codec/nested-{enum_name}-{variant_name}",
            "codec",
            f"an event carrying {enum_name}::{variant_name}",
            "valid",
            encode_payload(event, workflow=bool(gated)),
            ("ENC-15", decl.clause) + (("ENC-19",) if gated else ()),
            options={"profile": "workflow"} if gated else {},
        )
    yield from _invalid_payloads()
    yield from _acceptable_payloads()


def _task_created_bytes() -> tuple[bytes, int]:
    """A TaskCreated payload and the offset of its RunPolicy discriminant."""
    data = encode_payload(t.WalEvent(1, t.TaskCreated(task_spec(uid(1, 1)), 0)))
    # sequence (1) + discriminant (1) + id (17) + payload bytes "{}" (3) + content type (18)
    policy_at = 1 + 1 + 17 + 3 + 1 + 1 + len("application/json")
    assert data[policy_at] == 0  # RunPolicy::Once
    return data, policy_at


def _payload(body: t.WalEventType, sequence: int = 1) -> bytes:
    return encode_payload(t.WalEvent(sequence, body))


def _bad(
    name: str, description: str, data: bytes, code: str, *clauses: str, workflow: bool = False
) -> Vector:
    return Vector(
        f"codec/{name}",
        "codec",
        description,
        "invalid",
        data,
        clauses,
        error=code,
        options={"profile": "workflow"} if workflow else {},
    )


_PAUSED = h("01 0b e8 07")  # WalEvent{1, EnginePaused{1000}}


def _invalid_payloads() -> Iterator[Vector]:
    # truncations of several records at every byte (ENC-16)
    samples = {
        "EnginePaused": _PAUSED,
        "RunStateChanged": _payload(
            t.RunStateChanged(t.RunId(uid(2, 1)), RS.Ready, RS.Leased, 300)
        ),
        "LeaseAcquired": _payload(t.LeaseAcquired(t.RunId(uid(2, 1)), "wörker", 2**40, 7)),
        "TaskCreated": _payload(t.TaskCreated(task_spec(uid(1, 1)), 1_700_000_000)),
    }
    for name, data in samples.items():
        for cut in range(len(data)):
            yield _bad(
                f"truncated-{name}-{cut:03d}",
                f"{name} payload cut after {cut} of {len(data)} bytes",
                data[:cut],
                "unexpected_end",
                "ENC-16",
            )
    # counts and lengths that the input cannot hold fail before allocating (ENC-9)
    for name, data in (
        ("depends-on-2^32", h("01 0d 10") + uid(1, 1) + h("80 80 80 80 10 10")),
        ("string-2^32", h("01 07 10") + uid(2, 1) + h("80 80 80 80 10 61")),
        (
            "payload-2^40",
            h("01 1e 10")
            + uid(8, 1)
            + b"\x10"
            + uid(6, 1)
            + h("00 00")
            + h("80 80 80 80 80 20 00"),
        ),
    ):
        yield _bad(
            f"count-{name}",
            "a count or length the short input cannot hold",
            data,
            "unexpected_end",
            "ENC-9",
            "ENC-16",
        )
    # varints (ENC-3)
    yield _bad(
        "varint-u64-11-bytes",
        "sequence varint of 11 bytes",
        h("ff ff ff ff ff ff ff ff ff ff 01 0b 00"),
        "varint_overflow",
        "ENC-3",
    )
    yield _bad(
        "varint-u64-10th-byte-02",
        "sequence varint whose 10th byte exceeds 0x01",
        h("ff ff ff ff ff ff ff ff ff 02 0b 00"),
        "varint_overflow",
        "ENC-3",
    )
    yield _bad(
        "varint-u32-5th-byte-10",
        "discriminant varint whose 5th byte exceeds 0x0f",
        h("01 ff ff ff ff 10 00"),
        "varint_overflow",
        "ENC-3",
        "ENC-15",
    )
    yield _bad(
        "varint-u32-6-bytes",
        "discriminant varint of 6 bytes",
        h("01 80 80 80 80 80 00"),
        "varint_overflow",
        "ENC-3",
    )
    yield _bad(
        "varint-timestamp-overflow",
        "timestamp varint of 11 bytes",
        h("01 0b ff ff ff ff ff ff ff ff ff ff 01"),
        "varint_overflow",
        "ENC-3",
    )
    # Option tags (ENC-8)
    run = t.RunId(uid(2, 1))
    suspended = _payload(t.RunSuspended(run, None, 5))
    for tag in (2, 0x80, 0xFF):
        mutated = bytearray(suspended)
        mutated[19] = tag
        yield _bad(
            f"option-tag-{tag:02x}",
            f"RunSuspended.reason Option tag 0x{tag:02x}",
            bytes(mutated),
            "invalid_option_tag",
            "ENC-8",
        )
    # UTF-8 (ENC-10)
    for name, raw in {
        "lone-continuation": b"\x80",
        "overlong-slash": b"\xc0\xaf",
        "surrogate": b"\xed\xa0\x80",
        "truncated-sequence": b"\xe2\x82",
        "above-u10ffff": b"\xf4\x90\x80\x80",
        "ff-byte": b"ok\xff",
    }.items():
        data = h("01 07") + b"\x10" + uid(2, 1) + bytes([len(raw)]) + raw + h("00 00")
        yield _bad(
            f"utf8-{name}",
            f"LeaseAcquired.owner with invalid UTF-8 ({name})",
            data,
            "invalid_utf8",
            "ENC-10",
        )
    # identifier lengths (ENC-12)
    for size in (0, 1, 15, 17, 32):
        data = h("01 05") + bytes([size]) + bytes(range(size)) + h("00")
        yield _bad(
            f"uuid-length-{size}",
            f"TaskCanceled.task_id of {size} bytes",
            data,
            "invalid_uuid_length",
            "ENC-12",
        )
    # unknown discriminants (ENC-15, ENC-19)
    for tag, enc in ((31, "1f"), (127, "7f"), (128, "80 01"), (2**32 - 1, "ff ff ff ff 0f")):
        yield _bad(
            f"unknown-event-{tag}",
            f"WalEventType discriminant {tag}",
            h(f"01 {enc} 00"),
            "unknown_variant",
            "ENC-15",
            "REG-1",
        )
    nested = {
        "RunState-9": _payload(t.RunStateChanged(run, RS.Ready, RS.Leased, 1))[:19] + h("09 02 01"),
        "AttemptResultKind-4": _payload(
            t.AttemptFinished(
                run, t.AttemptId(uid(3, 1)), t.AttemptResultKind.Success, None, None, 1
            )
        )[:36]
        + h("04 00 00 01"),
        "BudgetDimension-3": _payload(
            t.BudgetExhausted(t.TaskId(uid(1, 1)), t.BudgetDimension.Token, 1)
        )[:19]
        + h("03 01"),
        "Role-4": _payload(
            t.RoleAssigned(t.ActorId(uid(5, 1)), t.RoleOperator(), t.TenantId(uid(6, 1)), 1)
        ).replace(b"\x10" + uid(5, 1) + b"\x00", b"\x10" + uid(5, 1) + b"\x04", 1),
        "Capability-6": _payload(
            t.CapabilityGranted(
                t.ActorId(uid(5, 1)), t.CapabilityCanSubmit(), t.TenantId(uid(6, 1)), 1
            )
        ).replace(b"\x10" + uid(5, 1) + b"\x00", b"\x10" + uid(5, 1) + b"\x06", 1),
        "EventFilter-4": h("01 14 10") + uid(7, 1) + b"\x10" + uid(1, 1) + h("04 00"),
    }
    for name, data in nested.items():
        yield _bad(
            f"unknown-{name}",
            f"{name.replace('-', ' discriminant ')}",
            data,
            "unknown_variant",
            "ENC-15",
        )
    spec_bytes, policy_at = _task_created_bytes()
    cron = (
        spec_bytes[:policy_at] + h("02 0b") + b"0 * * * * *" + h("00") + spec_bytes[policy_at + 1 :]
    )
    yield _bad(
        "cron-without-workflow",
        "RunPolicy::Cron in the default profile",
        cron,
        "unknown_variant",
        "ENC-19",
        "TYP-5",
    )
    # the engine's own Cron bytes when max_occurrences is None: no Option tag (ENC-18)
    engine_cron = spec_bytes[:policy_at] + h("02 0b") + b"0 * * * * *" + spec_bytes[policy_at + 1 :]
    yield _bad(
        "cron-engine-untagged-none",
        "RunPolicy::Cron written by the engine with "
        "max_occurrences None (no tag byte): max_attempts 3 is read as the tag",
        engine_cron,
        "invalid_option_tag",
        "ENC-18",
        workflow=True,
    )
    # decode-time validation (VAL-*)
    yield from _validation_payloads(spec_bytes, policy_at)


def _validation_payloads(spec_bytes: bytes, policy_at: int) -> Iterator[Vector]:
    constraints_at = policy_at + 1
    tail = spec_bytes[constraints_at + 6 :]  # after default-sized constraints "03 00 00 00 00 00"
    assert spec_bytes[constraints_at : constraints_at + 6] == h("03 00 00 00 00 00")

    def with_constraints(raw: str) -> bytes:
        return spec_bytes[:constraints_at] + h(raw) + tail

    def with_policy(raw: bytes, workflow: bool = False) -> bytes:
        return spec_bytes[:policy_at] + raw + spec_bytes[policy_at + 1 :]

    cases = [
        ("repeat-count-0", with_policy(h("01 00 3c")), "invalid_repeat_count", "VAL-1", False),
        (
            "repeat-interval-0",
            with_policy(h("01 05 00")),
            "invalid_repeat_interval",
            "VAL-2",
            False,
        ),
        ("repeat-both-0", with_policy(h("01 00 00")), "invalid_repeat_count", "VAL-1", False),
        (
            "cron-max-occurrences-0",
            with_policy(h("02 0b") + b"0 * * * * *" + h("01 00")),
            "invalid_cron_max_occurrences",
            "VAL-3",
            True,
        ),
        (
            "cron-empty-expression",
            with_policy(h("02 00 00")),
            "invalid_cron_expression",
            "VAL-4",
            True,
        ),
        (
            "cron-blank-expression",
            with_policy(h("02 03 20 09 20 00")),
            "invalid_cron_expression",
            "VAL-4",
            True,
        ),
        (
            "max-attempts-0",
            with_constraints("00 00 00 00 00 00"),
            "invalid_max_attempts",
            "VAL-5",
            False,
        ),
        ("timeout-0", with_constraints("03 01 00 00 00 00 00"), "zero_timeout", "VAL-6", False),
        (
            "concurrency-key-empty",
            with_constraints("03 00 01 00 00 00 00"),
            "empty_concurrency_key",
            "VAL-7",
            False,
        ),
        (
            "capabilities-empty",
            with_constraints("03 00 00 00 00 01 00"),
            "empty_capabilities",
            "VAL-8",
            False,
        ),
        (
            "capability-entry-empty",
            with_constraints("03 00 00 00 00 01 02 01 61 00"),
            "empty_capability_entry",
            "VAL-9",
            False,
        ),
        (
            "constraints-order",
            with_constraints("00 01 00 01 00 00 00 01 00"),
            "invalid_max_attempts",
            "VAL-5",
            False,
        ),
        (
            "task-id-nil",
            spec_bytes[:3] + NIL + spec_bytes[19:],
            "nil_task_spec_id",
            "VAL-10",
            False,
        ),
        (
            "nested-before-parent",
            spec_bytes[:3] + NIL + spec_bytes[19:constraints_at] + h("00 00 00 00 00 00") + tail,
            "invalid_max_attempts",
            "VAL-11",
            False,
        ),
    ]
    for name, data, code, clause, workflow in cases:
        yield _bad(
            f"validation-{name}",
            f"TaskSpec breaking {clause}",
            data,
            code,
            clause,
            "VAL-11",
            workflow=workflow,
        )
    run = t.RunInstance(
        t.RunId(uid(2, 1)), t.TaskId(uid(1, 1)), RS.Scheduled, None, 0, 10, 10, 0, 10
    )
    run_cases = [
        ("run-id-nil", run._replace(id=NIL), "nil_run_id", "VAL-12"),
        ("run-task-id-nil", run._replace(task_id=NIL), "nil_run_task_id", "VAL-13"),
        ("run-both-nil", run._replace(id=NIL, task_id=NIL), "nil_run_id", "VAL-12"),
        (
            "attempt-while-ready",
            run._replace(state=RS.Ready, current_attempt_id=uid(3, 1)),
            "attempt_outside_running",
            "VAL-14",
        ),
        (
            "attempt-while-completed",
            run._replace(state=RS.Completed, current_attempt_id=uid(3, 1)),
            "attempt_outside_running",
            "VAL-14",
        ),
        (
            "ready-scheduled-after-created",
            run._replace(state=RS.Ready, scheduled_at=11),
            "ready_schedule_causality",
            "VAL-16",
        ),
    ]
    for name, value, code, clause in run_cases:
        data = encode_payload(t.WalEvent(1, t.RunCreated(value)), validate=False)
        yield _bad(
            f"validation-{name}", f"RunInstance breaking {clause}", data, code, clause, "VAL-11"
        )
    for name, value in (
        ("scheduled-after-created-while-scheduled", run._replace(scheduled_at=99)),
        ("attempt-while-running", run._replace(state=RS.Running, current_attempt_id=uid(3, 1))),
        ("nil-parent-and-attempt", run._replace(state=RS.Running, current_attempt_id=NIL)),
    ):
        yield Vector(
            f"codec/accepted-{name}",
            "codec",
            f"RunInstance {name} is accepted (VAL-17)",
            "valid",
            encode_payload(t.WalEvent(1, t.RunCreated(value))),
            ("VAL-17",),
        )
    for name, body in (
        (
            "threshold-200",
            t.SubscriptionCreated(
                t.SubscriptionId(uid(7, 1)),
                t.TaskId(NIL),
                t.EventFilterBudgetThreshold(t.TaskId(uid(1, 1)), t.BudgetDimension.Token, 200),
                1,
            ),
        ),
        (
            "empty-custom-role",
            t.RoleAssigned(t.ActorId(NIL), t.RoleCustom(""), t.TenantId(NIL), 0),
        ),
        ("empty-strings", t.ActorRegistered(t.ActorId(NIL), "", ("",), "", 0, None, 0)),
        ("empty-depends-on", t.DependencyDeclared(t.TaskId(NIL), (), 0)),
    ):
        yield Vector(
            f"codec/accepted-{name}",
            "codec",
            f"{name} is accepted (VAL-17)",
            "valid",
            _payload(body),
            ("VAL-17",),
        )


def _acceptable_payloads() -> Iterator[Vector]:
    def ok(
        name: str,
        description: str,
        data: bytes,
        code: str,
        flag: str,
        *clauses: str,
        workflow: bool = False,
    ) -> Vector:
        return Vector(
            f"codec/{name}",
            "codec",
            description,
            "acceptable",
            data,
            clauses,
            error=code,
            flags=(flag,),
            options={"profile": "workflow"} if workflow else {},
        )

    over = "NonCanonicalVarint"
    yield ok(
        "overlong-sequence-2",
        "sequence 1 as 81 00",
        h("81 00 0b e8 07"),
        "non_canonical_varint",
        over,
        "ENC-4",
    )
    yield ok(
        "overlong-sequence-10",
        "sequence 0 in 10 bytes",
        h("80 80 80 80 80 80 80 80 80 00 0b e8 07"),
        "non_canonical_varint",
        over,
        "ENC-4",
    )
    yield ok(
        "overlong-timestamp",
        "timestamp 1000 as e8 87 00",
        h("01 0b e8 87 00"),
        "non_canonical_varint",
        over,
        "ENC-4",
    )
    yield ok(
        "overlong-discriminant",
        "discriminant 11 as 8b 00",
        h("01 8b 00 e8 07"),
        "non_canonical_varint",
        over,
        "ENC-4",
        "ENC-15",
    )
    yield ok(
        "overlong-discriminant-5",
        "discriminant 11 in 5 bytes",
        h("01 8b 80 80 80 00 e8 07"),
        "non_canonical_varint",
        over,
        "ENC-4",
        "ENC-15",
    )
    yield ok(
        "overlong-uuid-length",
        "identifier length 16 as 90 00",
        h("01 05 90 00") + uid(1, 1) + h("00"),
        "non_canonical_varint",
        over,
        "ENC-4",
        "ENC-12",
    )
    yield ok(
        "overlong-string-length",
        "string length 1 as 81 00",
        h("01 07 10") + uid(2, 1) + h("81 00 61 00 00"),
        "non_canonical_varint",
        over,
        "ENC-4",
        "ENC-10",
    )
    yield ok(
        "overlong-state",
        "RunState 1 as 81 00",
        h("01 02 10") + uid(2, 1) + h("81 00 02 00"),
        "non_canonical_varint",
        over,
        "ENC-4",
    )
    trailing = "TrailingBytes"
    for n in (1, 2, 100):
        yield ok(
            f"trailing-{n}",
            f"{n} byte(s) after the WalEvent",
            _PAUSED + bytes(n),
            "trailing_bytes",
            trailing,
            "ENC-17",
        )
    yield ok(
        "trailing-valid-record",
        "a second WalEvent after the first",
        _PAUSED + _PAUSED,
        "trailing_bytes",
        trailing,
        "ENC-17",
    )
    spec, policy_at = _task_created_bytes()
    for name, expr in (("words", "not a cron expression"), ("five-fields", "* * * * *")):
        raw = expr.encode()
        data = spec[:policy_at] + bytes([2, len(raw)]) + raw + h("00") + spec[policy_at + 1 :]
        yield Vector(
            f"codec/cron-grammar-{name}",
            "codec",
            f"Cron expression {expr!r}: the engine's cron grammar rejects it, a reader "
            "MAY accept it (VAL-4)",
            "acceptable",
            data,
            ("VAL-4", "ENC-18", "ENC-19"),
            error="invalid_cron_expression",
            flags=("CronGrammar",),
            options={"profile": "workflow"},
        )


# ---------------------------------------------------------------------------------------------
# frame


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


# ---------------------------------------------------------------------------------------------
# wal files


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


# ---------------------------------------------------------------------------------------------
# replay


def replay_vectors() -> Iterator[Vector]:
    for case in all_cases():
        codes = [c for c in case.expected if c]
        yield Vector(
            f"replay/{case.id}",
            "replay",
            case.description,
            "invalid" if codes else "valid",
            _records(list(case.events)),
            ("RED-1", "RED-13", *case.clauses),
            error=codes[0] if codes else None,
        )
    for seed, size in ((31, 120), (32, 300)):
        events = list(engine_like_log(random.Random(seed), size))
        yield Vector(
            f"replay/workload-{seed}-{size}",
            "replay",
            f"an engine-like log of {size} events",
            "valid",
            _records(events),
            ("RED-1", "RED-2", "RED-13", "DIG-1", "DIG-2", "DIG-3", "DIG-4"),
        )
    for name, body in _outcome_shapes():
        b = LogBuilder()
        run_id = b.run()
        b.drive(run_id, RS.Running)
        attempt = b.attempt(run_id)
        b.add(body(run_id, attempt))
        yield Vector(
            f"replay/outcome-{name}",
            "replay",
            f"AttemptFinished outcome shape {name}",
            "valid",
            _records(b.events),
            ("EVT-4", "RED-15"),
        )
    b = LogBuilder()
    b.add(t.BudgetConsumed(t.TaskId(uid(1, 9)), t.BudgetDimension.Token, 3, 1))
    b.add(t.BudgetAllocated(t.TaskId(uid(1, 9)), t.BudgetDimension.Token, 0, 2))
    b.add(t.BudgetConsumed(t.TaskId(uid(1, 9)), t.BudgetDimension.Token, 0, 3))
    b.add(t.BudgetExhausted(t.TaskId(uid(1, 8)), t.BudgetDimension.CostCents, 4))
    b.add(t.SubscriptionTriggered(t.SubscriptionId(uid(7, 1)), 5))
    deps = (t.TaskId(uid(1, 9)), t.TaskId(uid(1, 9)), t.TaskId(uid(1, 7)))
    b.add(t.DependencyDeclared(t.TaskId(uid(1, 404)), deps, 6))
    b.add(t.DependencyDeclared(t.TaskId(uid(1, 404)), (t.TaskId(uid(1, 404)),), 7))
    b.add(
        t.RunCreated(
            t.RunInstance(
                t.RunId(uid(2, 50)), t.TaskId(uid(1, 404)), RS.Scheduled, None, 0, 6, 6, -4, 6
            )
        )
    )
    yield Vector(
        "replay/lenient-unknown-keys",
        "replay",
        "events for unknown tasks and keys apply (RED-15)",
        "valid",
        _records(b.events),
        ("RED-9", "RED-10", "RED-15", "EVT-16", "EVT-17", "EVT-18"),
    )


Mutation = Callable[[dict[str, Any]], object]


def _outcome_shapes() -> list[tuple[str, Callable[[t.RunId, t.AttemptId], t.WalEventType]]]:
    r = t.AttemptResultKind
    shapes = [
        ("success-output", r.Success, None, b"out"),
        ("success-with-error", r.Success, "boom", b"out"),
        ("failure", r.Failure, "boom", None),
        ("failure-without-error", r.Failure, None, None),
        ("failure-with-output", r.Failure, "boom", b"x"),
        ("timeout-without-error", r.Timeout, None, None),
        ("suspended-empty-output", r.Suspended, None, b""),
    ]

    def finished(
        kind: t.AttemptResultKind, err: str | None, out: bytes | None
    ) -> Callable[[t.RunId, t.AttemptId], t.WalEventType]:
        return lambda run, att: t.AttemptFinished(run, att, kind, err, out, 9999)

    return [(name, finished(kind, err, out)) for name, kind, err, out in shapes]


# ---------------------------------------------------------------------------------------------
# snapshots


def _raw_snapshot(body: object, version: int = 4) -> bytes:
    """A snapshot file around any JSON document, unvalidated."""
    return frame(to_json_text(body).encode(), version)


def snapshot_vectors() -> Iterator[Vector]:
    log = list(engine_like_log(random.Random(41), 160))
    reducer = Reducer()
    points = {0, 1, 40, 97, 160}
    snaps: dict[int, t.Snapshot] = {}
    for k in range(len(log) + 1):
        if k:
            reducer.apply(log[k - 1])
        if k in points:
            snaps[k] = snapshot_of(reducer.state, 1_700_000_500)
            yield Vector(
                f"snapshot/workload-at-{k:03d}",
                "snapshot",
                f"snapshot of an engine-like log after {k} records",
                "valid",
                encode_snapshot(snaps[k]),
                ("SNP-2", "SNP-3", "SNP-4", "SNP-5", "SNP-8", "SNP-9", "SNP-11", "JSN-1"),
            )
    for k in (40, 97):
        yield Vector(
            f"snapshot/bootstrap-at-{k:03d}",
            "snapshot",
            f"snapshot at {k} plus the whole log: the tail above {k} is replayed",
            "valid",
            encode_snapshot(snaps[k]),
            ("SNP-9", "SNP-11", "SNP-12"),
            extra={"wal": _records(log)},
        )
    yield Vector(
        "snapshot/bootstrap-gap-after-snapshot",
        "snapshot",
        "a sequence gap right after the snapshot point: the tail is still replayed",
        "valid",
        encode_snapshot(snaps[40]),
        ("SNP-12",),
        extra={"wal": _records(log[:40] + [e._replace(sequence=e.sequence + 5) for e in log[40:]])},
    )
    yield Vector(
        "snapshot/bootstrap-ahead-of-wal",
        "snapshot",
        "snapshot at 97 with a WAL of 40 records",
        "invalid",
        encode_snapshot(snaps[97]),
        ("SNP-12",),
        error="snapshot_ahead_of_wal",
        extra={"wal": _records(log[:40])},
    )
    yield Vector(
        "snapshot/bootstrap-empty-wal",
        "snapshot",
        "snapshot at 97 with an empty WAL",
        "valid",
        encode_snapshot(snaps[97]),
        ("SNP-12",),
        extra={"wal": b""},
    )
    base = JSON_FORM.dump("Snapshot", snaps[40])
    data = encode_snapshot(snaps[40])

    def bad(name: str, description: str, raw: bytes, code: str, *clauses: str) -> Vector:
        return Vector(
            f"snapshot/{name}", "snapshot", description, "invalid", raw, clauses, error=code
        )

    yield bad("truncated-3", "3 bytes", data[:3], "snapshot_truncated", "SNP-4")
    yield bad("truncated-header", "10 bytes", data[:10], "snapshot_truncated", "SNP-4")
    yield bad(
        "frame-version-5",
        "framed with version 5",
        _raw_snapshot(base, 5),
        "snapshot_unsupported_version",
        "SNP-2",
        "SNP-4",
    )
    yield bad(
        "payload-over-limit",
        "declared length over 256 MiB",
        h("04000000 01000010 00000000"),
        "snapshot_payload_too_large",
        "SNP-2",
        "SNP-4",
    )
    yield bad(
        "truncated-payload",
        "payload one byte short",
        data[:-1],
        "snapshot_truncated_payload",
        "SNP-4",
    )
    yield bad("crc", "payload byte changed", data[:-1] + b" ", "snapshot_crc_mismatch", "SNP-2")
    yield bad(
        "json-syntax", "payload is not JSON", frame_snapshot(b"{]"), "form_syntax", "SNP-4", "JSN-1"
    )

    def tweak(change: Mutation) -> bytes:
        body = json.loads(json.dumps(base))
        change(body)
        return _raw_snapshot(body)

    yield bad(
        "json-type-mismatch",
        "timestamp is a string",
        tweak(lambda b: b.__setitem__("timestamp", "now")),
        "form_type_mismatch",
        "JSN-2",
    )
    yield bad(
        "json-float",
        "timestamp is a float",
        frame_snapshot(
            to_json_text(base).replace('"timestamp":1700000500', '"timestamp":1.5', 1).encode()
        ),
        "form_type_mismatch",
        "JSN-2",
    )
    yield bad(
        "json-duplicate-key",
        "an object repeats a key",
        frame_snapshot(
            to_json_text(base).replace('{"version":4,', '{"version":4,"version":4,', 1).encode()
        ),
        "form_duplicate_key",
        "JSN-4",
    )
    yield bad(
        "json-unknown-variant",
        "a run state name that does not exist",
        tweak(lambda b: b["runs"][0]["run_instance"].__setitem__("state", "Paused")),
        "form_unknown_variant",
        "JSN-5",
    )
    yield bad(
        "json-bad-uuid",
        "a task id that is not a UUID",
        tweak(lambda b: b["tasks"][0]["task_spec"].__setitem__("id", "task-1")),
        "form_invalid_uuid",
        "JSN-6",
    )
    yield bad(
        "json-out-of-range",
        "a u32 above 2^32-1",
        tweak(lambda b: b.__setitem__("version", 2**32)),
        "form_out_of_range",
        "JSN-7",
    )
    yield bad(
        "json-validation",
        "a TaskSpec breaking VAL-5 inside the snapshot",
        tweak(lambda b: b["tasks"][0]["task_spec"]["constraints"].__setitem__("max_attempts", 0)),
        "invalid_max_attempts",
        "VAL-5",
        "SNP-4",
    )
    yield Vector(
        "snapshot/json-lenient-forms",
        "snapshot",
        'serde leniencies: unknown keys, {"Name":null} unit variants, braced UUIDs',
        "valid",
        tweak(_lenient_forms),
        ("JSN-3", "JSN-6", "JSN-8"),
    )

    def positional(body: dict[str, Any]) -> None:
        meta = body["metadata"]
        body["metadata"] = [
            meta["schema_version"],
            meta["wal_sequence"],
            meta["task_count"],
            meta["run_count"],
        ]

    yield Vector(
        "snapshot/json-positional-struct",
        "snapshot",
        "a struct written as a JSON array of its fields (serde accepts it)",
        "acceptable",
        tweak(positional),
        ("JSN-10", "STR-1"),
        error="form_type_mismatch",
        flags=("PositionalStruct",),
    )
    yield bad(
        "json-missing-field",
        "metadata missing",
        _raw_snapshot({k: v for k, v in base.items() if k != "metadata"}),
        "form_missing_field",
        "SNP-3",
    )
    for name, change, code in _snapshot_mutations(base):
        body = json.loads(json.dumps(base))
        change(body)
        yield bad(f"rule-{name}", f"snapshot breaking {code}", _raw_snapshot(body), code, "SNP-7")
    for name, document, code in _running_run_mutations():
        yield bad(
            f"rule-{name}", f"snapshot breaking {code}", _raw_snapshot(document), code, "SNP-7"
        )
    older = json.loads(json.dumps(base))
    older["metadata"]["schema_version"] = 7
    for key in FIELDS_ADDED_IN_SCHEMA_8:
        del older[key]
    yield bad(
        "schema-7",
        "schema_version 7 (the engine loads 8 only)",
        _raw_snapshot(older),
        "unsupported_schema_version",
        "SNP-5",
    )
    vec = Vector(
        "snapshot/schema-7-accepted",
        "snapshot",
        "schema_version 7 loaded with defaults by a reader that offers it (SNP-6)",
        "valid",
        _raw_snapshot(older),
        ("SNP-6",),
        options={"accept_older_schema": True},
        flags=("OlderSchema",),
    )
    yield vec
    minimal = json.loads(json.dumps(base))
    for f in ALL_TYPES.struct("Snapshot").fields:
        if f.serde_default:
            del minimal[f.name]
    yield Vector(
        "snapshot/defaults",
        "snapshot",
        "every defaulted array and the engine omitted",
        "valid",
        _raw_snapshot(minimal),
        ("SNP-3", "JSN-3"),
    )


def _lenient_forms(body: dict[str, object]) -> None:
    body["unknown_key"] = [1, 2, 3]
    tasks = body["tasks"]
    assert isinstance(tasks, list)
    spec = tasks[0]["task_spec"]
    spec["run_policy"] = {"Once": None} if spec["run_policy"] == "Once" else spec["run_policy"]
    spec["id"] = "{" + spec["id"].upper() + "}"


def frame_snapshot(payload: bytes) -> bytes:
    return frame(payload, 4)


def _running_run_mutations() -> Iterator[tuple[str, dict[str, Any], str]]:
    """Snapshot documents around one task with one Running run that has an active attempt."""
    b = LogBuilder()
    run_id = b.run()
    b.drive(run_id, RS.Running)
    b.attempt(run_id)
    reducer = Reducer()
    for e in b.events:
        reducer.apply(e)
    base = JSON_FORM.dump("Snapshot", snapshot_of(reducer.state, 5))
    task_id = base["tasks"][0]["task_spec"]["id"]
    other = "00000000-0000-4000-8000-0000000003e7"

    def doc(change: Mutation) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(json.dumps(base))
        change(body)
        return body

    def run(body: dict[str, Any]) -> Any:
        return body["runs"][0]

    yield (
        "attempt-lineage-count",
        doc(lambda d: run(d)["run_instance"].__setitem__("attempt_count", 0)),
        "run_attempt_lineage_count",
    )
    yield (
        "active-attempt-history",
        doc(lambda d: run(d)["attempts"][0].__setitem__("finished_at", 2000)),
        "run_active_attempt_history",
    )

    def suspend_with_lease(d: dict[str, Any]) -> None:
        r = run(d)
        r["run_instance"].update(state="Suspended", current_attempt_id=None)
        r["state_history"].append({"from": "Running", "to": "Suspended", "timestamp": 2000})
        r["lease"] = {"owner": "w", "expiry": 9, "acquired_at": 1, "updated_at": 1}

    yield ("lease-while-suspended", doc(suspend_with_lease), "run_lease_presence")
    declaration = {"task_id": task_id, "depends_on": [], "declared_at": 1}
    yield (
        "duplicate-dependency-declaration",
        doc(lambda d: d.__setitem__("dependency_declarations", [declaration, declaration])),
        "duplicate_dependency_declaration",
    )
    yield (
        "dependency-unknown-prerequisite",
        doc(
            lambda d: d.__setitem__(
                "dependency_declarations",
                [{"task_id": task_id, "depends_on": [other], "declared_at": 1}],
            )
        ),
        "dependency_unknown_prerequisite",
    )
    budget = {
        "task_id": task_id,
        "dimension": "CostCents",
        "limit": 5,
        "consumed": 9,
        "allocated_at": 1,
        "exhausted": True,
    }
    yield (
        "duplicate-budget",
        doc(lambda d: d.__setitem__("budgets", [budget, budget])),
        "duplicate_budget",
    )
    sub = {
        "subscription_id": other,
        "task_id": task_id,
        "filter": "bad",
        "created_at": 1,
        "triggered_at": None,
        "canceled_at": None,
    }
    sub["filter"] = {"TaskCompleted": {"task_id": task_id}}
    yield (
        "duplicate-subscription",
        doc(lambda d: d.__setitem__("subscriptions", [sub, sub])),
        "duplicate_subscription",
    )


def _snapshot_mutations(base: dict[str, Any]) -> list[tuple[str, Mutation, str]]:
    def first_run(body: dict[str, Any]) -> Any:
        runs = body["runs"]
        assert isinstance(runs, list)
        run: Any = runs[0]
        return run

    def set_meta(key: str, value: object) -> Mutation:
        return lambda b: b["metadata"].__setitem__(key, value)

    other = "00000000-0000-4000-8000-0000000003e7"
    return [
        ("schema-9", set_meta("schema_version", 9), "unsupported_schema_version"),
        ("task-count", set_meta("task_count", 999), "task_count_mismatch"),
        ("run-count", set_meta("run_count", 999), "run_count_mismatch"),
        (
            "duplicate-task",
            lambda b: (
                b["tasks"].append(b["tasks"][0]),
                b["metadata"].__setitem__("task_count", len(b["tasks"])),
            ),
            "duplicate_snapshot_task",
        ),
        (
            "canceled-before-created",
            lambda b: b["tasks"][0].__setitem__("canceled_at", 0),
            "task_canceled_before_created",
        ),
        (
            "missing-initial-history",
            lambda b: first_run(b).__setitem__("state_history", []),
            "run_missing_initial_history",
        ),
        (
            "history-order",
            lambda b: first_run(b)["state_history"].__setitem__(
                1, {"from": "Running", "to": "Ready", "timestamp": 1}
            ),
            "run_history_transition",
        ),
        (
            "attempt-count",
            lambda b: first_run(b)["run_instance"].__setitem__("attempt_count", 9),
            "run_attempt_history_count",
        ),
        (
            "duplicate-run",
            lambda b: (
                b["runs"].append(b["runs"][0]),
                b["metadata"].__setitem__("run_count", len(b["runs"])),
            ),
            "duplicate_snapshot_run",
        ),
        (
            "run-unknown-task",
            lambda b: first_run(b)["run_instance"].__setitem__("task_id", other),
            "run_unknown_task",
        ),
        (
            "engine-paused-no-time",
            lambda b: b.__setitem__(
                "engine", {"paused": True, "paused_at": None, "resumed_at": None}
            ),
            "engine_paused_causality",
        ),
        (
            "engine-resume-no-pause",
            lambda b: b.__setitem__(
                "engine", {"paused": False, "paused_at": None, "resumed_at": 5}
            ),
            "engine_resumed_causality",
        ),
        (
            "engine-order",
            lambda b: b.__setitem__("engine", {"paused": False, "paused_at": 9, "resumed_at": 5}),
            "engine_pause_resume_ordering",
        ),
        (
            "dependency-unknown-task",
            lambda b: b.__setitem__(
                "dependency_declarations", [{"task_id": other, "depends_on": [], "declared_at": 1}]
            ),
            "dependency_unknown_task",
        ),
        (
            "budget-unknown-task",
            lambda b: b.__setitem__(
                "budgets",
                [
                    {
                        "task_id": other,
                        "dimension": "Token",
                        "limit": 1,
                        "consumed": 0,
                        "allocated_at": 1,
                        "exhausted": False,
                    }
                ],
            ),
            "budget_unknown_task",
        ),
        (
            "subscription-unknown-task",
            lambda b: b.__setitem__(
                "subscriptions",
                [
                    {
                        "subscription_id": other,
                        "task_id": other,
                        "filter": {"Custom": {"key": "k"}},
                        "created_at": 1,
                        "triggered_at": None,
                        "canceled_at": None,
                    }
                ],
            ),
            "subscription_unknown_task",
        ),
    ]


# ---------------------------------------------------------------------------------------------
# encoding


def encode_vectors() -> Iterator[Vector]:
    """Value (CBOR form) to record bytes, for every variant, and the refusals."""
    for variant in VARIANTS:
        for shape, event in list(event_values(variant))[:3]:
            yield Vector(
                f"encode/{variant}-{shape}",
                "encode",
                f"encode {variant} ({shape})",
                "valid",
                to_cbor_bytes(CBOR_FORM.dump("WalEvent", event)),
                ("ENC-2", "ENC-20", "FRM-1", "FRM-3", "CBR-2"),
            )
    cron = t.WalEvent(
        1,
        t.TaskCreated(
            task_spec(uid(1, 1))._replace(
                run_policy=t.RunPolicyCron(t.CronPolicy("0 * * * * *", None))
            ),
            0,
        ),
    )
    form = CBOR_FORM.dump("WalEvent", cron)
    yield Vector(
        "encode/cron-default-profile",
        "encode",
        "Cron cannot be written without the workflow feature",
        "invalid",
        to_cbor_bytes(form),
        ("ENC-19",),
        error="variant_not_enabled",
    )
    yield Vector(
        "encode/cron-none-tagged",
        "encode",
        "Cron with max_occurrences None is written with its Option tag 00 (unlike the engine)",
        "valid",
        to_cbor_bytes(form),
        ("ENC-18",),
        options={"profile": "workflow"},
    )
    base = CBOR_FORM.dump("WalEvent", t.WalEvent(1, t.TaskCanceled(t.TaskId(uid(1, 1)), 5)))
    cases: list[tuple[str, object, str, str]] = [
        ("type-mismatch", {"sequence": "1", "event": base["event"]}, "form_type_mismatch", "JSN-2"),
        ("missing-field", {"event": base["event"]}, "form_missing_field", "JSN-3"),
        (
            "unknown-variant",
            {"sequence": 1, "event": {"TaskDeleted": {}}},
            "form_unknown_variant",
            "JSN-5",
        ),
        (
            "short-identifier",
            {"sequence": 1, "event": {"TaskCanceled": {"task_id": b"\x01" * 15, "timestamp": 5}}},
            "form_invalid_uuid",
            "CBR-2",
        ),
        (
            "sequence-2^64",
            {"sequence": 2**64, "event": base["event"]},
            "form_out_of_range",
            "JSN-7",
        ),
        (
            "negative-timestamp",
            {"sequence": 1, "event": {"TaskCanceled": {"task_id": uid(1, 1), "timestamp": -1}}},
            "form_out_of_range",
            "ENC-21",
        ),
    ]
    bad_spec = task_spec(uid(1, 1))._replace(
        constraints=task_spec(uid(1, 1)).constraints._replace(max_attempts=0)
    )
    yield Vector(
        "encode/breaks-val-5",
        "encode",
        "a TaskSpec with max_attempts 0 is not written",
        "invalid",
        to_cbor_bytes(CBOR_FORM.dump("WalEvent", t.WalEvent(1, t.TaskCreated(bad_spec, 0)))),
        ("ENC-22", "VAL-5"),
        error="invalid_max_attempts",
    )
    for name, doc, code, clause in cases:
        yield Vector(
            f"encode/{name}",
            "encode",
            f"a value breaking {clause}",
            "invalid",
            to_cbor_bytes(doc),
            (clause, "CBR-5"),
            error=code,
        )


# ---------------------------------------------------------------------------------------------
# compatibility


def compat_vectors() -> Iterator[Vector]:
    for index, variant in enumerate(VARIANTS):
        for shape, event in list(event_values(variant))[:2]:
            if index < V4_VARIANT_COUNT:
                yield Vector(
                    f"compat/v4-{variant}-{shape}",
                    "compat",
                    f"{variant} (WAL v4 subset): same value under v4 and v5",
                    "valid",
                    encode_payload(event),
                    ("REG-2", "REG-5"),
                )
            else:
                yield Vector(
                    f"compat/v5-only-{variant}-{shape}",
                    "compat",
                    f"{variant} exists only in v5: a v4 reader rejects it",
                    "invalid",
                    encode_payload(event),
                    ("REG-2", "REG-5", "ENC-15"),
                    error="unknown_variant",
                )


# ---------------------------------------------------------------------------------------------


def _refs(w: object) -> list[str]:
    """Names of the declared types a wire type reaches (through Option and Vec)."""
    while isinstance(w, Opt | Seq):
        w = w.inner
    return WAL_V5.reachable(w.name) if isinstance(w, Ref) else []


_TYPE_CLAUSES: dict[str, tuple[str, ...]] = {
    v.name: tuple(sorted({WAL_V5[n].clause for f in v.fields for n in _refs(f.wire)}))
    for v in WAL_V5.enum("WalEventType").variants
}


def _with_common_clauses(v: Vector) -> tuple[str, ...]:
    """Clauses every vector of a kind exercises, added to the case's own."""
    extra: list[str] = ["CBR-1"]  # every expected document is deterministic CBOR
    if v.result != "valid":
        extra += ["ERR-1", "ERR-2", "ERR-3"]
        if v.category in ("codec", "frame", "snapshot"):
            extra.append("ERR-4")  # offsets are the exact code's
    if v.result == "acceptable":
        extra.append("STR-1")
    if v.category in ("codec", "frame", "compat", "encode"):
        variant = v.stem.split("-")[0]
        extra += _TYPE_CLAUSES.get(variant, ())
        if variant == "BudgetExhausted":
            extra.append("REG-3")
        if variant == "RunCanceled":
            extra.append("REG-4")
    if v.id == "replay/lenient-unknown-keys":
        extra += ["REG-3", "RED-8", "EVT-13"]
    if v.id.startswith("replay/workload-"):
        extra += ["RED-11", "RED-12", "RED-9", "RED-10"]
    if v.category == "snapshot" and "wal" in v.extra:
        extra.append("SNP-1")
    return tuple(dict.fromkeys((*v.clauses, *extra)))


def generate() -> list[Vector]:
    """Every vector, with its expected outcome computed by the reference and checked."""
    vectors = [
        *codec_vectors(),
        *frame_vectors(),
        *encode_vectors(),
        *wal_vectors(),
        *replay_vectors(),
        *snapshot_vectors(),
        *compat_vectors(),
    ]
    seen: set[str] = set()
    for v in vectors:
        v.clauses = _with_common_clauses(v)
        if v.id in seen:
            raise AssertionError(f"duplicate vector id {v.id}")
        seen.add(v.id)
        v.expected = evaluate(v)
        check_intent(v, v.expected)
    return vectors
