"""Snapshots: validation, the framed file, atomic writing, and bootstrap (spec: SNP-1 .. SNP-12).

A snapshot file is one frame — ``[version u32 LE][length u32 LE][CRC-32 u32 LE][payload]`` —
whose version is 4 and whose payload is the compact serde_json text of a
:class:`~aqwal.types.Snapshot`. Loading runs the engine's checks in the engine's order:
frame, JSON decoding (with every decode-time validation rule), then :func:`validate_snapshot`.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from aqwal import types as t
from aqwal.atomicfile import write_atomically
from aqwal.codec import frame
from aqwal.errors import AqwalError, SnapshotError
from aqwal.forms import json_form, uuid_text
from aqwal.gcpause import paused_gc
from aqwal.inputfile import open_regular, read_at_most, shown_path
from aqwal.json_reader import read_json_text
from aqwal.json_writer import json_text
from aqwal.projection import SNAPSHOT_FORMAT_VERSION, SNAPSHOT_SCHEMA_VERSION, build_snapshot
from aqwal.reducer import LEGAL_AFTER, Reducer
from aqwal.state import (
    BudgetRecord,
    Lease,
    ReplayState,
    RunRecord,
    SubscriptionRecord,
    TaskRecord,
)
from aqwal.validation import validate_run_instance

HEADER_LEN = 12
MAX_PAYLOAD_LEN = 256 * 1024 * 1024  # spec: SNP-2
#: Oldest schema_version whose documents the JSON reader can fill with defaults (SNP-6).
OLDEST_SCHEMA_VERSION = 4
#: The Snapshot fields schema version 8 added (SNP-6): a schema-7 document lacks them.
FIELDS_ADDED_IN_SCHEMA_8 = (
    "actors",
    "tenants",
    "role_assignments",
    "capability_grants",
    "ledger_entries",
)

RS = t.RunState


def _fail(
    code: str, message: str, offset: int | None = None, path: str | None = None
) -> SnapshotError:
    return SnapshotError(code, message, offset=offset, path=path)


# ---------------------------------------------------------------------------------------------
# validation (the engine's validate_snapshot, SNP-7)


def validate_snapshot(snap: t.Snapshot, *, accept_older_schema: bool = False) -> None:
    """Raise the first rule a snapshot breaks, in the engine's order (spec: SNP-7)."""
    meta = snap.metadata
    lowest = OLDEST_SCHEMA_VERSION if accept_older_schema else SNAPSHOT_SCHEMA_VERSION
    if not lowest <= meta.schema_version <= SNAPSHOT_SCHEMA_VERSION:
        raise _fail(
            "unsupported_schema_version",
            f"schema_version {meta.schema_version}, expected {SNAPSHOT_SCHEMA_VERSION}",
            path="/metadata",
        )
    if meta.task_count != len(snap.tasks):
        raise _fail(
            "task_count_mismatch",
            f"metadata.task_count {meta.task_count}, {len(snap.tasks)} tasks present",
            path="/metadata",
        )
    if meta.run_count != len(snap.runs):
        raise _fail(
            "run_count_mismatch",
            f"metadata.run_count {meta.run_count}, {len(snap.runs)} runs",
            path="/metadata",
        )
    task_ids: set[bytes] = set()
    # spec: SNP-7 — each error carries the path of the element its rule is checked for
    for i, task in enumerate(snap.tasks):
        task_id = task.task_spec.id
        where = f"/tasks/{i}"
        if task_id in task_ids:
            raise _fail(
                "duplicate_snapshot_task", f"task {uuid_text(task_id)} appears twice", path=where
            )
        task_ids.add(task_id)
        if task.canceled_at is not None and task.canceled_at < task.created_at:
            raise _fail(
                "task_canceled_before_created",
                f"task {uuid_text(task_id)} canceled at {task.canceled_at} before created at "
                f"{task.created_at}",
                path=where,
            )
    run_ids: set[bytes] = set()
    for i, run in enumerate(snap.runs):
        where = f"/runs/{i}"
        _validate_run(run, where)
        ri = run.run_instance
        if ri.id in run_ids:
            raise _fail(
                "duplicate_snapshot_run", f"run {uuid_text(ri.id)} appears twice", path=where
            )
        run_ids.add(ri.id)
        if ri.task_id not in task_ids:
            raise _fail(
                "run_unknown_task",
                f"run {uuid_text(ri.id)} belongs to unknown task {uuid_text(ri.task_id)}",
                path=where,
            )
    _validate_engine(snap.engine)
    declared: set[bytes] = set()
    for i, decl in enumerate(snap.dependency_declarations):
        where = f"/dependency_declarations/{i}"
        if decl.task_id in declared:
            raise _fail(
                "duplicate_dependency_declaration",
                f"task {uuid_text(decl.task_id)} has two dependency declarations",
                path=where,
            )
        declared.add(decl.task_id)
        if decl.task_id not in task_ids:
            raise _fail(
                "dependency_unknown_task",
                f"dependencies declared for unknown task {uuid_text(decl.task_id)}",
                path=where,
            )
        for prereq in decl.depends_on:
            if prereq not in task_ids:
                raise _fail(
                    "dependency_unknown_prerequisite",
                    f"task {uuid_text(decl.task_id)} depends on unknown task {uuid_text(prereq)}",
                    path=where,
                )
    budgets: set[tuple[bytes, t.BudgetDimension]] = set()
    for i, budget in enumerate(snap.budgets):
        where = f"/budgets/{i}"
        key = (budget.task_id, budget.dimension)
        if key in budgets:
            raise _fail(
                "duplicate_budget",
                f"two {budget.dimension.name} budgets for task {uuid_text(budget.task_id)}",
                path=where,
            )
        budgets.add(key)
        if budget.task_id not in task_ids:
            raise _fail(
                "budget_unknown_task",
                f"budget for unknown task {uuid_text(budget.task_id)}",
                path=where,
            )
    subscriptions: set[bytes] = set()
    for i, sub in enumerate(snap.subscriptions):
        where = f"/subscriptions/{i}"
        if sub.subscription_id in subscriptions:
            raise _fail(
                "duplicate_subscription",
                f"subscription {uuid_text(sub.subscription_id)} appears twice",
                path=where,
            )
        subscriptions.add(sub.subscription_id)
        if sub.task_id not in task_ids:
            raise _fail(
                "subscription_unknown_task",
                f"subscription {uuid_text(sub.subscription_id)} "
                f"for unknown task {uuid_text(sub.task_id)}",
                path=where,
            )
    # spec: SNP-7 step 10 — actors, tenants, roles, grants and ledger entries are not checked.


