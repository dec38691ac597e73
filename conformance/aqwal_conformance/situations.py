"""Which situations of the reducer chapter a stateful run has reached (spec: reducer.md).

:func:`situations` names what a record meets in the state it is applied to: for a run event,
the event kind, the run's state and the outcome (``"LeaseExpired in Running: applied"``); for
a transition, the pair of states; and the entity situations the chapter singles out — a lease
dropped by a terminal transition, a budget replenished after consumption, an attempt id used
twice, and so on. :data:`REACHABLE` lists every situation the stateful machine's CI profile
must reach: each (event, run state) pair that RED-4 to RED-6 allow, each run event kind refused
in a non-terminal and in a terminal state, and the entity situations.
"""

from __future__ import annotations

from aqwal import types as t
from aqwal_conformance.model import (
    LEASE_STATES,
    LEGAL_TARGETS,
    TERMINAL,
    U64_MAX,
    SpecModel,
    grant_key,
)

RS = t.RunState

#: Event kinds that name a run, with the code a record for an unknown run gets (RED-4, RED-6).
RUN_EVENTS: dict[type, str] = {
    t.RunStateChanged: "unknown_run",
    t.RunCanceled: "unknown_run",
    t.RunSuspended: "unknown_run",
    t.RunResumed: "unknown_run",
    t.AttemptStarted: "unknown_run",
    t.AttemptFinished: "unknown_run",
    t.LeaseAcquired: "lease_unknown_run",
    t.LeaseHeartbeat: "lease_unknown_run",
    t.LeaseExpired: "lease_unknown_run",
    t.LeaseReleased: "lease_unknown_run",
}


#: A situation's label (``{outcome}`` stands for "applied" or the code) and whether the record
#: must be applied for the situation to count.
Situation = tuple[str, bool]


def situations(model: SpecModel, record: t.WalEvent) -> list[Situation]:
    """The situations ``record`` meets in ``model``, the state before it is applied."""
    e = record.event
    if record.sequence <= model.sequence:
        return [("stale sequence: {outcome}", False)]
    found: list[Situation] = []
    if record.sequence > model.sequence + 1:
        found.append(("sequence gap: {outcome}", False))
    if type(e) in RUN_EVENTS or isinstance(e, t.RunCreated):
        found.extend(_run_situations(model, e))
    else:
        found.append((type(e).__name__ + ": {outcome}", False))
        found.extend((label, False) for label in _entity_situations(model, e))
    return found


def reached(found: list[Situation], code: str | None) -> list[str]:
    """The labels of the situations that count, given the record's outcome."""
    outcome = code or "applied"
    return [label.format(outcome=outcome) for label, needs in found if code is None or not needs]


def _run_situations(model: SpecModel, e: t.WalEventType) -> list[Situation]:
    kind = type(e).__name__
    if isinstance(e, t.RunCreated):
        found: list[Situation] = [("RunCreated: {outcome}", False), ("state Scheduled", True)]
        if e.run_instance.task_id not in model.tasks:
            found.append(("RunCreated for an unknown task: {outcome}", False))
        if e.run_instance.attempt_count >= 2**32 - 2:
            found.append(("RunCreated with attempt_count near u32::MAX", True))
        return found
    run = model.runs.get(e.run_id)  # type: ignore[union-attr]
    if run is None:
        family = "a lease event" if "Lease" in kind else "a run event"
        return [
            (kind + " of an unknown run: {outcome}", False),
            (family + " of an unknown run: {outcome}", False),
        ]
    state = run.state.name
    where = "a terminal" if run.state in TERMINAL else "a non-terminal"
    found = [(f"{kind} in {state}: " + "{outcome}", False)]
    found.append((f"{kind} in {where} state: " + "{outcome}", False))
    new: t.RunState | None = None
    if isinstance(e, t.RunStateChanged):
        new = e.new_state
        found.append((f"RunStateChanged {e.previous_state.name}->{new.name}: applied", True))
        found.append((f"state {new.name}", True))
    elif isinstance(e, t.RunCanceled | t.RunSuspended | t.RunResumed):
        new = {t.RunCanceled: RS.Canceled, t.RunSuspended: RS.Suspended}.get(type(e), RS.Ready)
        found.append((f"state {new.name}", True))
    if new is not None:
        if run.lease is not None:
            fate = "dropped" if new in TERMINAL else "kept"
            found.append((f"lease {fate} by {kind} {state}->{new.name}", True))
        if new is RS.Canceled and run.attempt is not None:
            found.append((f"{kind} of a Running run with an active attempt", True))
    if isinstance(e, t.LeaseHeartbeat) and run.lease and e.expiry == run.lease[1]:
        found.append(("LeaseHeartbeat with an unchanged expiry", True))
    if isinstance(e, t.LeaseAcquired) and run.state is RS.Ready:
        found.append(("LeaseAcquired on a Ready run", True))
    used = [a[0] for a in run.attempts]
    if isinstance(e, t.AttemptStarted):
        if e.attempt_id in used:
            found.append(("AttemptStarted with a reused attempt id: {outcome}", False))
        if run.attempt_count == 2**32 - 2:
            found.append(("AttemptStarted reaching attempt_count u32::MAX", True))
    if isinstance(e, t.AttemptFinished) and used.count(e.attempt_id) > 1:
        found.append(("AttemptFinished of a reused attempt id: {outcome}", False))
    return found


