"""The WAL v5 types, each declared exactly once (spec: TYP-1 .. TYP-15, REG-1).

Field order is wire order: it is the declaration order of the Rust types in
ActionQueue's ``actionqueue-core`` and ``actionqueue-storage`` crates. Changing anything here
changes the wire format; ``aqwal schema diff`` says whether a change keeps old logs readable.
"""

from __future__ import annotations

from aqwal.schema import (
    Decl,
    Enum,
    Field,
    Newtype,
    Opt,
    Prim,
    Ref,
    Registry,
    Seq,
    Struct,
    Variant,
    build_registry,
)

U8, U32, U64, I32 = Prim.U8, Prim.U32, Prim.U64, Prim.I32
STRING, BYTES, UUID = Prim.STRING, Prim.BYTES, Prim.UUID

#: The number of WalEventType variants that existed in WAL v4 (discriminants 0-22).
V4_VARIANT_COUNT = 23

#: Frame version of WAL records (spec: FRM-2).
WAL_FRAME_VERSION = 5


def _ts() -> Field:
    return Field("timestamp", U64, "Unix seconds by convention; never validated")


def _id(name: str, doc: str) -> Newtype:
    return Newtype(name, UUID, doc, clause="TYP-15")


def _unit_enum(
    name: str, names: list[str], doc: str, clause: str, default: str | None = None
) -> Enum:
    return Enum(
        name,
        tuple(Variant(n, i, "unit") for i, n in enumerate(names)),
        doc,
        clause,
        default=default,
    )


def _sv(name: str, index: int, *fields: Field, doc: str = "", py_name: str = "") -> Variant:
    return Variant(name, index, "struct", tuple(fields), doc, py_name=py_name)


def _lease(name: str, index: int, doc: str) -> Variant:
    return _sv(
        name,
        index,
        Field("run_id", Ref("RunId")),
        Field("owner", STRING),
        Field("expiry", U64),
        _ts(),
        doc=doc,
    )


IDENTIFIERS: list[Decl] = [
    _id("TaskId", "Identifies a task"),
    _id("RunId", "Identifies one run of a task"),
    _id("AttemptId", "Identifies one execution attempt of a run"),
    _id("ActorId", "Identifies a registered actor (worker)"),
    _id("TenantId", "Identifies a tenant"),
    _id("LedgerEntryId", "Identifies a ledger entry"),
    _id("SubscriptionId", "Identifies an event subscription"),
]