def _validate_run(run: t.SnapshotRun, where: str) -> None:
    ri = run.run_instance
    # The engine's own nil-id, Ready-causality and attempt-state rules coincide with the
    # RunInstance decode rules (VAL-12 .. VAL-16), which already ran for a loaded snapshot.
    validate_run_instance(ri, None, f"{where}/run_instance")

    if ri.current_attempt_id is not None and ri.attempt_count == 0:
        raise _fail(
            "run_attempt_lineage_count",
            f"run {uuid_text(ri.id)} has an active attempt but count 0",
            path=where,
        )
    history = run.state_history
    first = history[0] if history else None
    if (
        type(first) is not t.SnapshotRunStateHistoryEntry
        or first.from_ is not None
        or first.to is not RS.Scheduled
        or first.timestamp != ri.created_at
    ):
        raise _fail(
            "run_missing_initial_history",
            f"run {uuid_text(ri.id)} history must start with null -> Scheduled at created_at "
            f"{ri.created_at}",
            path=where,
        )
    refused, previous, _ = _history_steps(run)
    if refused is not None:
        shown = "null" if refused.from_ is None else refused.from_.name
        raise _fail(
            "run_history_transition",
            f"run {uuid_text(ri.id)} history has {shown} -> {refused.to.name} after "
            f"{previous.name}",
            path=where,
        )
    if previous is not ri.state:
        raise _fail(
            "run_history_transition",
            f"run {uuid_text(ri.id)} history ends in {previous.name} but the run is "
            f"{ri.state.name}",
            path=where,
        )
    if len(run.attempts) != ri.attempt_count:
        raise _fail(
            "run_attempt_history_count",
            f"run {uuid_text(ri.id)} has {len(run.attempts)} attempt entries, attempt_count "
            f"{ri.attempt_count}",
            path=where,
        )
    if ri.current_attempt_id is not None:
        matching = [a for a in run.attempts if a.attempt_id == ri.current_attempt_id]
        if len(matching) != 1 or matching[0].finished_at is not None:
            raise _fail(
                "run_active_attempt_history",
                f"run {uuid_text(ri.id)}: the active attempt needs exactly one unfinished "
                "history entry",
                path=where,
            )
    if run.lease is not None and ri.state not in (RS.Ready, RS.Leased, RS.Running):
        raise _fail(
            "run_lease_presence",
            f"run {uuid_text(ri.id)} holds a lease while {ri.state.name}",
            path=where,
        )


