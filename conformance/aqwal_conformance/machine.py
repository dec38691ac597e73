"""A stateful Hypothesis machine over WAL event streams (spec: reducer.md, snapshot.md).

:class:`WalMachine` writes event streams the way the engine produces them — run lifecycles
through every RunState, retries, leases, cancellations, suspend/resume, pause/resume,
dependencies, budgets, subscriptions, actors and the platform events — interleaved with
invalid events (wrong previous state, stale sequence, lease owner mismatch, duplicates, ...).
After every step it checks:

* **replay idempotence** — the log so far, written as a WAL file and replayed from scratch,
  gives the digest of the incremental state; replaying twice gives the same; re-applying an
  applied record is rejected and changes nothing;
* **snapshot equivalence** — a snapshot taken at an earlier step, written and loaded,
  bootstrapped and followed by the rest of the log gives the same digest; the snapshot's JSON
  round trip is the identity;
* **version compatibility** — every record of the v4 subset decodes the same under v4 and v5;
  v5-only records are ``unknown_variant`` for a v4 reader; a snapshot stripped of the fields
  later schemas added loads to the state their defaults imply;
* **atomicity** — every rejected event leaves the digest unchanged;
* **model agreement** — run states, leases, attempts, cancellations and the engine's pause
  flag agree with the machine's own model of what the events mean.

A failure message carries the shrunk log as hex frames, so it can be replayed with
``aqwal replay``. Requires the ``test`` extra (hypothesis).
"""

from __future__ import annotations

import contextlib
import copy
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import event as hyp_event
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from aqwal import types as t
from aqwal.codec import decode_payload, encode_payload, encode_record, frame
from aqwal.declarations import V4_VARIANT_COUNT, WAL_V5
from aqwal.digest import state_digest
from aqwal.errors import AqwalError, ReducerError
from aqwal.forms import JSON_FORM, parse_json_text, to_json_text
from aqwal.projection import build_snapshot
from aqwal.reducer import Reducer, replay
from aqwal.snapshot import (
    FIELDS_ADDED_IN_SCHEMA_8,
    bootstrap,
    decode_snapshot,
    encode_snapshot,
    validate_snapshot,
)
from aqwal.walfile import read_wal
from aqwal_conformance.scenarios import task_spec

RS = t.RunState
R = t.AttemptResultKind

#: Event variants and run states the machine has produced, across all examples of a run.
COVERAGE: Counter[str] = Counter()


ids = st.binary(min_size=16, max_size=16).filter(lambda b: b != bytes(16))
timestamps = st.integers(0, 2**33)
owners = st.sampled_from(["worker-1", "worker-2", "wörker-ß"])


@dataclass
class RunModel:
    """What the machine believes about a run (independent of the reducer)."""

    task_id: bytes
    state: t.RunState = RS.Scheduled
    lease: tuple[str, int] | None = None
    attempt: bytes | None = None


class Differential:
    """Hook: checks each step's log against an external implementation (see differential.py)."""

    def check(self, log: list[t.WalEvent], outcomes: list[str | None], digest: str) -> None:
        """Raise AssertionError when the external implementation disagrees."""