def _entity_situations(model: SpecModel, e: t.WalEventType) -> list[str]:
    labels: list[str] = []
    if isinstance(e, t.EngineResumed) and model.paused and e.timestamp == model.paused_at:
        labels.append("EngineResumed at the pause timestamp")
    elif isinstance(e, t.EnginePaused) and not model.paused and model.resumed_at is not None:
        labels.append("EnginePaused after a resume")
    elif isinstance(e, t.DependencyDeclared):
        if e.task_id in model.dependencies:
            labels.append("DependencyDeclared adding to a declaration")
        if not e.depends_on:
            labels.append("DependencyDeclared with an empty list")
    elif isinstance(
        e, t.BudgetAllocated | t.BudgetConsumed | t.BudgetExhausted | t.BudgetReplenished
    ):
        labels.extend(_budget_situations(model, e))
    elif isinstance(e, t.SubscriptionCreated | t.SubscriptionTriggered | t.SubscriptionCanceled):
        sub = model.subscriptions.get(e.subscription_id)
        if sub is None:
            labels.append(f"{type(e).__name__} of an unknown subscription")
        else:
            labels.append(f"{type(e).__name__} of a subscription")
            if isinstance(e, t.SubscriptionTriggered) and sub[4] is not None:
                labels.append("SubscriptionTriggered after a cancellation")
    elif isinstance(e, t.ActorRegistered | t.ActorDeregistered | t.ActorHeartbeat):
        actor = model.actors.get(e.actor_id)
        if actor is None:
            labels.append(f"{type(e).__name__} of an unknown actor")
        else:
            labels.append(f"{type(e).__name__} of an actor")
            if isinstance(e, t.ActorHeartbeat) and actor[7] is not None:
                labels.append("ActorHeartbeat of a deregistered actor")
    elif isinstance(e, t.TenantCreated) and e.tenant_id in model.tenants:
        labels.append("TenantCreated replacing a tenant")
    elif isinstance(e, t.RoleAssigned) and (e.actor_id, e.tenant_id) in model.roles:
        labels.append("RoleAssigned replacing a role")
    elif isinstance(e, t.CapabilityGranted | t.CapabilityRevoked):
        labels.extend(_grant_situations(model, e))
    elif isinstance(e, t.LedgerEntryAppended) and any(x[0] == e.entry_id for x in model.ledger):
        labels.append("LedgerEntryAppended with a duplicate entry id")
    return labels


def _budget_situations(
    model: SpecModel,
    e: t.BudgetAllocated | t.BudgetConsumed | t.BudgetExhausted | t.BudgetReplenished,
) -> list[str]:
    kind = type(e).__name__
    budget = model.budgets.get((e.task_id, e.dimension))
    if budget is None:
        return [] if isinstance(e, t.BudgetAllocated) else [f"{kind} without an allocation"]
    limit, consumed, _, exhausted = budget
    labels = [f"{kind} of an allocated budget"]
    if isinstance(e, t.BudgetConsumed):
        if consumed + e.amount > U64_MAX:
            labels.append("BudgetConsumed saturating at u64::MAX")
        if not exhausted and consumed + e.amount >= limit:
            labels.append("BudgetConsumed exhausting the budget")
        if limit == 0 and e.amount == 0 and not exhausted:
            labels.append("BudgetConsumed of 0 exhausting a 0 limit")
    elif isinstance(e, t.BudgetReplenished) and consumed > 0:
        labels.append("BudgetReplenished after consumption")
    elif isinstance(e, t.BudgetExhausted) and not exhausted:
        labels.append("BudgetExhausted of a budget not yet exhausted")
    if exhausted and isinstance(e, t.BudgetReplenished | t.BudgetAllocated):
        labels.append(f"{kind} of an exhausted budget")
    return labels


