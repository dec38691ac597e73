"""Snapshots: file round trip, loader errors in the engine's order, bootstrap equivalence."""

from __future__ import annotations

import io
import itertools
import json
import os
import random
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aqwal import types as t
from aqwal.codec import encode_record, frame
from aqwal.datadir import recover
from aqwal.digest import state_digest
from aqwal.errors import ERROR_CODES, AqwalError, SnapshotError
from aqwal.forms import JSON_FORM, to_json_text
from aqwal.reducer import Reducer
from aqwal.snapshot import (
    bootstrap,
    decode_snapshot,
    encode_snapshot,
    load_snapshot_state,
    read_snapshot_bytes,
    read_snapshot_file,
    snapshot_of,
    validate_snapshot,
    write_snapshot_file,
)
from aqwal_conformance.scenarios import LogBuilder, uid
from aqwal_conformance.workload import engine_like_log

RS = t.RunState


def replayed(events: list[t.WalEvent]) -> Reducer:
    reducer = Reducer()
    for e in events:
        reducer.apply(e)
    return reducer


def raw_file(snap: t.Snapshot | dict[str, Any], version: int = 4) -> bytes:
    """Frame a snapshot without validating it."""
    body = snap if isinstance(snap, dict) else JSON_FORM.dump("Snapshot", snap)
    return frame(to_json_text(body).encode(), version)


LOG = list(engine_like_log(random.Random(3), 400))


def test_file_round_trip_is_identity(tmp_path: Path) -> None:
    state = replayed(LOG).state
    snap = snapshot_of(state, 1234)
    path = tmp_path / "snapshot.bin"
    write_snapshot_file(path, snap)
    assert not (tmp_path / "snapshot.bin.tmp").exists()
    loaded = read_snapshot_file(path)
    assert loaded == snap
    assert path.read_bytes() == encode_snapshot(snap)
    assert state_digest(bootstrap(snap)) == state_digest(state)


@pytest.mark.parametrize("seed", [3, 11])
def test_bootstrap_at_every_k_plus_tail_equals_full_replay(seed: int) -> None:
    # spec: SNP-11, SNP-12
    log = list(engine_like_log(random.Random(seed), 250))
    full = state_digest(replayed(log).state)
    reducer = Reducer()
    for k in range(len(log) + 1):
        if k:
            reducer.apply(log[k - 1])
        snap = decode_snapshot(encode_snapshot(snapshot_of(reducer.state, 99)))
        resumed = Reducer(bootstrap(snap))
        # a decoded snapshot is validated: leaving out the checks validation made (SNP-7)
        # restores the same state, engine-compatible or not (every fifth prefix)
        for engine_compatible in (False, True) if k % 5 == 0 else ():
            checked = bootstrap(snap, engine_compatible=engine_compatible)
            trusted = bootstrap(snap, engine_compatible=engine_compatible, validated=True)
            assert trusted == checked, f"k={k}"
        for e in log[k:]:
            resumed.apply(e)
        assert state_digest(resumed.state) == full, f"k={k}"


def _budgets_and_subscriptions_by_events(
    snap: t.Snapshot, engine_compatible: bool
) -> tuple[object, object]:
    """What SNP-9's synthesized budget and subscription events leave, applied one by one
    through the reducer (the budget flags restored after them unless engine-compatible)."""
    reducer = Reducer()
    events: list[t.WalEventType] = []
    for b in snap.budgets:
        events.append(t.BudgetAllocated(b.task_id, b.dimension, b.limit, b.allocated_at))
        if b.consumed > 0:
            events.append(t.BudgetConsumed(b.task_id, b.dimension, b.consumed, b.allocated_at))
        if b.exhausted and b.consumed < b.limit:
            events.append(t.BudgetExhausted(b.task_id, b.dimension, b.allocated_at))
    for sub in snap.subscriptions:
        events.append(
            t.SubscriptionCreated(sub.subscription_id, sub.task_id, sub.filter, sub.created_at)
        )
        if sub.triggered_at is not None:
            events.append(t.SubscriptionTriggered(sub.subscription_id, sub.triggered_at))
        if sub.canceled_at is not None:
            events.append(t.SubscriptionCanceled(sub.subscription_id, sub.canceled_at))
    for seq, event in enumerate(events, 1):
        reducer.apply(t.WalEvent(seq, event))
    budgets = reducer.state.budgets
    if not engine_compatible:
        for b in snap.budgets:
            budgets[(b.task_id, b.dimension)].exhausted = b.exhausted
    return budgets, reducer.state.subscriptions


