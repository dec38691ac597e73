"""A model of the replay state, written from the clauses of spec/reducer.md and spec/snapshot.md.

:class:`SpecModel` is a second, deliberately plain reading of the reducer chapter: one method
per event, each listing its preconditions in the clause's order and then its effect. It shares
no code with ``aqwal.reducer``; the stateful machine steps it beside the reference and compares
the two after every record (:func:`observe`, :func:`first_difference`), entity by entity.

The model also restores the state a snapshot describes (SNP-9, SNP-11), so that a replay
bootstrapped from a snapshot can be followed the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aqwal import types as t
from aqwal.forms import uuid_text
from aqwal.state import ReplayState

RS = t.RunState
AR = t.AttemptResultKind
U32_MAX = 2**32 - 1
U64_MAX = 2**64 - 1

# spec: RED-4 — the transition table, row by row (✓ cells), as printed in the chapter.
LEGAL_TARGETS: dict[t.RunState, frozenset[t.RunState]] = {
    RS.Scheduled: frozenset({RS.Ready, RS.Canceled}),
    RS.Ready: frozenset({RS.Leased, RS.Canceled}),
    RS.Leased: frozenset({RS.Ready, RS.Running, RS.Canceled}),
    RS.Running: frozenset({RS.RetryWait, RS.Suspended, RS.Completed, RS.Failed, RS.Canceled}),
    RS.RetryWait: frozenset({RS.Ready, RS.Failed, RS.Canceled}),
    RS.Suspended: frozenset({RS.Ready, RS.Canceled}),
    RS.Completed: frozenset(),
    RS.Failed: frozenset(),
    RS.Canceled: frozenset(),
}
TERMINAL = frozenset({RS.Completed, RS.Failed, RS.Canceled})

# spec: RED-6 — the run states each lease event kind is allowed in.
LEASE_STATES: dict[type, frozenset[t.RunState]] = {
    t.LeaseAcquired: frozenset({RS.Ready, RS.Leased}),
    t.LeaseHeartbeat: frozenset({RS.Leased, RS.Running}),
    t.LeaseExpired: frozenset({RS.Ready, RS.Leased, RS.Running}),
    t.LeaseReleased: frozenset({RS.Ready, RS.Leased, RS.Running}),
}

#: The clauses that govern each component of the state (RED-1), for failure messages.
GOVERNED_BY: dict[str, str] = {
    "latest_sequence": "RED-2",
    "tasks": "EVT-0, EVT-5",
    "runs": "RED-4, RED-5, RED-6, EVT-1 to EVT-4, EVT-6 to EVT-10, EVT-14, EVT-15",
    "engine": "RED-7, EVT-11, EVT-12",
    "dependencies": "RED-8, EVT-13",
    "budgets": "RED-9, EVT-16 to EVT-19",
    "subscriptions": "RED-10, EVT-20 to EVT-22",
    "actors": "RED-11, EVT-23 to EVT-25",
    "tenants": "RED-12, EVT-26",
    "role_assignments": "RED-12, EVT-27",
    "capability_grants": "RED-12, EVT-28, EVT-29",
    "ledger": "RED-12, EVT-30",
}


def grant_key(capability: t.Capability) -> str:
    """spec: RED-12 — the variant name, or ``Custom:`` and the name."""
    if isinstance(capability, t.CapabilityCustom):
        return "Custom:" + capability.name
    return {
        t.CapabilityCanSubmit: "CanSubmit",
        t.CapabilityCanExecute: "CanExecute",
        t.CapabilityCanReview: "CanReview",
        t.CapabilityCanApprove: "CanApprove",
        t.CapabilityCanCancel: "CanCancel",
    }[type(capability)]


def stored_outcome(
    result: t.AttemptResultKind, error: str | None, output: bytes | None
) -> tuple[str | None, bytes | None]:
    """spec: EVT-4 — the stored ``error`` and ``output``, row by row of the clause's table."""
    if result in (AR.Success, AR.Suspended):
        return (None, output) if error is None else (None, None)
    if error is not None:
        return error, None
    return ("unknown failure" if result is AR.Failure else "unknown timeout"), None