def _grant_situations(model: SpecModel, e: t.CapabilityGranted | t.CapabilityRevoked) -> list[str]:
    grant = model.grants.get((e.actor_id, grant_key(e.capability), e.tenant_id))
    kind = type(e).__name__
    labels = (
        [f"{kind} of a Custom capability"] if isinstance(e.capability, t.CapabilityCustom) else []
    )
    if grant is None:
        return [*labels, f"{kind} without a grant"]
    labels.append(f"{kind} of a grant")
    if isinstance(e, t.CapabilityGranted) and grant[2] is not None:
        labels.append("CapabilityGranted over a revoked grant")
    return labels


def _allowed_run_pairs() -> set[str]:
    """Every (run event, run state) pair RED-4 to RED-6 allow, as applied situations."""
    pairs = set()
    for state, targets in LEGAL_TARGETS.items():
        for new in targets:
            pairs.add(f"RunStateChanged {state.name}->{new.name}: applied")
        if RS.Canceled in targets:
            pairs.add(f"RunCanceled in {state.name}: applied")
    for event, states in LEASE_STATES.items():
        for state in states:
            pairs.add(f"{event.__name__} in {state.name}: applied")
    pairs |= {
        "RunSuspended in Running: applied",
        "RunResumed in Suspended: applied",
        "AttemptStarted in Running: applied",
        "AttemptFinished in Running: applied",
    }
    return pairs


def _rejected_run_events() -> set[str]:
    """Each run event kind refused in a non-terminal and in a terminal state, with the code of
    the rule that refuses it (RED-4 to RED-6)."""
    labels = set()
    for where in ("a non-terminal", "a terminal"):
        for event in LEASE_STATES:
            labels.add(f"{event.__name__} in {where} state: lease_run_state")
        for kind in ("AttemptStarted", "AttemptFinished"):
            labels.add(f"{kind} in {where} state: run_not_running")
        for kind in ("RunSuspended", "RunResumed"):
            labels.add(f"{kind} in {where} state: previous_state_mismatch")
    labels.add("RunStateChanged in a non-terminal state: previous_state_mismatch")
    labels.add("RunStateChanged in a terminal state: illegal_transition")
    labels.add("RunStateChanged in a non-terminal state: illegal_transition")
    labels.add("RunCanceled in a terminal state: illegal_transition")
    return labels