@pytest.mark.parametrize("engine_compatible", [False, True])
def test_budgets_and_subscriptions_are_restored_as_their_events_leave_them(
    engine_compatible: bool,
) -> None:
    # spec: SNP-9, SNP-11 — bootstrap builds the records directly
    dims = list(t.BudgetDimension)
    budgets = []
    cases = itertools.product((0, 1, 5), (0, 1, 5, 2**64 - 1), (False, True))
    for i, (limit, consumed, exhausted) in enumerate(cases):
        task = t.TaskId(uid(1, i))
        budgets.append(
            t.SnapshotBudget(task, dims[i % len(dims)], limit, consumed, 10 + i, exhausted)
        )
    filt = t.EventFilterTaskCompleted(t.TaskId(uid(1, 0)))
    subs = [
        t.SnapshotSubscription(
            t.SubscriptionId(uid(3, i)), t.TaskId(uid(1, 0)), filt, 5 + i, trig, canc
        )
        for i, (trig, canc) in enumerate((a, b) for a in (None, 7) for b in (None, 8))
    ]
    # a repeated key, as an unvalidated snapshot may hold: the later one replaces the earlier
    budgets.append(budgets[3]._replace(limit=9, consumed=2, exhausted=True))
    subs.append(subs[0]._replace(created_at=40, triggered_at=None, canceled_at=41))
    snap = t.Snapshot(
        4,
        1,
        t.SnapshotMetadata(8, 0, 0, 0),
        (),
        (),
        t.SnapshotEngineControl(False, None, None),
        (),
        tuple(budgets),
        tuple(subs),
        (),
        (),
        (),
        (),
        (),
    )
    state = bootstrap(snap, engine_compatible=engine_compatible)
    assert (state.budgets, state.subscriptions) == _budgets_and_subscriptions_by_events(
        snap, engine_compatible
    )


def test_engine_compatible_bootstrap_keeps_the_engine_losses() -> None:
    # spec: SNP-11 — what the engine's synthesis loses, a conforming bootstrap restores
    b = LogBuilder()
    run_id = b.run(priority=7)
    b.drive(run_id, RS.Ready)
    actor = t.ActorId(uid(5, 1))
    b.add(t.ActorRegistered(actor, "w", (), None, 30, None, b.tick()))
    b.add(t.ActorHeartbeat(actor, b.tick()))
    task = b.task()
    b.add(t.BudgetAllocated(task, t.BudgetDimension.Token, 0, b.tick()))
    b.add(t.BudgetConsumed(task, t.BudgetDimension.Token, 0, b.tick()))
    state = replayed(b.events).state
    snap = snapshot_of(state)
    assert state_digest(bootstrap(snap)) == state_digest(state)
    lossy = bootstrap(snap, engine_compatible=True)
    assert lossy.runs[run_id].effective_priority == 0
    assert state.runs[run_id].effective_priority == 7
    assert lossy.actors[actor].last_heartbeat_at is None
    assert not lossy.budgets[(task, t.BudgetDimension.Token)].exhausted


def _snap() -> t.Snapshot:
    b = LogBuilder()
    run_id = b.run()
    b.drive(run_id, RS.Running)
    b.attempt(run_id)
    return snapshot_of(replayed(b.events).state, 5)


def _with_run(snap: t.Snapshot, **changes: Any) -> t.Snapshot:
    run = snap.runs[0]
    instance = changes.pop("instance", {})
    run = run._replace(run_instance=run.run_instance._replace(**instance), **changes)
    return snap._replace(runs=(run,))


def _meta(snap: t.Snapshot, **changes: Any) -> t.Snapshot:
    return snap._replace(metadata=snap.metadata._replace(**changes))


def _engine(snap: t.Snapshot, *values: Any) -> t.Snapshot:
    return snap._replace(engine=t.SnapshotEngineControl(*values))


