"""Snapshot vectors: files of engine-like states, bootstrap, validation and the JSON forms."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

from aqwal import types as t
from aqwal.declarations import ALL_TYPES
from aqwal.forms import JSON_FORM, to_json_text
from aqwal.reducer import Reducer
from aqwal.snapshot import FIELDS_ADDED_IN_SCHEMA_8, encode_snapshot, snapshot_of
from aqwal_conformance.scenarios import LogBuilder
from aqwal_conformance.vectorgen.builders import (
    RS,
    Mutation,
    frame_snapshot,
    h,
    raw_snapshot,
    record_bytes,
    snapshot_document,
)
from aqwal_conformance.vectorgen.field_faults import fault_base
from aqwal_conformance.vectors import Vector
from aqwal_conformance.workload import engine_like_log


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
            extra={"wal": record_bytes(log)},
        )
    yield Vector(
        "snapshot/bootstrap-gap-after-snapshot",
        "snapshot",
        "a sequence gap right after the snapshot point: the tail is still replayed",
        "valid",
        encode_snapshot(snaps[40]),
        ("SNP-12",),
        extra={
            "wal": record_bytes(log[:40] + [e._replace(sequence=e.sequence + 5) for e in log[40:]])
        },
    )
    yield Vector(
        "snapshot/bootstrap-ahead-of-wal",
        "snapshot",
        "snapshot at 97 with a WAL of 40 records",
        "invalid",
        encode_snapshot(snaps[97]),
        ("SNP-12",),
        error="snapshot_ahead_of_wal",
        extra={"wal": record_bytes(log[:40])},
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
    yield from _precision_vectors(base, snaps[40], log)

    def bad(name: str, description: str, raw: bytes, code: str, *clauses: str) -> Vector:
        return Vector(
            f"snapshot/{name}", "snapshot", description, "invalid", raw, clauses, error=code
        )

    yield bad("truncated-3", "3 bytes", data[:3], "snapshot_truncated", "SNP-4")
    yield bad("truncated-header", "10 bytes", data[:10], "snapshot_truncated", "SNP-4")
    yield bad(
        "frame-version-5",
        "framed with version 5",
        raw_snapshot(base, 5),
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
    text = to_json_text(base)

    def edited(old: str, new: str) -> bytes:
        if old not in text:
            raise AssertionError(f"the base snapshot has no {old!r}")
        return frame_snapshot(text.replace(old, new, 1).encode())

    yield bad(
        "json-lone-high-surrogate",
        "a string holds the escape of a high UTF-16 surrogate with no low one after it",
        edited('"content_type":"', '"content_type":"\\ud800'),
        "form_syntax",
        "JSN-15",
        "JSN-14",
    )
    yield bad(
        "json-lone-low-surrogate",
        "a string holds the escape of a low UTF-16 surrogate with no high one before it",
        edited('"content_type":"', '"content_type":"\\udcff'),
        "form_syntax",
        "JSN-15",
        "JSN-14",
    )
    yield bad(
        "json-integer-5000-digits",
        "the timestamp is an integer of 5000 digits",
        edited('"timestamp":1700000500', '"timestamp":' + "9" * 5000),
        "form_out_of_range",
        "JSN-7",
        "JSN-15",
    )
    yield bad(
        "json-byte-5000-digits",
        "an element of a payload's byte array is an integer of 5000 digits",
        edited('"payload":{"bytes":[', '"payload":{"bytes":[' + "9" * 5000 + ","),
        "form_out_of_range",
        "JSN-7",
        "JSN-5",
    )

    def tweak(change: Mutation) -> bytes:
        body = json.loads(json.dumps(base))
        change(body)
        return raw_snapshot(body)

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
    # spec: JSN-4 — the first key given twice and five times in a snapshot that holds every
    # struct and data variant (one run with four history entries, four subscriptions): a
    # reader that keeps one member per key and compares the members it read with the text's
    # (as aqwal's fast reader does) must count every kind of object exactly: one too many for
    # an object met once, or four times, would hide these repeats
    small = to_json_text(fault_base()).encode()
    for extra, times in ((1, "twice"), (4, "five times")):
        yield bad(
            f"json-duplicate-key-x{extra + 1}",
            f"the version key {times} in a snapshot holding every struct and data variant",
            frame_snapshot(
                small.replace(b'{"version":4,', b"{" + b'"version":4,' * (extra + 1), 1)
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
        raw_snapshot({k: v for k, v in base.items() if k != "metadata"}),
        "form_missing_field",
        "SNP-3",
    )
    for name, change, code in _snapshot_mutations(base):
        body = json.loads(json.dumps(base))
        change(body)
        yield bad(f"rule-{name}", f"snapshot breaking {code}", raw_snapshot(body), code, "SNP-7")
    for name, document, code in _running_run_mutations():
        yield bad(
            f"rule-{name}", f"snapshot breaking {code}", raw_snapshot(document), code, "SNP-7"
        )
    older = json.loads(json.dumps(base))
    older["metadata"]["schema_version"] = 7
    for key in FIELDS_ADDED_IN_SCHEMA_8:
        del older[key]
    yield bad(
        "schema-7",
        "schema_version 7 (the engine loads 8 only)",
        raw_snapshot(older),
        "unsupported_schema_version",
        "SNP-5",
    )
    vec = Vector(
        "snapshot/schema-7-accepted",
        "snapshot",
        "schema_version 7 loaded with defaults by a reader that offers it (SNP-6)",
        "valid",
        raw_snapshot(older),
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
        raw_snapshot(minimal),
        ("SNP-3", "JSN-3"),
    )


def _precision_vectors(
    base: dict[str, Any], snap: t.Snapshot, log: list[t.WalEvent]
) -> Iterator[Vector]:
    """No snapshot, JSON syntax offsets, precedence, profiles and `replayed` (SNP-4, SNP-13,
    SNP-14, JSN-13, JSN-14)."""
    yield Vector(
        "snapshot/empty-file",
        "snapshot",
        "a file of 0 bytes holds no snapshot: the empty state",
        "valid",
        b"",
        ("SNP-14", "SNP-4"),
    )
    text = to_json_text(base).encode()
    syntax = [
        ("cut", "the payload cut after 40 bytes", text[:40]),
        ("unterminated-string", "a string without its closing quote", b'{"version":4,"x":"abc'),
        ("bad-escape", "the escape \\q", b'{"version":4,"x":"\\q"}'),
        ("trailing-text", "text after the document", text + b" x"),
        ("nan", "NaN, which is not JSON", b'{"version":NaN}'),
        ("byte-order-mark", "a UTF-8 byte-order mark first", b"\xef\xbb\xbf" + text),
        ("bad-utf8", "e2 28 in a string", b'{"x":"\xe2\x28"}'),
        ("literal-cut", "true cut short at the end of the input", b'{"x":tru'),
        ("literal-wrong", "trux: only e can follow tru", b'{"x":trux}'),
        ("false-wrong", "fakse: only l can follow fa", b'{"x":fakse}'),
        ("null-wrong", "nul1: only l can follow nul", b'{"x":nul1}'),
        ("fraction-empty", "1. with no digit after the point", b'{"x":1.}'),
        ("exponent-empty", "1e with no digit after it", b'{"x":[1e]}'),
        ("exponent-sign-empty", "1e+ with no digit after the sign", b'{"x":1e+}'),
        ("minus-alone", "a minus sign with no digit", b'{"x":-}'),
        ("leading-zero", "a digit after a leading zero", b'{"x":01}'),
        ("digits-cut", "the input ends inside a number", b'{"x":12'),
        (
            "after-duplicate-key",
            "a repeated key, then the payload cut short: syntax comes first",
            text.replace(b'{"version":4,', b'{"version":4,"version":4,', 1)[:60],
        ),
    ]
    for name, description, payload in syntax:
        yield Vector(
            f"snapshot/json-syntax-{name}",
            "snapshot",
            f"{description}: form_syntax at 12 + the first byte the JSON grammar cannot accept",
            "invalid",
            frame_snapshot(payload),
            ("JSN-14", "JSN-13", "SNP-4"),
            error="form_syntax",
        )
    yield Vector(
        "snapshot/json-float-under-unknown-key",
        "snapshot",
        "a float under a key the model does not declare is skipped unread",
        "valid",
        frame_snapshot(text.replace(b'{"version":4,', b'{"version":4,"x":1.5,', 1)),
        ("JSN-2", "JSN-3", "JSN-13"),
    )
    yield Vector(
        "snapshot/json-wal-sequence-2^64",
        "snapshot",
        "wal_sequence 2^64: out of range (serde_json calls it a float, encoding.md section 11)",
        "invalid",
        frame_snapshot(
            text.replace(b'"wal_sequence":', b'"wal_sequence":18446744073709551616,"x":', 1)
        ),
        ("JSN-7", "SNP-4"),
        error="form_out_of_range",
    )
    reordered = {"tasks": json.loads(json.dumps(base["tasks"]))}
    reordered["tasks"][0]["task_spec"]["id"] = "not-a-uuid"
    reordered.update({k: v for k, v in base.items() if k != "tasks"})
    reordered["timestamp"] = "now"
    yield Vector(
        "snapshot/json-two-errors-declaration-order",
        "snapshot",
        "a bad task id written first and a text timestamp: timestamp is declared first",
        "invalid",
        raw_snapshot(reordered),
        ("JSN-13", "SNP-4"),
        error="form_type_mismatch",
    )
    cron = json.loads(json.dumps(base))
    cron["tasks"][0]["task_spec"]["run_policy"] = {"Cron": {"expression": "0 * * * * * *"}}
    for profile, result in (("default", "invalid"), ("workflow", "valid")):
        yield Vector(
            f"snapshot/cron-{profile}-profile",
            "snapshot",
            f"a task with a Cron policy read in the {profile} profile",
            result,
            raw_snapshot(cron),
            ("SNP-13", "ENC-19"),
            error="form_unknown_variant" if result == "invalid" else None,
            options={"profile": profile} if profile == "workflow" else {},
        )
    created = next(e for e in log[:40] if isinstance(e.event, t.TaskCreated))
    again = created._replace(sequence=log[-1].sequence + 1)
    yield Vector(
        "snapshot/bootstrap-replayed-counts-applied",
        "snapshot",
        "a tail record the reducer rejects is replayed but not counted in replayed",
        "valid",
        encode_snapshot(snap),
        ("SNP-12", "RED-13"),
        extra={"wal": record_bytes([*log, again])},
    )


def _lenient_forms(body: dict[str, object]) -> None:
    body["unknown_key"] = [1, 2, 3]
    tasks = body["tasks"]
    assert isinstance(tasks, list)
    spec = tasks[0]["task_spec"]
    spec["run_policy"] = {"Once": None} if spec["run_policy"] == "Once" else spec["run_policy"]
    spec["id"] = "{" + spec["id"].upper() + "}"


def _running_run_mutations() -> Iterator[tuple[str, dict[str, Any], str]]:
    """Snapshot documents around one task with one Running run that has an active attempt."""
    b = LogBuilder()
    run_id = b.run()
    b.drive(run_id, RS.Running)
    b.attempt(run_id)
    base = snapshot_document(b.events, 5)
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