def _validate_engine(engine: t.SnapshotEngineControl) -> None:
    paused, paused_at, resumed_at = engine

    def fail(code: str, message: str) -> SnapshotError:
        return _fail(code, message, path="/engine")

    if paused and paused_at is None:
        raise fail("engine_paused_causality", "engine paused without paused_at")
    if (
        (paused and resumed_at is not None)
        or (paused_at is None and resumed_at is not None)
        or (not paused and paused_at is not None and resumed_at is None)
    ):
        raise fail(
            "engine_resumed_causality",
            f"engine paused={paused} with paused_at={paused_at} and resumed_at={resumed_at}",
        )
    if not paused and paused_at is not None and resumed_at is not None and resumed_at < paused_at:
        raise fail(
            "engine_pause_resume_ordering", f"resumed_at {resumed_at} before paused_at {paused_at}"
        )


# ---------------------------------------------------------------------------------------------
# the snapshot file (SNP-2, SNP-4)


def encode_snapshot(snap: t.Snapshot) -> bytes:
    """The snapshot file bytes: validated, compact JSON, framed with version 4 (SNP-2)."""
    validate_snapshot(snap)
    return _framed(snap)


def snapshot_file_of(state: ReplayState, timestamp: int = 0) -> bytes:
    """``encode_snapshot(snapshot_of(state, timestamp))``, validating once (SNP-8, SNP-2)."""
    with paused_gc():
        return _framed(snapshot_of(state, timestamp))


def _framed(snap: t.Snapshot) -> bytes:
    # the JSON form written as text by the generated writer (the same text as JSON_FORM)
    payload = json_text("Snapshot", snap).encode("utf-8")
    if len(payload) > MAX_PAYLOAD_LEN:
        raise _fail("snapshot_payload_too_large", f"payload of {len(payload)} bytes")
    return frame(payload, SNAPSHOT_FORMAT_VERSION)  # the WAL record frame, version 4


def decode_snapshot(
    data: bytes, *, accept_older_schema: bool = False, workflow: bool = False
) -> t.Snapshot:
    """Load a snapshot file's bytes, checking in the engine's order (spec: SNP-4).

    An empty input has no snapshot; callers check for that first (:func:`read_snapshot_file`,
    :func:`load_snapshot_state`). The document is read in the ``default`` profile unless
    ``workflow`` is set: there, ``RunPolicy::Cron`` is an unknown variant (spec: SNP-13).
    """
    n = len(data)
    if n < 4:
        raise _fail("snapshot_truncated", f"{n} byte(s): the version field is incomplete", 0)
    version = int.from_bytes(data[0:4], "little")
    if version != SNAPSHOT_FORMAT_VERSION:
        raise _fail(
            "snapshot_unsupported_version",
            f"snapshot frame version {version}, expected {SNAPSHOT_FORMAT_VERSION}",
            0,
        )
    if n < HEADER_LEN:
        raise _fail("snapshot_truncated", f"{n} byte(s): the snapshot header is incomplete", 0)
    length = int.from_bytes(data[4:8], "little")
    crc = int.from_bytes(data[8:12], "little")
    if length > MAX_PAYLOAD_LEN:
        raise _fail("snapshot_payload_too_large", f"declared payload length {length}", 4)
    payload = data[HEADER_LEN : HEADER_LEN + length]
    if len(payload) < length:
        raise _fail(
            "snapshot_truncated_payload",
            f"declared payload length {length}, {len(payload)} byte(s) present",
            4,
        )
    actual = zlib.crc32(payload)
    if actual != crc:
        raise _fail(
            "snapshot_crc_mismatch", f"header CRC-32 0x{crc:08x}, payload CRC-32 0x{actual:08x}", 8
        )
    with paused_gc():
        try:
            snap: t.Snapshot = read_json_text("Snapshot", payload, json_form(workflow=workflow))
        except AqwalError as exc:
            raise exc.rebased(HEADER_LEN) from None
        validate_snapshot(snap, accept_older_schema=accept_older_schema)
    return snap


