"""Hand-built replay scenarios: every transition-table cell and every reducer error.

Each :class:`ReplayCase` is a short log and the expected outcome of each record (``None`` for
applied, an error code for rejected). The reference tests and the golden replay vectors are
both generated from these cases, so a case is written exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aqwal import types as t
from aqwal.reducer import TRANSITIONS

RS = t.RunState
HOLD = t.ConcurrencyKeyHoldPolicy.HoldDuringRetry
PURE = t.SafetyLevel.Pure


def uid(kind: int, n: int) -> Any:
    """A readable, non-nil UUID ``kkkkkkkk-0000-4000-8000-nnnnnnnnnnnn``, usable as any id type."""
    return (kind << 96 | 0x4000 << 64 | 0x8000 << 48 | n).to_bytes(16, "big")


NIL: Any = bytes(16)


def task_spec(task_id: bytes) -> t.TaskSpec:
    return t.TaskSpec(
        t.TaskId(task_id),
        t.TaskPayload(b"{}", "application/json"),
        t.RunPolicyOnce(),
        t.TaskConstraints(3, None, None, HOLD, PURE, None),
        t.TaskMetadata((), 0, None),
        None,
        None,
    )


@dataclass
class LogBuilder:
    """Appends events with sequences 1, 2, 3, ... and timestamps 1000, 1001, ..."""

    events: list[t.WalEvent] = field(default_factory=list)
    expected: list[str | None] = field(default_factory=list)
    sequence: int = 0
    clock: int = 1000
    counter: int = 0

    def add(
        self, body: t.WalEventType, expect: str | None = None, sequence: int | None = None
    ) -> t.WalEvent:
        self.sequence = self.sequence + 1 if sequence is None else sequence
        event = t.WalEvent(self.sequence, body)
        self.events.append(event)
        self.expected.append(expect)
        return event

    def tick(self) -> int:
        self.clock += 1
        return self.clock

    def fresh(self, kind: int) -> Any:
        self.counter += 1
        return uid(kind, self.counter)

    def task(self) -> t.TaskId:
        task_id = t.TaskId(self.fresh(1))
        self.add(t.TaskCreated(task_spec(task_id), self.tick()))
        return task_id

    def run(self, task_id: t.TaskId | None = None, **overrides: int) -> t.RunId:
        task_id = task_id if task_id is not None else self.task()
        run_id = t.RunId(self.fresh(2))
        now = self.tick()
        self.add(
            t.RunCreated(
                t.RunInstance(
                    run_id,
                    task_id,
                    RS.Scheduled,
                    None,
                    overrides.get("attempt_count", 0),
                    now,
                    now,
                    overrides.get("priority", 0),
                    now,
                )
            )
        )
        return run_id

    def move(
        self, run_id: t.RunId, previous: t.RunState, new: t.RunState, expect: str | None = None
    ) -> None:
        self.add(t.RunStateChanged(run_id, previous, new, self.tick()), expect)

    def drive(self, run_id: t.RunId, target: t.RunState) -> None:
        """Move a Scheduled run to ``target`` along the shortest legal path."""
        for previous, new in zip(PATHS[target], PATHS[target][1:], strict=False):
            self.move(run_id, previous, new)

    def attempt(self, run_id: t.RunId, attempt_id: bytes | None = None) -> t.AttemptId:
        aid = t.AttemptId(attempt_id or self.fresh(3))
        self.add(t.AttemptStarted(run_id, aid, self.tick()))
        return aid

    def finish(self, run_id: t.RunId, attempt_id: t.AttemptId, expect: str | None = None) -> None:
        self.add(
            t.AttemptFinished(
                run_id, attempt_id, t.AttemptResultKind.Success, None, None, self.tick()
            ),
            expect,
        )

    def lease(
        self,
        run_id: t.RunId,
        owner: str = "worker-1",
        expiry: int = 5000,
        expect: str | None = None,
    ) -> None:
        self.add(t.LeaseAcquired(run_id, owner, expiry, self.tick()), expect)


#: The shortest path from Scheduled to each state (spec: RED-4).
PATHS: dict[t.RunState, tuple[t.RunState, ...]] = {
    RS.Scheduled: (RS.Scheduled,),
    RS.Ready: (RS.Scheduled, RS.Ready),
    RS.Leased: (RS.Scheduled, RS.Ready, RS.Leased),
    RS.Running: (RS.Scheduled, RS.Ready, RS.Leased, RS.Running),
    RS.RetryWait: (RS.Scheduled, RS.Ready, RS.Leased, RS.Running, RS.RetryWait),
    RS.Suspended: (RS.Scheduled, RS.Ready, RS.Leased, RS.Running, RS.Suspended),
    RS.Completed: (RS.Scheduled, RS.Ready, RS.Leased, RS.Running, RS.Completed),
    RS.Failed: (RS.Scheduled, RS.Ready, RS.Leased, RS.Running, RS.Failed),
    RS.Canceled: (RS.Scheduled, RS.Canceled),
}


@dataclass(frozen=True)
class ReplayCase:
    id: str
    description: str
    events: tuple[t.WalEvent, ...]
    #: Per record: None = applied, otherwise the reducer error code.
    expected: tuple[str | None, ...]
    clauses: tuple[str, ...]


def _case(case_id: str, description: str, b: LogBuilder, *clauses: str) -> ReplayCase:
    return ReplayCase(case_id, description, tuple(b.events), tuple(b.expected), clauses)


def transition_cases() -> Iterator[ReplayCase]:
    """One case per cell of the 9 x 9 transition table (spec: RED-4, EVT-2)."""
    for source in RS:
        for target in RS:
            b = LogBuilder()
            run_id = b.run()
            b.drive(run_id, source)
            allowed = (source, target) in TRANSITIONS
            b.move(run_id, source, target, None if allowed else "illegal_transition")
            verdict = "allowed" if allowed else "refused"
            yield _case(
                f"transition-{source.name}-{target.name}",
                f"RunStateChanged {source.name} -> {target.name} is {verdict}",
                b,
                "RED-4",
                "EVT-2",
            )


def error_cases() -> Iterator[ReplayCase]:
    """At least one case per reducer error code; the last record of each is rejected."""

    b = LogBuilder()
    b.task()
    b.add(t.EnginePaused(b.tick()), "sequence_not_increasing", sequence=1)
    yield _case("sequence-repeated", "a record repeats the previous sequence", b, "RED-2")

    b = LogBuilder()
    b.add(t.EnginePaused(1000), "sequence_not_increasing", sequence=0)
    yield _case("sequence-zero", "sequence 0 is never applicable", b, "RED-2")

    b = LogBuilder()
    b.add(t.EnginePaused(1000), sequence=5)
    b.add(t.EngineResumed(1001), sequence=9)
    b.add(t.EnginePaused(1002), "sequence_not_increasing", sequence=7)
    yield _case("sequence-gaps-then-decrease", "gaps are allowed, a decrease is not", b, "RED-2")

    b = LogBuilder()
    task_id = b.task()
    b.add(t.TaskCreated(task_spec(task_id), b.tick()), "duplicate_task")
    yield _case("duplicate-task", "TaskCreated twice for one task", b, "EVT-0")

    b = LogBuilder()
    run_id = b.run()
    created = b.events[-1].event
    assert isinstance(created, t.RunCreated)
    b.add(created, "duplicate_run")
    yield _case("duplicate-run", "RunCreated twice for one run", b, "EVT-1")

    b = LogBuilder()
    task_id = b.task()
    b.add(
        t.RunCreated(t.RunInstance(t.RunId(uid(2, 99)), task_id, RS.Ready, None, 0, 5, 5, 0, 5)),
        "run_not_scheduled",
    )
    yield _case("run-created-not-scheduled", "a new run must be Scheduled", b, "EVT-1")

    b = LogBuilder()
    b.run()
    b.move(t.RunId(uid(2, 404)), RS.Scheduled, RS.Ready, "unknown_run")
    yield _case("unknown-run", "RunStateChanged for a run that does not exist", b, "RED-4")

    b = LogBuilder()
    run_id = b.run()
    b.move(run_id, RS.Ready, RS.Leased, "previous_state_mismatch")
    yield _case(
        "previous-state-mismatch", "previous_state differs from the run's state", b, "EVT-2"
    )

    b = LogBuilder()
    run_id = b.run()
    b.drive(run_id, RS.Running)
    b.attempt(run_id)
    b.move(run_id, RS.Running, RS.Completed, "attempt_in_progress")
    yield _case(
        "attempt-in-progress", "Running -> Completed while an attempt is active", b, "RED-5"
    )

    b = LogBuilder()
    run_id = b.run()
    b.drive(run_id, RS.Running)
    b.attempt(run_id)
    b.add(t.RunSuspended(run_id, "waiting", b.tick()), "attempt_in_progress")
    yield _case(
        "suspend-with-attempt", "RunSuspended while an attempt is active", b, "RED-5", "EVT-14"
    )

    b = LogBuilder()
    run_id = b.run()
    b.drive(run_id, RS.Running)
    b.attempt(run_id)
    b.add(t.RunCanceled(run_id, b.tick()))
    yield _case("cancel-with-attempt", "RunCanceled is allowed with an active attempt", b, "EVT-6")

    b = LogBuilder()
    run_id = b.run()
    b.drive(run_id, RS.Completed)
    b.add(t.RunCanceled(run_id, b.tick()), "illegal_transition")
    yield _case("cancel-terminal", "RunCanceled on a terminal run", b, "EVT-6")

    b = LogBuilder()
    run_id = b.run()
    b.add(t.RunResumed(run_id, b.tick()), "previous_state_mismatch")
    yield _case("resume-not-suspended", "RunResumed on a Scheduled run", b, "EVT-15")

    b = LogBuilder()
    run_id = b.run()
    b.drive(run_id, RS.Ready)
    b.add(t.AttemptStarted(run_id, t.AttemptId(uid(3, 1)), b.tick()), "run_not_running")
    yield _case("attempt-not-running", "AttemptStarted on a Ready run", b, "RED-5", "EVT-3")

    b = LogBuilder()
    b.add(t.AttemptStarted(t.RunId(uid(2, 404)), t.AttemptId(uid(3, 1)), 1000), "unknown_run")
    yield _case("attempt-unknown-run", "AttemptStarted for an unknown run", b, "EVT-3")

    b = LogBuilder()
    run_id = b.run()
    b.drive(run_id, RS.Running)
    b.attempt(run_id)
    b.add(t.AttemptStarted(run_id, t.AttemptId(uid(3, 77)), b.tick()), "attempt_already_active")
    yield _case(
        "attempt-already-active", "a second AttemptStarted before the first ends", b, "EVT-3"
    )

    b = LogBuilder()
    run_id = b.run(attempt_count=0xFFFF_FFFF)
    b.drive(run_id, RS.Running)
    b.add(t.AttemptStarted(run_id, t.AttemptId(uid(3, 1)), b.tick()), "attempt_count_overflow")
    yield _case("attempt-count-overflow", "attempt_count already at 2^32-1", b, "EVT-3")

    b = LogBuilder()
    run_id = b.run()
    b.drive(run_id, RS.Running)
    b.finish(run_id, t.AttemptId(uid(3, 1)), "no_active_attempt")
    yield _case("finish-without-attempt", "AttemptFinished with no active attempt", b, "EVT-4")

    b = LogBuilder()
    run_id = b.run()
    b.drive(run_id, RS.Running)
    b.attempt(run_id)
    b.finish(run_id, t.AttemptId(uid(3, 404)), "attempt_mismatch")
    yield _case("finish-other-attempt", "AttemptFinished for another attempt id", b, "EVT-4")

    b = LogBuilder()
    run_id = b.run()
    b.drive(run_id, RS.Running)
    reused = b.attempt(run_id, uid(3, 5))
    b.finish(run_id, reused)
    b.attempt(run_id, uid(3, 5))
    b.finish(run_id, reused, "attempt_already_finished")
    b.move(run_id, RS.Running, RS.Completed, "attempt_in_progress")
    yield _case(
        "finish-reused-attempt-id",
        "a reused attempt id: the first entry with that id is finished; the run keeps its "
        "active attempt (the engine clears it, RED-3 divergence)",
        b,
        "EVT-4",
        "RED-3",
    )

    b = LogBuilder()
    b.add(t.TaskCanceled(t.TaskId(uid(1, 404)), 1000), "unknown_task")
    yield _case("cancel-unknown-task", "TaskCanceled for an unknown task", b, "EVT-5")

    b = LogBuilder()
    task_id = b.task()
    b.add(t.TaskCanceled(task_id, b.tick()))
    b.add(t.TaskCanceled(task_id, b.tick()), "task_already_canceled")
    yield _case("cancel-task-twice", "TaskCanceled twice", b, "EVT-5")

    b = LogBuilder()
    b.lease(t.RunId(uid(2, 404)), expect="lease_unknown_run")
    yield _case("lease-unknown-run", "LeaseAcquired for an unknown run", b, "RED-6", "EVT-7")

    b = LogBuilder()
    run_id = b.run()
    b.lease(run_id, expect="lease_run_state")
    yield _case("lease-scheduled", "LeaseAcquired on a Scheduled run", b, "RED-6", "EVT-7")

    b = LogBuilder()
    run_id = b.run()
    b.drive(run_id, RS.Leased)
    b.lease(run_id)
    b.lease(run_id, "worker-2", expect="lease_already_active")
    yield _case("lease-already-active", "a second LeaseAcquired", b, "EVT-7")

    b = LogBuilder()
    run_id = b.run()
    b.drive(run_id, RS.Leased)
    b.add(t.LeaseHeartbeat(run_id, "worker-1", 6000, b.tick()), "lease_missing")
    yield _case("heartbeat-without-lease", "LeaseHeartbeat with no lease", b, "RED-6", "EVT-8")

    b = LogBuilder()
    run_id = b.run()
    b.drive(run_id, RS.Leased)
    b.lease(run_id)
    b.add(t.LeaseHeartbeat(run_id, "worker-2", 6000, b.tick()), "lease_owner_mismatch")
    yield _case("heartbeat-other-owner", "LeaseHeartbeat by another owner", b, "RED-6", "EVT-8")

    b = LogBuilder()
    run_id = b.run()
    b.drive(run_id, RS.Leased)
    b.lease(run_id)
    b.add(t.LeaseHeartbeat(run_id, "worker-1", 4999, b.tick()), "lease_expiry_regressed")
    yield _case("heartbeat-earlier-expiry", "LeaseHeartbeat moving expiry back", b, "EVT-8")

    b = LogBuilder()
    run_id = b.run()
    b.drive(run_id, RS.Leased)
    b.lease(run_id)
    b.add(t.LeaseReleased(run_id, "worker-1", 4000, b.tick()), "lease_expiry_mismatch")
    yield _case("release-wrong-expiry", "LeaseReleased naming another expiry", b, "RED-6", "EVT-10")

    b = LogBuilder()
    run_id = b.run()
    b.drive(run_id, RS.Leased)
    b.lease(run_id)
    b.add(t.LeaseExpired(run_id, "worker-1", 5000, b.tick()))
    b.move(run_id, RS.Ready, RS.Leased)
    yield _case(
        "expire-leased-run", "LeaseExpired moves a Leased run to Ready", b, "EVT-9", "RED-6"
    )

    b = LogBuilder()
    b.add(t.EnginePaused(1000))
    b.add(t.EnginePaused(1001), "engine_already_paused")
    yield _case("pause-twice", "EnginePaused twice", b, "EVT-11", "RED-7")

    b = LogBuilder()
    b.add(t.EngineResumed(1000), "engine_not_paused")
    yield _case("resume-not-paused", "EngineResumed with no pause", b, "EVT-12", "RED-7")

    b = LogBuilder()
    b.add(t.EnginePaused(1000))
    b.add(t.EngineResumed(999), "engine_resume_before_pause")
    yield _case("resume-before-pause", "EngineResumed earlier than the pause", b, "EVT-12", "RED-7")


def all_cases() -> list[ReplayCase]:
    return [*transition_cases(), *error_cases()]