CORE_TYPES: list[Decl] = [
    Struct(
        "WalEvent",
        (
            Field("sequence", U64, "Strictly increasing position of the record in the log"),
            Field("event", Ref("WalEventType")),
        ),
        "One WAL record payload",
        clause="TYP-1",
    ),
    Struct(
        "TaskSpec",
        (
            Field("id", Ref("TaskId")),
            Field("payload", Ref("TaskPayload")),
            Field("run_policy", Ref("RunPolicy")),
            Field("constraints", Ref("TaskConstraints")),
            Field("metadata", Ref("TaskMetadata")),
            Field("parent_task_id", Opt(Ref("TaskId")), serde_default=True),
            Field("tenant_id", Opt(Ref("TenantId")), serde_default=True),
        ),
        "The definition of a task",
        validator="validate_task_spec",
        clause="TYP-3",
    ),
    Struct(
        "TaskPayload",
        (
            Field("bytes", BYTES, "Opaque handler input"),
            Field("content_type", Opt(STRING)),
        ),
        "Opaque task input and its media type",
        clause="TYP-4",
    ),
    Enum(
        "RunPolicy",
        (
            Variant("Once", 0, "unit", py_name="RunPolicyOnce", doc="Run exactly once"),
            Variant(
                "Repeat",
                1,
                "newtype",
                (Field("policy", Ref("RepeatPolicy")),),
                "Run count times, interval_secs apart",
                py_name="RunPolicyRepeat",
            ),
            Variant(
                "Cron",
                2,
                "newtype",
                (Field("policy", Ref("CronPolicy")),),
                "Run on a cron schedule (only in builds with the workflow feature)",
                feature="workflow",
                py_name="RunPolicyCron",
            ),
        ),
        "How often a task's runs are created",
        clause="TYP-5",
    ),
    Struct(
        "RepeatPolicy",
        (Field("count", U32), Field("interval_secs", U64)),
        "Repeat schedule",
        validator="validate_repeat_policy",
        clause="TYP-5",
    ),
    Struct(
        "CronPolicy",
        (
            Field("expression", STRING),
            Field("max_occurrences", Opt(U32), serde_default=True, skip_if_none=True),
        ),
        "Cron schedule (workflow feature)",
        validator="validate_cron_policy",
        clause="TYP-5",
    ),
    Struct(
        "TaskConstraints",
        (
            Field("max_attempts", U32),
            Field("timeout_secs", Opt(U64)),
            Field("concurrency_key", Opt(STRING)),
            Field(
                "concurrency_key_hold_policy",
                Ref("ConcurrencyKeyHoldPolicy"),
                serde_default=True,
            ),
            Field("safety_level", Ref("SafetyLevel"), serde_default=True),
            Field("required_capabilities", Opt(Seq(STRING)), serde_default=True),
        ),
        "Execution limits of a task",
        validator="validate_task_constraints",
        clause="TYP-6",
    ),
    _unit_enum(
        "ConcurrencyKeyHoldPolicy",
        ["HoldDuringRetry", "ReleaseOnRetry"],
        "Whether a concurrency key stays held while a run waits to retry",
        "TYP-6",
        default="HoldDuringRetry",
    ),
    _unit_enum(
        "SafetyLevel",
        ["Pure", "Idempotent", "Transactional"],
        "Side-effect class of a task's handler",
        "TYP-6",
        default="Pure",
    ),
    Struct(
        "TaskMetadata",
        (
            Field("tags", Seq(STRING)),
            Field("priority", I32),
            Field("description", Opt(STRING)),
        ),
        "Descriptive task data",
        clause="TYP-7",
    ),
    Struct(
        "RunInstance",
        (
            Field("id", Ref("RunId")),
            Field("task_id", Ref("TaskId")),
            Field("state", Ref("RunState")),
            Field("current_attempt_id", Opt(Ref("AttemptId"))),
            Field("attempt_count", U32),
            Field("created_at", U64),
            Field("scheduled_at", U64),
            Field("effective_priority", I32),
            Field("last_state_change_at", U64, serde_default=True),
        ),
        "One run of a task",
        validator="validate_run_instance",
        clause="TYP-8",
    ),
    _unit_enum(
        "RunState",
        [
            "Scheduled",
            "Ready",
            "Leased",
            "Running",
            "RetryWait",
            "Suspended",
            "Completed",
            "Failed",
            "Canceled",
        ],
        "Lifecycle state of a run",
        "TYP-9",
    ),
    _unit_enum(
        "AttemptResultKind",
        ["Success", "Failure", "Timeout", "Suspended"],
        "Outcome of an attempt",
        "TYP-10",
    ),
    _unit_enum(
        "BudgetDimension",
        ["Token", "CostCents", "TimeSecs"],
        "What a budget counts",
        "TYP-11",
    ),
    Enum(
        "EventFilter",
        (
            _sv(
                "TaskCompleted",
                0,
                Field("task_id", Ref("TaskId")),
                py_name="EventFilterTaskCompleted",
            ),
            _sv(
                "RunStateChanged",
                1,
                Field("task_id", Ref("TaskId")),
                Field("state", Ref("RunState")),
                py_name="EventFilterRunStateChanged",
            ),
            _sv(
                "BudgetThreshold",
                2,
                Field("task_id", Ref("TaskId")),
                Field("dimension", Ref("BudgetDimension")),
                Field("threshold_pct", U8, "documented as 0-100; any byte is accepted"),
                py_name="EventFilterBudgetThreshold",
            ),
            _sv("Custom", 3, Field("key", STRING), py_name="EventFilterCustom"),
        ),
        "What a subscription waits for",
        clause="TYP-12",
    ),
    Enum(
        "Role",
        (
            Variant("Operator", 0, "unit", py_name="RoleOperator"),
            Variant("Auditor", 1, "unit", py_name="RoleAuditor"),
            Variant("Gatekeeper", 2, "unit", py_name="RoleGatekeeper"),
            Variant("Custom", 3, "newtype", (Field("name", STRING),), py_name="RoleCustom"),
        ),
        "Role of an actor within a tenant",
        clause="TYP-13",
    ),
    Enum(
        "Capability",
        (
            Variant("CanSubmit", 0, "unit", py_name="CapabilityCanSubmit"),
            Variant("CanExecute", 1, "unit", py_name="CapabilityCanExecute"),
            Variant("CanReview", 2, "unit", py_name="CapabilityCanReview"),
            Variant("CanApprove", 3, "unit", py_name="CapabilityCanApprove"),
            Variant("CanCancel", 4, "unit", py_name="CapabilityCanCancel"),
            Variant("Custom", 5, "newtype", (Field("name", STRING),), py_name="CapabilityCustom"),
        ),
        "A permission granted to an actor within a tenant",
        clause="TYP-14",
    ),
]

