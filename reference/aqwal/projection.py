"""Views of a :class:`~aqwal.state.ReplayState` as declared values.

Both the engine's snapshot (spec: SNP-3, SNP-8) and aqwal's canonical state form (spec: DIG-1)
are built from the same per-record conversions here. Collections come out sorted by their
keys' bytes, so the same state always gives the same value.
"""

from __future__ import annotations

from collections.abc import Iterator

from aqwal import types as t
from aqwal.state import ReplayState, RunRecord

SNAPSHOT_FORMAT_VERSION = 4  # spec: SNP-2 — the frame version the engine writes and loads
SNAPSHOT_SCHEMA_VERSION = 8  # spec: SNP-5 — metadata.schema_version


def _dimension_order(dim: t.BudgetDimension) -> int:
    return int(dim.value)


def task_entries(state: ReplayState) -> Iterator[t.SnapshotTask]:
    for key in sorted(state.tasks):
        rec = state.tasks[key]
        yield t.SnapshotTask(rec.spec, rec.created_at, rec.updated_at, rec.canceled_at)


def run_entry(run: RunRecord) -> t.SnapshotRun:
    lease = run.lease
    return t.SnapshotRun(
        run.instance(),
        tuple(run.history),
        tuple(run.attempts),  # the entries are the snapshot's own values (AttemptEntry)
        None
        if lease is None
        else t.SnapshotLeaseMetadata(
            lease.owner, lease.expiry, lease.acquired_at, lease.updated_at
        ),
    )


def run_entries(state: ReplayState) -> Iterator[t.SnapshotRun]:
    for key in sorted(state.runs):
        yield run_entry(state.runs[key])


def engine_entry(state: ReplayState) -> t.SnapshotEngineControl:
    e = state.engine
    return t.SnapshotEngineControl(e.paused, e.paused_at, e.resumed_at)


def sorted_dependencies(state: ReplayState) -> Iterator[tuple[t.TaskId, tuple[t.TaskId, ...]]]:
    """Declaring task → prerequisites sorted by UUID bytes (the engine's snapshot order)."""
    for task_id in sorted(state.dependencies):
        yield task_id, tuple(sorted(state.dependencies[task_id]))


def budget_entries(state: ReplayState) -> Iterator[t.SnapshotBudget]:
    for task_id, dim in sorted(state.budgets, key=lambda k: (k[0], _dimension_order(k[1]))):
        b = state.budgets[(task_id, dim)]
        yield t.SnapshotBudget(task_id, dim, b.limit, b.consumed, b.allocated_at, b.exhausted)


def subscription_entries(state: ReplayState) -> Iterator[t.SnapshotSubscription]:
    yield from (
        t.SnapshotSubscription(
            sid, s.task_id, s.filter, s.created_at, s.triggered_at, s.canceled_at
        )
        for sid, s in sorted(state.subscriptions.items())
    )


def actor_entries(state: ReplayState) -> Iterator[t.SnapshotActor]:
    yield from (
        t.SnapshotActor(
            aid,
            a.identity,
            a.capabilities,
            a.department,
            a.heartbeat_interval_secs,
            a.tenant_id,
            a.registered_at,
            a.last_heartbeat_at,
            a.deregistered_at,
        )
        for aid, a in sorted(state.actors.items())
    )


def tenant_entries(state: ReplayState) -> Iterator[t.SnapshotTenant]:
    for tid, x in sorted(state.tenants.items()):
        yield t.SnapshotTenant(tid, x.name, x.created_at)


def role_entries(state: ReplayState) -> Iterator[t.SnapshotRoleAssignment]:
    yield from (
        t.SnapshotRoleAssignment(actor, r.role, tenant, r.assigned_at)
        for (actor, tenant), r in sorted(state.role_assignments.items())
    )


def grant_entries(state: ReplayState) -> Iterator[t.SnapshotCapabilityGrant]:
    for key in sorted(state.capability_grants, key=lambda k: (k[0], k[1].encode("utf-8"), k[2])):
        g = state.capability_grants[key]
        yield t.SnapshotCapabilityGrant(key[0], g.capability, key[2], g.granted_at, g.revoked_at)


def ledger_entries(state: ReplayState) -> Iterator[t.SnapshotLedgerEntry]:
    yield from (
        t.SnapshotLedgerEntry(
            x.entry_id, x.tenant_id, x.ledger_key, x.actor_id, x.payload, x.timestamp
        )
        for x in state.ledger
    )


def state_collections(state: ReplayState) -> dict[str, tuple[int, Iterator[object]]]:
    """The collections of the state form by field name: (entry count, entries in order)."""
    return {
        "tasks": (len(state.tasks), task_entries(state)),
        "runs": (len(state.runs), run_entries(state)),
        "dependency_declarations": (
            len(state.dependencies),
            (t.StateDependencyDeclaration(k, v) for k, v in sorted_dependencies(state)),
        ),
        "budgets": (len(state.budgets), budget_entries(state)),
        "subscriptions": (len(state.subscriptions), subscription_entries(state)),
        "actors": (len(state.actors), actor_entries(state)),
        "tenants": (len(state.tenants), tenant_entries(state)),
        "role_assignments": (len(state.role_assignments), role_entries(state)),
        "capability_grants": (len(state.capability_grants), grant_entries(state)),
        "ledger_entries": (len(state.ledger), ledger_entries(state)),
    }


def state_form(state: ReplayState) -> t.StateForm:
    """The canonical form of the whole state (spec: DIG-1)."""
    collections = {name: tuple(entries) for name, (_, entries) in state_collections(state).items()}
    return t.StateForm(
        latest_sequence=state.latest_sequence,
        engine=engine_entry(state),
        **collections,  # type: ignore[arg-type]
    )


def build_snapshot(state: ReplayState, timestamp: int) -> t.Snapshot:
    """The snapshot the engine would build from this state (spec: SNP-8).

    Arrays are sorted (the engine's order is that of its hash maps, which is arbitrary);
    dependency declarations carry ``declared_at = timestamp``, as in the engine.
    """
    tasks = tuple(task_entries(state))
    runs = tuple(run_entries(state))
    return t.Snapshot(
        SNAPSHOT_FORMAT_VERSION,
        timestamp,
        t.SnapshotMetadata(SNAPSHOT_SCHEMA_VERSION, state.latest_sequence, len(tasks), len(runs)),
        tasks,
        runs,
        engine_entry(state),
        tuple(
            t.SnapshotDependencyDeclaration(k, v, timestamp) for k, v in sorted_dependencies(state)
        ),
        tuple(budget_entries(state)),
        tuple(subscription_entries(state)),
        tuple(actor_entries(state)),
        tuple(tenant_entries(state)),
        tuple(role_entries(state)),
        tuple(grant_entries(state)),
        tuple(ledger_entries(state)),
    )