@dataclass
class ModelRun:
    """A run as RED-1 describes it; attempts are ``[id, started, finished, result, error,
    output]`` lists, the lease ``(owner, expiry, acquired_at, updated_at)``."""

    task_id: bytes
    state: t.RunState
    attempt: bytes | None
    attempt_count: int
    created_at: int
    scheduled_at: int
    priority: int
    changed_at: int
    history: list[tuple[t.RunState | None, t.RunState, int]] = field(default_factory=list)
    attempts: list[list[Any]] = field(default_factory=list)
    lease: tuple[str, int, int, int] | None = None

    def view(self) -> tuple[Any, ...]:
        return (
            self.task_id,
            self.state,
            self.attempt,
            self.attempt_count,
            self.created_at,
            self.scheduled_at,
            self.priority,
            self.changed_at,
            tuple(self.history),
            tuple(tuple(a) for a in self.attempts),
            self.lease,
        )


View = dict[str, dict[Any, Any]]
COMPONENTS = tuple(GOVERNED_BY)

#: The component of the state each event kind changes, by the clause of its effect (EVT-n).
CHANGES: dict[type, str] = {
    t.TaskCreated: "tasks",
    t.TaskCanceled: "tasks",
    t.EnginePaused: "engine",
    t.EngineResumed: "engine",
    t.DependencyDeclared: "dependencies",
    t.BudgetAllocated: "budgets",
    t.BudgetConsumed: "budgets",
    t.BudgetExhausted: "budgets",
    t.BudgetReplenished: "budgets",
    t.SubscriptionCreated: "subscriptions",
    t.SubscriptionTriggered: "subscriptions",
    t.SubscriptionCanceled: "subscriptions",
    t.ActorRegistered: "actors",
    t.ActorDeregistered: "actors",
    t.ActorHeartbeat: "actors",
    t.TenantCreated: "tenants",
    t.RoleAssigned: "role_assignments",
    t.CapabilityGranted: "capability_grants",
    t.CapabilityRevoked: "capability_grants",
    t.LedgerEntryAppended: "ledger",
    **dict.fromkeys(
        [
            t.RunCreated,
            t.RunStateChanged,
            t.AttemptStarted,
            t.AttemptFinished,
            t.RunCanceled,
            t.LeaseAcquired,
            t.LeaseHeartbeat,
            t.LeaseExpired,
            t.LeaseReleased,
            t.RunSuspended,
            t.RunResumed,
        ],
        "runs",
    ),
}


