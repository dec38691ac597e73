"""The replay state: what a reducer holds after applying a log (spec: RED-1).

It mirrors the engine's projection (``ReplayReducer`` in actionqueue-storage) field for field,
with one simplification that changes nothing observable: the engine keeps each run's state,
instance, history, attempts and lease in separate maps that are always written together; here
they live in one :class:`RunRecord`.

Records are mutable and only the reducer mutates them (after every precondition of an event
has been checked, spec RED-3). Identifiers are the 16 raw UUID bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aqwal.types import (
    ActorId,
    AttemptId,
    BudgetDimension,
    Capability,
    EventFilter,
    LedgerEntryId,
    Role,
    RunId,
    RunInstance,
    RunState,
    SnapshotAttemptHistoryEntry,
    SnapshotRunStateHistoryEntry,
    SubscriptionId,
    TaskId,
    TaskSpec,
    TenantId,
)


@dataclass(slots=True)
class TaskRecord:
    spec: TaskSpec
    created_at: int
    canceled_at: int | None = None
    #: Never set by any event; kept because the snapshot form carries it (always null).
    updated_at: int | None = None


@dataclass(slots=True)
class Lease:
    owner: str
    expiry: int
    acquired_at: int
    updated_at: int


#: One entry of a run's state history: from, to, timestamp; ``from_`` is None for the first. The
#: snapshot's own value type, so that a snapshot and the state it restores share the entries.
HistoryEntry = SnapshotRunStateHistoryEntry
#: One entry of a run's attempt history, also the snapshot's own value type: a value, so that a
#: snapshot and the state it restores share the entries; finishing an attempt replaces its entry.
AttemptEntry = SnapshotAttemptHistoryEntry


@dataclass(slots=True)
class RunRecord:
    """A run: the fields of its RunInstance, its history, its attempts and its lease."""

    id: RunId
    task_id: TaskId
    state: RunState
    current_attempt_id: AttemptId | None
    attempt_count: int
    created_at: int
    scheduled_at: int
    effective_priority: int
    last_state_change_at: int
    history: list[HistoryEntry] = field(default_factory=list)
    #: Every attempt, in start order; add and set them only with :meth:`add_attempt` and
    #: :meth:`set_attempts`, which keep :attr:`first_attempts` in step (an entry may be
    #: replaced in place).
    attempts: list[AttemptEntry] = field(default_factory=list)
    lease: Lease | None = None
    #: Attempt id → the index of its first entry in :attr:`attempts` (ids may repeat; EVT-4
    #: looks at the first), so that finishing an attempt does not scan the run's whole history.
    first_attempts: dict[AttemptId, int] = field(default_factory=dict, compare=False, repr=False)

    def add_attempt(self, entry: AttemptEntry) -> None:
        self.first_attempts.setdefault(entry.attempt_id, len(self.attempts))
        self.attempts.append(entry)

    def set_attempts(self, entries: list[AttemptEntry]) -> None:
        self.attempts = entries
        first: dict[AttemptId, int] = {}
        for index, entry in enumerate(entries):
            first.setdefault(entry.attempt_id, index)
        self.first_attempts = first

    def instance(self) -> RunInstance:
        return RunInstance(
            self.id,
            self.task_id,
            self.state,
            self.current_attempt_id,
            self.attempt_count,
            self.created_at,
            self.scheduled_at,
            self.effective_priority,
            self.last_state_change_at,
        )


@dataclass(slots=True)
class EngineControl:
    paused: bool = False
    paused_at: int | None = None
    resumed_at: int | None = None


@dataclass(slots=True)
class BudgetRecord:
    limit: int
    consumed: int
    allocated_at: int
    exhausted: bool


@dataclass(slots=True)
class SubscriptionRecord:
    task_id: TaskId
    filter: EventFilter
    created_at: int
    triggered_at: int | None = None
    canceled_at: int | None = None


@dataclass(slots=True)
class ActorRecord:
    identity: str
    capabilities: tuple[str, ...]
    department: str | None
    heartbeat_interval_secs: int
    tenant_id: TenantId | None
    registered_at: int
    last_heartbeat_at: int | None = None
    deregistered_at: int | None = None


@dataclass(slots=True)
class TenantRecord:
    name: str
    created_at: int


@dataclass(slots=True)
class RoleAssignmentRecord:
    role: Role
    assigned_at: int


@dataclass(slots=True)
class CapabilityGrantRecord:
    capability: Capability
    granted_at: int
    revoked_at: int | None = None


@dataclass(slots=True)
class LedgerEntryRecord:
    entry_id: LedgerEntryId
    tenant_id: TenantId
    ledger_key: str
    actor_id: ActorId | None
    payload: bytes
    timestamp: int


BudgetKey = tuple[TaskId, BudgetDimension]
RoleKey = tuple[ActorId, TenantId]
#: (actor, capability key, tenant); the key is "CanSubmit" ... or "Custom:<name>" (RED-12).
GrantKey = tuple[ActorId, str, TenantId]


@dataclass(slots=True)
class ReplayState:
    """Everything a reducer knows (spec: RED-1)."""

    latest_sequence: int = 0
    tasks: dict[TaskId, TaskRecord] = field(default_factory=dict)
    runs: dict[RunId, RunRecord] = field(default_factory=dict)
    engine: EngineControl = field(default_factory=EngineControl)
    #: Declaring task → the set of its prerequisites (union of every declaration).
    dependencies: dict[TaskId, set[TaskId]] = field(default_factory=dict)
    budgets: dict[BudgetKey, BudgetRecord] = field(default_factory=dict)
    subscriptions: dict[SubscriptionId, SubscriptionRecord] = field(default_factory=dict)
    actors: dict[ActorId, ActorRecord] = field(default_factory=dict)
    tenants: dict[TenantId, TenantRecord] = field(default_factory=dict)
    role_assignments: dict[RoleKey, RoleAssignmentRecord] = field(default_factory=dict)
    capability_grants: dict[GrantKey, CapabilityGrantRecord] = field(default_factory=dict)
    ledger: list[LedgerEntryRecord] = field(default_factory=list)

    def run_ids_for_task(self, task_id: TaskId) -> list[RunId]:
        """The runs of a task, sorted by identifier (RED-1, informative query)."""
        return sorted(r.id for r in self.runs.values() if r.task_id == task_id)
