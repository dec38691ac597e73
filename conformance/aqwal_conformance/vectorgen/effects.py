"""Replay vectors whose final state shows each effect an event has on an existing record.

Every case is a short log and a check written from the spec (reducer.md): the reference replays
the log at generation time and the check must hold on its final state, so a reference that
disagrees with the spec fails generation instead of writing a wrong expectation. Themes:

* platform events on existing records: budgets consumed to their limit, exhausted, replenished
  and re-allocated, consumption saturating at u64::MAX; subscriptions triggered and canceled;
  actors deregistered, heartbeating and registered again; grants revoked and granted again;
  roles reassigned; ledger entries appended (EVT-16 .. EVT-30);
* every lease event in every run state that allows it, leases on runs that change state, the
  RED-5 exception, the engine paused, resumed and paused again (RED-6, RED-7, EVT-6 .. EVT-12);
* counters at their caps (EVT-3, EVT-17);
* collections of 24 and 256 entries and long strings in the state digest (DIG-2).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from aqwal import types as t
from aqwal.reducer import U32_MAX, U64_MAX, Reducer, replay
from aqwal.state import ReplayState, RunRecord
from aqwal_conformance.scenarios import LogBuilder, uid
from aqwal_conformance.vectorgen.builders import RS, record_bytes
from aqwal_conformance.vectors import Vector

Check = Callable[[ReplayState], bool]
DIM = t.BudgetDimension


@dataclass
class EffectCase:
    name: str
    description: str
    log: LogBuilder
    clauses: tuple[str, ...]
    #: Facts the spec states about the final state, each with what it says.
    checks: list[tuple[str, Check]]


def _outcomes_match(case: EffectCase) -> ReplayState:
    reducer = Reducer()
    codes = [o.code for o in replay(case.log.events, reducer)]
    if codes != case.log.expected:
        raise AssertionError(f"{case.name}: outcomes {codes}, expected {case.log.expected}")
    for fact, check in case.checks:
        if not check(reducer.state):
            raise AssertionError(f"{case.name}: the reference breaks the spec: {fact}")
    return reducer.state


def effect_vectors() -> Iterator[Vector]:
    for case in (*_platform_cases(), *_lease_cases(), *_cap_cases(), *_digest_cases()):
        _outcomes_match(case)
        codes = [c for c in case.log.expected if c]
        yield Vector(
            f"replay/effect-{case.name}",
            "replay",
            case.description,
            "invalid" if codes else "valid",
            record_bytes(case.log.events),
            ("RED-1", "RED-13", *case.clauses),
            error=codes[0] if codes else None,
        )


# ---------------------------------------------------------------------------------------------
# platform events


def _budget(state: ReplayState, task: int, dim: t.BudgetDimension) -> tuple[int, int, int, bool]:
    b = state.budgets[(t.TaskId(uid(1, task)), dim)]
    return b.limit, b.consumed, b.allocated_at, b.exhausted


def _platform_cases() -> Iterator[EffectCase]:
    b = LogBuilder()

    def task(n: int) -> t.TaskId:
        return t.TaskId(uid(1, n))

    b.add(t.BudgetAllocated(task(1), DIM.Token, 100, 10))
    b.add(t.BudgetConsumed(task(1), DIM.Token, 40, 11))
    b.add(t.BudgetAllocated(task(2), DIM.Token, 100, 12))
    b.add(t.BudgetConsumed(task(2), DIM.Token, 99, 13))
    b.add(t.BudgetConsumed(task(1), DIM.Token, 60, 14))
    b.add(t.BudgetAllocated(task(1), DIM.CostCents, 50, 15))
    b.add(t.BudgetConsumed(task(1), DIM.CostCents, 10, 16))
    b.add(t.BudgetExhausted(task(1), DIM.CostCents, 17))
    b.add(t.BudgetConsumed(task(1), DIM.CostCents, 5, 18))
    b.add(t.BudgetAllocated(task(3), DIM.TimeSecs, 10, 19))
    b.add(t.BudgetConsumed(task(3), DIM.TimeSecs, 25, 20))
    b.add(t.BudgetReplenished(task(3), DIM.TimeSecs, 30, 21))
    b.add(t.BudgetConsumed(task(3), DIM.TimeSecs, 29, 22))
    b.add(t.BudgetAllocated(task(4), DIM.Token, 8, 23))
    b.add(t.BudgetConsumed(task(4), DIM.Token, 3, 24))
    b.add(t.BudgetAllocated(task(4), DIM.Token, 9, 25))
    b.add(t.BudgetExhausted(task(5), DIM.Token, 26))
    b.add(t.BudgetReplenished(task(5), DIM.Token, 7, 27))
    b.add(t.BudgetAllocated(task(6), DIM.TimeSecs, 1, 28))  # listed after Token (DIG-2)
    b.add(t.BudgetAllocated(task(6), DIM.Token, 1, 29))
    yield EffectCase(
        "budgets",
        "budgets consumed below and exactly to their limit, exhausted by event (sticky), "
        "replenished (limit, consumption and exhaustion reset, allocation time kept) and "
        "allocated again",
        b,
        ("EVT-16", "EVT-17", "EVT-18", "EVT-19", "RED-9"),
        [
            (
                "consumption to exactly the limit exhausts",
                lambda s: _budget(s, 1, DIM.Token) == (100, 100, 10, True),
            ),
            (
                "one below the limit does not",
                lambda s: _budget(s, 2, DIM.Token) == (100, 99, 12, False),
            ),
            (
                "exhaustion by event is sticky",
                lambda s: _budget(s, 1, DIM.CostCents) == (50, 15, 15, True),
            ),
            (
                "replenish resets all three, keeps allocated_at",
                lambda s: _budget(s, 3, DIM.TimeSecs) == (30, 29, 19, False),
            ),
            (
                "a new allocation resets the consumption",
                lambda s: _budget(s, 4, DIM.Token) == (9, 0, 25, False),
            ),
            ("events on an unknown budget change nothing", lambda s: len(s.budgets) == 7),
        ],
    )

    b = LogBuilder()
    b.add(t.BudgetAllocated(task(1), DIM.Token, U64_MAX, 10))
    b.add(t.BudgetConsumed(task(1), DIM.Token, U64_MAX - 1, 11))
    b.add(t.BudgetAllocated(task(2), DIM.Token, U64_MAX, 12))
    b.add(t.BudgetConsumed(task(2), DIM.Token, U64_MAX - 1, 13))
    b.add(t.BudgetConsumed(task(2), DIM.Token, 5, 14))
    b.add(t.BudgetAllocated(task(3), DIM.CostCents, 1 << 40, 15))
    b.add(t.BudgetConsumed(task(3), DIM.CostCents, U64_MAX, 16))
    b.add(t.BudgetConsumed(task(3), DIM.CostCents, U64_MAX, 17))
    yield EffectCase(
        "budget-saturation",
        "consumption one below u64::MAX, then saturating at u64::MAX",
        b,
        ("EVT-17",),
        [
            (
                "one below the cap",
                lambda s: _budget(s, 1, DIM.Token) == (U64_MAX, U64_MAX - 1, 10, False),
            ),
            (
                "saturates at the cap",
                lambda s: _budget(s, 2, DIM.Token) == (U64_MAX, U64_MAX, 12, True),
            ),
            (
                "stays at the cap",
                lambda s: _budget(s, 3, DIM.CostCents) == (1 << 40, U64_MAX, 15, True),
            ),
        ],
    )

    b = LogBuilder()
    subs = [t.SubscriptionId(uid(7, n)) for n in range(1, 5)]
    for n, sub in enumerate(subs):
        b.add(t.SubscriptionCreated(sub, task(n), t.EventFilterTaskCompleted(task(n)), 100 + n))
    b.add(t.SubscriptionTriggered(subs[0], 110))
    b.add(t.SubscriptionCanceled(subs[0], 111))
    b.add(t.SubscriptionTriggered(subs[1], 112))
    b.add(t.SubscriptionTriggered(subs[1], 113))
    b.add(t.SubscriptionCanceled(subs[2], 114))
    b.add(t.SubscriptionCreated(subs[3], task(9), t.EventFilterCustom("k"), 115))

    def sub_times(s: ReplayState, i: int) -> tuple[int, int | None, int | None]:
        rec = s.subscriptions[subs[i]]
        return rec.created_at, rec.triggered_at, rec.canceled_at

    yield EffectCase(
        "subscriptions",
        "subscriptions triggered, triggered twice, canceled, and created again",
        b,
        ("EVT-20", "EVT-21", "EVT-22"),
        [
            ("triggered then canceled", lambda s: sub_times(s, 0) == (100, 110, 111)),
            ("the last trigger counts", lambda s: sub_times(s, 1) == (101, 113, None)),
            ("canceled without a trigger", lambda s: sub_times(s, 2) == (102, None, 114)),
            (
                "created again: replaced",
                lambda s: (
                    sub_times(s, 3) == (115, None, None)
                    and s.subscriptions[subs[3]].task_id == task(9)
                ),
            ),
        ],
    )

    b = LogBuilder()
    tenant = t.TenantId(uid(8, 1))
    actors = [t.ActorId(uid(9, n)) for n in range(1, 4)]
    b.add(t.TenantCreated(tenant, "acme", 90))
    for n, actor in enumerate(actors):
        b.add(t.ActorRegistered(actor, f"worker-{n}", ("run",), "ops", 30, tenant, 100 + n))
    b.add(t.ActorHeartbeat(actors[0], 110))
    b.add(t.ActorDeregistered(actors[0], 111))
    b.add(t.ActorHeartbeat(actors[0], 112))
    b.add(t.ActorHeartbeat(actors[1], 113))
    b.add(t.ActorDeregistered(actors[1], 114))
    b.add(t.ActorRegistered(actors[1], "worker-again", (), None, 60, None, 115))
    b.add(t.ActorDeregistered(actors[2], 116))
    b.add(t.ActorDeregistered(t.ActorId(uid(9, 404)), 117))
    b.add(t.ActorHeartbeat(t.ActorId(uid(9, 404)), 118))

    def actor_times(s: ReplayState, i: int) -> tuple[object, ...]:
        a = s.actors[actors[i]]
        return a.identity, a.registered_at, a.last_heartbeat_at, a.deregistered_at

    yield EffectCase(
        "actors",
        "actors heartbeating, deregistered, heartbeating after deregistration and registered "
        "again; events for unknown actors change nothing",
        b,
        ("EVT-23", "EVT-24", "EVT-25", "EVT-26", "RED-10"),
        [
            (
                "heartbeat after deregistration",
                lambda s: actor_times(s, 0) == ("worker-0", 100, 112, 111),
            ),
            (
                "registration again clears both",
                lambda s: (
                    actor_times(s, 1) == ("worker-again", 115, None, None)
                    and s.actors[actors[1]].tenant_id is None
                ),
            ),
            ("deregistered", lambda s: actor_times(s, 2) == ("worker-2", 102, None, 116)),
            ("no unknown actor appears", lambda s: len(s.actors) == 3),
        ],
    )

    b = LogBuilder()
    a1, a2 = actors[0], actors[1]
    custom = t.CapabilityCustom("deploy")
    b.add(t.CapabilityGranted(a1, t.CapabilityCanExecute(), tenant, 100))
    b.add(t.CapabilityRevoked(a1, t.CapabilityCanExecute(), tenant, 101))
    # the same actor and capability in a tenant that sorts first (DIG-2)
    b.add(t.CapabilityGranted(a1, t.CapabilityCanExecute(), t.TenantId(uid(8, 0)), 101))
    b.add(t.CapabilityGranted(a1, custom, tenant, 102))
    b.add(t.CapabilityRevoked(a1, t.CapabilityCustom("other"), tenant, 103))
    b.add(t.CapabilityGranted(a2, t.CapabilityCanSubmit(), tenant, 104))
    b.add(t.CapabilityRevoked(a2, t.CapabilityCanSubmit(), tenant, 105))
    b.add(t.CapabilityGranted(a2, t.CapabilityCanSubmit(), tenant, 106))
    b.add(t.CapabilityGranted(a2, t.CapabilityCustom("CanSubmit"), tenant, 107))
    b.add(t.RoleAssigned(a1, t.RoleOperator(), tenant, 108))
    b.add(t.RoleAssigned(a1, t.RoleCustom("lead"), tenant, 109))
    b.add(t.RoleAssigned(a2, t.RoleAuditor(), t.TenantId(uid(8, 2)), 110))

    def grant(s: ReplayState, actor_id: t.ActorId, key: str) -> tuple[int, int | None]:
        g = s.capability_grants[(actor_id, key, tenant)]
        return g.granted_at, g.revoked_at

    yield EffectCase(
        "grants-and-roles",
        "grants revoked and granted again, a custom capability named like a built-in one, a "
        "revocation of an ungranted capability, roles reassigned",
        b,
        ("EVT-27", "EVT-28", "EVT-29", "RED-12"),
        [
            ("revoked", lambda s: grant(s, a1, "CanExecute") == (100, 101)),
            (
                "the other custom capability is untouched",
                lambda s: grant(s, a1, "Custom:deploy") == (102, None),
            ),
            (
                "a grant again clears the revocation",
                lambda s: grant(s, a2, "CanSubmit") == (106, None),
            ),
            (
                "Custom:CanSubmit is its own key",
                lambda s: grant(s, a2, "Custom:CanSubmit") == (107, None),
            ),
            (
                "one role per actor and tenant",
                lambda s: (
                    s.role_assignments[(a1, tenant)].role == t.RoleCustom("lead")
                    and len(s.role_assignments) == 2
                ),
            ),
        ],
    )

    b = LogBuilder()
    entry = t.LedgerEntryId(uid(10, 1))
    b.add(t.LedgerEntryAppended(entry, tenant, "invoices", a1, b"\x01\x02", 100))
    b.add(t.LedgerEntryAppended(t.LedgerEntryId(uid(10, 2)), tenant, "audit", None, b"", 101))
    b.add(t.LedgerEntryAppended(entry, tenant, "invoices", a2, b"\x03", 102))
    yield EffectCase(
        "ledger",
        "ledger entries appended in order, a repeated entry id kept twice",
        b,
        ("EVT-30",),
        [
            (
                "three entries in log order",
                lambda s: [x.timestamp for x in s.ledger] == [100, 101, 102],
            ),
            ("actor of the second is none", lambda s: s.ledger[1].actor_id is None),
        ],
    )


# ---------------------------------------------------------------------------------------------
# runs, leases and the engine


def _on_run(run_id: t.RunId, predicate: Callable[[RunRecord], bool]) -> Check:
    return lambda s: predicate(s.runs[run_id])


def _lease_of(run: RunRecord) -> tuple[str, int, int, int] | None:
    lease = run.lease
    return (
        None if lease is None else (lease.owner, lease.expiry, lease.acquired_at, lease.updated_at)
    )


def _lease_cases() -> Iterator[EffectCase]:
    for kind in ("acquire", "expire", "release"):
        b = LogBuilder()
        run_id = b.run()
        b.drive(run_id, RS.Ready)
        b.lease(run_id)
        if kind == "expire":
            b.add(t.LeaseExpired(run_id, "worker-1", 5000, b.tick()))
        elif kind == "release":
            b.add(t.LeaseReleased(run_id, "worker-1", 5000, b.tick()))
        held = kind == "acquire"
        yield EffectCase(
            f"lease-{kind}-ready",
            f"lease {kind} on a Ready run: the run stays Ready, with no history entry",
            b,
            ("RED-6", "EVT-7", "EVT-9", "EVT-10"),
            [
                ("the run stays Ready", _on_run(run_id, lambda r: r.state is RS.Ready)),
                (
                    "no history entry",
                    _on_run(run_id, lambda r: len(r.history) == 2),
                ),
                (
                    "the lease is held or gone",
                    _on_run(
                        run_id,
                        (lambda r: r.lease is not None) if held else (lambda r: r.lease is None),
                    ),
                ),
            ],
        )
    for kind, event in (("expire", t.LeaseExpired), ("release", t.LeaseReleased)):
        b = LogBuilder()
        run_id = b.run()
        b.drive(run_id, RS.Leased)
        b.lease(run_id, expiry=7000)
        b.move(run_id, RS.Leased, RS.Running)
        attempt = b.attempt(run_id)
        b.add(event(run_id, "worker-1", 7000, b.tick()))
        b.finish(run_id, attempt)
        yield EffectCase(
            f"lease-{kind}-running",
            f"lease {kind} on a Running run: the run stays Running and its attempt active "
            "(the attempt then finishes)",
            b,
            ("RED-6", "EVT-9", "EVT-10", "EVT-4"),
            [
                (
                    "Running, no lease",
                    _on_run(run_id, lambda r: r.state is RS.Running and r.lease is None),
                ),
                (
                    "the attempt finished",
                    _on_run(
                        run_id,
                        lambda r: (
                            r.attempts[0].finished_at is not None and r.current_attempt_id is None
                        ),
                    ),
                ),
            ],
        )
    for kind, event in (("expire", t.LeaseExpired), ("release", t.LeaseReleased)):
        b = LogBuilder()
        run_id = b.run()
        b.drive(run_id, RS.Leased)
        b.lease(run_id)
        b.add(event(run_id, "worker-1", 5000, b.tick()))
        yield EffectCase(
            f"lease-{kind}-leased",
            f"lease {kind} on a Leased run moves it to Ready without a history entry",
            b,
            ("RED-6", "EVT-9", "EVT-10"),
            [
                (
                    "Ready, no lease",
                    _on_run(run_id, lambda r: r.state is RS.Ready and r.lease is None),
                ),
                (
                    "history ends in Leased",
                    _on_run(run_id, lambda r: r.history[-1][1] is RS.Leased),
                ),
            ],
        )

    b = LogBuilder()
    run_id = b.run()
    b.drive(run_id, RS.Leased)
    b.lease(run_id, expiry=5000)
    acquired = b.clock
    b.add(t.LeaseHeartbeat(run_id, "worker-1", 5000, b.tick()))
    b.move(run_id, RS.Leased, RS.Running)
    b.add(t.LeaseHeartbeat(run_id, "worker-1", 6000, b.tick()))
    last = b.clock
    yield EffectCase(
        "lease-heartbeats",
        "a heartbeat with the unchanged expiry (Leased), then one extending it (Running)",
        b,
        ("EVT-8", "RED-6"),
        [
            (
                "expiry and updated_at",
                _on_run(run_id, lambda r: _lease_of(r) == ("worker-1", 6000, acquired, last)),
            )
        ],
    )

    for target in (RS.Completed, RS.Failed):
        b = LogBuilder()
        run_id = b.run()
        b.drive(run_id, RS.Leased)
        b.lease(run_id)
        b.move(run_id, RS.Leased, RS.Running)
        b.move(run_id, RS.Running, target)
        yield EffectCase(
            f"lease-dropped-{target.name.lower()}",
            f"a run holding a lease becomes {target.name}: the lease is removed",
            b,
            ("RED-4", "RED-6"),
            [("no lease", _on_run(run_id, lambda r: r.lease is None))],
        )
    for target in (RS.RetryWait, RS.Suspended):
        b = LogBuilder()
        run_id = b.run()
        b.drive(run_id, RS.Leased)
        b.lease(run_id)
        b.move(run_id, RS.Leased, RS.Running)
        b.move(run_id, RS.Running, target)
        yield EffectCase(
            f"lease-kept-{target.name.lower()}",
            f"a run holding a lease becomes {target.name}: the lease stays",
            b,
            ("RED-4", "RED-6"),
            [("lease kept", _on_run(run_id, lambda r: r.lease is not None))],
        )

    b = LogBuilder()
    run_id = b.run()
    b.drive(run_id, RS.Leased)
    b.lease(run_id)
    b.add(t.RunCanceled(run_id, b.tick()))
    yield EffectCase(
        "lease-dropped-run-canceled",
        "RunCanceled on a Leased run holding a lease removes the lease",
        b,
        ("EVT-6", "RED-4", "RED-6"),
        [
            (
                "Canceled, no lease",
                _on_run(run_id, lambda r: r.state is RS.Canceled and r.lease is None),
            )
        ],
    )

    b = LogBuilder()
    run_id = b.run()
    b.drive(run_id, RS.Running)
    b.attempt(run_id)
    b.move(run_id, RS.Running, RS.Canceled)
    yield EffectCase(
        "cancel-running-with-attempt",
        "RunStateChanged Running -> Canceled with an active attempt is allowed (RED-5) and "
        "clears the attempt, whose entry stays unfinished",
        b,
        ("RED-5", "EVT-2"),
        [
            (
                "Canceled, attempt cleared",
                _on_run(
                    run_id,
                    lambda r: (
                        r.state is RS.Canceled
                        and r.current_attempt_id is None
                        and r.attempts[0].finished_at is None
                    ),
                ),
            )
        ],
    )

    b = LogBuilder()
    b.add(t.EnginePaused(1000))
    b.add(t.EngineResumed(1000))
    b.add(t.EnginePaused(1005))
    yield EffectCase(
        "engine-pause-resume-pause",
        "a resume at exactly the pause time, then a second pause",
        b,
        ("EVT-11", "EVT-12", "RED-7"),
        [
            (
                "paused again",
                lambda s: (
                    (s.engine.paused, s.engine.paused_at, s.engine.resumed_at) == (True, 1005, None)
                ),
            )
        ],
    )
    b = LogBuilder()
    b.add(t.EnginePaused(1000))
    b.add(t.EngineResumed(1000))
    yield EffectCase(
        "engine-resume-at-pause-time",
        "a resume at exactly the pause time is accepted",
        b,
        ("EVT-12", "RED-7"),
        [
            (
                "resumed",
                lambda s: (
                    (s.engine.paused, s.engine.paused_at, s.engine.resumed_at)
                    == (False, 1000, 1000)
                ),
            )
        ],
    )


def _cap_cases() -> Iterator[EffectCase]:
    b = LogBuilder()
    run_id = b.run(attempt_count=U32_MAX - 1)
    b.drive(run_id, RS.Running)
    first = b.attempt(run_id)
    b.finish(run_id, first)
    b.move(run_id, RS.Running, RS.RetryWait)
    b.move(run_id, RS.RetryWait, RS.Ready)
    b.move(run_id, RS.Ready, RS.Leased)
    b.move(run_id, RS.Leased, RS.Running)
    b.add(t.AttemptStarted(run_id, t.AttemptId(uid(3, 99)), b.tick()), "attempt_count_overflow")
    yield EffectCase(
        "attempt-count-cap",
        "attempt_count one below u32::MAX: one more attempt starts, the next is refused",
        b,
        ("EVT-3",),
        [
            (
                "count at the cap",
                _on_run(run_id, lambda r: r.attempt_count == U32_MAX and len(r.attempts) == 1),
            )
        ],
    )


def _tenant_count(count: int) -> Check:
    return lambda s: len(s.tenants) == count


def _digest_cases() -> Iterator[EffectCase]:
    for count in (23, 24, 255, 256):
        b = LogBuilder()
        for n in range(count):
            b.add(t.TenantCreated(t.TenantId(uid(8, n + 1)), f"t{n}", n))
        yield EffectCase(
            f"digest-{count}-tenants",
            f"a state with {count} tenants: the CBOR array head of the digest (DIG-2)",
            b,
            ("DIG-2", "DIG-3", "EVT-26"),
            [("all tenants", _tenant_count(count))],
        )
    b = LogBuilder()
    for size in (23, 24, 255, 256, 300):
        b.add(t.TenantCreated(t.TenantId(uid(8, size)), "n" * size, size))
    yield EffectCase(
        "digest-long-strings",
        "tenant names of 23 to 300 characters: CBOR text heads of one to three bytes (DIG-2)",
        b,
        ("DIG-2", "DIG-3"),
        [
            (
                "names kept",
                lambda s: (
                    sorted(len(x.name) for x in s.tenants.values()) == [23, 24, 255, 256, 300]
                ),
            )
        ],
    )