class SpecModel:
    """The state of RED-1 and the effect of each event (EVT-0 to EVT-30), from the spec."""

    def __init__(self) -> None:
        self.sequence = 0
        self.tasks: dict[bytes, list[Any]] = {}  # id -> [spec, created_at, canceled_at]
        self.runs: dict[bytes, ModelRun] = {}
        self.paused = False
        self.paused_at: int | None = None
        self.resumed_at: int | None = None
        self.dependencies: dict[bytes, set[bytes]] = {}
        self.budgets: dict[tuple[bytes, t.BudgetDimension], list[Any]] = {}
        self.subscriptions: dict[bytes, list[Any]] = {}
        self.actors: dict[bytes, list[Any]] = {}
        self.tenants: dict[bytes, tuple[str, int]] = {}
        self.roles: dict[tuple[bytes, bytes], tuple[t.Role, int]] = {}
        self.grants: dict[tuple[bytes, str, bytes], list[Any]] = {}
        self.ledger: list[tuple[Any, ...]] = []
        self._handlers: dict[type, Callable[[Any], str | None]] = {
            t.TaskCreated: self._task_created,
            t.RunCreated: self._run_created,
            t.RunStateChanged: self._run_state_changed,
            t.AttemptStarted: self._attempt_started,
            t.AttemptFinished: self._attempt_finished,
            t.TaskCanceled: self._task_canceled,
            t.RunCanceled: self._run_canceled,
            t.LeaseAcquired: self._lease_acquired,
            t.LeaseHeartbeat: self._lease_heartbeat,
            t.LeaseExpired: self._lease_closed,
            t.LeaseReleased: self._lease_closed,
            t.EnginePaused: self._engine_paused,
            t.EngineResumed: self._engine_resumed,
            t.DependencyDeclared: self._dependency_declared,
            t.RunSuspended: self._run_suspended,
            t.RunResumed: self._run_resumed,
            t.BudgetAllocated: self._budget_allocated,
            t.BudgetConsumed: self._budget_consumed,
            t.BudgetExhausted: self._budget_exhausted,
            t.BudgetReplenished: self._budget_replenished,
            t.SubscriptionCreated: self._subscription_created,
            t.SubscriptionTriggered: self._subscription_triggered,
            t.SubscriptionCanceled: self._subscription_canceled,
            t.ActorRegistered: self._actor_registered,
            t.ActorDeregistered: self._actor_deregistered,
            t.ActorHeartbeat: self._actor_heartbeat,
            t.TenantCreated: self._tenant_created,
            t.RoleAssigned: self._role_assigned,
            t.CapabilityGranted: self._capability_granted,
            t.CapabilityRevoked: self._capability_revoked,
            t.LedgerEntryAppended: self._ledger_entry_appended,
        }

    def step(self, record: t.WalEvent) -> str | None:
        """Apply a record; return None, or the code that rejects it (and change nothing)."""
        if record.sequence <= self.sequence:  # spec: RED-2
            return "sequence_not_increasing"
        code = self._handlers[type(record.event)](record.event)
        if code is None:
            self.sequence = record.sequence
        return code

    # -- runs (RED-4, RED-5) ----------------------------------------------------------------

    def _move(self, run: ModelRun, new: t.RunState, ts: int) -> None:
        """spec: RED-4 — the five effects of a transition."""
        run.history.append((run.state, new, ts))
        run.state = new
        if new is not RS.Running:
            run.attempt = None
        run.changed_at = ts
        if new in TERMINAL:
            run.lease = None

    def _transition(
        self, run_id: bytes, previous: t.RunState, new: t.RunState, ts: int
    ) -> str | None:
        """spec: EVT-2 — preconditions 1 to 4, then the transition."""
        run = self.runs.get(run_id)
        if run is None:
            return "unknown_run"
        if run.state is not previous:
            return "previous_state_mismatch"
        if new not in LEGAL_TARGETS[previous]:
            return "illegal_transition"
        if run.attempt is not None and (
            new is RS.Running or (previous is RS.Running and new is not RS.Canceled)
        ):
            return "attempt_in_progress"
        self._move(run, new, ts)
        return None

    def _task_created(self, e: t.TaskCreated) -> str | None:
        # spec: EVT-0
        if e.task_spec.id in self.tasks:
            return "duplicate_task"
        self.tasks[e.task_spec.id] = [e.task_spec, e.timestamp, None]
        return None

    def _run_created(self, e: t.RunCreated) -> str | None:
        # spec: EVT-1 — the instance is stored verbatim; the task need not exist (RED-15)
        ri = e.run_instance
        if ri.id in self.runs:
            return "duplicate_run"
        if ri.state is not RS.Scheduled:
            return "run_not_scheduled"
        self.runs[ri.id] = ModelRun(
            ri.task_id,
            ri.state,
            ri.current_attempt_id,
            ri.attempt_count,
            ri.created_at,
            ri.scheduled_at,
            ri.effective_priority,
            ri.last_state_change_at,
            [(None, RS.Scheduled, ri.created_at)],
        )
        return None

    def _run_state_changed(self, e: t.RunStateChanged) -> str | None:
        return self._transition(e.run_id, e.previous_state, e.new_state, e.timestamp)

    def _run_suspended(self, e: t.RunSuspended) -> str | None:
        # spec: EVT-14
        return self._transition(e.run_id, RS.Running, RS.Suspended, e.timestamp)

    def _run_resumed(self, e: t.RunResumed) -> str | None:
        # spec: EVT-15
        return self._transition(e.run_id, RS.Suspended, RS.Ready, e.timestamp)

    def _run_canceled(self, e: t.RunCanceled) -> str | None:
        # spec: EVT-6 — from the current state, even with an active attempt (RED-5)
        run = self.runs.get(e.run_id)
        if run is None:
            return "unknown_run"
        if RS.Canceled not in LEGAL_TARGETS[run.state]:
            return "illegal_transition"
        self._move(run, RS.Canceled, e.timestamp)
        return None

    def _attempt_started(self, e: t.AttemptStarted) -> str | None:
        # spec: EVT-3
        run = self.runs.get(e.run_id)
        if run is None:
            return "unknown_run"
        if run.state is not RS.Running:
            return "run_not_running"
        if run.attempt is not None:
            return "attempt_already_active"
        if run.attempt_count == U32_MAX:
            return "attempt_count_overflow"
        run.attempt_count += 1
        run.attempt = e.attempt_id
        run.attempts.append([e.attempt_id, e.timestamp, None, None, None, None])
        return None

    def _attempt_finished(self, e: t.AttemptFinished) -> str | None:
        # spec: EVT-4 — the first history entry with the id is the one finished
        run = self.runs.get(e.run_id)
        if run is None:
            return "unknown_run"
        if run.state is not RS.Running:
            return "run_not_running"
        if run.attempt is None:
            return "no_active_attempt"
        if run.attempt != e.attempt_id:
            return "attempt_mismatch"
        entry = next(a for a in run.attempts if a[0] == e.attempt_id)
        if entry[2] is not None:
            return "attempt_already_finished"
        error, output = stored_outcome(e.result, e.error, e.output)
        run.attempt = None
        entry[2:] = [e.timestamp, e.result, error, output]
        return None

    def _task_canceled(self, e: t.TaskCanceled) -> str | None:
        # spec: EVT-5
        task = self.tasks.get(e.task_id)
        if task is None:
            return "unknown_task"
        if task[2] is not None:
            return "task_already_canceled"
        task[2] = e.timestamp
        return None

    # -- leases (RED-6) ---------------------------------------------------------------------

    def _lease_run(self, e: Any) -> ModelRun | str:
        run = self.runs.get(e.run_id)
        if run is None:
            return "lease_unknown_run"
        if run.state not in LEASE_STATES[type(e)]:
            return "lease_run_state"
        return run

    def _lease_acquired(self, e: t.LeaseAcquired) -> str | None:
        # spec: EVT-7
        run = self._lease_run(e)
        if isinstance(run, str):
            return run
        if run.lease is not None:
            return "lease_already_active"
        run.lease = (e.owner, e.expiry, e.timestamp, e.timestamp)
        return None

    def _lease_heartbeat(self, e: t.LeaseHeartbeat) -> str | None:
        # spec: EVT-8 — an equal expiry is accepted
        run = self._lease_run(e)
        if isinstance(run, str):
            return run
        if run.lease is None:
            return "lease_missing"
        owner, expiry, acquired_at, _ = run.lease
        if owner != e.owner:
            return "lease_owner_mismatch"
        if e.expiry < expiry:
            return "lease_expiry_regressed"
        run.lease = (owner, e.expiry, acquired_at, e.timestamp)
        return None

    def _lease_closed(self, e: t.LeaseExpired | t.LeaseReleased) -> str | None:
        # spec: EVT-9, EVT-10 — a Leased run becomes Ready without a history entry
        run = self._lease_run(e)
        if isinstance(run, str):
            return run
        if run.lease is None:
            return "lease_missing"
        if run.lease[0] != e.owner:
            return "lease_owner_mismatch"
        if run.lease[1] != e.expiry:
            return "lease_expiry_mismatch"
        run.lease = None
        if run.state is RS.Leased:
            run.state = RS.Ready
        return None

    # -- engine (RED-7) ---------------------------------------------------------------------

    def _engine_paused(self, e: t.EnginePaused) -> str | None:
        # spec: EVT-11
        if self.paused:
            return "engine_already_paused"
        self.paused, self.paused_at, self.resumed_at = True, e.timestamp, None
        return None

    def _engine_resumed(self, e: t.EngineResumed) -> str | None:
        # spec: EVT-12 — a resume at the pause's own timestamp is allowed
        if not self.paused:
            return "engine_not_paused"
        if self.paused_at is not None and e.timestamp < self.paused_at:
            return "engine_resume_before_pause"
        self.paused, self.resumed_at = False, e.timestamp
        return None

    # -- events without preconditions (RED-8 to RED-12) --------------------------------------

    def _dependency_declared(self, e: t.DependencyDeclared) -> str | None:
        # spec: EVT-13, RED-8 — a set union, created even by an empty list
        self.dependencies.setdefault(e.task_id, set()).update(e.depends_on)
        return None

    def _budget_allocated(self, e: t.BudgetAllocated) -> str | None:
        # spec: EVT-16
        self.budgets[(e.task_id, e.dimension)] = [e.limit, 0, e.timestamp, False]
        return None

    def _budget_consumed(self, e: t.BudgetConsumed) -> str | None:
        # spec: EVT-17, RED-9 — saturating at 2^64-1; exhausted once consumed >= limit
        budget = self.budgets.get((e.task_id, e.dimension))
        if budget is not None:
            budget[1] = min(budget[1] + e.amount, U64_MAX)
            if budget[1] >= budget[0]:
                budget[3] = True
        return None

    def _budget_exhausted(self, e: t.BudgetExhausted) -> str | None:
        # spec: EVT-18
        budget = self.budgets.get((e.task_id, e.dimension))
        if budget is not None:
            budget[3] = True
        return None

    def _budget_replenished(self, e: t.BudgetReplenished) -> str | None:
        # spec: EVT-19 — allocated_at is kept
        budget = self.budgets.get((e.task_id, e.dimension))
        if budget is not None:
            budget[0], budget[1], budget[3] = e.new_limit, 0, False
        return None

    def _subscription_created(self, e: t.SubscriptionCreated) -> str | None:
        # spec: EVT-20, RED-10
        self.subscriptions[e.subscription_id] = [e.task_id, e.filter, e.timestamp, None, None]
        return None

    def _subscription_triggered(self, e: t.SubscriptionTriggered) -> str | None:
        # spec: EVT-21 — also after a cancellation
        sub = self.subscriptions.get(e.subscription_id)
        if sub is not None:
            sub[3] = e.timestamp
        return None

    def _subscription_canceled(self, e: t.SubscriptionCanceled) -> str | None:
        # spec: EVT-22
        sub = self.subscriptions.get(e.subscription_id)
        if sub is not None:
            sub[4] = e.timestamp
        return None

    def _actor_registered(self, e: t.ActorRegistered) -> str | None:
        # spec: EVT-23, RED-11 — a new registration clears heartbeat and deregistration
        self.actors[e.actor_id] = [
            e.identity,
            e.capabilities,
            e.department,
            e.heartbeat_interval_secs,
            e.tenant_id,
            e.timestamp,
            None,
            None,
        ]
        return None

    def _actor_deregistered(self, e: t.ActorDeregistered) -> str | None:
        # spec: EVT-24
        actor = self.actors.get(e.actor_id)
        if actor is not None:
            actor[7] = e.timestamp
        return None

    def _actor_heartbeat(self, e: t.ActorHeartbeat) -> str | None:
        # spec: EVT-25 — recorded for deregistered actors too
        actor = self.actors.get(e.actor_id)
        if actor is not None:
            actor[6] = e.timestamp
        return None

    def _tenant_created(self, e: t.TenantCreated) -> str | None:
        # spec: EVT-26
        self.tenants[e.tenant_id] = (e.name, e.timestamp)
        return None

    def _role_assigned(self, e: t.RoleAssigned) -> str | None:
        # spec: EVT-27 — one role per (actor, tenant)
        self.roles[(e.actor_id, e.tenant_id)] = (e.role, e.timestamp)
        return None

    def _capability_granted(self, e: t.CapabilityGranted) -> str | None:
        # spec: EVT-28 — a new grant clears an earlier revocation
        self.grants[(e.actor_id, grant_key(e.capability), e.tenant_id)] = [
            e.capability,
            e.timestamp,
            None,
        ]
        return None

    def _capability_revoked(self, e: t.CapabilityRevoked) -> str | None:
        # spec: EVT-29
        grant = self.grants.get((e.actor_id, grant_key(e.capability), e.tenant_id))
        if grant is not None:
            grant[2] = e.timestamp
        return None

    def _ledger_entry_appended(self, e: t.LedgerEntryAppended) -> str | None:
        # spec: EVT-30 — duplicate entry ids are kept
        self.ledger.append(
            (e.entry_id, e.tenant_id, e.ledger_key, e.actor_id, e.payload, e.timestamp)
        )
        return None

    # -- snapshots (SNP-9, SNP-11) -----------------------------------------------------------

    @classmethod
    def restored(cls, snap: t.Snapshot) -> SpecModel:
        """The state a validated snapshot describes (spec: SNP-9 steps 1 to 12, SNP-11)."""
        m = cls()
        for task in snap.tasks:
            m.tasks[task.task_spec.id] = [task.task_spec, task.created_at, task.canceled_at]
        for decl in snap.dependency_declarations:
            m.dependencies.setdefault(decl.task_id, set()).update(decl.depends_on)
        engine = snap.engine
        m.paused = engine.paused_at is not None and engine.resumed_at is None
        m.paused_at, m.resumed_at = engine.paused_at, engine.resumed_at
        for run in snap.runs:
            ri = run.run_instance
            lease = run.lease
            m.runs[ri.id] = ModelRun(
                ri.task_id,
                run.state_history[-1].to,
                ri.current_attempt_id,  # SNP-11: restored, not recomputed
                len(run.attempts),
                ri.created_at,
                ri.scheduled_at,
                ri.effective_priority,  # SNP-11
                ri.last_state_change_at,  # SNP-11
                [(h.from_, h.to, h.timestamp) for h in run.state_history],
                [list(a) for a in run.attempts],
                None
                if lease is None
                else (lease.owner, lease.expiry, lease.acquired_at, lease.updated_at),
            )
        for b in snap.budgets:
            m.budgets[(b.task_id, b.dimension)] = [b.limit, b.consumed, b.allocated_at, b.exhausted]
        for s in snap.subscriptions:
            m.subscriptions[s.subscription_id] = [
                s.task_id,
                s.filter,
                s.created_at,
                s.triggered_at,
                s.canceled_at,
            ]
        for a in snap.actors:  # a later entry with the same id wins (SNP-7)
            m.actors[a.actor_id] = [
                a.identity,
                a.capabilities,
                a.department,
                a.heartbeat_interval_secs,
                a.tenant_id,
                a.registered_at,
                a.last_heartbeat_at,  # SNP-11
                a.deregistered_at,
            ]
        for tenant in snap.tenants:
            m.tenants[tenant.tenant_id] = (tenant.name, tenant.created_at)
        for r in snap.role_assignments:
            m.roles[(r.actor_id, r.tenant_id)] = (r.role, r.assigned_at)
        for g in snap.capability_grants:
            m.grants[(g.actor_id, grant_key(g.capability), g.tenant_id)] = [
                g.capability,
                g.granted_at,
                g.revoked_at,
            ]
        for entry in snap.ledger_entries:
            m.ledger.append(tuple(entry))
        m.sequence = snap.metadata.wal_sequence
        return m

    # -- comparison --------------------------------------------------------------------------

    def view(self, components: Iterable[str] = COMPONENTS) -> View:
        """Components of RED-1 as plain values, keyed as the chapter keys them."""
        return {c: _MODEL_VIEWS[c](self) for c in components}


