"""Snapshot writing vectors: the snapshot file of the state a log replays to (spec: CP-16).

Each input is a WAL file; the expected outcome is the snapshot file the reference writes for
the state the log replays to, with the vector's ``options.timestamp`` (SNP-8, SNP-2), or the
error that keeps the state from having a snapshot: a corrupt log (SNP-12) or a built document
that breaks SNP-7.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from aqwal import types as t
from aqwal.codec import encode_record
from aqwal_conformance.scenarios import LogBuilder, all_cases, task_spec, uid
from aqwal_conformance.vectorgen.builders import RS, record_bytes
from aqwal_conformance.vectorgen.restore import SNAPSHOT_TIME, rich_log
from aqwal_conformance.vectorgen.wal import mode_dependent_logs
from aqwal_conformance.vectors import Vector
from aqwal_conformance.workload import engine_like_log

WRITTEN = ("CP-16", "SNP-2", "SNP-3", "SNP-8", "SNP-10", "SNP-12", "JSN-1")
#: The scenarios whose final state has no valid snapshot (reducer.md section 9).
UNWRITABLE_SCENARIOS = ("attempt-count-overflow", "finish-reused-attempt-id", "expire-leased-run")
MAX_U64 = 2**64 - 1


def write_vectors() -> Iterator[Vector]:
    def written(name: str, description: str, log: bytes, *clauses: str, **options: Any) -> Vector:
        return Vector(
            f"write/{name}",
            "write",
            description,
            "valid",
            log,
            (*WRITTEN, *clauses),
            options=options,
        )

    def refused(name: str, description: str, log: bytes, code: str, *clauses: str) -> Vector:
        return Vector(
            f"write/{name}", "write", description, "invalid", log, (*WRITTEN, *clauses), error=code
        )

    yield written("empty-log", "an empty log: the snapshot of the empty state at time 0", b"")
    yield written(
        "rich-state",
        "a state holding every kind of record, several of each in the arrays of any order",
        record_bytes(rich_log().events),
        "SNP-9",
        "SNP-11",
        timestamp=SNAPSHOT_TIME,
    )
    log = list(engine_like_log(random.Random(41), 160))
    for k in (40, 160):
        yield written(
            f"workload-at-{k:03d}",
            f"an engine-like log of {k} records",
            record_bytes(log[:k]),
            timestamp=1_700_000_500,
        )
    yield written(
        "timestamp-max",
        "the largest timestamp, which dependency declarations carry as declared_at too",
        record_bytes(_declarations().events),
        timestamp=MAX_U64,
    )
    yield written(
        "text-escapes",
        "strings with quotes, backslashes, control characters, DEL, non-ASCII and U+2028: "
        "escaped as serde_json escapes them",
        record_bytes(_texts().events),
        "JSN-11",
        "JSN-12",
        timestamp=7,
    )
    yield written(
        "every-variant",
        "every role, capability and event filter variant (the writer of each one writes it)",
        record_bytes(_variants().events),
        "SNP-3",
        timestamp=11,
    )
    yield written(
        "workflow-cron",
        "a task with a cron policy, in the workflow profile",
        b"".join(encode_record(e, workflow=True) for e in _cron().events),
        "ENC-19",
        profile="workflow",
    )
    b = rich_log()
    b.add(t.EnginePaused(b.tick()), "engine_already_paused", sequence=b.sequence)
    yield written(
        "rejected-record",
        "a log whose last record the reducer rejects: the snapshot is of the state without it",
        record_bytes(b.events),
        "RED-13",
        timestamp=SNAPSHOT_TIME,
    )
    records = record_bytes(_declarations().events)
    yield refused(
        "corrupt-log",
        "the last record's last byte changed (its CRC-32 no longer matches): no snapshot, "
        "the log's corruption at the record's start",
        records[:-1] + bytes([records[-1] ^ 1]),
        "crc_mismatch",
        "WAL-3",
    )
    for name, description, data in mode_dependent_logs():
        for strict in (True, False):
            mode = "strict" if strict else "lenient"
            options = {"strict": strict}
            if strict:
                vector = refused(
                    f"{mode}-{name}", f"{description}, read strictly", data, "decode_failure",
                    "WAL-10",
                )  # fmt: skip
                vector.options = options
                yield vector
            else:
                yield written(
                    f"{mode}-{name}", f"{description}, read leniently", data, "WAL-10", **options
                )
    cases = {case.id: case for case in all_cases()}
    codes = {
        "attempt-count-overflow": "run_attempt_history_count",
        "finish-reused-attempt-id": "run_active_attempt_history",
        "expire-leased-run": "run_history_transition",
    }
    for name in UNWRITABLE_SCENARIOS:
        case = cases[name]
        yield refused(
            name,
            f"{case.description}: the built snapshot breaks SNP-7",
            record_bytes(list(case.events)),
            codes[name],
            "SNP-7",
        )
    for name, description, builder, code in _unknown_references():
        yield refused(name, description, record_bytes(builder.events), code, "SNP-7", "RED-15")


def _declarations() -> LogBuilder:
    b = LogBuilder()
    first, second, third = b.task(), b.task(), b.task()
    b.add(t.DependencyDeclared(third, (second, first), b.tick()))
    b.add(t.DependencyDeclared(second, (first,), b.tick()))
    return b


def _texts() -> LogBuilder:
    b = LogBuilder()
    text = 'q"b\\s/\x00\x01\x08\t\n\x0c\r\x1f\x7f \u00e9\u2028\u2029\ud7ff\ue000\U0001f600'
    spec = task_spec(uid(1, 1))._replace(
        payload=t.TaskPayload(bytes([0, 1, 127, 128, 255]), text),
        metadata=t.TaskMetadata((text, ""), -7, text),
    )
    b.add(t.TaskCreated(spec, b.tick()))
    tenant = t.TenantId(uid(8, 1))
    b.add(t.TenantCreated(tenant, text, b.tick()))
    actor = t.ActorId(uid(9, 1))
    b.add(t.ActorRegistered(actor, text, (text,), text, 5, tenant, b.tick()))
    b.add(t.RoleAssigned(actor, t.RoleCustom(text), tenant, b.tick()))
    b.add(t.CapabilityGranted(actor, t.CapabilityCustom(text), tenant, b.tick()))
    ledger = t.LedgerEntryId(uid(10, 1))
    b.add(t.LedgerEntryAppended(ledger, tenant, text, actor, b'"\\', b.tick()))
    return b


def _variants() -> LogBuilder:
    b = LogBuilder()
    task = b.task()
    tenant = t.TenantId(uid(8, 1))
    b.add(t.TenantCreated(tenant, "tenant", b.tick()))
    roles: tuple[t.Role, ...] = (
        t.RoleOperator(),
        t.RoleAuditor(),
        t.RoleGatekeeper(),
        t.RoleCustom("r"),
    )
    for n, role in enumerate(roles, 1):
        actor = t.ActorId(uid(9, n))
        b.add(t.ActorRegistered(actor, f"actor {n}", (), None, 5, tenant, b.tick()))
        b.add(t.RoleAssigned(actor, role, tenant, b.tick()))
    capabilities: tuple[t.Capability, ...] = (
        t.CapabilityCanSubmit(),
        t.CapabilityCanExecute(),
        t.CapabilityCanReview(),
        t.CapabilityCanApprove(),
        t.CapabilityCanCancel(),
        t.CapabilityCustom("c"),
    )
    for capability in capabilities:
        b.add(t.CapabilityGranted(t.ActorId(uid(9, 1)), capability, tenant, b.tick()))
    filters: tuple[t.EventFilter, ...] = (
        t.EventFilterTaskCompleted(task),
        t.EventFilterRunStateChanged(task, RS.Failed),
        t.EventFilterBudgetThreshold(task, t.BudgetDimension.CostCents, 80),
        t.EventFilterCustom("k"),
    )
    for n, event_filter in enumerate(filters, 1):
        b.add(t.SubscriptionCreated(t.SubscriptionId(uid(7, n)), task, event_filter, b.tick()))
    return b


def _cron() -> LogBuilder:
    b = LogBuilder()
    spec = task_spec(uid(1, 1))._replace(run_policy=t.RunPolicyCron(t.CronPolicy("0 * * * * *", 4)))
    b.add(t.TaskCreated(spec, b.tick()))
    return b


def _unknown_references() -> Iterator[tuple[str, str, LogBuilder, str]]:
    """Logs the reducer applies (RED-15) whose snapshot names an unknown task, the offending
    element second in its array (the array index is part of the error's path)."""
    unknown = t.TaskId(uid(1, 404))
    b = LogBuilder()
    known = b.task()
    b.add(t.RunCreated(_run(uid(2, 1), known)))
    b.add(t.RunCreated(_run(uid(2, 2), unknown)))
    yield "run-unknown-task", "a run of a task that does not exist", b, "run_unknown_task"
    b = LogBuilder()
    known = b.task()
    b.add(t.BudgetAllocated(known, t.BudgetDimension.Token, 5, b.tick()))
    b.add(t.BudgetAllocated(unknown, t.BudgetDimension.Token, 5, b.tick()))
    yield "budget-unknown-task", "a budget of a task that does not exist", b, "budget_unknown_task"
    b = LogBuilder()
    known = b.task()
    for n, task in ((1, known), (2, unknown)):
        b.add(
            t.SubscriptionCreated(
                t.SubscriptionId(uid(7, n)), task, t.EventFilterTaskCompleted(known), b.tick()
            )
        )
    yield (
        "subscription-unknown-task",
        "a subscription of a task that does not exist",
        b,
        "subscription_unknown_task",
    )
    b = LogBuilder()
    first, second = b.task(), b.task()
    b.add(t.DependencyDeclared(second, (first,), b.tick()))
    b.add(t.DependencyDeclared(unknown, (first,), b.tick()))
    yield (
        "dependency-unknown-task",
        "dependencies declared for a task that does not exist",
        b,
        "dependency_unknown_task",
    )
    b = LogBuilder()
    first, second, third = b.task(), b.task(), b.task()
    b.add(t.DependencyDeclared(second, (first,), b.tick()))
    b.add(t.DependencyDeclared(third, (first, unknown), b.tick()))
    yield (
        "dependency-unknown-prerequisite",
        "a dependency on a task that does not exist",
        b,
        "dependency_unknown_prerequisite",
    )
    b = LogBuilder()
    b.run()
    waiting = b.run()
    b.drive(waiting, RS.Leased)
    b.lease(waiting)
    b.move(waiting, RS.Leased, RS.Running)
    b.move(waiting, RS.Running, RS.RetryWait)
    yield (
        "lease-on-retry-wait",
        "a lease kept by a run that moved to RetryWait (RED-6): the snapshot may not hold it",
        b,
        "run_lease_presence",
    )


def _run(run_id: bytes, task_id: t.TaskId) -> t.RunInstance:
    return t.RunInstance(t.RunId(run_id), task_id, RS.Scheduled, None, 0, 0, 1000, 0, 1000)