def read_snapshot_bytes(stream: BinaryIO) -> bytes:
    """The bytes of a snapshot file that SNP-4 looks at: the header and at most the declared
    payload — nothing after it is read, so a stream of any length is read in bounded memory
    (spec: SNP-2, SNP-15)."""
    header = read_at_most(stream, HEADER_LEN)
    if len(header) < HEADER_LEN:
        return header
    length = int.from_bytes(header[4:8], "little")
    if length > MAX_PAYLOAD_LEN:
        return header
    return header + read_at_most(stream, length)


def read_snapshot_file(
    path: Path, *, accept_older_schema: bool = False, workflow: bool = False
) -> t.Snapshot | None:
    """The snapshot at ``path``; None when the file is missing or empty (spec: SNP-4).

    A path that exists but is not a readable regular file — a directory, FIFO, device or
    socket, a link loop, a ``snapshots`` that is not a directory, no permission — is
    ``snapshot_unreadable`` (spec: SNP-15); nothing is read from a FIFO or a device.
    """
    try:
        with open_regular(path) as f:
            data = read_snapshot_bytes(f)
    except FileNotFoundError:
        if os.path.lexists(path):
            raise _fail("snapshot_unreadable", f"{shown_path(path)} is a dangling link") from None
        return None
    except OSError as exc:
        raise _fail(
            "snapshot_unreadable", f"cannot read {shown_path(path)}: {exc.strerror}"
        ) from None
    if not data:
        return None
    return decode_snapshot(data, accept_older_schema=accept_older_schema, workflow=workflow)


def load_snapshot_state(
    data: bytes, *, accept_older_schema: bool = False, workflow: bool = False
) -> ReplayState:
    """The state a snapshot file's bytes restore (SNP-4, SNP-11): an empty file holds no
    snapshot, and recovery without a snapshot starts from the empty state (spec: SNP-14)."""
    if not data:
        return ReplayState()
    # one pause for loading and bootstrapping: a collection between them would walk the
    # whole snapshot
    with paused_gc():
        snap = decode_snapshot(data, accept_older_schema=accept_older_schema, workflow=workflow)
        return bootstrap(snap, validated=True)


def write_snapshot_file(path: Path, snap: t.Snapshot) -> None:
    """Write atomically: ``<path>.tmp``, fsync, rename over ``path``, fsync the directory.

    Nothing is written when the snapshot fails validation (spec: SNP-10).
    """
    write_atomically(path, [encode_snapshot(snap)], temp_name=path.name + ".tmp")


def snapshot_of(state: ReplayState, timestamp: int = 0) -> t.Snapshot:
    """Build and validate the snapshot of a state (spec: SNP-8)."""
    snap = build_snapshot(state, timestamp)
    validate_snapshot(snap)
    return snap


# ---------------------------------------------------------------------------------------------
# bootstrap (SNP-9)


def synthesized_events(snap: t.Snapshot) -> list[t.WalEventType]:
    """The events the engine synthesizes from a snapshot's dependency declarations and engine
    control, in its order (spec: SNP-9).

    Tasks and runs contribute their events in :func:`bootstrap` itself: a task's TaskCreated
    and a run's RunCreated and RunStateChanged events are applied as the records they leave,
    and their attempts, history and lease are restored directly.
    """
    events: list[t.WalEventType] = []
    add = events.append
    for decl in snap.dependency_declarations:
        add(t.DependencyDeclared(decl.task_id, decl.depends_on, decl.declared_at))
    if snap.engine.paused_at is not None:
        add(t.EnginePaused(snap.engine.paused_at))
    if snap.engine.resumed_at is not None:
        add(t.EngineResumed(snap.engine.resumed_at))
    return events


