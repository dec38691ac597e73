"""The reducer: every transition-table cell, every error code, atomicity of every rejection."""

from __future__ import annotations

import copy
import time

import pytest

from aqwal import types as t
from aqwal.digest import state_digest
from aqwal.errors import ERROR_CODES, ReducerError
from aqwal.reducer import ENGINE_ERROR_KIND, TRANSITIONS, Reducer, normalize_outcome, replay
from aqwal_conformance.scenarios import LogBuilder, ReplayCase, all_cases, error_cases

CASES = all_cases()
RS = t.RunState


def test_seventeen_legal_transitions() -> None:
    # spec: RED-4
    assert len(TRANSITIONS) == 17
    assert all(a is not b for a, b in TRANSITIONS)
    assert not any(b is RS.Scheduled for _, b in TRANSITIONS)
    terminal = {RS.Completed, RS.Failed, RS.Canceled}
    assert not any(a in terminal for a, _ in TRANSITIONS)


def test_every_cell_has_a_case() -> None:
    cells = {c.id for c in CASES if c.id.startswith("transition-")}
    assert len(cells) == 81


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case_outcomes_and_atomicity(case: ReplayCase) -> None:
    reducer = Reducer()
    for event, expected in zip(case.events, case.expected, strict=True):
        before = state_digest(reducer.state)
        snapshot = copy.deepcopy(reducer.state)
        if expected is None:
            reducer.apply(event)
            continue
        with pytest.raises(ReducerError) as info:
            reducer.apply(event)
        assert info.value.code == expected, str(info.value)
        # spec: RED-3 — a rejected event leaves the state exactly as it was
        assert state_digest(reducer.state) == before
        assert reducer.state == snapshot


def test_every_reducer_code_has_a_case() -> None:
    codes = {e.code for e in ERROR_CODES.values() if e.category == "reducer"}
    seen = {code for case in error_cases() for code in case.expected if code}
    assert codes == seen
    assert codes == set(ENGINE_ERROR_KIND)


def test_replay_reports_each_record() -> None:
    case = next(c for c in error_cases() if c.id == "finish-reused-attempt-id")
    outcomes = list(replay(case.events))
    assert [o.code for o in outcomes] == list(case.expected)
    assert [o.sequence for o in outcomes] == [e.sequence for e in case.events]
    with pytest.raises(ReducerError):
        list(replay(case.events, strict=True))


def test_failed_sequence_can_be_reused() -> None:
    # spec: RED-2 — a rejected record does not advance latest_sequence
    b = LogBuilder()
    run_id = b.run()
    reducer = Reducer()
    for e in b.events:
        reducer.apply(e)
    bad = t.WalEvent(3, t.AttemptStarted(run_id, t.AttemptId(bytes(15) + b"\x01"), 5))
    with pytest.raises(ReducerError):
        reducer.apply(bad)
    reducer.apply(t.WalEvent(3, t.RunStateChanged(run_id, RS.Scheduled, RS.Ready, 5)))
    assert reducer.state.latest_sequence == 3


def test_lease_close_on_leased_run_adds_no_history() -> None:
    # spec: EVT-9 — the engine moves Leased -> Ready silently
    b = LogBuilder()
    run_id = b.run()
    b.drive(run_id, RS.Leased)
    b.lease(run_id)
    b.add(t.LeaseExpired(run_id, "worker-1", 5000, 2000))
    reducer = Reducer()
    for e in b.events:
        reducer.apply(e)
    run = reducer.state.runs[run_id]
    assert run.state is RS.Ready
    assert run.history[-1][1] is RS.Leased
    assert run.lease is None


@pytest.mark.parametrize(
    ("result", "error", "output", "stored"),
    [
        (t.AttemptResultKind.Success, None, b"out", (None, b"out")),
        (t.AttemptResultKind.Success, "boom", b"out", (None, None)),
        (t.AttemptResultKind.Suspended, None, b"", (None, b"")),
        (t.AttemptResultKind.Suspended, "x", None, (None, None)),
        (t.AttemptResultKind.Failure, "boom", None, ("boom", None)),
        (t.AttemptResultKind.Failure, None, None, ("unknown failure", None)),
        (t.AttemptResultKind.Failure, "boom", b"out", ("boom", None)),
        (t.AttemptResultKind.Timeout, None, b"x", ("unknown timeout", None)),
    ],
)
def test_outcome_normalisation(
    result: t.AttemptResultKind,
    error: str | None,
    output: bytes | None,
    stored: tuple[str | None, bytes | None],
) -> None:
    # spec: EVT-4 outcome shapes
    assert normalize_outcome(result, error, output) == (result, *stored)


