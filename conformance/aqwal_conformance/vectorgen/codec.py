"""Codec vectors: bare payloads of every variant and shape, invalid and acceptable encodings."""

from __future__ import annotations

from collections.abc import Iterator

from aqwal import types as t
from aqwal.codec import encode_payload
from aqwal.declarations import WAL_V5
from aqwal_conformance.scenarios import NIL, task_spec, uid
from aqwal_conformance.valuegen import event_values, nested_variant_values
from aqwal_conformance.vectorgen.builders import (
    RS,
    VARIANTS,
    h,
    payload_bytes,
    task_created_bytes,
)
from aqwal_conformance.vectors import Vector


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
        "RunStateChanged": payload_bytes(
            t.RunStateChanged(t.RunId(uid(2, 1)), RS.Ready, RS.Leased, 300)
        ),
        "LeaseAcquired": payload_bytes(t.LeaseAcquired(t.RunId(uid(2, 1)), "wörker", 2**40, 7)),
        "TaskCreated": payload_bytes(t.TaskCreated(task_spec(uid(1, 1)), 1_700_000_000)),
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
    suspended = payload_bytes(t.RunSuspended(run, None, 5))
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
    # a declared identifier length is checked against the input before its value (ENC-12)
    for name, data in (
        ("uuid-length-16-cut", h("01 05 10 00 00 00")),
        ("uuid-length-5-cut", h("01 05 05 00 00")),
        ("uuid-length-200-cut", h("01 05 c8 01") + bytes(20)),
    ):
        yield _bad(
            name,
            "an identifier whose declared length runs past the payload: unexpected_end at the "
            "length, not invalid_uuid_length",
            data,
            "unexpected_end",
            "ENC-12",
            "ENC-16",
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
        "RunState-9": payload_bytes(t.RunStateChanged(run, RS.Ready, RS.Leased, 1))[:19]
        + h("09 02 01"),
        "AttemptResultKind-4": payload_bytes(
            t.AttemptFinished(
                run, t.AttemptId(uid(3, 1)), t.AttemptResultKind.Success, None, None, 1
            )
        )[:36]
        + h("04 00 00 01"),
        "BudgetDimension-3": payload_bytes(
            t.BudgetExhausted(t.TaskId(uid(1, 1)), t.BudgetDimension.Token, 1)
        )[:19]
        + h("03 01"),
        "Role-4": payload_bytes(
            t.RoleAssigned(t.ActorId(uid(5, 1)), t.RoleOperator(), t.TenantId(uid(6, 1)), 1)
        ).replace(b"\x10" + uid(5, 1) + b"\x00", b"\x10" + uid(5, 1) + b"\x04", 1),
        "Capability-6": payload_bytes(
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
    spec_bytes, policy_at = task_created_bytes()
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
            "cron-four-white-space-characters",
            with_policy(h("02 04 20 09 0a 0d 00")),
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
            payload_bytes(body),
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
    spec, policy_at = task_created_bytes()
    for name, expr in (
        ("words", "not a cron expression"),
        ("five-fields", "* * * * *"),
        ("no-break-space", "\u00a0"),  # white space to Unicode, not to the cron grammar
        ("vertical-tab", "\x0b"),
    ):
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
