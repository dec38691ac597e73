"""The stateful machine: invariants hold on the reference, every situation the spec allows is
reached, planted single-rule bugs are found and shrink to a few records."""

from __future__ import annotations

import functools
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import Flaky
from hypothesis.stateful import run_state_machine_as_test

from aqwal import types as t
from aqwal.codec import decode_record
from aqwal.declarations import WAL_V5
from aqwal.errors import ReducerError
from aqwal.reducer import Reducer
from aqwal.snapshot import bootstrap
from aqwal.state import BudgetRecord
from aqwal_conformance.differential import STEPS
from aqwal_conformance.machine import CHOICES_PER_STEP, COVERAGE, Choices, WalMachine
from aqwal_conformance.model import SpecModel
from aqwal_conformance.situations import REACHABLE

PROFILE = os.environ.get("AQWAL_HYPOTHESIS_PROFILE", "ci")
#: In CI, 200 examples of up to 100 steps: the derandomized run reaches every situation and
#: applies every variant within its first 150 (test_invariants_hold_...); more is opt-in.
EXAMPLES = {"ci": 200, "dev": 1000, "long": 10000}.get(PROFILE, 200)
MACHINE_SETTINGS = settings(
    max_examples=EXAMPLES,
    stateful_step_count=100,
    deadline=None,
    # no explain phase: it replays the shrunk example many times over, for a hint only
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
#: Finding a planted bug is what matters there; shrinking is measured separately.
FIND_ONLY = settings(MACHINE_SETTINGS, phases=[Phase.explicit, Phase.generate])


def test_invariants_hold_and_every_situation_is_reached() -> None:
    COVERAGE.clear()
    run_state_machine_as_test(WalMachine, settings=MACHINE_SETTINGS)
    variants = {v.name for v in WAL_V5.enum("WalEventType").variants}
    applied = {k.split(" ")[0].rstrip(":") for k in COVERAGE if k.endswith(": applied")}
    assert variants <= applied, f"variants never applied: {sorted(variants - applied)}"
    missing = REACHABLE - set(COVERAGE)
    assert not missing, f"situations never reached: {sorted(missing)}"


def test_a_step_draws_its_choices_from_one_block_of_bytes() -> None:
    """Each byte is one choice, 0 to 31; a step that wants more choices than its block holds
    is a bug of the machine, not a finding about the reference."""
    choices = Choices(bytes([1, 33, 255]))
    assert [choices.index(), choices.index(), choices.index()] == [1, 1, 31]
    with pytest.raises(RuntimeError, match="more than 3 choices"):
        choices.index()
    assert CHOICES_PER_STEP >= 11  # platform_event and take_snapshot make up to 11


# -- planted single-rule bugs, one per entity and per situation the machine must reach ------


class _LeakyTerminal(Reducer):
    """A run that ends keeps its lease (RED-4, effect 5)."""

    def _transition(self, run: Any, new: t.RunState, timestamp: int) -> None:
        lease = run.lease
        super()._transition(run, new, timestamp)
        run.lease = lease


class _NonAtomicFinish(Reducer):
    """The engine's own: AttemptFinished clears the attempt before it fails (RED-3)."""

    def attempt_finished(self, e: t.AttemptFinished) -> None:
        run = self.state.runs.get(e.run_id)
        if run is not None and run.state is t.RunState.Running:
            run.current_attempt_id = None
        super().attempt_finished(e)


class _NoAcquireOnReady(Reducer):
    """LeaseAcquired is refused on a Ready run (RED-6 allows it)."""

    def lease_acquired(self, e: t.LeaseAcquired) -> None:
        run = self.state.runs.get(e.run_id)
        if run is not None and run.state is t.RunState.Ready:
            raise ReducerError("lease_run_state", "planted")
        super().lease_acquired(e)


class _ExpireMovesRunning(Reducer):
    """LeaseExpired on a Running run also moves it to Ready (EVT-9 keeps Running)."""

    def lease_expired(self, e: t.LeaseExpired) -> None:
        super().lease_expired(e)
        run = self.state.runs[e.run_id]
        if run.state is t.RunState.Running and run.current_attempt_id is None:
            run.state = t.RunState.Ready


class _CancelRefusedWithAttempt(Reducer):
    """Running -> Canceled is refused while an attempt is active (RED-5 allows it)."""

    def run_canceled(self, e: t.RunCanceled) -> None:
        run = self.state.runs.get(e.run_id)
        if run is not None and run.current_attempt_id is not None:
            raise ReducerError("attempt_in_progress", "planted")
        super().run_canceled(e)


class _HeartbeatNeedsLaterExpiry(Reducer):
    """A heartbeat with an unchanged expiry is refused (EVT-8 accepts it)."""

    def lease_heartbeat(self, e: t.LeaseHeartbeat) -> None:
        run = self.state.runs.get(e.run_id)
        if run is not None and run.lease is not None and e.expiry == run.lease.expiry:
            raise ReducerError("lease_expiry_regressed", "planted")
        super().lease_heartbeat(e)


class _ReplenishKeepsConsumption(Reducer):
    """BudgetReplenished does not reset ``consumed`` (EVT-19)."""

    def budget_replenished(self, e: t.BudgetReplenished) -> None:
        budget = self.state.budgets.get((e.task_id, e.dimension))
        consumed = None if budget is None else budget.consumed
        super().budget_replenished(e)
        if budget is not None and consumed is not None:
            budget.consumed = consumed


class _ExhaustOnlyWhenSpent(Reducer):
    """BudgetExhausted of an existing budget is ignored unless consumed >= limit (EVT-18)."""

    def budget_exhausted(self, e: t.BudgetExhausted) -> None:
        budget = self.state.budgets.get((e.task_id, e.dimension))
        if budget is None or budget.consumed >= budget.limit:
            super().budget_exhausted(e)


class _ConsumptionWraps(Reducer):
    """BudgetConsumed wraps around at 2^64 instead of saturating (RED-9)."""

    def budget_consumed(self, e: t.BudgetConsumed) -> None:
        budget = self.state.budgets.get((e.task_id, e.dimension))
        if budget is None:
            return
        budget.consumed = (budget.consumed + e.amount) % 2**64
        if budget.consumed >= budget.limit:
            budget.exhausted = True


class _AllocationKeepsConsumption(Reducer):
    """A new BudgetAllocated keeps the earlier record's consumption (EVT-16)."""

    def budget_allocated(self, e: t.BudgetAllocated) -> None:
        old = self.state.budgets.get((e.task_id, e.dimension))
        self.state.budgets[(e.task_id, e.dimension)] = BudgetRecord(
            e.limit, 0 if old is None else old.consumed, e.timestamp, False
        )


class _TriggerIgnoredAfterCancel(Reducer):
    """SubscriptionTriggered after a cancellation is dropped (EVT-21 records it)."""

    def subscription_triggered(self, e: t.SubscriptionTriggered) -> None:
        sub = self.state.subscriptions.get(e.subscription_id)
        if sub is None or sub.canceled_at is None:
            super().subscription_triggered(e)


class _ReRegistrationKeepsDeregistration(Reducer):
    """ActorRegistered over a deregistered actor keeps ``deregistered_at`` (RED-11)."""

    def actor_registered(self, e: t.ActorRegistered) -> None:
        old = self.state.actors.get(e.actor_id)
        super().actor_registered(e)
        if old is not None:
            self.state.actors[e.actor_id].deregistered_at = old.deregistered_at


class _HeartbeatIgnoredWhenDeregistered(Reducer):
    """ActorHeartbeat of a deregistered actor is dropped (EVT-25 records it)."""

    def actor_heartbeat(self, e: t.ActorHeartbeat) -> None:
        actor = self.state.actors.get(e.actor_id)
        if actor is None or actor.deregistered_at is None:
            super().actor_heartbeat(e)


class _RegrantKeepsRevocation(Reducer):
    """CapabilityGranted over a revoked grant keeps ``revoked_at`` (EVT-28)."""

    def capability_granted(self, e: t.CapabilityGranted) -> None:
        from aqwal.reducer import capability_key

        key = (e.actor_id, capability_key(e.capability), e.tenant_id)
        old = self.state.capability_grants.get(key)
        super().capability_granted(e)
        if old is not None:
            self.state.capability_grants[key].revoked_at = old.revoked_at


class _RoleKeptOnce(Reducer):
    """A second RoleAssigned for the same actor and tenant is ignored (EVT-27 replaces)."""

    def role_assigned(self, e: t.RoleAssigned) -> None:
        if (e.actor_id, e.tenant_id) not in self.state.role_assignments:
            super().role_assigned(e)


class _TenantKeptOnce(Reducer):
    """A second TenantCreated for the same id is ignored (EVT-26 replaces)."""

    def tenant_created(self, e: t.TenantCreated) -> None:
        if e.tenant_id not in self.state.tenants:
            super().tenant_created(e)


class _LedgerDeduplicated(Reducer):
    """A ledger entry whose id is already in the ledger is dropped (EVT-30 keeps it)."""

    def ledger_entry_appended(self, e: t.LedgerEntryAppended) -> None:
        if all(x.entry_id != e.entry_id for x in self.state.ledger):
            super().ledger_entry_appended(e)


class _DependenciesReplaced(Reducer):
    """A second DependencyDeclared replaces the prerequisites (RED-8: a union)."""

    def dependency_declared(self, e: t.DependencyDeclared) -> None:
        self.state.dependencies[e.task_id] = set(e.depends_on)


class _ReusedAttemptIdRefused(Reducer):
    """AttemptStarted with an attempt id already used in the run is refused (RED-15)."""

    def attempt_started(self, e: t.AttemptStarted) -> None:
        run = self.state.runs.get(e.run_id)
        if run is not None and any(a.attempt_id == e.attempt_id for a in run.attempts):
            raise ReducerError("attempt_already_active", "planted")
        super().attempt_started(e)


class _AttemptCountSaturates(Reducer):
    """AttemptStarted at attempt_count u32::MAX is applied without counting (EVT-3 refuses)."""

    def attempt_started(self, e: t.AttemptStarted) -> None:
        run = self.state.runs.get(e.run_id)
        if run is not None and run.attempt_count == 2**32 - 1:
            run.attempt_count -= 1
        super().attempt_started(e)


class _ResumeMustFollowPause(Reducer):
    """EngineResumed at the pause's own timestamp is refused (EVT-12 allows it)."""

    def engine_resumed(self, e: t.EngineResumed) -> None:
        if self.state.engine.paused and e.timestamp == self.state.engine.paused_at:
            raise ReducerError("engine_resume_before_pause", "planted")
        super().engine_resumed(e)


PLANTED_REDUCERS = [
    _LeakyTerminal,
    _NonAtomicFinish,
    _NoAcquireOnReady,
    _ExpireMovesRunning,
    _CancelRefusedWithAttempt,
    _HeartbeatNeedsLaterExpiry,
    _ReplenishKeepsConsumption,
    _ExhaustOnlyWhenSpent,
    _ConsumptionWraps,
    _AllocationKeepsConsumption,
    _TriggerIgnoredAfterCancel,
    _ReRegistrationKeepsDeregistration,
    _HeartbeatIgnoredWhenDeregistered,
    _RegrantKeepsRevocation,
    _RoleKeptOnce,
    _TenantKeptOnce,
    _LedgerDeduplicated,
    _DependenciesReplaced,
    _ReusedAttemptIdRefused,
    _AttemptCountSaturates,
    _ResumeMustFollowPause,
]


def _failure(machine: type[WalMachine], chosen: settings) -> str:
    with pytest.raises((AssertionError, Flaky)) as info:
        run_state_machine_as_test(machine, settings=chosen)
    return str(info.value)


@pytest.mark.parametrize("reducer", PLANTED_REDUCERS, ids=lambda r: r.__name__.strip("_"))
def test_planted_reducer_bug_is_found(reducer: type[Reducer]) -> None:
    class Buggy(WalMachine):
        make_reducer = reducer

    text = _failure(Buggy, FIND_ONLY)
    assert re.search(r"invariant (outcome|model agreement|atomicity)", text), text[:500]


def test_restoration_that_recomputes_stored_values_is_found() -> None:
    """The engine's restoration (SNP-11 skipped) is caught on snapshots whose stored values
    the synthesized events do not rebuild."""

    class EngineLikeRestore(WalMachine):
        restore = staticmethod(functools.partial(bootstrap, engine_compatible=True))

    text = _failure(EngineLikeRestore, FIND_ONLY)
    assert "invariant snapshot restoration (SNP-11) failed" in text, text[:500]


def _logged_records(text: str) -> list[t.WalEvent]:
    frames = re.findall(r"^[0-9a-f]{24,}$", text, re.M)
    return [decode_record(bytes.fromhex(f), strict=False) for f in frames]


def test_one_event_bug_shrinks_to_a_minimal_log() -> None:
    """BudgetReplenished that keeps the consumption: a handful of records, found fast."""

    class Buggy(WalMachine):
        make_reducer = _ReplenishKeepsConsumption

    # at the step count of differential mode, where a user meets the shrinking (CP-10): a
    # failing example of up to 100 steps only makes the shrinker delete more steps first
    started = time.process_time()
    text = _failure(Buggy, settings(MACHINE_SETTINGS, stateful_step_count=STEPS))
    cpu = time.process_time() - started
    records = _logged_records(text)
    assert "budgets[" in text and "EVT-19" in text, text[:500]
    assert len(records) <= 5, text
    assert type(records[-1].event).__name__ == "BudgetReplenished", text
    assert cpu < 90, f"finding and shrinking took {cpu:.0f} s of CPU time"


def test_model_rejects_what_the_spec_rejects() -> None:
    """The model is not the reducer: spot-check a few clauses by hand (EVT-4, EVT-9, RED-2)."""
    from aqwal_conformance.scenarios import uid

    m = SpecModel()
    run = t.RunId(uid(2, 1))
    instance = t.RunInstance(run, t.TaskId(uid(1, 1)), t.RunState.Scheduled, None, 0, 5, 5, 0, 5)
    assert m.step(t.WalEvent(1, t.RunCreated(instance))) is None
    assert m.step(t.WalEvent(1, t.RunResumed(run, 6))) == "sequence_not_increasing"
    assert m.step(t.WalEvent(2, t.RunResumed(run, 6))) == "previous_state_mismatch"
    for seq, (a, b) in enumerate([("Scheduled", "Ready"), ("Ready", "Leased")], start=3):
        change = t.RunStateChanged(run, t.RunState[a], t.RunState[b], seq)
        assert m.step(t.WalEvent(seq, change)) is None
    assert m.step(t.WalEvent(5, t.LeaseAcquired(run, "w", 100, 5))) is None
    assert m.step(t.WalEvent(6, t.LeaseExpired(run, "w", 99, 6))) == "lease_expiry_mismatch"
    assert m.step(t.WalEvent(6, t.LeaseExpired(run, "w", 100, 6))) is None
    after = m.runs[run]
    assert after.state is t.RunState.Ready and after.lease is None
    assert [h[1] for h in after.history][-1] is t.RunState.Leased  # no history entry (EVT-9)


def test_differential_mode(capsys: pytest.CaptureFixture[str]) -> None:
    from aqwal.cli import main

    broken = Path(__file__).parent / "testees" / "broken_testee.py"
    assert main(["conform", "--stateful", "--examples", "5"]) == 0
    assert "no difference" in capsys.readouterr().out
    assert (
        main(
            [
                "conform",
                "--stateful",
                "--examples",
                "5",
                "--iut",
                f"{sys.executable} {broken} apply-rejected",
            ]
        )
        == 1
    )
    out = capsys.readouterr().out
    assert "invariant differential failed" in out
    assert "one frame per line, hex" in out


@pytest.mark.skipif(PROFILE == "ci", reason="minutes of IUT requests; AQWAL_HYPOTHESIS_PROFILE=dev")
def test_differential_one_event_bug_shrinks_to_a_minimal_log(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An IUT whose BudgetReplenished keeps the consumption: the printed log is minimal."""
    from aqwal.cli import main

    broken = Path(__file__).parent / "testees" / "broken_testee.py"
    command = f"{sys.executable} {broken} replenish-keeps-consumed"
    started = time.monotonic()
    assert main(["conform", "--stateful", "--examples", "200", "--iut", command]) == 1
    elapsed = time.monotonic() - started
    out = capsys.readouterr().out
    assert "invariant differential failed" in out, out[:500]
    records = _logged_records(out)
    assert 0 < len(records) <= 5, out
    assert type(records[-1].event).__name__ == "BudgetReplenished", out
    assert elapsed < 290, f"differential shrinking took {elapsed:.0f} s"


# -- parts differential mode can leave out (spec: CP-10) ------------------------------------

#: Enough examples to find each planted bug below with every part in.
LEAVE_OUT_SETTINGS = settings(FIND_ONLY, max_examples=15, stateful_step_count=30)


def _left_out(machine: type[WalMachine], *parts: str) -> type[WalMachine]:
    from aqwal_conformance.machine import LEAVE_OUT_SWITCHES

    switched = type("LeftOut", (machine,), {})
    for part in parts:
        setattr(switched, LEAVE_OUT_SWITCHES[part], False)
    return switched


def test_leave_out_names_a_switch_of_the_machine() -> None:
    from aqwal_conformance.machine import LEAVE_OUT_SWITCHES
    from aqwal_conformance.runner import LEAVE_OUT

    assert tuple(LEAVE_OUT_SWITCHES) == LEAVE_OUT
    assert all(getattr(WalMachine, name) is True for name in LEAVE_OUT_SWITCHES.values())


def test_leaving_out_reused_attempt_ids_hides_a_bug_only_they_show() -> None:
    class Buggy(WalMachine):
        make_reducer = _ReusedAttemptIdRefused

    assert "invariant" in _failure(Buggy, LEAVE_OUT_SETTINGS)
    run_state_machine_as_test(_left_out(Buggy, "reused-attempt-ids"), settings=LEAVE_OUT_SETTINGS)


def test_leaving_out_snapshots_hides_a_restoration_bug() -> None:
    class EngineLikeRestore(WalMachine):
        restore = staticmethod(functools.partial(bootstrap, engine_compatible=True))

    assert "SNP-11" in _failure(EngineLikeRestore, LEAVE_OUT_SETTINGS)
    run_state_machine_as_test(
        _left_out(EngineLikeRestore, "snapshots"), settings=LEAVE_OUT_SETTINGS
    )


def test_leaving_out_lenient_encodings_writes_every_record_canonically() -> None:
    from aqwal_conformance.machine import Differential, ReplayCheck

    def lenient_checks(machine: type[WalMachine]) -> int:
        seen: list[bool] = []

        class Recording(Differential):
            def check(self, expected: ReplayCheck) -> None:
                seen.append(expected.lenient)

        class Watched(machine):  # type: ignore[valid-type, misc]
            differential = Recording()

        run_state_machine_as_test(Watched, settings=LEAVE_OUT_SETTINGS)
        assert seen
        return sum(seen)

    assert lenient_checks(WalMachine) > 0
    assert lenient_checks(_left_out(WalMachine, "lenient-encodings")) == 0