S = _snap()
TASK = S.tasks[0]
RUN = S.runs[0]
OTHER = t.TaskId(uid(1, 999))
MUTATIONS: dict[str, Callable[[], t.Snapshot]] = {
    "unsupported_schema_version": lambda: _meta(S, schema_version=7),
    "task_count_mismatch": lambda: _meta(S, task_count=2),
    "run_count_mismatch": lambda: _meta(S, run_count=0),
    "duplicate_snapshot_task": lambda: _meta(S._replace(tasks=(TASK, TASK)), task_count=2),
    "task_canceled_before_created": lambda: S._replace(
        tasks=(TASK._replace(canceled_at=TASK.created_at - 1),)
    ),
    "run_attempt_lineage_count": lambda: _with_run(S, instance={"attempt_count": 0}),
    "run_missing_initial_history": lambda: _with_run(S, state_history=RUN.state_history[1:]),
    "run_history_transition": lambda: _with_run(
        S, state_history=RUN.state_history[:2] + RUN.state_history[3:]
    ),
    "run_attempt_history_count": lambda: _with_run(S, instance={"attempt_count": 2}),
    "run_active_attempt_history": lambda: _with_run(
        S, attempts=(RUN.attempts[0]._replace(finished_at=9),)
    ),
    "run_lease_presence": lambda: _with_run(
        S,
        instance={"state": RS.Suspended, "current_attempt_id": None},
        state_history=(
            *RUN.state_history,
            t.SnapshotRunStateHistoryEntry(RS.Running, RS.Suspended, 9),
        ),
        lease=t.SnapshotLeaseMetadata("w", 1, 1, 1),
    ),
    "duplicate_snapshot_run": lambda: _meta(S._replace(runs=(RUN, RUN)), run_count=2),
    "run_unknown_task": lambda: _with_run(S, instance={"task_id": OTHER}),
    "engine_paused_causality": lambda: _engine(S, True, None, None),
    "engine_resumed_causality": lambda: _engine(S, False, 5, None),
    "engine_pause_resume_ordering": lambda: _engine(S, False, 5, 4),
    "duplicate_dependency_declaration": lambda: S._replace(
        dependency_declarations=(t.SnapshotDependencyDeclaration(TASK.task_spec.id, (), 1),) * 2
    ),
    "dependency_unknown_task": lambda: S._replace(
        dependency_declarations=(t.SnapshotDependencyDeclaration(OTHER, (), 1),)
    ),
    "dependency_unknown_prerequisite": lambda: S._replace(
        dependency_declarations=(t.SnapshotDependencyDeclaration(TASK.task_spec.id, (OTHER,), 1),)
    ),
    "duplicate_budget": lambda: S._replace(
        budgets=(t.SnapshotBudget(TASK.task_spec.id, t.BudgetDimension.Token, 1, 0, 1, False),) * 2
    ),
    "budget_unknown_task": lambda: S._replace(
        budgets=(t.SnapshotBudget(OTHER, t.BudgetDimension.Token, 1, 0, 1, False),)
    ),
    "duplicate_subscription": lambda: S._replace(
        subscriptions=(
            t.SnapshotSubscription(
                t.SubscriptionId(uid(6, 1)),
                TASK.task_spec.id,
                t.EventFilterCustom("k"),
                1,
                None,
                None,
            ),
        )
        * 2
    ),
    "subscription_unknown_task": lambda: S._replace(
        subscriptions=(
            t.SnapshotSubscription(
                t.SubscriptionId(uid(6, 1)), OTHER, t.EventFilterCustom("k"), 1, None, None
            ),
        )
    ),
}

FILE_CASES: dict[str, tuple[bytes, int]] = {
    "snapshot_truncated": (raw_file(S)[:3], 0),
    "snapshot_unsupported_version": (raw_file(S, version=5), 0),
    "snapshot_payload_too_large": (
        b"\x04\x00\x00\x00" + (2**28 + 1).to_bytes(4, "little") + bytes(4),
        4,
    ),
    "snapshot_truncated_payload": (raw_file(S)[:-1], 4),
    "snapshot_crc_mismatch": (raw_file(S)[:-1] + b" ", 8),
}


def test_every_snapshot_code_has_a_case() -> None:
    codes = {c for c, e in ERROR_CODES.items() if e.category == "snapshot"}
    covered = (
        set(MUTATIONS)
        | set(FILE_CASES)
        | {"snapshot_bootstrap_failed", "snapshot_ahead_of_wal", "snapshot_unreadable"}
    )
    assert codes == covered