WAL_EVENT_TYPE = Enum(
    "WalEventType",
    (
        _sv("TaskCreated", 0, Field("task_spec", Ref("TaskSpec")), _ts()),
        _sv("RunCreated", 1, Field("run_instance", Ref("RunInstance"))),
        _sv(
            "RunStateChanged",
            2,
            Field("run_id", Ref("RunId")),
            Field("previous_state", Ref("RunState")),
            Field("new_state", Ref("RunState")),
            _ts(),
        ),
        _sv(
            "AttemptStarted",
            3,
            Field("run_id", Ref("RunId")),
            Field("attempt_id", Ref("AttemptId")),
            _ts(),
        ),
        _sv(
            "AttemptFinished",
            4,
            Field("run_id", Ref("RunId")),
            Field("attempt_id", Ref("AttemptId")),
            Field("result", Ref("AttemptResultKind")),
            Field("error", Opt(STRING)),
            Field("output", Opt(BYTES), serde_default=True),
            _ts(),
        ),
        _sv("TaskCanceled", 5, Field("task_id", Ref("TaskId")), _ts()),
        _sv(
            "RunCanceled",
            6,
            Field("run_id", Ref("RunId")),
            _ts(),
            doc="Never written by the engine's mutation paths; decoded and applied",
        ),
        _lease("LeaseAcquired", 7, "A worker took the lease of a run"),
        _lease("LeaseHeartbeat", 8, "The lease owner extended its expiry"),
        _lease("LeaseExpired", 9, "The lease ran out"),
        _lease("LeaseReleased", 10, "The owner gave the lease up"),
        _sv("EnginePaused", 11, _ts()),
        _sv("EngineResumed", 12, _ts()),
        _sv(
            "DependencyDeclared",
            13,
            Field("task_id", Ref("TaskId")),
            Field("depends_on", Seq(Ref("TaskId"))),
            _ts(),
        ),
        _sv("RunSuspended", 14, Field("run_id", Ref("RunId")), Field("reason", Opt(STRING)), _ts()),
        _sv("RunResumed", 15, Field("run_id", Ref("RunId")), _ts()),
        _sv(
            "BudgetAllocated",
            16,
            Field("task_id", Ref("TaskId")),
            Field("dimension", Ref("BudgetDimension")),
            Field("limit", U64),
            _ts(),
        ),
        _sv(
            "BudgetConsumed",
            17,
            Field("task_id", Ref("TaskId")),
            Field("dimension", Ref("BudgetDimension")),
            Field("amount", U64),
            _ts(),
        ),
        _sv(
            "BudgetExhausted",
            18,
            Field("task_id", Ref("TaskId")),
            Field("dimension", Ref("BudgetDimension")),
            _ts(),
            doc="Reserved: never written by the engine, synthesized from snapshots; must decode",
        ),
        _sv(
            "BudgetReplenished",
            19,
            Field("task_id", Ref("TaskId")),
            Field("dimension", Ref("BudgetDimension")),
            Field("new_limit", U64),
            _ts(),
        ),
        _sv(
            "SubscriptionCreated",
            20,
            Field("subscription_id", Ref("SubscriptionId")),
            Field("task_id", Ref("TaskId")),
            Field("filter", Ref("EventFilter")),
            _ts(),
        ),
        _sv("SubscriptionTriggered", 21, Field("subscription_id", Ref("SubscriptionId")), _ts()),
        _sv("SubscriptionCanceled", 22, Field("subscription_id", Ref("SubscriptionId")), _ts()),
        _sv(
            "ActorRegistered",
            23,
            Field("actor_id", Ref("ActorId")),
            Field("identity", STRING),
            Field("capabilities", Seq(STRING)),
            Field("department", Opt(STRING)),
            Field("heartbeat_interval_secs", U64),
            Field("tenant_id", Opt(Ref("TenantId"))),
            _ts(),
        ),
        _sv("ActorDeregistered", 24, Field("actor_id", Ref("ActorId")), _ts()),
        _sv("ActorHeartbeat", 25, Field("actor_id", Ref("ActorId")), _ts()),
        _sv("TenantCreated", 26, Field("tenant_id", Ref("TenantId")), Field("name", STRING), _ts()),
        _sv(
            "RoleAssigned",
            27,
            Field("actor_id", Ref("ActorId")),
            Field("role", Ref("Role")),
            Field("tenant_id", Ref("TenantId")),
            _ts(),
        ),
        _sv(
            "CapabilityGranted",
            28,
            Field("actor_id", Ref("ActorId")),
            Field("capability", Ref("Capability")),
            Field("tenant_id", Ref("TenantId")),
            _ts(),
        ),
        _sv(
            "CapabilityRevoked",
            29,
            Field("actor_id", Ref("ActorId")),
            Field("capability", Ref("Capability")),
            Field("tenant_id", Ref("TenantId")),
            _ts(),
        ),
        _sv(
            "LedgerEntryAppended",
            30,
            Field("entry_id", Ref("LedgerEntryId")),
            Field("tenant_id", Ref("TenantId")),
            Field("ledger_key", STRING),
            Field("actor_id", Opt(Ref("ActorId"))),
            Field("payload", BYTES),
            _ts(),
        ),
    ),
    "The 31 WAL event variants; discriminants are frozen, new variants are only appended",
    clause="REG-1",
)