_MODEL_VIEWS: dict[str, Callable[[SpecModel], dict[Any, Any]]] = {
    "latest_sequence": lambda m: {(): m.sequence},
    "tasks": lambda m: {k: (v[0], v[1], v[2], None) for k, v in m.tasks.items()},
    "runs": lambda m: {k: run.view() for k, run in m.runs.items()},
    "engine": lambda m: {(): (m.paused, m.paused_at, m.resumed_at)},
    "dependencies": lambda m: {k: frozenset(v) for k, v in m.dependencies.items()},
    "budgets": lambda m: {k: tuple(v) for k, v in m.budgets.items()},
    "subscriptions": lambda m: {k: tuple(v) for k, v in m.subscriptions.items()},
    "actors": lambda m: {k: tuple(v) for k, v in m.actors.items()},
    "tenants": lambda m: dict(m.tenants),
    "role_assignments": lambda m: dict(m.roles),
    "capability_grants": lambda m: {k: tuple(v) for k, v in m.grants.items()},
    "ledger": lambda m: dict(enumerate(m.ledger)),
}


def _run_view(r: Any) -> tuple[Any, ...]:
    lease = r.lease
    return (
        r.task_id,
        r.state,
        r.current_attempt_id,
        r.attempt_count,
        r.created_at,
        r.scheduled_at,
        r.effective_priority,
        r.last_state_change_at,
        tuple(map(tuple, r.history)),  # value entries, plain tuples here
        tuple(
            (a.attempt_id, a.started_at, a.finished_at, a.result, a.error, a.output)
            for a in r.attempts
        ),
        None if lease is None else (lease.owner, lease.expiry, lease.acquired_at, lease.updated_at),
    )