def bootstrap(
    snap: t.Snapshot, *, engine_compatible: bool = False, validated: bool = False
) -> ReplayState:
    """The state a snapshot stands for (spec: SNP-9, SNP-11).

    The engine's procedure is followed step by step (the same synthesized events, the same
    failures), except that a task's TaskCreated and a run's RunCreated and RunStateChanged
    events, which cannot fail once the task or run is new and the run's history checked, are
    not applied one by one: the record is built as they would leave it. A conforming bootstrap
    then restores what the engine's procedure loses (run effective_priority,
    last_state_change_at and active attempt, actor last_heartbeat_at, budget exhausted flags):
    ``engine_compatible=True`` skips that restoration and reproduces the engine's state
    exactly. Raises ``snapshot_bootstrap_failed`` when synthesis fails. ``validated=True``
    says that ``snap`` passed :func:`validate_snapshot` (as every snapshot
    :func:`decode_snapshot` returns has): the run history checks it made, which synthesis
    could only repeat, are then left out.
    """
    with paused_gc():
        return _bootstrap(snap, engine_compatible, validated)


def _bootstrap(snap: t.Snapshot, engine_compatible: bool, validated: bool) -> ReplayState:
    reducer = Reducer()
    sequence = 0

    def apply(event: t.WalEventType) -> None:
        nonlocal sequence
        sequence += 1
        try:
            reducer.apply(t.WalEvent(sequence, event))
        except AqwalError as exc:
            raise _fail(
                "snapshot_bootstrap_failed", f"synthesized {type(event).__name__}: {exc}"
            ) from exc

    state = reducer.state
    tasks = state.tasks
    for task in snap.tasks:
        spec = task.task_spec
        if spec.id in tasks:
            # the synthesized TaskCreated fails (duplicate_task): let the reducer say so
            apply(t.TaskCreated(spec, task.created_at))
        tasks[spec.id] = TaskRecord(spec, task.created_at)  # as TaskCreated leaves it (EVT-0)
        if task.canceled_at is not None:
            apply(t.TaskCanceled(spec.id, task.canceled_at))
    for event in synthesized_events(snap):
        apply(event)
    for run in snap.runs:
        _bootstrap_run(run, apply, state, engine_compatible, validated)
    budgets = state.budgets
    for budget in snap.budgets:
        # as the synthesized BudgetAllocated, BudgetConsumed (when some was consumed) and
        # BudgetExhausted (when the flag is set below the limit) leave it, which cannot fail
        # (EVT-16 .. EVT-18); a conforming bootstrap keeps the flag itself (SNP-11)
        consumed, limit = budget.consumed, budget.limit
        budgets[(budget.task_id, budget.dimension)] = BudgetRecord(
            limit,
            consumed,
            budget.allocated_at,
            (
                (consumed > 0 and consumed >= limit) or (budget.exhausted and consumed < limit)
                if engine_compatible
                else budget.exhausted
            ),
        )
    subscriptions = state.subscriptions
    for sub in snap.subscriptions:
        # as the synthesized SubscriptionCreated, SubscriptionTriggered and
        # SubscriptionCanceled leave it, which cannot fail (EVT-20 .. EVT-22)
        subscriptions[sub.subscription_id] = SubscriptionRecord(
            sub.task_id, sub.filter, sub.created_at, sub.triggered_at, sub.canceled_at
        )
    for actor in snap.actors:
        apply(
            t.ActorRegistered(
                actor.actor_id,
                actor.identity,
                actor.capabilities,
                actor.department,
                actor.heartbeat_interval_secs,
                actor.tenant_id,
                actor.registered_at,
            )
        )
        if actor.deregistered_at is not None:
            apply(t.ActorDeregistered(actor.actor_id, actor.deregistered_at))
        if not engine_compatible:
            state.actors[actor.actor_id].last_heartbeat_at = actor.last_heartbeat_at
    for tenant in snap.tenants:
        apply(t.TenantCreated(tenant.tenant_id, tenant.name, tenant.created_at))
    for role in snap.role_assignments:
        apply(t.RoleAssigned(role.actor_id, role.role, role.tenant_id, role.assigned_at))
    for grant in snap.capability_grants:
        apply(
            t.CapabilityGranted(grant.actor_id, grant.capability, grant.tenant_id, grant.granted_at)
        )
        if grant.revoked_at is not None:
            apply(
                t.CapabilityRevoked(
                    grant.actor_id, grant.capability, grant.tenant_id, grant.revoked_at
                )
            )
    for entry in snap.ledger_entries:
        apply(
            t.LedgerEntryAppended(
                entry.entry_id,
                entry.tenant_id,
                entry.ledger_key,
                entry.actor_id,
                entry.payload,
                entry.timestamp,
            )
        )
    state.latest_sequence = snap.metadata.wal_sequence
    return state