def _unreadable_snapshot_layouts(root: Path) -> dict[str, Path]:
    """Data directories whose snapshot path exists but is no readable regular file."""
    layouts: dict[str, Path] = {}

    def data_dir(name: str) -> Path:
        d = root / name
        (d / "wal").mkdir(parents=True)
        (d / "wal" / "actionqueue.wal").write_bytes(encode_record(t.WalEvent(1, t.EnginePaused(7))))
        layouts[name] = d
        return d

    (data_dir("directory") / "snapshots" / "snapshot.bin").mkdir(parents=True)
    d = data_dir("fifo")
    (d / "snapshots").mkdir()
    os.mkfifo(d / "snapshots" / "snapshot.bin")
    d = data_dir("loop")
    (d / "snapshots").mkdir()
    (d / "snapshots" / "snapshot.bin").symlink_to("snapshot.bin")
    d = data_dir("dangling")
    (d / "snapshots").mkdir()
    (d / "snapshots" / "snapshot.bin").symlink_to("nowhere")
    (data_dir("snapshots-is-a-file") / "snapshots").write_bytes(b"")
    if Path("/dev/zero").exists():
        d = data_dir("device")
        (d / "snapshots").mkdir()
        (d / "snapshots" / "snapshot.bin").symlink_to("/dev/zero")
    return layouts


@pytest.mark.skipif(os.name != "posix", reason="FIFOs and symbolic links")
def test_unreadable_snapshot_is_reported_and_replay_goes_on(tmp_path: Path) -> None:
    # spec: SNP-15, SNP-12 step 2 — never a hang, never an unbounded read, never a crash
    for name, d in _unreadable_snapshot_layouts(tmp_path).items():
        with pytest.raises(SnapshotError) as info:
            read_snapshot_file(d / "snapshots" / "snapshot.bin")
        assert info.value.code == "snapshot_unreadable", name
        result = recover(d)
        assert not result.snapshot_used, name
        assert result.snapshot_problem is not None
        assert result.snapshot_problem.code == "snapshot_unreadable", name
        assert result.state.engine.paused_at == 7, name


def test_reading_a_snapshot_stops_after_the_declared_payload() -> None:
    # spec: SNP-15, SNP-2 — bytes after the payload are ignored unread
    data = raw_file(S)

    class Endless(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, b: Any) -> int:
            n = len(b)
            b[:n] = bytes(n)
            return n

    stream = io.BufferedReader(Endless())
    assert read_snapshot_bytes(io.BytesIO(data + b"junk" * 1000)) == data
    header = data[:4] + (2**28 + 1).to_bytes(4, "little") + data[8:12]
    assert read_snapshot_bytes(io.BytesIO(header + b"x" * 100)) == header
    assert len(read_snapshot_bytes(stream)) == 12  # zeros: length 0, nothing more is read


@pytest.mark.parametrize("code", sorted(MUTATIONS))
def test_validation_rule(code: str) -> None:
    bad = MUTATIONS[code]()
    with pytest.raises(SnapshotError) as info:
        validate_snapshot(bad)
    assert info.value.code == code
    with pytest.raises(AqwalError) as loaded:
        decode_snapshot(raw_file(bad))
    assert loaded.value.code == code
    with pytest.raises(SnapshotError):
        encode_snapshot(bad)  # never written


@pytest.mark.parametrize("code", sorted(FILE_CASES))
def test_file_error(code: str) -> None:
    data, offset = FILE_CASES[code]
    with pytest.raises(SnapshotError) as info:
        decode_snapshot(data)
    assert (info.value.code, info.value.offset) == (code, offset)


def test_json_errors_are_located_in_the_file() -> None:
    data = raw_file({"version": 4})
    with pytest.raises(AqwalError) as info:
        decode_snapshot(data)
    assert info.value.code == "form_missing_field"
    broken = raw_file(S)[:12] + b"{"
    fixed = broken[:4] + (1).to_bytes(4, "little") + zlib.crc32(b"{").to_bytes(4, "little") + b"{"
    with pytest.raises(AqwalError) as info:
        decode_snapshot(fixed)
    assert (info.value.code, info.value.offset) == ("form_syntax", 13)


def test_missing_or_empty_file_is_no_snapshot(tmp_path: Path) -> None:
    assert read_snapshot_file(tmp_path / "nope.bin") is None
    (tmp_path / "empty.bin").write_bytes(b"")
    assert read_snapshot_file(tmp_path / "empty.bin") is None