_REFERENCE_VIEWS: dict[str, Callable[[ReplayState], dict[Any, Any]]] = {
    "latest_sequence": lambda s: {(): s.latest_sequence},
    "tasks": lambda s: {
        k: (v.spec, v.created_at, v.canceled_at, v.updated_at) for k, v in s.tasks.items()
    },
    "runs": lambda s: {k: _run_view(r) for k, r in s.runs.items()},
    "engine": lambda s: {(): (s.engine.paused, s.engine.paused_at, s.engine.resumed_at)},
    "dependencies": lambda s: {k: frozenset(v) for k, v in s.dependencies.items()},
    "budgets": lambda s: {
        k: (b.limit, b.consumed, b.allocated_at, b.exhausted) for k, b in s.budgets.items()
    },
    "subscriptions": lambda s: {
        k: (v.task_id, v.filter, v.created_at, v.triggered_at, v.canceled_at)
        for k, v in s.subscriptions.items()
    },
    "actors": lambda s: {
        k: (
            a.identity,
            a.capabilities,
            a.department,
            a.heartbeat_interval_secs,
            a.tenant_id,
            a.registered_at,
            a.last_heartbeat_at,
            a.deregistered_at,
        )
        for k, a in s.actors.items()
    },
    "tenants": lambda s: {k: (v.name, v.created_at) for k, v in s.tenants.items()},
    "role_assignments": lambda s: {
        k: (v.role, v.assigned_at) for k, v in s.role_assignments.items()
    },
    "capability_grants": lambda s: {
        k: (v.capability, v.granted_at, v.revoked_at) for k, v in s.capability_grants.items()
    },
    "ledger": lambda s: {
        i: (e.entry_id, e.tenant_id, e.ledger_key, e.actor_id, e.payload, e.timestamp)
        for i, e in enumerate(s.ledger)
    },
}


def observe(state: ReplayState, components: Iterable[str] = COMPONENTS) -> View:
    """The reference's state in the shape of :meth:`SpecModel.view` (read only)."""
    return {c: _REFERENCE_VIEWS[c](state) for c in components}


def _show_key(key: Any) -> str:
    if isinstance(key, bytes) and len(key) == 16:
        return uuid_text(key)
    if isinstance(key, tuple):
        return "(" + ", ".join(_show_key(k) for k in key) + ")"
    if isinstance(key, t.BudgetDimension):
        return key.name
    return repr(key)


def first_difference(expected: View, actual: View) -> str | None:
    """Describe the first entity on which two views differ, or None when they are equal."""
    for component in expected:
        clauses = GOVERNED_BY[component]
        want, have = expected[component], actual[component]
        if want == have:
            continue
        keys: Iterable[Any] = sorted(set(want) | set(have), key=repr)
        for key in keys:
            if want.get(key) != have.get(key):
                return (
                    f"{component}[{_show_key(key)}] ({clauses}): "
                    f"reference {have.get(key, 'absent')!r}, model {want.get(key, 'absent')!r}"
                )
    return None