class WalMachine(RuleBasedStateMachine):
    """Engine-like event streams plus invalid events, with the invariants of the module doc."""

    differential: Differential | None = None
    #: A reducer factory; tests plant bugs by replacing it.
    make_reducer: Callable[[], Reducer] = Reducer

    tasks = Bundle("tasks")
    runs = Bundle("runs")
    actors = Bundle("actors")
    tenants = Bundle("tenants")
    subscriptions = Bundle("subscriptions")

    def __init__(self) -> None:
        super().__init__()
        self.reducer = type(self).make_reducer()
        self.log: list[t.WalEvent] = []
        self.outcomes: list[str | None] = []
        self.models: dict[bytes, RunModel] = {}
        self.canceled_tasks: set[bytes] = set()
        self.paused = False
        self.paused_at = 0
        self.clock = 1_700_000_000
        self.snapshot: tuple[int, bytes, str] | None = None  # (log length, file bytes, digest)
        self._digest: tuple[int, str] = (-1, "")

    def digest(self) -> str:
        """The digest of the incremental state, computed once per log length."""
        if self._digest[0] != len(self.log):
            self._digest = (len(self.log), state_digest(self.reducer.state))
        return self._digest[1]

    # -- plumbing ----------------------------------------------------------------------------

    def tick(self) -> int:
        self.clock += 1
        return self.clock

    def emit(
        self, body: t.WalEventType, *, expect: str | None = None, sequence: int | None = None
    ) -> bool:
        """Append a record, apply it, and check the outcome the machine expects."""
        seq = self.reducer.state.latest_sequence + 1 if sequence is None else sequence
        event = t.WalEvent(seq, body)
        before = self.digest()
        try:
            self.reducer.apply(event)
            code = None
        except ReducerError as exc:
            code = exc.code
        self.log.append(event)
        self.outcomes.append(code)
        if code is None:
            COVERAGE[type(body).__name__] += 1
            hyp_event(f"applied {type(body).__name__}")
        else:
            hyp_event(f"rejected {code}")
            after = state_digest(self.reducer.state)
            if after != before:
                self.fail("atomicity", f"rejected record {seq} ({code}) changed the state")
            self._digest = (len(self.log), after)
        if code != expect and not (expect == "*" and code is not None):
            self.fail(
                "outcome", f"record {seq} {type(body).__name__}: got {code}, expected {expect}"
            )
        return code is None

    def fail(self, invariant_name: str, detail: str) -> None:
        frames = "\n".join(encode_record(e).hex() for e in self.log)
        raise AssertionError(
            f"invariant {invariant_name} failed: {detail}\n"
            f"log ({len(self.log)} records, one frame per line, hex):\n{frames}"
        )

    def move(self, run_id: bytes, new: t.RunState) -> None:
        model = self.models[run_id]
        self.emit(t.RunStateChanged(t.RunId(run_id), model.state, new, self.tick()))
        model.state = new
        if new is not RS.Running:
            model.attempt = None
        if new in (RS.Completed, RS.Failed, RS.Canceled):
            model.lease = None
        COVERAGE[f"state {new.name}"] += 1

    def in_state(self, *states: t.RunState) -> list[bytes]:
        return [r for r, m in self.models.items() if m.state in states]

    # -- tasks and runs ----------------------------------------------------------------------

    @initialize(target=tasks)
    def first_task(self) -> bytes:
        task_id = bytes(range(1, 17))
        self.emit(t.TaskCreated(task_spec(task_id), self.tick()))
        return task_id

    @rule(target=tasks, task_id=ids)
    def create_task(self, task_id: bytes) -> bytes:
        if any(
            isinstance(e.event, t.TaskCreated) and e.event.task_spec.id == task_id for e in self.log
        ):
            self.emit(t.TaskCreated(task_spec(task_id), self.tick()), expect="duplicate_task")
        else:
            self.emit(t.TaskCreated(task_spec(task_id), self.tick()))
        return task_id

    @rule(target=runs, task_id=tasks, run_id=ids, priority=st.integers(-(2**31), 2**31 - 1))
    def create_run(self, task_id: bytes, run_id: bytes, priority: int) -> bytes:
        now = self.tick()
        instance = t.RunInstance(
            t.RunId(run_id), t.TaskId(task_id), RS.Scheduled, None, 0, now, now, priority, now
        )
        if run_id in self.models:
            self.emit(t.RunCreated(instance), expect="duplicate_run")
        else:
            self.emit(t.RunCreated(instance))
            self.models[run_id] = RunModel(task_id)
            COVERAGE["state Scheduled"] += 1
        return run_id

    @rule(task_id=tasks)
    def cancel_task(self, task_id: bytes) -> None:
        expect = "task_already_canceled" if task_id in self.canceled_tasks else None
        self.emit(t.TaskCanceled(t.TaskId(task_id), self.tick()), expect=expect)
        self.canceled_tasks.add(task_id)

    @rule(run_id=runs)
    def promote(self, run_id: bytes) -> None:
        state = self.models[run_id].state
        if state in (RS.Scheduled, RS.RetryWait):
            self.move(run_id, RS.Ready)

    @rule(run_id=runs, owner=owners)
    def lease_and_start(self, run_id: bytes, owner: str) -> None:
        """Ready → Leased, LeaseAcquired, Leased → Running, AttemptStarted (the runtime order)."""
        model = self.models[run_id]
        if model.state is not RS.Ready or model.lease is not None:
            return
        self.move(run_id, RS.Leased)
        expiry = self.clock + 30
        self.emit(t.LeaseAcquired(t.RunId(run_id), owner, expiry, self.tick()))
        model.lease = (owner, expiry)
        self.move(run_id, RS.Running)
        attempt = self.clock.to_bytes(16, "big")
        self.emit(t.AttemptStarted(t.RunId(run_id), t.AttemptId(attempt), self.tick()))
        model.attempt = attempt

    @rule(run_id=runs, extra=st.integers(0, 100))
    def heartbeat(self, run_id: bytes, extra: int) -> None:
        model = self.models[run_id]
        if model.lease is None or model.state not in (RS.Leased, RS.Running):
            return
        owner, expiry = model.lease
        self.emit(t.LeaseHeartbeat(t.RunId(run_id), owner, expiry + extra, self.tick()))
        model.lease = (owner, expiry + extra)

    @rule(
        run_id=runs,
        result=st.sampled_from(list(R)),
        error=st.none() | st.text(max_size=8),
        output=st.none() | st.binary(max_size=8),
    )
    def finish_attempt(
        self, run_id: bytes, result: t.AttemptResultKind, error: str | None, output: bytes | None
    ) -> None:
        model = self.models[run_id]
        if model.attempt is None:
            return
        self.emit(
            t.AttemptFinished(
                t.RunId(run_id), t.AttemptId(model.attempt), result, error, output, self.tick()
            )
        )
        model.attempt = None

    @rule(run_id=runs, expire=st.booleans())
    def close_lease(self, run_id: bytes, expire: bool) -> None:
        model = self.models[run_id]
        if model.lease is None or model.state not in (RS.Ready, RS.Leased, RS.Running):
            return
        owner, expiry = model.lease
        kind = t.LeaseExpired if expire else t.LeaseReleased
        self.emit(kind(t.RunId(run_id), owner, expiry, self.tick()))
        model.lease = None
        if model.state is RS.Leased:
            model.state = RS.Ready  # spec: EVT-9 — no history entry

    @rule(
        run_id=runs,
        target_state=st.sampled_from([RS.Completed, RS.Failed, RS.RetryWait, RS.Suspended]),
        via_event=st.booleans(),
    )
    def leave_running(self, run_id: bytes, target_state: t.RunState, via_event: bool) -> None:
        model = self.models[run_id]
        if model.state is not RS.Running or model.attempt is not None:
            return
        if model.lease is not None and target_state in (RS.RetryWait, RS.Suspended):
            owner, expiry = model.lease  # the runtime releases before leaving Running
            self.emit(t.LeaseReleased(t.RunId(run_id), owner, expiry, self.tick()))
            model.lease = None
        if target_state is RS.Suspended and via_event:
            self.emit(t.RunSuspended(t.RunId(run_id), "waiting", self.tick()))
            model.state = RS.Suspended
            COVERAGE["state Suspended"] += 1
        else:
            self.move(run_id, target_state)

    @rule(run_id=runs)
    def resume_run(self, run_id: bytes) -> None:
        model = self.models[run_id]
        if model.state is RS.Suspended:
            self.emit(t.RunResumed(t.RunId(run_id), self.tick()))
            model.state = RS.Ready
            COVERAGE["state Ready"] += 1

    @rule(run_id=runs, via_event=st.booleans())
    def cancel_run(self, run_id: bytes, via_event: bool) -> None:
        model = self.models[run_id]
        if model.state in (RS.Completed, RS.Failed, RS.Canceled):
            return
        if model.state is RS.Running and model.attempt is not None and not via_event:
            return
        if via_event:
            self.emit(t.RunCanceled(t.RunId(run_id), self.tick()))
            model.state, model.attempt, model.lease = RS.Canceled, None, None
            COVERAGE["state Canceled"] += 1
        else:
            self.move(run_id, RS.Canceled)

    @rule(run_id=runs, choices=st.lists(st.integers(0, 7), min_size=1, max_size=10), owner=owners)
    def advance(self, run_id: bytes, choices: list[int], owner: str) -> None:
        """Take a few steps of the run's lifecycle, as the engine's dispatch loop would."""
        for choice in choices:
            self.step(run_id, choice, owner)

    def step(self, run_id: bytes, choice: int, owner: str) -> None:
        model = self.models[run_id]
        state = model.state
        if choice == 6 and state in (RS.Scheduled, RS.Ready, RS.RetryWait, RS.Suspended):
            self.cancel_run(run_id, via_event=True)
        elif state is RS.Scheduled:
            self.move(run_id, RS.Canceled if choice == 7 else RS.Ready)
        elif state is RS.Ready:
            if choice == 7:
                self.move(run_id, RS.Canceled)
            else:
                self.lease_and_start(run_id, owner)
        elif state is RS.Leased:
            self.close_lease(run_id, expire=choice % 2 == 0)
        elif state is RS.Running and model.attempt is not None:
            if choice == 7:
                self.cancel_run(run_id, via_event=True)
            elif choice == 1:
                self.finish_unknown_attempt(run_id)
            elif choice < 2:
                self.heartbeat(run_id, choice * 10)
            else:
                result = [R.Success, R.Failure, R.Timeout, R.Suspended][choice % 4]
                self.finish_attempt(
                    run_id, result, None if result in (R.Success, R.Suspended) else "boom", None
                )
        elif state is RS.Running:
            if model.lease is not None:
                self.close_lease(run_id, expire=choice % 3 == 2)
            elif choice == 7:
                self.move(run_id, RS.Canceled)
            else:
                target = [
                    RS.Completed,
                    RS.Completed,
                    RS.Completed,
                    RS.Failed,
                    RS.RetryWait,
                    RS.Suspended,
                    RS.Suspended,
                ][choice]
                self.leave_running(run_id, target, via_event=choice == 6)
        elif state is RS.RetryWait:
            self.move(run_id, RS.Failed if choice == 7 else RS.Ready)
        elif state is RS.Suspended:
            if choice == 7:
                self.move(run_id, RS.Canceled)
            else:
                self.resume_run(run_id)

    @rule(target=runs, task_id=tasks, run_id=ids, owner=owners, bump=st.integers(0, 50))
    def full_lifecycle(self, task_id: bytes, run_id: bytes, owner: str, bump: int) -> bytes:
        """A new run through a long engine-like life: lease expiry and re-lease, heartbeat,
        refused heartbeat and finish events, a suspended attempt, suspend and resume, a failed
        attempt and a retry, then success — or, by ``bump``, a cancellation while running or
        a failure once the retry wait ends."""
        if run_id in self.models:
            return run_id
        self.create_run(task_id, run_id, bump)
        self.move(run_id, RS.Ready)
        self.move(run_id, RS.Leased)
        self.emit(t.LeaseAcquired(t.RunId(run_id), owner, self.clock + 30, self.tick()))
        self.models[run_id].lease = (owner, self.clock + 29)
        self.close_lease(run_id, expire=True)  # Leased -> Ready without a history entry
        self.lease_and_start(run_id, owner)
        self.heartbeat(run_id, bump)
        self.foreign_heartbeat(run_id)
        self.finish_unknown_attempt(run_id)
        if bump % 3 == 1:
            self.cancel_run(run_id, via_event=True)  # with a lease and an active attempt
            return run_id
        self.finish_attempt(run_id, R.Suspended, None, b"partial")
        self.leave_running(run_id, RS.Suspended, via_event=True)
        self.resume_run(run_id)
        self.lease_and_start(run_id, owner)
        self.finish_attempt(run_id, R.Failure, "transient", None)
        self.close_lease(run_id, expire=False)
        self.leave_running(run_id, RS.RetryWait, via_event=False)
        if bump % 3 == 2:
            self.move(run_id, RS.Failed)  # retries exhausted
            return run_id
        self.move(run_id, RS.Ready)
        self.lease_and_start(run_id, owner)
        self.finish_attempt(run_id, R.Success, None, b"done")
        self.close_lease(run_id, expire=False)
        self.leave_running(run_id, RS.Completed, via_event=False)
        return run_id

    # -- invalid events ----------------------------------------------------------------------

    @rule(run_id=runs, bogus=st.sampled_from(list(RS)))
    def wrong_previous_state(self, run_id: bytes, bogus: t.RunState) -> None:
        model = self.models[run_id]
        if bogus is model.state:
            return
        self.emit(
            t.RunStateChanged(t.RunId(run_id), bogus, RS.Ready, self.tick()),
            expect="previous_state_mismatch",
        )

    @precondition(lambda self: len(self.log) > 1)
    @rule(back=st.integers(0, 5))
    def stale_sequence(self, back: int) -> None:
        latest = self.reducer.state.latest_sequence
        self.emit(
            t.EngineResumed(self.tick()),
            expect="sequence_not_increasing",
            sequence=max(0, latest - back),
        )

    @rule(run_id=runs)
    def foreign_heartbeat(self, run_id: bytes) -> None:
        model = self.models[run_id]
        if model.lease is None or model.state not in (RS.Leased, RS.Running):
            return
        self.emit(
            t.LeaseHeartbeat(t.RunId(run_id), "intruder", model.lease[1] + 1, self.tick()),
            expect="lease_owner_mismatch",
        )

    @rule(run_id=runs)
    def finish_unknown_attempt(self, run_id: bytes) -> None:
        model = self.models[run_id]
        if model.state is not RS.Running:
            return
        expect = "no_active_attempt" if model.attempt is None else "attempt_mismatch"
        self.emit(
            t.AttemptFinished(
                t.RunId(run_id), t.AttemptId(b"\xee" * 16), R.Success, None, None, self.tick()
            ),
            expect=expect,
        )

    # -- engine, dependencies, budgets, subscriptions ----------------------------------------

    @rule(late=st.booleans())
    def pause_or_resume(self, late: bool) -> None:
        if self.paused:
            ts = self.tick()
            self.emit(t.EngineResumed(ts))
            self.paused = False
        else:
            ts = self.tick()
            self.emit(t.EnginePaused(ts))
            self.paused, self.paused_at = True, ts
        if late:  # a second identical event is refused
            expect = "engine_already_paused" if self.paused else "engine_not_paused"
            body: t.WalEventType = (
                t.EnginePaused(self.tick()) if self.paused else t.EngineResumed(self.tick())
            )
            self.emit(body, expect=expect)

    @rule(task_id=tasks, prerequisites=st.lists(tasks, max_size=3))
    def declare_dependency(self, task_id: bytes, prerequisites: list[bytes]) -> None:
        self.emit(
            t.DependencyDeclared(
                t.TaskId(task_id), tuple(t.TaskId(p) for p in prerequisites), self.tick()
            )
        )

    @rule(
        task_id=tasks,
        dimension=st.sampled_from(list(t.BudgetDimension)),
        action=st.sampled_from(["allocate", "consume", "replenish", "exhaust"]),
        amount=st.integers(0, 2**64 - 1),
    )
    def budget(
        self, task_id: bytes, dimension: t.BudgetDimension, action: str, amount: int
    ) -> None:
        tid = t.TaskId(task_id)
        body: t.WalEventType
        if action == "allocate":
            body = t.BudgetAllocated(tid, dimension, amount, self.tick())
        elif action == "consume":
            body = t.BudgetConsumed(tid, dimension, amount, self.tick())
        elif action == "replenish":
            body = t.BudgetReplenished(tid, dimension, amount, self.tick())
        else:
            body = t.BudgetExhausted(tid, dimension, self.tick())
        self.emit(body)

    @rule(
        target=subscriptions,
        sub_id=ids,
        task_id=tasks,
        state=st.sampled_from(list(RS)),
        pct=st.integers(0, 255),
    )
    def subscribe(self, sub_id: bytes, task_id: bytes, state: t.RunState, pct: int) -> bytes:
        filters: list[t.EventFilter] = [
            t.EventFilterTaskCompleted(t.TaskId(task_id)),
            t.EventFilterRunStateChanged(t.TaskId(task_id), state),
            t.EventFilterBudgetThreshold(t.TaskId(task_id), t.BudgetDimension.Token, pct),
            t.EventFilterCustom("k"),
        ]
        self.emit(
            t.SubscriptionCreated(
                t.SubscriptionId(sub_id), t.TaskId(task_id), filters[pct % 4], self.tick()
            )
        )
        return sub_id

    @rule(sub_id=subscriptions, cancel=st.booleans())
    def subscription_event(self, sub_id: bytes, cancel: bool) -> None:
        kind = t.SubscriptionCanceled if cancel else t.SubscriptionTriggered
        self.emit(kind(t.SubscriptionId(sub_id), self.tick()))

    # -- actors and platform -----------------------------------------------------------------

    @rule(target=tenants, tenant_id=ids, name=st.text(max_size=6))
    def create_tenant(self, tenant_id: bytes, name: str) -> bytes:
        self.emit(t.TenantCreated(t.TenantId(tenant_id), name, self.tick()))
        return tenant_id

    @rule(
        target=actors,
        actor_id=ids,
        tenant=st.none() | tenants,
        caps=st.lists(st.text(max_size=4), max_size=2),
    )
    def register_actor(self, actor_id: bytes, tenant: bytes | None, caps: list[str]) -> bytes:
        self.emit(
            t.ActorRegistered(
                t.ActorId(actor_id),
                "actor",
                tuple(caps),
                None,
                30,
                None if tenant is None else t.TenantId(tenant),
                self.tick(),
            )
        )
        return actor_id

    @rule(actor_id=actors, leave=st.booleans())
    def actor_activity(self, actor_id: bytes, leave: bool) -> None:
        kind = t.ActorDeregistered if leave else t.ActorHeartbeat
        self.emit(kind(t.ActorId(actor_id), self.tick()))

    @rule(
        actor_id=actors,
        tenant_id=tenants,
        which=st.integers(0, 5),
        revoke=st.booleans(),
        custom=st.text(max_size=4),
    )
    def permissions(
        self, actor_id: bytes, tenant_id: bytes, which: int, revoke: bool, custom: str
    ) -> None:
        roles: list[t.Role] = [
            t.RoleOperator(),
            t.RoleAuditor(),
            t.RoleGatekeeper(),
            t.RoleCustom(custom),
        ]
        caps: list[t.Capability] = [
            t.CapabilityCanSubmit(),
            t.CapabilityCanExecute(),
            t.CapabilityCanReview(),
            t.CapabilityCanApprove(),
            t.CapabilityCanCancel(),
            t.CapabilityCustom(custom),
        ]
        actor, tenant = t.ActorId(actor_id), t.TenantId(tenant_id)
        self.emit(t.RoleAssigned(actor, roles[which % 4], tenant, self.tick()))
        self.emit(t.CapabilityGranted(actor, caps[which], tenant, self.tick()))
        if revoke:
            self.emit(t.CapabilityRevoked(actor, caps[which], tenant, self.tick()))

    @rule(tenant_id=tenants, actor=st.none() | actors, payload=st.binary(max_size=16))
    def ledger(self, tenant_id: bytes, actor: bytes | None, payload: bytes) -> None:
        self.emit(
            t.LedgerEntryAppended(
                t.LedgerEntryId(bytes(16)),
                t.TenantId(tenant_id),
                "audit",
                None if actor is None else t.ActorId(actor),
                payload,
                self.tick(),
            )
        )

    # -- snapshots ---------------------------------------------------------------------------

    @rule()
    def take_snapshot(self) -> None:
        snap = build_snapshot(self.reducer.state, self.clock)
        try:
            validate_snapshot(snap)
        except AqwalError:
            return  # the engine could not write this snapshot either (spec: SNP-8)
        data = encode_snapshot(snap)
        self.snapshot = (len(self.log), data, self.digest())

    # -- invariants --------------------------------------------------------------------------

    def _replay_file(self, digest: str, attempts: int) -> None:
        wal = b"".join(encode_record(e) for e in self.log)
        events = [e for _, e in read_wal(io.BytesIO(wal))]
        for attempt in range(1, attempts + 1):
            fresh = Reducer()
            outcomes = [o.code for o in replay(events, fresh)]
            if outcomes != self.outcomes:
                self.fail("replay idempotence", f"replay {attempt} outcomes differ")
            if state_digest(fresh.state) != digest:
                self.fail("replay idempotence", f"replay {attempt} digest differs")

    def teardown(self) -> None:
        """At the end of an example: replaying the file twice gives the same as once."""
        if self.log:
            self._replay_file(self.digest(), attempts=2)

    @invariant()
    def replay_is_idempotent(self) -> None:
        digest = self.digest()
        self._replay_file(digest, attempts=1)
        applied = [e for e, code in zip(self.log, self.outcomes, strict=True) if code is None]
        if applied:
            again = applied[-1]
            try:
                self.reducer.apply(again)
            except ReducerError:
                pass
            else:
                self.fail("replay idempotence", f"re-applied record {again.sequence} was taken")
            if state_digest(self.reducer.state) != digest:
                self.fail("atomicity", "re-applying a record changed the state")
        if self.differential is not None:
            try:
                self.differential.check(self.log, self.outcomes, digest)
            except AssertionError as exc:
                self.fail("differential", str(exc))

    @invariant()
    def snapshot_equivalence(self) -> None:
        if self.snapshot is None:
            return
        k, data, digest_at_k = self.snapshot
        snap = decode_snapshot(data)
        if (
            JSON_FORM.load(
                "Snapshot", parse_json_text(to_json_text(JSON_FORM.dump("Snapshot", snap)))
            )
            != snap
        ):
            self.fail("snapshot equivalence", "snapshot JSON round trip changed the value")
        resumed = Reducer(bootstrap(snap))
        if state_digest(resumed.state) != digest_at_k:
            self.fail("snapshot equivalence", f"bootstrap of the snapshot at {k} differs")
        for event in self.log[k:]:
            with contextlib.suppress(ReducerError):
                resumed.apply(event)
        if state_digest(resumed.state) != self.digest():
            self.fail("snapshot equivalence", f"snapshot at {k} + tail differs from full replay")

    @invariant()
    def versions_are_compatible(self) -> None:
        if not self.log:
            return
        event = self.log[-1]
        payload = encode_payload(event, validate=False)
        index = _variant_index(event.event)
        if index < V4_VARIANT_COUNT:
            if decode_payload(payload, wal_version=4) != decode_payload(payload):
                self.fail("version compatibility", "v4 and v5 decode a v4 record differently")
        else:
            try:
                decode_payload(payload, wal_version=4)
            except AqwalError as exc:
                if exc.code != "unknown_variant":
                    self.fail("version compatibility", f"v4 reader said {exc.code}")
            else:
                self.fail("version compatibility", "a v4 reader decoded a v5-only record")

    @invariant()
    def older_snapshot_schema_loads_with_defaults(self) -> None:
        if len(self.log) % 5:
            return  # every fifth step is enough
        snap = build_snapshot(self.reducer.state, self.clock)
        try:
            validate_snapshot(snap)
        except AqwalError:
            return
        body = JSON_FORM.dump("Snapshot", snap)
        body["metadata"]["schema_version"] = 7
        for key in FIELDS_ADDED_IN_SCHEMA_8:
            del body[key]
        data = frame(to_json_text(body).encode(), 4)
        loaded = bootstrap(decode_snapshot(data, accept_older_schema=True))
        expected = copy.deepcopy(self.reducer.state)
        expected.actors.clear()
        expected.tenants.clear()
        expected.role_assignments.clear()
        expected.capability_grants.clear()
        expected.ledger.clear()
        if state_digest(loaded) != state_digest(expected):
            self.fail("version compatibility", "schema-7 snapshot did not load to its defaults")

    @invariant()
    def model_agrees(self) -> None:
        state = self.reducer.state
        for run_id, model in self.models.items():
            run = state.runs.get(t.RunId(run_id))
            if run is None:
                self.fail("model agreement", f"run {run_id.hex()} is missing")
                return
            lease = None if run.lease is None else (run.lease.owner, run.lease.expiry)
            if (run.state, lease, run.current_attempt_id) != (
                model.state,
                model.lease,
                model.attempt,
            ):
                self.fail(
                    "model agreement",
                    f"run {run_id.hex()}: reducer has {(run.state, lease)}, "
                    f"model has {(model.state, model.lease)}",
                )
        if state.engine.paused != self.paused:
            self.fail("model agreement", "engine pause flag differs")
        canceled = {k for k, v in state.tasks.items() if v.canceled_at is not None}
        if canceled != self.canceled_tasks:
            self.fail("model agreement", "canceled tasks differ")


_VARIANT_INDEX = {v.name: v.index for v in WAL_V5.enum("WalEventType").variants}


def _variant_index(body: t.WalEventType) -> int:
    return _VARIANT_INDEX[type(body).__name__]
