"""The reducer: one handler per event, atomic, with the engine's checks in the engine's order.

``Reducer.apply(event)`` either applies a :class:`~aqwal.types.WalEvent` to the state and
advances ``latest_sequence``, or raises :class:`~aqwal.errors.ReducerError` and leaves the state
exactly as it was (spec: RED-3). Every handler first runs all of its checks, in the order the
engine runs them (spec EVT-0 .. EVT-30), and only then mutates.

The engine is not atomic in one reachable case (``AttemptFinished`` for a reused attempt id
clears the active attempt before it fails); aqwal is, as the spec requires. See spec/reducer.md,
"Engine divergences".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from aqwal import types as t
from aqwal.errors import ERROR_CODES, ReducerError
from aqwal.forms import uuid_text
from aqwal.state import (
    ActorRecord,
    AttemptEntry,
    BudgetRecord,
    CapabilityGrantRecord,
    HistoryEntry,
    Lease,
    LedgerEntryRecord,
    ReplayState,
    RoleAssignmentRecord,
    RunRecord,
    SubscriptionRecord,
    TaskRecord,
    TenantRecord,
)

RS = t.RunState
#: A value from its fields in order, without the named tuple's Python-level constructor
#: (spec: TYP-16)
_history_entry = t.new_value
U32_MAX = 0xFFFF_FFFF
U64_MAX = 0xFFFF_FFFF_FFFF_FFFF

# spec: RED-4 — the 17 legal (from, to) pairs of the run state machine.
TRANSITIONS: frozenset[tuple[t.RunState, t.RunState]] = frozenset(
    {
        (RS.Scheduled, RS.Ready),
        (RS.Scheduled, RS.Canceled),
        (RS.Ready, RS.Leased),
        (RS.Ready, RS.Canceled),
        (RS.Leased, RS.Ready),
        (RS.Leased, RS.Running),
        (RS.Leased, RS.Canceled),
        (RS.Running, RS.RetryWait),
        (RS.Running, RS.Suspended),
        (RS.Running, RS.Completed),
        (RS.Running, RS.Failed),
        (RS.Running, RS.Canceled),
        (RS.RetryWait, RS.Ready),
        (RS.RetryWait, RS.Failed),
        (RS.RetryWait, RS.Canceled),
        (RS.Suspended, RS.Ready),
        (RS.Suspended, RS.Canceled),
    }
)
TERMINAL: frozenset[t.RunState] = frozenset({RS.Completed, RS.Failed, RS.Canceled})

# spec: RED-6 — the run states in which each lease event may occur.
_LEASE_STATES = {
    "Acquire": frozenset({RS.Ready, RS.Leased}),
    "Heartbeat": frozenset({RS.Leased, RS.Running}),
    "Expire": frozenset({RS.Ready, RS.Leased, RS.Running}),
    "Release": frozenset({RS.Ready, RS.Leased, RS.Running}),
}

# The same rules as tables indexed by the states' discriminants (0-8, in declaration order):
# a check is two index operations instead of hashing enum members, whose ``__hash__`` is a
# Python-level function, for every state change a replay applies.
assert [s._value_ for s in RS] == list(range(len(RS)))
#: ``LEGAL_AFTER[a._value_][b._value_]``: whether ``(a, b)`` is in :data:`TRANSITIONS`.
LEGAL_AFTER: tuple[tuple[bool, ...], ...] = tuple(
    tuple((a, b) in TRANSITIONS for b in RS) for a in RS
)
_IS_TERMINAL: tuple[bool, ...] = tuple(s in TERMINAL for s in RS)
_CANCELED = RS.Canceled._value_
_LEASE_ALLOWED: dict[str, tuple[bool, ...]] = {
    kind: tuple(s in states for s in RS) for kind, states in _LEASE_STATES.items()
}


#: The engine's ``ReplayReducerError`` variant behind each reducer code (spec: RED-14), as the
#: error table gives it (``engine`` of spec/registry/errors.json).
ENGINE_ERROR_KIND: dict[str, str] = {
    e.code: e.engine.removeprefix("ReplayReducerError::")
    for e in ERROR_CODES.values()
    if e.category == "reducer"
}


def _reject(code: str, message: str) -> ReducerError:
    return ReducerError(code, message)


def capability_key(cap: t.Capability) -> str:
    """The key under which a capability grant is stored (spec: RED-12)."""
    if type(cap) is t.CapabilityCustom:
        return f"Custom:{cap.name}"
    return type(cap).__name__.removeprefix("Capability")


def normalize_outcome(
    result: t.AttemptResultKind, error: str | None, output: bytes | None
) -> tuple[t.AttemptResultKind, str | None, bytes | None]:
    """What the engine stores for an attempt's outcome (spec: EVT-4, outcome shapes)."""
    if result in (t.AttemptResultKind.Success, t.AttemptResultKind.Suspended):
        if error is None:
            return result, None, output
        return result, None, None
    if error is not None and output is None:
        return result, error, None
    fallback = "unknown failure" if result is t.AttemptResultKind.Failure else "unknown timeout"
    return result, error if error is not None else fallback, None