#: What the CI profile of the machine must reach (tests/test_machine.py asserts it).
REACHABLE: frozenset[str] = frozenset(
    _allowed_run_pairs()
    | _rejected_run_events()
    | {f"state {s.name}" for s in RS}
    | {
        # runs (RED-4 to RED-6, EVT-1 to EVT-10)
        "lease dropped by RunStateChanged Running->Completed",
        "lease dropped by RunStateChanged Running->Failed",
        "lease dropped by RunStateChanged Running->Canceled",
        "lease dropped by RunCanceled Ready->Canceled",
        "lease dropped by RunCanceled Leased->Canceled",
        "lease dropped by RunCanceled Running->Canceled",
        "lease kept by RunStateChanged Running->RetryWait",
        "lease kept by RunSuspended Running->Suspended",
        "lease kept by RunStateChanged Leased->Ready",
        "RunStateChanged of a Running run with an active attempt",
        "RunCanceled of a Running run with an active attempt",
        "RunStateChanged in Running: attempt_in_progress",
        "RunSuspended in Running: attempt_in_progress",
        "RunStateChanged in Ready: previous_state_mismatch",
        "RunStateChanged in Completed: illegal_transition",
        "RunResumed in Ready: previous_state_mismatch",
        "LeaseHeartbeat with an unchanged expiry",
        "LeaseAcquired on a Ready run",
        "LeaseAcquired in Ready: lease_already_active",
        "LeaseHeartbeat in Running: lease_missing",
        "LeaseHeartbeat in Running: lease_owner_mismatch",
        "LeaseHeartbeat in Leased: lease_expiry_regressed",
        "LeaseExpired in Running: lease_expiry_mismatch",
        "LeaseReleased in Leased: lease_owner_mismatch",
        "a lease event of an unknown run: lease_unknown_run",
        "a run event of an unknown run: unknown_run",
        "AttemptStarted in Running: attempt_already_active",
        "AttemptFinished in Running: no_active_attempt",
        "AttemptFinished in Running: attempt_mismatch",
        "AttemptFinished in Ready: run_not_running",
        "AttemptStarted with a reused attempt id: applied",
        "AttemptFinished of a reused attempt id: attempt_already_finished",
        "RunCreated with attempt_count near u32::MAX",
        "AttemptStarted reaching attempt_count u32::MAX",
        "AttemptStarted in Running: attempt_count_overflow",
        "RunCreated: applied",
        "RunCreated: duplicate_run",
        "RunCreated: run_not_scheduled",
        "RunCreated for an unknown task: applied",
        # tasks, sequences, engine (RED-2, RED-7, EVT-0, EVT-5, EVT-11, EVT-12)
        "TaskCreated: applied",
        "TaskCreated: duplicate_task",
        "TaskCanceled: applied",
        "TaskCanceled: task_already_canceled",
        "TaskCanceled: unknown_task",
        "stale sequence: sequence_not_increasing",
        "sequence gap: applied",
        "EnginePaused: applied",
        "EnginePaused: engine_already_paused",
        "EngineResumed: applied",
        "EngineResumed: engine_not_paused",
        "EngineResumed: engine_resume_before_pause",
        "EngineResumed at the pause timestamp",
        "EnginePaused after a resume",
        # dependencies (RED-8)
        "DependencyDeclared: applied",
        "DependencyDeclared adding to a declaration",
        "DependencyDeclared with an empty list",
        # budgets (RED-9)
        "BudgetAllocated of an allocated budget",
        "BudgetAllocated of an exhausted budget",
        "BudgetConsumed of an allocated budget",
        "BudgetConsumed saturating at u64::MAX",
        "BudgetConsumed exhausting the budget",
        "BudgetConsumed of 0 exhausting a 0 limit",
        "BudgetConsumed without an allocation",
        "BudgetExhausted of an allocated budget",
        "BudgetExhausted of a budget not yet exhausted",
        "BudgetExhausted without an allocation",
        "BudgetReplenished of an allocated budget",
        "BudgetReplenished after consumption",
        "BudgetReplenished of an exhausted budget",
        "BudgetReplenished without an allocation",
        # subscriptions (RED-10)
        "SubscriptionCreated of a subscription",
        "SubscriptionTriggered of a subscription",
        "SubscriptionTriggered after a cancellation",
        "SubscriptionTriggered of an unknown subscription",
        "SubscriptionCanceled of a subscription",
        "SubscriptionCanceled of an unknown subscription",
        # actors (RED-11)
        "ActorRegistered of an actor",
        "ActorDeregistered of an actor",
        "ActorDeregistered of an unknown actor",
        "ActorHeartbeat of an actor",
        "ActorHeartbeat of a deregistered actor",
        "ActorHeartbeat of an unknown actor",
        # tenants, roles, grants, ledger (RED-12)
        "TenantCreated: applied",
        "TenantCreated replacing a tenant",
        "RoleAssigned: applied",
        "RoleAssigned replacing a role",
        "CapabilityGranted of a grant",
        "CapabilityGranted over a revoked grant",
        "CapabilityGranted of a Custom capability",
        "CapabilityRevoked of a grant",
        "CapabilityRevoked of a Custom capability",
        "CapabilityRevoked without a grant",
        "LedgerEntryAppended: applied",
        "LedgerEntryAppended with a duplicate entry id",
        # snapshots (SNP-8, SNP-9, SNP-11, SNP-12)
        "snapshot restored",
        "snapshot refused (SNP-8)",
        "snapshot run whose effective_priority the events do not rebuild",
        "snapshot run whose last_state_change_at the events do not rebuild",
        "snapshot run whose current_attempt_id the events do not rebuild",
        "snapshot budget whose exhausted flag the events do not rebuild",
        "snapshot actor whose last_heartbeat_at the events do not rebuild",
        "record replayed after a snapshot",
        "record covered by a snapshot",
        "record replayed after a snapshot: rejected",
    }
)