def _bootstrap_run(
    run: t.SnapshotRun,
    apply: Callable[[t.WalEventType], None],
    state: ReplayState,
    engine_compatible: bool,
    validated: bool,
) -> None:
    ri = run.run_instance
    if ri.id in state.runs:
        # the synthesized RunCreated fails (duplicate_run): let the reducer say so
        apply(t.RunCreated(_synthesized_instance(ri)))
    # The synthesized RunCreated and RunStateChanged events of a new run cannot fail but at a
    # history step the bootstrap checks itself: the run starts Scheduled with no attempt, and
    # every step starts where the previous one ended. So their effect is computed here, once,
    # instead of event by event: the run's state after the last step, and the time of it.
    history = run.state_history
    if validated:
        # validation checked every step, that the last one ends in the run's state and that
        # the first is at created_at: the last entry's time is that of the last step or that
        previous = ri.state
        changed_at = history[-1].timestamp
    else:
        previous, changed_at = _replayed_history_end(run)
    attempts = list(run.attempts)  # the entries are the state's own (AttemptEntry)
    if engine_compatible:
        # as the synthesized events leave them: no priority, the time of the last step, and
        # the last attempt current if the run is Running and that attempt unfinished
        last = attempts[-1] if attempts else None
        current = (
            last.attempt_id
            if previous is RS.Running and last is not None and last.finished_at is None
            else None
        )
        priority, state_changed_at = 0, changed_at
    else:
        current = ri.current_attempt_id
        priority, state_changed_at = ri.effective_priority, ri.last_state_change_at
    lease = run.lease
    record = RunRecord(
        ri.id,
        ri.task_id,
        previous,
        current,
        len(attempts),
        ri.created_at,
        ri.scheduled_at,
        priority,
        state_changed_at,
        list(history),  # the entries are the state's own (HistoryEntry)
        lease=(
            None
            if lease is None
            else Lease(lease.owner, lease.expiry, lease.acquired_at, lease.updated_at)
        ),
    )
    if attempts:
        record.set_attempts(attempts)
    state.runs[ri.id] = record


def _history_steps(
    run: t.SnapshotRun,
) -> tuple[t.SnapshotRunStateHistoryEntry | None, t.RunState, int]:
    """A run's history after its first entry, step by step from Scheduled at created_at as
    the synthesized RunStateChanged events take it (spec: RED-4, by the reducer's table): the
    first step that does not start where the previous one ended or is not a legal transition
    (None if every step is taken), the state before it, and the time of the last step taken."""
    previous = RS.Scheduled
    changed_at = run.run_instance.created_at
    for entry in run.state_history[1:]:
        if entry.from_ is not previous or not LEGAL_AFTER[previous._value_][entry.to._value_]:
            return entry, previous, changed_at
        previous = entry.to
        changed_at = entry.timestamp
    return None, previous, changed_at


def _replayed_history_end(run: t.SnapshotRun) -> tuple[t.RunState, int]:
    """The state a run's synthesized RunStateChanged events leave it in, and the time of the
    last one; ``snapshot_bootstrap_failed`` where one of them would be refused."""
    refused, previous, changed_at = _history_steps(run)
    if refused is not None:
        raise _fail("snapshot_bootstrap_failed", "invalid snapshot state history for bootstrap")
    if previous is not run.run_instance.state:
        raise _fail("snapshot_bootstrap_failed", "snapshot state history does not match run state")
    return previous, changed_at


def _synthesized_instance(ri: t.RunInstance) -> t.RunInstance:
    """The RunInstance of the RunCreated the engine synthesizes for a snapshot run (SNP-9)."""
    return t.RunInstance(
        ri.id, ri.task_id, RS.Scheduled, None, 0, ri.created_at, ri.scheduled_at, 0, ri.created_at
    )
