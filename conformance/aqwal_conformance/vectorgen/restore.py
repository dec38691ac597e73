"""Snapshot vectors that restore rich states (spec: SNP-9, SNP-11).

One log puts every kind of record into the states a restoration has to rebuild: a canceled
task, runs in every state (with a lease in each state that allows one, and an active attempt),
budgets consumed, exhausted by consumption and by event, and replenished, subscriptions
triggered and canceled, a deregistered actor with a heartbeat, a revoked grant, roles, ledger
entries and a resumed engine. Its snapshot must restore to the state's digest (SNP-11, DIG-4).
Edited copies of that snapshot store values the synthesized events alone would not rebuild —
a run's ``effective_priority``, ``last_state_change_at`` and active attempt, a budget's
``exhausted`` flag, an actor's ``last_heartbeat_at`` — which a conforming restoration keeps.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from aqwal import types as t
from aqwal.forms import JSON_FORM
from aqwal.reducer import Reducer, replay
from aqwal.snapshot import (
    FIELDS_ADDED_IN_SCHEMA_8,
    bootstrap,
    decode_snapshot,
    encode_snapshot,
    snapshot_of,
)
from aqwal.state import ReplayState
from aqwal_conformance.scenarios import LogBuilder, uid
from aqwal_conformance.vectorgen.builders import RS, h, raw_snapshot, record_bytes
from aqwal_conformance.vectors import Vector

DIM = t.BudgetDimension
SNAPSHOT_TIME = 1_700_000_900
Edit = Callable[[dict[str, Any]], None]


def rich_log() -> LogBuilder:
    """A log whose final state holds every kind of record in every restorable shape."""
    b = LogBuilder()
    canceled_task = b.task()
    b.add(t.TaskCanceled(canceled_task, b.tick()))
    runs = {state: b.run(priority=3) for state in RS}
    for state, run_id in runs.items():
        b.drive(run_id, RS.Leased if state is RS.Running else state)
    for n, state in enumerate((RS.Ready, RS.Leased, RS.Running)):
        b.lease(runs[state], owner=f"owner-{state.name}", expiry=9000 + 100 * n)
    running = runs[RS.Running]
    b.move(running, RS.Leased, RS.Running)
    b.add(t.LeaseHeartbeat(running, "owner-Running", 9200, b.tick()))
    finished = b.attempt(running)
    b.add(t.AttemptFinished(running, finished, t.AttemptResultKind.Failure, "boom", None, b.tick()))
    b.attempt(running)
    task = t.TaskId(uid(1, 1))
    b.add(t.BudgetAllocated(task, DIM.Token, 100, b.tick()))
    b.add(t.BudgetConsumed(task, DIM.Token, 100, b.tick()))
    b.add(t.BudgetAllocated(task, DIM.CostCents, 50, b.tick()))
    b.add(t.BudgetConsumed(task, DIM.CostCents, 20, b.tick()))
    b.add(t.BudgetExhausted(task, DIM.CostCents, b.tick()))
    b.add(t.BudgetAllocated(task, DIM.TimeSecs, 10, b.tick()))
    b.add(t.BudgetConsumed(task, DIM.TimeSecs, 12, b.tick()))
    b.add(t.BudgetReplenished(task, DIM.TimeSecs, 40, b.tick()))
    b.add(t.BudgetConsumed(task, DIM.TimeSecs, 4, b.tick()))
    b.add(t.BudgetAllocated(t.TaskId(uid(1, 2)), DIM.Token, 10, b.tick()))
    b.add(t.BudgetConsumed(t.TaskId(uid(1, 2)), DIM.Token, 1, b.tick()))  # the least consumption
    subs = [t.SubscriptionId(uid(7, n)) for n in (1, 2, 3)]
    for sub in subs:
        b.add(
            t.SubscriptionCreated(
                sub, task, t.EventFilterRunStateChanged(task, RS.Completed), b.tick()
            )
        )
    b.add(t.SubscriptionTriggered(subs[0], b.tick()))
    b.add(t.SubscriptionCanceled(subs[0], b.tick()))
    b.add(t.SubscriptionCanceled(subs[1], b.tick()))
    tenant = t.TenantId(uid(8, 1))
    b.add(t.TenantCreated(tenant, "acme", b.tick()))
    actors = [t.ActorId(uid(9, n)) for n in (1, 2)]
    for actor in actors:
        b.add(t.ActorRegistered(actor, "worker", ("run",), None, 30, tenant, b.tick()))
    b.add(t.ActorHeartbeat(actors[0], b.tick()))
    b.add(t.ActorDeregistered(actors[0], b.tick()))
    b.add(t.RoleAssigned(actors[0], t.RoleGatekeeper(), tenant, b.tick()))
    b.add(t.CapabilityGranted(actors[0], t.CapabilityCanExecute(), tenant, b.tick()))
    b.add(t.CapabilityRevoked(actors[0], t.CapabilityCanExecute(), tenant, b.tick()))
    b.add(t.CapabilityGranted(actors[1], t.CapabilityCustom("deploy"), tenant, b.tick()))
    b.add(t.LedgerEntryAppended(t.LedgerEntryId(uid(10, 1)), tenant, "k", None, b"\x00", b.tick()))
    b.add(t.DependencyDeclared(task, (canceled_task,), b.tick()))
    b.add(t.EnginePaused(b.tick()))
    b.add(t.EngineResumed(b.tick()))
    return b


def _state(b: LogBuilder) -> ReplayState:
    reducer = Reducer()
    codes = [o.code for o in replay(b.events, reducer)]
    if any(codes):
        raise AssertionError(f"the rich log does not replay cleanly: {codes}")
    return reducer.state


def _run_of(body: dict[str, Any], state: t.RunState) -> dict[str, Any]:
    for run in body["runs"]:
        if run["run_instance"]["state"] == state.name:
            found: dict[str, Any] = run
            return found
    raise KeyError(state.name)


Check = Callable[[ReplayState, dict[str, Any]], bool]


def _stored_values() -> list[tuple[str, str, Edit, Check]]:
    """(name, description, edit of the snapshot JSON, what the restored state must show)."""

    def priority(body: dict[str, Any]) -> None:
        for run in body["runs"]:
            run["run_instance"]["effective_priority"] = -7

    def last_change(body: dict[str, Any]) -> None:
        for run in body["runs"]:
            instance = run["run_instance"]
            instance["last_state_change_at"] = instance["created_at"] + 500

    def no_active_attempt(body: dict[str, Any]) -> None:
        _run_of(body, RS.Running)["run_instance"]["current_attempt_id"] = None

    def earlier_active_attempt(body: dict[str, Any]) -> None:
        # the active attempt is the first entry; the last one has finished
        run = _run_of(body, RS.Running)
        first, last = run["attempts"]
        first.update(finished_at=None, result=None, error=None, output=None)
        last.update(finished_at=last["started_at"] + 1, result="Success")
        run["run_instance"]["current_attempt_id"] = first["attempt_id"]

    def exhausted_flags(body: dict[str, Any]) -> None:
        for budget in body["budgets"]:
            budget["exhausted"] = not budget["exhausted"]

    def heartbeats(body: dict[str, Any]) -> None:
        for n, actor in enumerate(body["actors"]):
            actor["last_heartbeat_at"] = 77 + n

    def runs(check: Callable[[t.RunInstance], bool]) -> Check:
        return lambda s, _body: all(check(r.instance()) for r in s.runs.values())

    def budget_flags(s: ReplayState, body: dict[str, Any]) -> bool:
        order = sorted(s.budgets, key=lambda k: (k[0], k[1].value))
        return [s.budgets[k].exhausted for k in order] == [x["exhausted"] for x in body["budgets"]]

    def running(s: ReplayState) -> t.RunInstance:
        return next(r.instance() for r in s.runs.values() if r.state is RS.Running)

    return [
        (
            "priority",
            "every run's effective_priority",
            priority,
            runs(lambda r: r.effective_priority == -7),
        ),
        (
            "last-state-change",
            "every run's last_state_change_at",
            last_change,
            runs(lambda r: r.last_state_change_at == r.created_at + 500),
        ),
        (
            "no-active-attempt",
            "a Running run without an active attempt though its last attempt is unfinished",
            no_active_attempt,
            lambda s, _body: running(s).current_attempt_id is None,
        ),
        (
            "earlier-active-attempt",
            "a Running run whose active attempt is not its last",
            earlier_active_attempt,
            lambda s, _body: (
                running(s).current_attempt_id == s.runs[running(s).id].attempts[0].attempt_id
            ),
        ),
        (
            "exhausted-flags",
            "every budget's exhausted flag inverted",
            exhausted_flags,
            budget_flags,
        ),
        (
            "heartbeats",
            "every actor's last_heartbeat_at",
            heartbeats,
            lambda s, _body: (
                sorted(a.last_heartbeat_at or 0 for a in s.actors.values()) == [77, 78]
            ),
        ),
    ]


def restore_vectors() -> Iterator[Vector]:
    b = rich_log()
    state = _state(b)
    snap = snapshot_of(state, SNAPSHOT_TIME)
    data = encode_snapshot(snap)
    yield Vector(
        "snapshot/restore-rich-state",
        "snapshot",
        "a state with every kind of record: restoring its snapshot gives its digest",
        "valid",
        data,
        ("SNP-8", "SNP-9", "SNP-11", "DIG-4", "RED-6"),
    )
    yield Vector(
        "snapshot/restore-rich-state-with-wal",
        "snapshot",
        "the same snapshot with its whole WAL: nothing above wal_sequence, nothing replayed",
        "valid",
        data,
        ("SNP-9", "SNP-11", "SNP-12"),
        extra={"wal": record_bytes(b.events)},
    )
    # spec: SNP-11 — the restored attempts are the run's own: finishing the active one after
    # the snapshot finds it (EVT-4)
    running, attempt = next(
        (r.id, r.current_attempt_id) for r in state.runs.values() if r.current_attempt_id
    )
    after = rich_log()
    after.add(t.AttemptFinished(running, attempt, t.AttemptResultKind.Success, None, None, 9300))
    yield Vector(
        "snapshot/restore-then-finish-attempt",
        "snapshot",
        "the snapshot, then a WAL record above wal_sequence finishing the restored run's "
        "active attempt",
        "valid",
        data,
        ("SNP-9", "SNP-11", "SNP-12", "EVT-4"),
        extra={"wal": record_bytes(after.events)},
    )
    base = JSON_FORM.dump("Snapshot", snap)
    for name, description, edit, check in _stored_values():
        body = json.loads(json.dumps(base))
        edit(body)
        raw = raw_snapshot(body)
        restored = bootstrap(decode_snapshot(raw))
        if not check(restored, body):
            raise AssertionError(f"restore-stored-{name}: the reference breaks SNP-11")
        yield Vector(
            f"snapshot/restore-stored-{name}",
            "snapshot",
            f"SNP-11: the restored state keeps {description} as stored",
            "valid",
            raw,
            ("SNP-9", "SNP-11"),
        )
    yield Vector(
        "snapshot/bootstrap-empty-snapshot-file",
        "snapshot",
        "an empty snapshot file is no snapshot: the whole WAL is replayed",
        "valid",
        b"",
        ("SNP-4", "SNP-12"),
        extra={"wal": record_bytes(b.events)},
    )
    body = json.loads(json.dumps(base))
    ready = _run_of(body, RS.Ready)
    ready["state_history"].append(
        {"from": "Ready", "to": "Leased", "timestamp": ready["state_history"][-1]["timestamp"]}
    )
    yield Vector(
        "snapshot/rule-history-ends-elsewhere",
        "snapshot",
        "a run whose legal history ends in another state than the run's",
        "invalid",
        raw_snapshot(body),
        ("SNP-7",),
        error="run_history_transition",
    )
    yield from _edge_documents(base, b)
    for size in (1, 2):
        yield Vector(
            f"snapshot/truncated-{size}",
            "snapshot",
            f"a {size}-byte file: the version field is incomplete",
            "invalid",
            data[:size],
            ("SNP-4",),
            error="snapshot_truncated",
        )
    yield from _size_claims(data)


def _size_claims(data: bytes) -> Iterator[Vector]:
    """Declared payload lengths at the 256 MiB limit: at it is a short payload, above it is
    too large (SNP-2, SNP-4)."""
    limit = 256 * 1024 * 1024
    for length, code in (
        (limit, "snapshot_truncated_payload"),
        (limit + 1, "snapshot_payload_too_large"),
    ):
        raw = data[:4] + length.to_bytes(4, "little") + data[8:]
        yield Vector(
            f"snapshot/length-{length}",
            "snapshot",
            f"a header declaring a payload of {length} bytes",
            "invalid",
            raw,
            ("SNP-2", "SNP-4"),
            error=code,
        )


def _edge_documents(base: dict[str, Any], log: LogBuilder) -> Iterator[Vector]:
    """Snapshots at the edges of validation and loading (SNP-4 .. SNP-7)."""

    def edited(edit: Edit) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(json.dumps(base))
        edit(body)
        return body

    def resumed_at_pause(body: dict[str, Any]) -> None:
        body["engine"] = {"paused": False, "paused_at": 500, "resumed_at": 500}

    def canceled_at_creation(body: dict[str, Any]) -> None:
        task = next(x for x in body["tasks"] if x.get("canceled_at") is not None)
        task["canceled_at"] = task["created_at"]

    for name, description, edit in (
        ("resumed-at-pause-time", "the engine resumed at the time it was paused", resumed_at_pause),
        (
            "canceled-at-creation",
            "a task canceled at the time it was created",
            canceled_at_creation,
        ),
    ):
        yield Vector(
            f"snapshot/valid-{name}",
            "snapshot",
            f"valid: {description}",
            "valid",
            raw_snapshot(edited(edit)),
            ("SNP-7", "SNP-9"),
        )

    def older(version: int) -> dict[str, Any]:
        def edit(body: dict[str, Any]) -> None:
            body["metadata"]["schema_version"] = version
            for key in FIELDS_ADDED_IN_SCHEMA_8:
                del body[key]

        return edited(edit)

    yield Vector(
        "snapshot/schema-4-accepted",
        "snapshot",
        "schema_version 4, the oldest a reader that offers older schemas loads (SNP-6)",
        "valid",
        raw_snapshot(older(4)),
        ("SNP-6",),
        options={"accept_older_schema": True},
        flags=("OlderSchema",),
    )
    yield Vector(
        "snapshot/schema-3-refused",
        "snapshot",
        "schema_version 3 is older than any reader loads (SNP-6)",
        "invalid",
        raw_snapshot(older(3)),
        ("SNP-5", "SNP-6"),
        error="unsupported_schema_version",
        options={"accept_older_schema": True},
    )
    yield Vector(
        "snapshot/bootstrap-schema-7-not-used",
        "snapshot",
        "recovery does not offer older schemas: a schema-7 snapshot is not used and the whole "
        "WAL is replayed",
        "valid",
        raw_snapshot(older(7)),
        ("SNP-5", "SNP-12"),
        extra={"wal": record_bytes(log.events)},
    )
    data = raw_snapshot(base)
    for name, description, raw, code in (
        (
            "version-5-only",
            "the 4 bytes of version 5",
            h("05000000"),
            "snapshot_unsupported_version",
        ),
        (
            "truncated-3-version-5",
            "3 bytes that begin like version 5",
            h("050000"),
            "snapshot_truncated",
        ),
        (
            "version-high-byte",
            "version 0x01000004: all four bytes count",
            h("04000001") + data[4:],
            "snapshot_unsupported_version",
        ),
    ):
        yield Vector(
            f"snapshot/{name}",
            "snapshot",
            description,
            "invalid",
            raw,
            ("SNP-2", "SNP-4"),
            error=code,
        )