WAL_V5: Registry = build_registry(
    "wal",
    WAL_FRAME_VERSION,
    "WalEvent",
    [*CORE_TYPES[:1], WAL_EVENT_TYPE, *CORE_TYPES[1:], *IDENTIFIERS],
)

#: WAL v4: the same types with WalEventType limited to its first 23 variants (REG-5).
WAL_V4: Registry = WAL_V5.with_enum_prefix("WalEventType", V4_VARIANT_COUNT, name="wal", version=4)


# =============================================================================================
# Snapshot model (JSON only; spec: SNP-3). Field order is serde_json's output order.

BOOL = Prim.BOOL


def _snap(name: str, doc: str, *fields: Field) -> Struct:
    return Struct(name, tuple(fields), doc, clause="SNP-3", on_wire=False)


def _opt_u64(name: str, *, default: bool = False) -> Field:
    return Field(name, Opt(U64), serde_default=default)


def _vec_default(name: str, item: str) -> Field:
    return Field(name, Seq(Ref(item)), serde_default=True)


SNAPSHOT_TYPES: list[Decl] = [
    _snap(
        "Snapshot",
        "A snapshot document: the projection at wal_sequence",
        Field("version", U32, "frame version the writer uses; 4 (never checked on load)"),
        Field("timestamp", U64, "when the snapshot was taken"),
        Field("metadata", Ref("SnapshotMetadata")),
        Field("tasks", Seq(Ref("SnapshotTask"))),
        Field("runs", Seq(Ref("SnapshotRun"))),
        Field("engine", Ref("SnapshotEngineControl"), serde_default=True),
        _vec_default("dependency_declarations", "SnapshotDependencyDeclaration"),
        _vec_default("budgets", "SnapshotBudget"),
        _vec_default("subscriptions", "SnapshotSubscription"),
        _vec_default("actors", "SnapshotActor"),
        _vec_default("tenants", "SnapshotTenant"),
        _vec_default("role_assignments", "SnapshotRoleAssignment"),
        _vec_default("capability_grants", "SnapshotCapabilityGrant"),
        _vec_default("ledger_entries", "SnapshotLedgerEntry"),
    ),
    _snap(
        "SnapshotMetadata",
        "Schema version, WAL position and counts",
        Field("schema_version", U32),
        Field("wal_sequence", U64),
        Field("task_count", U64),
        Field("run_count", U64),
    ),
    _snap(
        "SnapshotTask",
        "A task and its timestamps",
        Field("task_spec", Ref("TaskSpec")),
        Field("created_at", U64),
        _opt_u64("updated_at"),
        _opt_u64("canceled_at", default=True),
    ),
    _snap(
        "SnapshotRun",
        "A run with its history, attempts and lease",
        Field("run_instance", Ref("RunInstance")),
        Field("state_history", Seq(Ref("SnapshotRunStateHistoryEntry"))),
        Field("attempts", Seq(Ref("SnapshotAttemptHistoryEntry"))),
        Field("lease", Opt(Ref("SnapshotLeaseMetadata"))),
    ),
    _snap(
        "SnapshotRunStateHistoryEntry",
        "One state change of a run (from is null for the first)",
        Field("from", Opt(Ref("RunState")), py_name="from_"),
        Field("to", Ref("RunState")),
        Field("timestamp", U64),
    ),
    _snap(
        "SnapshotAttemptHistoryEntry",
        "One attempt of a run",
        Field("attempt_id", Ref("AttemptId")),
        Field("started_at", U64),
        _opt_u64("finished_at"),
        Field("result", Opt(Ref("AttemptResultKind"))),
        Field("error", Opt(STRING)),
        Field("output", Opt(BYTES), serde_default=True),
    ),
    _snap(
        "SnapshotLeaseMetadata",
        "The lease a run holds",
        Field("owner", STRING),
        Field("expiry", U64),
        Field("acquired_at", U64),
        Field("updated_at", U64),
    ),
    _snap(
        "SnapshotEngineControl",
        "Engine pause state",
        Field("paused", BOOL),
        _opt_u64("paused_at"),
        _opt_u64("resumed_at"),
    ),
    _snap(
        "SnapshotDependencyDeclaration",
        "The prerequisites declared for a task",
        Field("task_id", Ref("TaskId")),
        Field("depends_on", Seq(Ref("TaskId"))),
        Field("declared_at", U64),
    ),
    _snap(
        "SnapshotBudget",
        "A budget of a task in one dimension",
        Field("task_id", Ref("TaskId")),
        Field("dimension", Ref("BudgetDimension")),
        Field("limit", U64),
        Field("consumed", U64),
        Field("allocated_at", U64),
        Field("exhausted", BOOL),
    ),
    _snap(
        "SnapshotSubscription",
        "An event subscription",
        Field("subscription_id", Ref("SubscriptionId")),
        Field("task_id", Ref("TaskId")),
        Field("filter", Ref("EventFilter")),
        Field("created_at", U64),
        _opt_u64("triggered_at"),
        _opt_u64("canceled_at"),
    ),
    _snap(
        "SnapshotActor",
        "A registered actor",
        Field("actor_id", Ref("ActorId")),
        Field("identity", STRING),
        Field("capabilities", Seq(STRING)),
        Field("department", Opt(STRING)),
        Field("heartbeat_interval_secs", U64),
        Field("tenant_id", Opt(Ref("TenantId"))),
        Field("registered_at", U64),
        _opt_u64("last_heartbeat_at"),
        _opt_u64("deregistered_at"),
    ),
    _snap(
        "SnapshotTenant",
        "A tenant",
        Field("tenant_id", Ref("TenantId")),
        Field("name", STRING),
        Field("created_at", U64),
    ),
    _snap(
        "SnapshotRoleAssignment",
        "The role of an actor in a tenant",
        Field("actor_id", Ref("ActorId")),
        Field("role", Ref("Role")),
        Field("tenant_id", Ref("TenantId")),
        Field("assigned_at", U64),
    ),
    _snap(
        "SnapshotCapabilityGrant",
        "A capability granted to an actor in a tenant",
        Field("actor_id", Ref("ActorId")),
        Field("capability", Ref("Capability")),
        Field("tenant_id", Ref("TenantId")),
        Field("granted_at", U64),
        _opt_u64("revoked_at"),
    ),
    _snap(
        "SnapshotLedgerEntry",
        "A ledger entry",
        Field("entry_id", Ref("LedgerEntryId")),
        Field("tenant_id", Ref("TenantId")),
        Field("ledger_key", STRING),
        Field("actor_id", Opt(Ref("ActorId"))),
        Field("payload", BYTES),
        Field("timestamp", U64),
    ),
]