def test_budget_rules() -> None:
    # spec: EVT-16 .. EVT-19
    task = t.TaskId(bytes(15) + b"\x07")
    dim = t.BudgetDimension.Token
    reducer = Reducer()
    events: list[t.WalEventType] = [
        t.BudgetConsumed(task, dim, 5, 1),  # unknown: no-op
        t.BudgetAllocated(task, dim, 10, 2),
        t.BudgetConsumed(task, dim, 4, 3),
        t.BudgetConsumed(task, dim, 2**64 - 1, 4),  # saturates
    ]
    for i, body in enumerate(events, 1):
        reducer.apply(t.WalEvent(i, body))
    budget = reducer.state.budgets[(task, dim)]
    assert (budget.consumed, budget.exhausted) == (2**64 - 1, True)
    reducer.apply(t.WalEvent(9, t.BudgetReplenished(task, dim, 20, 9)))
    assert (budget.limit, budget.consumed, budget.exhausted, budget.allocated_at) == (
        20,
        0,
        False,
        2,
    )
    reducer.apply(t.WalEvent(10, t.BudgetAllocated(task, dim, 0, 10)))
    assert not reducer.state.budgets[(task, dim)].exhausted  # limit 0: not until a consume
    reducer.apply(t.WalEvent(11, t.BudgetConsumed(task, dim, 0, 11)))
    assert reducer.state.budgets[(task, dim)].exhausted


def test_platform_maps_are_last_writer_wins() -> None:
    # spec: EVT-23 .. EVT-30
    actor = t.ActorId(bytes(15) + b"\x01")
    tenant = t.TenantId(bytes(15) + b"\x02")
    reducer = Reducer()
    bodies: list[t.WalEventType] = [
        t.ActorHeartbeat(actor, 1),
        t.ActorRegistered(actor, "a", (), None, 30, None, 2),
        t.ActorHeartbeat(actor, 3),
        t.ActorDeregistered(actor, 4),
        t.ActorHeartbeat(actor, 5),
        t.CapabilityGranted(actor, t.CapabilityCustom("deploy"), tenant, 6),
        t.CapabilityRevoked(actor, t.CapabilityCustom("deploy"), tenant, 7),
        t.CapabilityGranted(actor, t.CapabilityCustom("deploy"), tenant, 8),
        t.RoleAssigned(actor, t.RoleOperator(), tenant, 9),
        t.RoleAssigned(actor, t.RoleAuditor(), tenant, 10),
        t.ActorRegistered(actor, "b", ("x",), "ops", 60, tenant, 11),
    ]
    for i, body in enumerate(bodies, 1):
        reducer.apply(t.WalEvent(i, body))
    state = reducer.state
    a = state.actors[actor]
    assert (a.identity, a.last_heartbeat_at, a.deregistered_at) == ("b", None, None)
    grant = state.capability_grants[(actor, "Custom:deploy", tenant)]
    assert (grant.granted_at, grant.revoked_at) == (8, None)
    assert state.role_assignments[(actor, tenant)].role == t.RoleAuditor()


def test_dependencies_are_a_union() -> None:
    # spec: EVT-13
    a, b, c = (t.TaskId(bytes(15) + bytes([i])) for i in (1, 2, 3))
    reducer = Reducer()
    reducer.apply(t.WalEvent(1, t.DependencyDeclared(a, (b, b), 1)))
    reducer.apply(t.WalEvent(2, t.DependencyDeclared(a, (c, a), 2)))
    assert reducer.state.dependencies[a] == {a, b, c}