def test_older_schema_loads_with_defaults_when_asked() -> None:
    # spec: SNP-6 — fields added after a schema version take their serde defaults
    body = JSON_FORM.dump("Snapshot", S)
    body["metadata"]["schema_version"] = 6
    for key in (
        "engine",
        "budgets",
        "subscriptions",
        "actors",
        "tenants",
        "role_assignments",
        "capability_grants",
        "ledger_entries",
    ):
        del body[key]
    for task in body["tasks"]:
        del task["canceled_at"]
        for key in ("parent_task_id", "tenant_id"):
            del task["task_spec"][key]
        del task["task_spec"]["constraints"]["required_capabilities"]
    data = raw_file(body)
    with pytest.raises(SnapshotError) as info:
        decode_snapshot(data)
    assert info.value.code == "unsupported_schema_version"
    loaded = decode_snapshot(data, accept_older_schema=True)
    assert loaded == _meta(S, schema_version=6)


def _data_dir(tmp_path: Path, events: list[t.WalEvent], snap: t.Snapshot | None) -> Path:
    (tmp_path / "wal").mkdir()
    (tmp_path / "snapshots").mkdir()
    (tmp_path / "wal" / "actionqueue.wal").write_bytes(b"".join(map(encode_record, events)))
    if snap is not None:
        write_snapshot_file(tmp_path / "snapshots" / "snapshot.bin", snap)
    return tmp_path


def test_recover_snapshot_plus_tail(tmp_path: Path) -> None:
    state = replayed(LOG[:150]).state
    root = _data_dir(tmp_path, LOG, snapshot_of(state))
    result = recover(root)
    assert result.snapshot_used and result.records_skipped == 150
    assert state_digest(result.state) == state_digest(replayed(LOG).state)


def test_gap_after_snapshot(tmp_path: Path) -> None:
    # spec: SNP-12 — records above wal_sequence are replayed; the engine seeks exactly k+1
    head = LOG[:100]
    tail = [e._replace(sequence=e.sequence + 10) for e in LOG[100:]]
    root = _data_dir(tmp_path, head + tail, snapshot_of(replayed(head).state))
    conforming = recover(root)
    assert conforming.applied == len(tail)
    engine = recover(root, engine_compatible=True)
    assert engine.applied == 0 and engine.state.latest_sequence == 100


def test_snapshot_ahead_of_wal_is_fatal(tmp_path: Path) -> None:
    root = _data_dir(tmp_path, LOG[:10], snapshot_of(replayed(LOG[:20]).state))
    with pytest.raises(SnapshotError) as info:
        recover(root)
    assert info.value.code == "snapshot_ahead_of_wal"


def test_snapshot_ahead_of_empty_wal_is_used(tmp_path: Path) -> None:
    root = _data_dir(tmp_path, [], snapshot_of(replayed(LOG[:20]).state))
    assert recover(root).snapshot_used


def test_unusable_snapshot_falls_back_to_full_replay(tmp_path: Path) -> None:
    root = _data_dir(tmp_path, LOG, None)
    (root / "snapshots" / "snapshot.bin").write_bytes(raw_file(S)[:-1] + b" ")
    result = recover(root)
    assert not result.snapshot_used
    assert result.snapshot_problem is not None
    assert result.snapshot_problem.code == "snapshot_crc_mismatch"
    assert state_digest(result.state) == state_digest(replayed(LOG).state)


def test_bootstrap_failure_is_reported() -> None:
    # Unreachable for a snapshot that passed validate_snapshot; bootstrap() of an unvalidated
    # value reports the synthesized event the reducer refused.
    bad = _meta(S._replace(tasks=(TASK, TASK)), task_count=2)
    with pytest.raises(SnapshotError) as info:
        bootstrap(bad)
    assert info.value.code == "snapshot_bootstrap_failed"
    assert "duplicate_task" in info.value.message


def test_bootstrap_of_a_repeated_run_reports_the_refused_run_created() -> None:
    # Unreachable after validate_snapshot (duplicate_snapshot_run): the synthesized RunCreated
    # of the second run is refused by the reducer, and bootstrap says so.
    bad = _meta(S._replace(runs=(RUN, RUN)), run_count=2)
    with pytest.raises(SnapshotError) as info:
        bootstrap(bad)
    assert info.value.code == "snapshot_bootstrap_failed"
    assert info.value.message.startswith("synthesized RunCreated: ")
    assert "duplicate_run" in info.value.message


