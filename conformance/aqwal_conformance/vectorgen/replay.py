"""Replay vectors: the reducer scenarios, engine-like workloads, outcome shapes."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

from aqwal import types as t
from aqwal_conformance.scenarios import LogBuilder, all_cases, uid
from aqwal_conformance.vectorgen.builders import (
    RS,
    record_bytes,
)
from aqwal_conformance.vectorgen.wal import mode_dependent_logs
from aqwal_conformance.vectors import Vector
from aqwal_conformance.workload import engine_like_log


def replay_vectors() -> Iterator[Vector]:
    for case in all_cases():
        codes = [c for c in case.expected if c]
        yield Vector(
            f"replay/{case.id}",
            "replay",
            case.description,
            "invalid" if codes else "valid",
            record_bytes(list(case.events)),
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
            record_bytes(events),
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
            record_bytes(b.events),
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
    for name, description, log in mode_dependent_logs():
        for strict in (True, False):
            mode = "strict" if strict else "lenient"
            yield Vector(
                f"replay/{mode}-{name}",
                "replay",
                f"{description}, replayed by a {mode} reader: "
                + ("the log is corrupt" if strict else "three records applied"),
                "invalid" if strict else "valid",
                log,
                ("WAL-10", "RED-13", "ENC-4" if "varint" in name else "ENC-17"),
                error="decode_failure" if strict else None,
                options={"strict": strict},
            )
    yield Vector(
        "replay/lenient-unknown-keys",
        "replay",
        "events for unknown tasks and keys apply (RED-15)",
        "valid",
        record_bytes(b.events),
        ("RED-9", "RED-10", "RED-15", "EVT-16", "EVT-17", "EVT-18"),
    )


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