def _one_run_with_attempts(count: int) -> list[t.WalEvent]:
    """A run that starts and finishes ``count`` attempts with distinct ids."""
    task = t.TaskId(bytes(15) + b"\x01")
    run_id = t.RunId(bytes(15) + b"\x02")
    spec = t.TaskSpec(
        task,
        t.TaskPayload(b"", "x"),
        t.RunPolicyOnce(),
        t.TaskConstraints(
            1, None, None, t.ConcurrencyKeyHoldPolicy.HoldDuringRetry, t.SafetyLevel.Pure, None
        ),
        t.TaskMetadata((), 0, None),
        None,
        None,
    )
    bodies: list[t.WalEventType] = [
        t.TaskCreated(spec, 1),
        t.RunCreated(t.RunInstance(run_id, task, RS.Scheduled, None, 0, 1, 1, 0, 1)),
        t.RunStateChanged(run_id, RS.Scheduled, RS.Ready, 2),
        t.RunStateChanged(run_id, RS.Ready, RS.Leased, 3),
        t.RunStateChanged(run_id, RS.Leased, RS.Running, 4),
    ]
    for i in range(count):
        attempt = t.AttemptId((1000 + i).to_bytes(16, "big"))
        bodies.append(t.AttemptStarted(run_id, attempt, 5))
        bodies.append(t.AttemptFinished(run_id, attempt, t.AttemptResultKind.Failure, "e", None, 6))
    return [t.WalEvent(seq, body) for seq, body in enumerate(bodies, 1)]


def _replay_seconds(events: list[t.WalEvent]) -> float:
    best = float("inf")
    for _ in range(3):
        reducer = Reducer()
        start = time.process_time()
        for event in events:
            reducer.apply(event)
        best = min(best, time.process_time() - start)
    return best


def test_replay_time_is_linear_in_the_attempts_of_one_run() -> None:
    # AttemptFinished finds the first entry of its attempt id without scanning every earlier
    # attempt: 4x the attempts take about 4x the time, not 16x.
    small, large = _one_run_with_attempts(2_000), _one_run_with_attempts(8_000)
    ratio = _replay_seconds(large) / max(_replay_seconds(small), 1e-6)
    assert ratio < 8, ratio


def test_reused_attempt_id_still_finds_the_first_entry_after_bootstrap() -> None:
    # spec: EVT-4 — the index of first entries is rebuilt when a snapshot restores attempts
    from aqwal.snapshot import bootstrap, snapshot_of

    events = _one_run_with_attempts(3)
    reducer = Reducer()
    for event in events:
        reducer.apply(event)
    run_id = events[1].event.run_instance.id  # type: ignore[union-attr]
    first_attempt = events[5].event.attempt_id  # type: ignore[union-attr]
    state = bootstrap(snapshot_of(reducer.state))
    again = Reducer(state)
    seq = state.latest_sequence
    again.apply(t.WalEvent(seq + 1, t.AttemptStarted(run_id, first_attempt, 7)))
    with pytest.raises(ReducerError) as info:
        again.apply(
            t.WalEvent(
                seq + 2,
                t.AttemptFinished(
                    run_id, first_attempt, t.AttemptResultKind.Success, None, None, 8
                ),
            )
        )
    assert info.value.code == "attempt_already_finished"


def test_state_tables_are_the_transition_rules() -> None:
    """spec: RED-4, RED-6 — the discriminant-indexed tables the handlers consult say exactly
    what TRANSITIONS, TERMINAL and the lease states say."""
    from aqwal import reducer

    for a in RS:
        assert reducer._IS_TERMINAL[a._value_] is (a in reducer.TERMINAL)
        for kind, states in reducer._LEASE_STATES.items():
            assert reducer._LEASE_ALLOWED[kind][a._value_] is (a in states)
        for b in RS:
            assert reducer.LEGAL_AFTER[a._value_][b._value_] is ((a, b) in reducer.TRANSITIONS)


def test_a_reducer_is_freed_as_soon_as_it_is_dropped() -> None:
    # no reference cycle through the reducer: its state goes with its last reference, not
    # at some later full collection of the cyclic collector
    import gc

    freed: list[bool] = []

    class Watched(Reducer):
        __slots__ = ()

        def __del__(self) -> None:
            freed.append(True)

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        reducer = Watched()
        reducer.apply(t.WalEvent(1, t.EnginePaused(5)))
        assert reducer.state.engine.paused
        del reducer
        assert freed == [True]
    finally:
        if was_enabled:
            gc.enable()