def _first_attempt(run: RunRecord, attempt_id: t.AttemptId) -> int:
    """The index of the first entry of ``attempt_id`` in the run's attempts."""
    # The active attempt always has a history entry: AttemptStarted appends one, and a
    # snapshot bootstrap only activates an attempt that has one (SNP-9).
    index = run.first_attempts.get(attempt_id)
    if index is None:
        raise AssertionError(f"active attempt {uuid_text(attempt_id)} has no history entry")
    return index


try:  # the compiled build (mypyc) needs this to let tests subclass the reducer
    from mypy_extensions import mypyc_attr
except ImportError:  # pure Python: a no-op

    def mypyc_attr(*attrs: str, **kwattrs: object) -> Any:  # type: ignore[misc]
        return lambda cls: cls


@mypyc_attr(allow_interpreted_subclasses=True)
class Reducer:
    """Applies WAL events to a :class:`ReplayState`."""

    __slots__ = ("_handlers", "state")

    def __init__(self, state: ReplayState | None = None) -> None:
        self.state = state if state is not None else ReplayState()
        self._handlers = _handlers_of(type(self))

    # -- envelope ----------------------------------------------------------------------------

    def apply(self, event: t.WalEvent) -> None:
        """Apply one record, or raise ReducerError and change nothing (RED-2, RED-3)."""
        sequence = event.sequence
        body = event.event
        if sequence <= self.state.latest_sequence:
            raise _reject(
                "sequence_not_increasing",
                f"sequence {sequence} is not greater than {self.state.latest_sequence}",
            )
        handler = self._handlers.get(type(body))
        if handler is None:
            raise TypeError(f"not a WalEventType: {type(body).__name__}")
        handler(self, body)
        self.state.latest_sequence = sequence

    # -- runs --------------------------------------------------------------------------------

    def _run(self, run_id: t.RunId) -> RunRecord:
        run = self.state.runs.get(run_id)
        if run is None:
            raise _reject("unknown_run", f"run {uuid_text(run_id)} is not known")
        return run

    def _check_transition(self, run: RunRecord, previous: t.RunState, new: t.RunState) -> None:
        # spec: EVT-2 checks, in the engine's order
        if run.state is not previous:
            raise _reject(
                "previous_state_mismatch",
                f"run {uuid_text(run.id)} is {run.state.name}, event says {previous.name}",
            )
        if not LEGAL_AFTER[previous._value_][new._value_]:
            raise _reject("illegal_transition", f"{previous.name} -> {new.name} is not allowed")
        if run.current_attempt_id is not None and (
            new is RS.Running or (previous is RS.Running and new is not RS.Canceled)
        ):
            raise _reject(
                "attempt_in_progress",
                f"run {uuid_text(run.id)} has an active attempt; {previous.name} -> {new.name} "
                "is refused until it finishes",
            )

    def _transition(self, run: RunRecord, new: t.RunState, timestamp: int) -> None:
        # spec: RED-4 effects — clears the attempt unless Running; terminal drops the lease
        previous = run.state
        run.state = new
        if new is not RS.Running:
            run.current_attempt_id = None
        run.last_state_change_at = timestamp
        run.history.append(_history_entry(HistoryEntry, (previous, new, timestamp)))
        if _IS_TERMINAL[new._value_]:
            run.lease = None

    def _state_changed(
        self, run_id: t.RunId, previous: t.RunState, new: t.RunState, timestamp: int
    ) -> None:
        run = self._run(run_id)
        self._check_transition(run, previous, new)
        self._transition(run, new, timestamp)

    def task_created(self, e: t.TaskCreated) -> None:
        # spec: EVT-0
        task_id = e.task_spec.id
        if task_id in self.state.tasks:
            raise _reject("duplicate_task", f"task {uuid_text(task_id)} already exists")
        self.state.tasks[task_id] = TaskRecord(e.task_spec, e.timestamp)

    def run_created(self, e: t.RunCreated) -> None:
        # spec: EVT-1 — the task need not exist (engine leniency, RED-15)
        ri = e.run_instance
        if ri.id in self.state.runs:
            raise _reject("duplicate_run", f"run {uuid_text(ri.id)} already exists")
        if ri.state is not RS.Scheduled:
            raise _reject("run_not_scheduled", f"a new run must be Scheduled, not {ri.state.name}")
        self.state.runs[ri.id] = RunRecord(
            ri.id,
            ri.task_id,
            ri.state,
            ri.current_attempt_id,
            ri.attempt_count,
            ri.created_at,
            ri.scheduled_at,
            ri.effective_priority,
            ri.last_state_change_at,
            [_history_entry(HistoryEntry, (None, RS.Scheduled, ri.created_at))],
        )

    def run_state_changed(self, e: t.RunStateChanged) -> None:
        # spec: EVT-2
        self._state_changed(e.run_id, e.previous_state, e.new_state, e.timestamp)

    def run_suspended(self, e: t.RunSuspended) -> None:
        # spec: EVT-14 — exactly RunStateChanged(Running -> Suspended); the reason is not kept
        self._state_changed(e.run_id, RS.Running, RS.Suspended, e.timestamp)

    def run_resumed(self, e: t.RunResumed) -> None:
        # spec: EVT-15 — exactly RunStateChanged(Suspended -> Ready)
        self._state_changed(e.run_id, RS.Suspended, RS.Ready, e.timestamp)

    def run_canceled(self, e: t.RunCanceled) -> None:
        # spec: EVT-6 — from any non-terminal state, even with an active attempt
        run = self._run(e.run_id)
        if not LEGAL_AFTER[run.state._value_][_CANCELED]:
            raise _reject("illegal_transition", f"{run.state.name} -> Canceled is not allowed")
        self._transition(run, RS.Canceled, e.timestamp)

    # -- attempts ----------------------------------------------------------------------------

    def _running(self, run_id: t.RunId) -> RunRecord:
        run = self._run(run_id)
        if run.state is not RS.Running:
            raise _reject(
                "run_not_running", f"run {uuid_text(run_id)} is {run.state.name}, not Running"
            )
        return run

    def attempt_started(self, e: t.AttemptStarted) -> None:
        # spec: EVT-3 — attempt ids are not checked for uniqueness
        run = self._running(e.run_id)
        if run.current_attempt_id is not None:
            raise _reject(
                "attempt_already_active",
                f"run {uuid_text(run.id)} already runs attempt {uuid_text(run.current_attempt_id)}",
            )
        if run.attempt_count >= U32_MAX:
            raise _reject(
                "attempt_count_overflow", f"run {uuid_text(run.id)} attempt counter overflow"
            )
        run.attempt_count += 1
        run.current_attempt_id = e.attempt_id
        run.add_attempt(AttemptEntry(e.attempt_id, e.timestamp, None, None, None, None))

    def attempt_finished(self, e: t.AttemptFinished) -> None:
        # spec: EVT-4 — all checks first (the engine clears the attempt before its last check)
        run = self._running(e.run_id)
        active = run.current_attempt_id
        if active is None:
            raise _reject("no_active_attempt", f"run {uuid_text(run.id)} has no active attempt")
        if active != e.attempt_id:
            raise _reject(
                "attempt_mismatch",
                f"run {uuid_text(run.id)} runs attempt {uuid_text(active)}, "
                f"not {uuid_text(e.attempt_id)}",
            )
        index = _first_attempt(run, e.attempt_id)
        entry = run.attempts[index]
        if entry.finished_at is not None:
            # The engine looks at the *first* entry with this id (attempt ids can be reused).
            raise _reject(
                "attempt_already_finished",
                f"the first attempt {uuid_text(e.attempt_id)} of run {uuid_text(run.id)} "
                "already finished",
            )
        result, error, output = normalize_outcome(e.result, e.error, e.output)
        run.current_attempt_id = None
        run.attempts[index] = AttemptEntry(
            entry.attempt_id, entry.started_at, e.timestamp, result, error, output
        )

    # -- tasks -------------------------------------------------------------------------------

    def task_canceled(self, e: t.TaskCanceled) -> None:
        # spec: EVT-5 — the task's runs are not touched
        task = self.state.tasks.get(e.task_id)
        if task is None:
            raise _reject("unknown_task", f"task {uuid_text(e.task_id)} is not known")
        if task.canceled_at is not None:
            raise _reject(
                "task_already_canceled",
                f"task {uuid_text(e.task_id)} was already canceled at {task.canceled_at}",
            )
        task.canceled_at = e.timestamp

    # -- leases ------------------------------------------------------------------------------

    def _lease_run(self, run_id: t.RunId, kind: str) -> RunRecord:
        run = self.state.runs.get(run_id)
        if run is None:
            raise _reject("lease_unknown_run", f"lease {kind} for unknown run {uuid_text(run_id)}")
        if not _LEASE_ALLOWED[kind][run.state._value_]:
            raise _reject(
                "lease_run_state", f"lease {kind} is not allowed while the run is {run.state.name}"
            )
        return run

    def _active_lease(self, run: RunRecord, kind: str, owner: str) -> Lease:
        lease = run.lease
        if lease is None:
            raise _reject("lease_missing", f"lease {kind} but run {uuid_text(run.id)} has no lease")
        if lease.owner != owner:
            raise _reject(
                "lease_owner_mismatch",
                f"lease {kind} by {owner!r}, the lease belongs to {lease.owner!r}",
            )
        return lease

    def lease_acquired(self, e: t.LeaseAcquired) -> None:
        # spec: EVT-7 — the run's state does not change
        run = self._lease_run(e.run_id, "Acquire")
        if run.lease is not None:
            raise _reject("lease_already_active", f"run {uuid_text(run.id)} already has a lease")
        run.lease = Lease(e.owner, e.expiry, e.timestamp, e.timestamp)

    def lease_heartbeat(self, e: t.LeaseHeartbeat) -> None:
        # spec: EVT-8
        run = self._lease_run(e.run_id, "Heartbeat")
        lease = self._active_lease(run, "Heartbeat", e.owner)
        if e.expiry < lease.expiry:
            raise _reject(
                "lease_expiry_regressed",
                f"heartbeat expiry {e.expiry} is before the current expiry {lease.expiry}",
            )
        lease.expiry = e.expiry
        lease.updated_at = e.timestamp

    def _lease_closed(self, run_id: t.RunId, kind: str, owner: str, expiry: int) -> None:
        # spec: EVT-9, EVT-10 — a Leased run goes back to Ready with no history entry (RED-6)
        run = self._lease_run(run_id, kind)
        lease = self._active_lease(run, kind, owner)
        if lease.expiry != expiry:
            raise _reject(
                "lease_expiry_mismatch",
                f"lease {kind} names expiry {expiry}, the lease expires at {lease.expiry}",
            )
        run.lease = None
        if run.state is RS.Leased:
            run.state = RS.Ready
            run.current_attempt_id = None

    def lease_expired(self, e: t.LeaseExpired) -> None:
        self._lease_closed(e.run_id, "Expire", e.owner, e.expiry)

    def lease_released(self, e: t.LeaseReleased) -> None:
        self._lease_closed(e.run_id, "Release", e.owner, e.expiry)

    # -- engine ------------------------------------------------------------------------------

    def engine_paused(self, e: t.EnginePaused) -> None:
        # spec: EVT-11
        engine = self.state.engine
        if engine.paused:
            raise _reject("engine_already_paused", f"engine already paused at {engine.paused_at}")
        engine.paused = True
        engine.paused_at = e.timestamp
        engine.resumed_at = None

    def engine_resumed(self, e: t.EngineResumed) -> None:
        # spec: EVT-12
        engine = self.state.engine
        if not engine.paused:
            raise _reject("engine_not_paused", "engine resumed while not paused")
        if engine.paused_at is not None and e.timestamp < engine.paused_at:
            raise _reject(
                "engine_resume_before_pause",
                f"resume at {e.timestamp} precedes the pause at {engine.paused_at}",
            )
        engine.paused = False
        engine.resumed_at = e.timestamp

    # -- infallible events -------------------------------------------------------------------

    def dependency_declared(self, e: t.DependencyDeclared) -> None:
        # spec: EVT-13 — a set union; unknown tasks are accepted
        self.state.dependencies.setdefault(e.task_id, set()).update(e.depends_on)

    def budget_allocated(self, e: t.BudgetAllocated) -> None:
        # spec: EVT-16 — replaces any earlier allocation and its consumption
        self.state.budgets[(e.task_id, e.dimension)] = BudgetRecord(e.limit, 0, e.timestamp, False)

    def budget_consumed(self, e: t.BudgetConsumed) -> None:
        # spec: EVT-17 — saturating; exhaustion is sticky until replenished
        budget = self.state.budgets.get((e.task_id, e.dimension))
        if budget is not None:
            budget.consumed = min(budget.consumed + e.amount, U64_MAX)
            if budget.consumed >= budget.limit:
                budget.exhausted = True

    def budget_exhausted(self, e: t.BudgetExhausted) -> None:
        # spec: EVT-18
        budget = self.state.budgets.get((e.task_id, e.dimension))
        if budget is not None:
            budget.exhausted = True

    def budget_replenished(self, e: t.BudgetReplenished) -> None:
        # spec: EVT-19 — allocated_at is kept
        budget = self.state.budgets.get((e.task_id, e.dimension))
        if budget is not None:
            budget.limit = e.new_limit
            budget.consumed = 0
            budget.exhausted = False

    def subscription_created(self, e: t.SubscriptionCreated) -> None:
        # spec: EVT-20
        self.state.subscriptions[e.subscription_id] = SubscriptionRecord(
            e.task_id, e.filter, e.timestamp
        )

    def subscription_triggered(self, e: t.SubscriptionTriggered) -> None:
        # spec: EVT-21
        sub = self.state.subscriptions.get(e.subscription_id)
        if sub is not None:
            sub.triggered_at = e.timestamp

    def subscription_canceled(self, e: t.SubscriptionCanceled) -> None:
        # spec: EVT-22
        sub = self.state.subscriptions.get(e.subscription_id)
        if sub is not None:
            sub.canceled_at = e.timestamp

    def actor_registered(self, e: t.ActorRegistered) -> None:
        # spec: EVT-23 — replaces an earlier registration, clearing heartbeat and deregistration
        self.state.actors[e.actor_id] = ActorRecord(
            e.identity,
            e.capabilities,
            e.department,
            e.heartbeat_interval_secs,
            e.tenant_id,
            e.timestamp,
        )

    def actor_deregistered(self, e: t.ActorDeregistered) -> None:
        # spec: EVT-24
        actor = self.state.actors.get(e.actor_id)
        if actor is not None:
            actor.deregistered_at = e.timestamp

    def actor_heartbeat(self, e: t.ActorHeartbeat) -> None:
        # spec: EVT-25 — also for deregistered actors
        actor = self.state.actors.get(e.actor_id)
        if actor is not None:
            actor.last_heartbeat_at = e.timestamp

    def tenant_created(self, e: t.TenantCreated) -> None:
        # spec: EVT-26
        self.state.tenants[e.tenant_id] = TenantRecord(e.name, e.timestamp)

    def role_assigned(self, e: t.RoleAssigned) -> None:
        # spec: EVT-27 — one role per actor and tenant
        self.state.role_assignments[(e.actor_id, e.tenant_id)] = RoleAssignmentRecord(
            e.role, e.timestamp
        )

    def capability_granted(self, e: t.CapabilityGranted) -> None:
        # spec: EVT-28 — a re-grant clears an earlier revocation
        key = (e.actor_id, capability_key(e.capability), e.tenant_id)
        self.state.capability_grants[key] = CapabilityGrantRecord(e.capability, e.timestamp)

    def capability_revoked(self, e: t.CapabilityRevoked) -> None:
        # spec: EVT-29
        grant = self.state.capability_grants.get(
            (e.actor_id, capability_key(e.capability), e.tenant_id)
        )
        if grant is not None:
            grant.revoked_at = e.timestamp

    def ledger_entry_appended(self, e: t.LedgerEntryAppended) -> None:
        # spec: EVT-30 — duplicate entry ids are kept
        self.state.ledger.append(
            LedgerEntryRecord(
                e.entry_id, e.tenant_id, e.ledger_key, e.actor_id, e.payload, e.timestamp
            )
        )