def test_engine_compatible_bootstrap_derives_a_run_from_its_history() -> None:
    # spec: SNP-9, SNP-11 — the engine's synthesized events leave a run where its history
    # ends, changed at the last step's time, with priority 0 and the last attempt active if
    # it is unfinished; history, attempts and lease are restored as they are
    b = LogBuilder()
    run_id = b.run(priority=3)
    b.drive(run_id, RS.Ready)
    b.lease(run_id)
    b.move(run_id, RS.Ready, RS.Leased)
    b.move(run_id, RS.Leased, RS.Running)
    first = b.attempt(run_id)
    b.finish(run_id, first)
    second = b.attempt(run_id)
    snap = snapshot_of(replayed(b.events).state)
    (run,) = snap.runs
    moved = run._replace(
        run_instance=run.run_instance._replace(last_state_change_at=999, effective_priority=5)
    )
    snap = snap._replace(runs=(moved,))
    lossy = bootstrap(snap, engine_compatible=True).runs[run_id]
    assert lossy.state is RS.Running
    assert lossy.last_state_change_at == run.state_history[-1].timestamp != 999
    assert lossy.effective_priority == 0
    assert lossy.current_attempt_id == second
    assert lossy.attempt_count == 2
    assert [a.attempt_id for a in lossy.attempts] == [first, second]
    assert lossy.history == list(run.state_history)
    assert lossy.lease is not None and lossy.lease.owner == "worker-1"
    kept = bootstrap(snap).runs[run_id]
    assert (kept.last_state_change_at, kept.effective_priority) == (999, 5)


@pytest.mark.parametrize(
    "history",
    [
        # a step that does not start where the previous one ended
        lambda h: (*h, t.SnapshotRunStateHistoryEntry(RS.Ready, RS.Leased, 50)),
        # an illegal step
        lambda h: (*h[:1], t.SnapshotRunStateHistoryEntry(RS.Scheduled, RS.Running, 50)),
        # a history that ends elsewhere than the run
        lambda h: h[:2],
    ],
)
def test_bootstrap_refuses_a_history_it_cannot_replay(
    history: Callable[[tuple[t.SnapshotRunStateHistoryEntry, ...]], Any],
) -> None:
    # Unreachable after validate_snapshot (run_history_transition)
    bad = _with_run(S, state_history=history(RUN.state_history))
    with pytest.raises(SnapshotError) as info:
        bootstrap(bad)
    assert info.value.code == "snapshot_bootstrap_failed"


def test_write_is_atomic(tmp_path: Path) -> None:
    # spec: SNP-10 — a refused or failed write leaves the old snapshot and no temporary file
    path = tmp_path / "snapshot.bin"
    write_snapshot_file(path, S)
    before = path.read_bytes()
    with pytest.raises(SnapshotError):
        write_snapshot_file(path, _meta(S, task_count=9))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snapshot.bin"]


def test_validation_errors_carry_the_path_of_their_element() -> None:
    """spec: SNP-7 — the path of the element the broken rule is checked for."""
    snap = snapshot_of(replayed(LOG).state, 5)
    body = JSON_FORM.dump("Snapshot", snap)
    cases: list[tuple[Callable[[dict[str, Any]], None], str]] = [
        (lambda b: b["metadata"].__setitem__("schema_version", 7), "/metadata"),
        (lambda b: b["metadata"].__setitem__("run_count", 0), "/metadata"),
        (lambda b: b["tasks"].append(b["tasks"][0]), f"/tasks/{len(body['tasks'])}"),
        (lambda b: b["runs"][1].__setitem__("state_history", []), "/runs/1"),
        (lambda b: b["engine"].__setitem__("paused", True), "/engine"),
    ]
    for change, path in cases:
        doc = json.loads(json.dumps(body))
        change(doc)
        doc["metadata"]["task_count"] = len(doc["tasks"])
        with pytest.raises(SnapshotError) as info:
            decode_snapshot(raw_file(doc))
        assert info.value.path == path, info.value


def test_an_empty_file_restores_the_empty_state() -> None:
    """spec: SNP-14."""
    assert state_digest(load_snapshot_state(b"")) == state_digest(Reducer().state)


def test_cron_loads_only_in_the_workflow_profile() -> None:
    """spec: SNP-13."""
    body = JSON_FORM.dump("Snapshot", snapshot_of(replayed(LOG).state, 5))
    body["tasks"][0]["task_spec"]["run_policy"] = {"Cron": {"expression": "0 * * * * * *"}}
    with pytest.raises(AqwalError) as info:
        decode_snapshot(raw_file(body))
    assert (info.value.code, info.value.path) == (
        "form_unknown_variant",
        "/tasks/0/task_spec/run_policy",
    )
    snap = decode_snapshot(raw_file(body), workflow=True)
    assert type(snap.tasks[0].task_spec.run_policy) is t.RunPolicyCron
