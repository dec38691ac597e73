"""Realistic, deterministic event streams shaped like the engine's own logs.

The engine's dispatch loop writes a run's life in a fixed order (spec RED, "canonical runtime
order"): ``RunStateChanged(Scheduled→Ready)``, ``RunStateChanged(Ready→Leased)``,
``LeaseAcquired``, ``RunStateChanged(Leased→Running)``, ``AttemptStarted``, heartbeats,
``AttemptFinished``, ``LeaseReleased``, then ``RunStateChanged(Running→X)``. Around that it
creates tasks and runs, retries failures, and records budgets, subscriptions, actors, tenants,
roles, capabilities and ledger entries.

:func:`engine_like_log` yields such events with contiguous sequences 1, 2, 3, …; every event
applies cleanly to the reference reducer. Used by the benchmarks and by sample logs.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from aqwal import types as t

RS = t.RunState
_HOLD = t.ConcurrencyKeyHoldPolicy.HoldDuringRetry
_PURE = t.SafetyLevel.Pure


def _uid(rng: random.Random) -> bytes:
    # Version-4 style random UUIDs (never nil).
    b = bytearray(rng.getrandbits(128).to_bytes(16, "big"))
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    return bytes(b)


def task_spec(rng: random.Random, payload_size: int = 200) -> t.TaskSpec:
    return t.TaskSpec(
        t.TaskId(_uid(rng)),
        t.TaskPayload(rng.randbytes(payload_size), "application/json"),
        t.RunPolicyOnce()
        if rng.random() < 0.8
        else t.RunPolicyRepeat(t.RepeatPolicy(rng.randint(2, 5), 60)),
        t.TaskConstraints(3, 300, None, _HOLD, _PURE, None),
        t.TaskMetadata(("batch",), rng.randint(-5, 5), None),
        None,
        None,
    )


class _Clock:
    def __init__(self, start: int) -> None:
        self.now = start

    def tick(self, rng: random.Random) -> int:
        self.now += rng.randint(0, 3)
        return self.now


def _run_life(
    rng: random.Random, clock: _Clock, task_id: bytes, owner: str
) -> Iterator[t.WalEventType]:
    """The events of one run, from RunCreated to a terminal state, in the engine's order."""
    run_id = t.RunId(_uid(rng))
    created = clock.tick(rng)
    yield t.RunCreated(
        t.RunInstance(
            run_id, t.TaskId(task_id), RS.Scheduled, None, 0, created, created, 0, created
        )
    )
    yield t.RunStateChanged(run_id, RS.Scheduled, RS.Ready, clock.tick(rng))
    attempts = 1 if rng.random() < 0.85 else rng.randint(2, 3)
    for attempt in range(attempts):
        last = attempt == attempts - 1
        yield t.RunStateChanged(run_id, RS.Ready, RS.Leased, clock.tick(rng))
        expiry = clock.now + 30
        yield t.LeaseAcquired(run_id, owner, expiry, clock.tick(rng))
        yield t.RunStateChanged(run_id, RS.Leased, RS.Running, clock.tick(rng))
        attempt_id = t.AttemptId(_uid(rng))
        yield t.AttemptStarted(run_id, attempt_id, clock.tick(rng))
        for _ in range(rng.randint(0, 3)):
            expiry += 30
            yield t.LeaseHeartbeat(run_id, owner, expiry, clock.tick(rng))
        if last:
            yield t.AttemptFinished(
                run_id,
                attempt_id,
                t.AttemptResultKind.Success,
                None,
                b'{"ok":true}',
                clock.tick(rng),
            )
        else:
            yield t.AttemptFinished(
                run_id,
                attempt_id,
                t.AttemptResultKind.Failure,
                "transient error",
                None,
                clock.tick(rng),
            )
        yield t.LeaseReleased(run_id, owner, expiry, clock.tick(rng))
        if last:
            yield t.RunStateChanged(run_id, RS.Running, RS.Completed, clock.tick(rng))
        else:
            yield t.RunStateChanged(run_id, RS.Running, RS.RetryWait, clock.tick(rng))
            yield t.RunStateChanged(run_id, RS.RetryWait, RS.Ready, clock.tick(rng))


def engine_like_log(
    rng: random.Random, count: int, *, payload_size: int = 200, start_time: int = 1_700_000_000
) -> Iterator[t.WalEvent]:
    """``count`` events with sequences 1..count, shaped like a busy engine's log."""
    clock = _Clock(start_time)
    tenant = t.TenantId(_uid(rng))
    actors = [t.ActorId(_uid(rng)) for _ in range(4)]
    owners = [f"worker-{i}" for i in range(len(actors))]

    def stream() -> Iterator[t.WalEventType]:
        yield t.TenantCreated(tenant, "acme", clock.tick(rng))
        for actor, owner in zip(actors, owners, strict=True):
            yield t.ActorRegistered(actor, owner, ("execute",), None, 30, tenant, clock.tick(rng))
            yield t.RoleAssigned(actor, t.RoleOperator(), tenant, clock.tick(rng))
            yield t.CapabilityGranted(actor, t.CapabilityCanExecute(), tenant, clock.tick(rng))
        while True:
            spec = task_spec(rng, payload_size)
            yield t.TaskCreated(spec, clock.tick(rng))
            if rng.random() < 0.2:
                yield t.BudgetAllocated(spec.id, t.BudgetDimension.Token, 10_000, clock.tick(rng))
            if rng.random() < 0.1:
                yield t.SubscriptionCreated(
                    t.SubscriptionId(_uid(rng)),
                    spec.id,
                    t.EventFilterTaskCompleted(spec.id),
                    clock.tick(rng),
                )
            worker = rng.randrange(len(actors))
            yield from _run_life(rng, clock, spec.id, owners[worker])
            if rng.random() < 0.2:
                yield t.BudgetConsumed(spec.id, t.BudgetDimension.Token, 120, clock.tick(rng))
            if rng.random() < 0.3:
                yield t.ActorHeartbeat(actors[worker], clock.tick(rng))
            if rng.random() < 0.05:
                yield t.LedgerEntryAppended(
                    t.LedgerEntryId(_uid(rng)),
                    tenant,
                    "audit",
                    actors[worker],
                    b"completed",
                    clock.tick(rng),
                )

    for sequence, event in enumerate(stream(), 1):
        if sequence > count:
            return
        yield t.WalEvent(sequence, event)


_LIFECYCLE = (
    t.RunStateChanged,
    t.AttemptStarted,
    t.AttemptFinished,
    t.LeaseAcquired,
    t.LeaseHeartbeat,
    t.LeaseReleased,
)


def small_events(rng: random.Random, count: int) -> list[t.WalEvent]:
    """Only the small lifecycle events (35-60 bytes) of an engine-like log."""
    out: list[t.WalEvent] = []
    for e in engine_like_log(rng, count * 3):
        if type(e.event) in _LIFECYCLE and not (
            type(e.event) is t.AttemptFinished and e.event.output
        ):
            out.append(e)
            if len(out) == count:
                break
    return out


def task_events(rng: random.Random, count: int) -> list[t.WalEvent]:
    """TaskCreated records with a 200-byte payload."""
    return [
        t.WalEvent(i + 1, t.TaskCreated(task_spec(rng), 1_700_000_000 + i)) for i in range(count)
    ]


def mixed_events(rng: random.Random, count: int) -> list[t.WalEvent]:
    """A realistic mix of all event kinds."""
    return list(engine_like_log(rng, count))