_HANDLERS: dict[type, Callable[[Reducer, Any], None]] = {
    t.TaskCreated: Reducer.task_created,
    t.RunCreated: Reducer.run_created,
    t.RunStateChanged: Reducer.run_state_changed,
    t.AttemptStarted: Reducer.attempt_started,
    t.AttemptFinished: Reducer.attempt_finished,
    t.TaskCanceled: Reducer.task_canceled,
    t.RunCanceled: Reducer.run_canceled,
    t.LeaseAcquired: Reducer.lease_acquired,
    t.LeaseHeartbeat: Reducer.lease_heartbeat,
    t.LeaseExpired: Reducer.lease_expired,
    t.LeaseReleased: Reducer.lease_released,
    t.EnginePaused: Reducer.engine_paused,
    t.EngineResumed: Reducer.engine_resumed,
    t.DependencyDeclared: Reducer.dependency_declared,
    t.RunSuspended: Reducer.run_suspended,
    t.RunResumed: Reducer.run_resumed,
    t.BudgetAllocated: Reducer.budget_allocated,
    t.BudgetConsumed: Reducer.budget_consumed,
    t.BudgetExhausted: Reducer.budget_exhausted,
    t.BudgetReplenished: Reducer.budget_replenished,
    t.SubscriptionCreated: Reducer.subscription_created,
    t.SubscriptionTriggered: Reducer.subscription_triggered,
    t.SubscriptionCanceled: Reducer.subscription_canceled,
    t.ActorRegistered: Reducer.actor_registered,
    t.ActorDeregistered: Reducer.actor_deregistered,
    t.ActorHeartbeat: Reducer.actor_heartbeat,
    t.TenantCreated: Reducer.tenant_created,
    t.RoleAssigned: Reducer.role_assigned,
    t.CapabilityGranted: Reducer.capability_granted,
    t.CapabilityRevoked: Reducer.capability_revoked,
    t.LedgerEntryAppended: Reducer.ledger_entry_appended,
}