#: aqwal's canonical state form (spec: DIG-1): the whole reducer state, in sorted order.
STATE_TYPES: list[Decl] = [
    Struct(
        "StateForm",
        (
            Field("latest_sequence", U64),
            Field("tasks", Seq(Ref("SnapshotTask"))),
            Field("runs", Seq(Ref("SnapshotRun"))),
            Field("engine", Ref("SnapshotEngineControl")),
            Field("dependency_declarations", Seq(Ref("StateDependencyDeclaration"))),
            Field("budgets", Seq(Ref("SnapshotBudget"))),
            Field("subscriptions", Seq(Ref("SnapshotSubscription"))),
            Field("actors", Seq(Ref("SnapshotActor"))),
            Field("tenants", Seq(Ref("SnapshotTenant"))),
            Field("role_assignments", Seq(Ref("SnapshotRoleAssignment"))),
            Field("capability_grants", Seq(Ref("SnapshotCapabilityGrant"))),
            Field("ledger_entries", Seq(Ref("SnapshotLedgerEntry"))),
        ),
        "The complete reducer state, every collection sorted (the input of the state digest)",
        clause="DIG-1",
        on_wire=False,
    ),
    Struct(
        "StateDependencyDeclaration",
        (Field("task_id", Ref("TaskId")), Field("depends_on", Seq(Ref("TaskId")))),
        "The prerequisites declared for a task (sorted)",
        clause="DIG-1",
        on_wire=False,
    ),
]

#: Every declared type: WAL types, snapshot model and state form (value classes, forms).
ALL_TYPES: Registry = build_registry(
    "aqwal",
    WAL_FRAME_VERSION,
    "WalEvent",
    [*WAL_V5, *SNAPSHOT_TYPES, *STATE_TYPES],
)

#: The snapshot model as the engine loads it (schema_version 8, spec: SNP-3).
SNAPSHOT_V8: Registry = build_registry(
    "snapshot",
    8,
    "Snapshot",
    [d for d in ALL_TYPES if d.name in set(ALL_TYPES.reachable("Snapshot"))],
)