_HandlerTable = dict[type, Callable[[Reducer, Any], None]]
_TABLES: dict[type, _HandlerTable] = {}


def _handlers_of(cls: type[Reducer]) -> _HandlerTable:
    """The handlers of a reducer class, built once per class: a subclass's override of a
    handler is the one called. Not bound to a reducer: bound methods would make a reference
    cycle through it, which would keep its state alive after its last use until the cyclic
    collector's next full collection."""
    table = _TABLES.get(cls)
    if table is None:
        table = {event_type: getattr(cls, fn.__name__) for event_type, fn in _HANDLERS.items()}
        _TABLES[cls] = table
    return table


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one record during replay (spec: RED-13)."""

    sequence: int
    applied: bool
    error: ReducerError | None = None

    @property
    def code(self) -> str | None:
        return None if self.error is None else self.error.code


def replay(
    events: Iterable[t.WalEvent], reducer: Reducer | None = None, *, strict: bool = False
) -> Iterator[Outcome]:
    """Apply records in order, yielding each one's outcome (spec: RED-13).

    A rejected record does not stop replay unless ``strict``, in which case its error is
    raised after the outcomes before it were yielded.
    """
    r = reducer if reducer is not None else Reducer()
    apply = r.apply
    for event in events:
        try:
            apply(event)
        except ReducerError as exc:
            if strict:
                raise
            yield Outcome(event.sequence, False, exc)
        else:
            yield Outcome(event.sequence, True)
