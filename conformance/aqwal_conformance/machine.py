"""A stateful Hypothesis machine over WAL event streams (spec: reducer.md, snapshot.md).

:class:`WalMachine` writes a log one record per step — every event kind, in every run state
where the spec allows it and, less often, where it does not — and applies each record to the
reference reducer and to :class:`~aqwal_conformance.model.SpecModel`, a model of the whole state
written from the spec's clauses. After every record it checks:

* **outcome and model agreement** — the reference applies or rejects the record as the model
  says, with the model's code, and every entity of the state (runs, tasks, the engine,
  dependencies, budgets, subscriptions, actors, tenants, roles, grants, the ledger) equals the
  model's; for a rejected record this is the atomicity of RED-3;
* **snapshot equivalence** — after a snapshot is taken, the records that follow are applied to
  the state restored from it as well (SNP-12). An unchanged snapshot must follow the full
  replay exactly; a snapshot whose runs, budgets or actors carry stored values the engine's
  synthesized events would not rebuild must keep them (SNP-11), as the model says;
* **version compatibility** — a record of the v4 subset decodes the same under v4 and v5;
  v5-only records are ``unknown_variant`` for a v4 reader; every fifth step, a snapshot stripped
  of the schema-8 collections loads to the state their defaults imply.

At the end of an example the log, written as a WAL file (some records, with
``lenient_records``, in encodings only a lenient reader accepts), is replayed from the file
twice, and re-applying the last applied record must be refused; with a snapshot, the data
directory of log and snapshot is recovered as well. A failure message carries the log as hex
frames, so it can be replayed with ``aqwal replay``. Every rule writes one record, or the
shortest chain of records that brings a new run to a chosen situation, so Hypothesis shrinks a
failure to the few records that expose it. Requires the ``test`` extra (hypothesis).
"""

from __future__ import annotations

import io
import tempfile
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)

from aqwal import types as t
from aqwal.codec import decode_payload, decode_record, encode_payload, frame
from aqwal.datadir import recover
from aqwal.declarations import V4_VARIANT_COUNT, WAL_V5
from aqwal.digest import state_digest
from aqwal.errors import AqwalError, ReducerError
from aqwal.forms import JSON_FORM, to_json_text
from aqwal.projection import build_snapshot
from aqwal.reducer import Reducer, replay
from aqwal.snapshot import (
    FIELDS_ADDED_IN_SCHEMA_8,
    bootstrap,
    decode_snapshot,
    encode_snapshot,
    validate_snapshot,
)
from aqwal.state import ReplayState
from aqwal.walfile import WalCorruption, read_wal
from aqwal_conformance.model import (
    CHANGES,
    COMPONENTS,
    LEASE_STATES,
    LEGAL_TARGETS,
    TERMINAL,
    U32_MAX,
    U64_MAX,
    ModelRun,
    SpecModel,
    View,
    first_difference,
    observe,
)
from aqwal_conformance.scenarios import task_spec
from aqwal_conformance.situations import reached, situations

RS = t.RunState
R = t.AttemptResultKind

#: Situations the machine has reached, across all examples of a run (see situations.py).
COVERAGE: Counter[str] = Counter()

FIRST_TASK = bytes(range(1, 17))
OWNERS = ["worker-1", "worker-2", "wörker-ß"]
#: Strings with the encodings' edge cases (empty, multi-byte, a long one), few enough that
#: shrinking does not spend its time on them.
TEXTS = ["", "x", "wörker-ß", "\U0001f600", "y" * 130]
AMOUNTS = [0, 0, 1, 5, 100, 2**63, U64_MAX]
DIMENSIONS = list(t.BudgetDimension)
#: Every choice of a step is one byte of the step's block of this many bytes, drawn at once
#: whatever the step and the state (no step makes more choices; see Choices).
CHOICES_PER_STEP = 12
#: Argument kinds of a step besides option lists (see ``op``).
FLAG: Any = "flag"
RARELY: Any = "rarely"
DATA: Any = "choices"


class Choices:
    """The choices of one step, each one byte of the step's block, 0 to 31 mapped onto what
    is chosen; 0 (what the shrinker goes for) is the first option, False, or the newest
    entity. Every step's block has the same size, so the shrinker's edits to one step never
    make a later step's choices misfit their kind, and deleting a step deletes its block."""

    def __init__(self, block: bytes) -> None:
        self.block = block
        self.used = 0

    def index(self) -> int:
        if self.used == len(self.block):
            raise RuntimeError(f"a step made more than {len(self.block)} choices")
        self.used += 1
        return self.block[self.used - 1] % 32

    def pick(self, options: Sequence[Any]) -> Any:
        return options[self.index() % len(options)]

    def flag(self) -> bool:
        return self.index() % 2 == 1

    def rarely(self) -> bool:
        """True about one time in eight."""
        return self.index() % 8 == 7

    def newest(self, items: Sequence[Any], default: Any = None) -> Any:
        """One of ``items`` (in the order they were created), the newest for 0, so that
        deleting unrelated earlier steps does not change which one a step refers to;
        ``default`` when there is none."""
        back = self.index()
        return items[-1 - back % len(items)] if items else default


# -- situations of a run: (state, holds a lease, has an active attempt) ----------------------

Config = tuple[t.RunState, bool, bool]
Move = tuple[str, t.RunState | None]  # ("to", state) | ("acquire"|"release"|"start"|"finish", None)


def _moves(config: Config) -> list[tuple[Move, Config]]:
    """The single valid events that change a run's situation (RED-4 to RED-6, EVT-2 to EVT-10)."""
    state, lease, attempt = config
    out: list[tuple[Move, Config]] = []
    for new in sorted(LEGAL_TARGETS[state], key=lambda s: s.value):
        if attempt and new is not RS.Canceled:
            continue
        out.append((("to", new), (new, lease and new not in TERMINAL, False)))
    if state in (RS.Ready, RS.Leased) and not lease:
        out.append((("acquire", None), (state, True, attempt)))
    if lease and state in (RS.Ready, RS.Leased, RS.Running):
        out.append((("release", None), (RS.Ready if state is RS.Leased else state, False, attempt)))
    if state is RS.Running and not attempt:
        out.append((("start", None), (state, lease, True)))
    if attempt:
        out.append((("finish", None), (state, lease, False)))
    return out


def _shortest_paths() -> dict[Config, list[Move]]:
    start: Config = (RS.Scheduled, False, False)
    paths: dict[Config, list[Move]] = {start: []}
    queue = deque([start])
    while queue:
        config = queue.popleft()
        for move, nxt in _moves(config):
            if nxt not in paths:
                paths[nxt] = [*paths[config], move]
                queue.append(nxt)
    return paths


#: The shortest chain of events from a new run to every reachable situation, nearest first.
PATHS = _shortest_paths()
SITUATIONS: list[Config] = list(PATHS)

#: How a new run's record differs from the plain one (EVT-1 stores every field as given).
VARIANTS = [
    "plain",
    "plain",
    "plain",
    "orphan",
    "priority",
    "lowest priority",
    "near max",
    "at max",
    "changed",
    "owner",
]

#: Ways a snapshot may differ from what SNP-9's synthesized events rebuild (SNP-11 restores).
TAMPER: Any = "tamper"
TAMPERINGS = [
    "effective_priority",
    "last_state_change_at",
    "current_attempt_id",
    "exhausted",
    "last_heartbeat_at",
]

#: Rejected or unusual records the ``mistake`` rule writes.
#: Rejected run records the ``run_mistake`` rule writes.
RUN_MISTAKES = [
    "wrong previous state",
    "foreign owner",
    "expiry off by one",
    "other attempt",
    "attempt in progress",
    "lease held",
    "no lease",
    "unknown run",
    "duplicate run",
    "run not scheduled",
]
#: Rejected records, or records that change nothing, the ``other_mistake`` rule writes.
OTHER_MISTAKES = [
    "duplicate task",
    "cancel unknown task",
    "cancel twice",
    "resume before pause",
    "pause twice",
    "budget without allocation",
    "unknown subscription",
    "unknown actor",
    "revoke without grant",
]


#: The situation of the run each run mistake is written for.
_MISTAKE_RUNS: dict[str, Callable[[Config], bool]] = {
    "foreign owner": lambda c: c[1] and c[0] in (RS.Leased, RS.Running),
    "expiry off by one": lambda c: c[1] and c[0] in (RS.Leased, RS.Running),
    "other attempt": lambda c: c[0] is RS.Running,
    "attempt in progress": lambda c: c[2],
    "lease held": lambda c: c[1] and c[0] in (RS.Ready, RS.Leased),
    "no lease": lambda c: not c[1] and c[0] in (RS.Leased, RS.Running),
}

RUN_EVENT_KINDS = [
    "RunStateChanged to Ready",
    "RunStateChanged to Completed",
    "RunCanceled",
    "RunSuspended",
    "RunResumed",
    "AttemptStarted",
    "AttemptFinished",
    "LeaseAcquired",
    "LeaseHeartbeat",
    "LeaseExpired",
    "LeaseReleased",
]


#: The kinds of step, by method name, with the strategies of their arguments (``DATA``: the
#: step's own ``st.data()``); registered by :func:`op`.
_OPS: dict[str, dict[str, Any]] = {}
#: At most this many kinds of step (the mix of an example is drawn before they are counted).
MIX_SIZE = 24


def op(**arguments: Any) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a method of :class:`WalMachine` as a kind of step."""

    def register(method: Callable[..., None]) -> Callable[..., None]:
        _OPS[method.__name__] = arguments
        return method

    return register


@dataclass
class ReplayCheck:
    """What a replay of the log so far must give: the request's inputs and the answer."""

    log: bytes
    snapshot: bytes | None
    lenient: bool
    outcomes: list[str | None]
    digest: str
    #: The error a recovery must report instead (``snapshot_ahead_of_wal``, SNP-12).
    error: str | None = None


class Differential:
    """Hook: checks each step's replay against an external implementation (differential.py)."""

    def check(self, expected: ReplayCheck) -> None:
        """Raise AssertionError when the external implementation disagrees."""


@dataclass
class Line:
    """One replay of the log: the reference reducer and the model, record by record."""

    name: str
    reducer: Reducer
    model: SpecModel
    #: Records whose sequence is at most this are covered by the snapshot (SNP-12, step 4).
    floor: int = 0
    snapshot: bytes | None = None
    #: The snapshot stands for the full replay's state unchanged.
    faithful: bool = True
    outcomes: list[str | None] = field(default_factory=list)
    #: The model's view after the last record this line applied.
    view: View = field(default_factory=dict)


def _lenient_payload(payload: bytes, how: str) -> bytes:
    """The payload with an over-long sequence varint (ENC-4) or a left-over byte (ENC-17)."""
    if how == "leftover":
        return payload + b"\x00"
    n = next(i for i, b in enumerate(payload) if b < 0x80) + 1
    return payload[: n - 1] + bytes([payload[n - 1] | 0x80, 0x00]) + payload[n:]


#: The parts differential mode can leave out of its examples (spec: CP-10), each with the
#: attribute of :class:`WalMachine` that turns it off.
LEAVE_OUT_SWITCHES = {
    "snapshots": "snapshots",
    "reused-attempt-ids": "reused_attempt_ids",
    "lenient-encodings": "lenient_records",
}


class WalMachine(RuleBasedStateMachine):
    """One record (or one new run's shortest chain) per rule, checked as the module says."""

    differential: Differential | None = None
    #: A reducer factory (given the state to start from); tests plant bugs by replacing it.
    make_reducer: Callable[..., Reducer] = Reducer
    #: Restores a snapshot's state (SNP-9, SNP-11); tests plant bugs by replacing it.
    restore: Callable[[t.Snapshot], ReplayState] = staticmethod(bootstrap)
    #: Whether some records are written in encodings only a lenient reader accepts.
    lenient_records = True
    #: Whether snapshots are taken (and replays from them checked).
    snapshots = True
    #: Whether an ``AttemptStarted`` may reuse an attempt id of its run (EVT-3).
    reused_attempt_ids = True

    def __init__(self) -> None:
        super().__init__()
        self.main = Line("full replay", type(self).make_reducer(), SpecModel())
        self.snapshot_line: Line | None = None
        self.log: list[t.WalEvent] = []
        self.frames: list[bytes] = []
        self.lenient: dict[int, str] = {}  # record index -> the code a strict reader reports
        self.clock = 1_700_000_000
        self.counter = 0
        self.failed = False

    # -- plumbing ----------------------------------------------------------------------------

    @property
    def model(self) -> SpecModel:
        return self.main.model

    def tick(self) -> int:
        self.clock += 1
        return self.clock

    def fresh(self, kind: int) -> bytes:
        """A new identifier: ``kind`` in the first byte, then bytes that do not sort in
        creation order (so sorted collections are not accidentally in insertion order)."""
        self.counter += 1
        scrambled = (self.counter * 0x9E3779B97F4A7C15) % 2**64
        return (kind << 120 | scrambled << 32 | self.counter).to_bytes(16, "big")

    def fail(self, invariant_name: str, detail: str) -> None:
        self.failed = True
        frames = "\n".join(f.hex() for f in self.frames)
        raise AssertionError(
            f"invariant {invariant_name} failed: {detail}\n"
            f"log ({len(self.log)} records, one frame per line, hex):\n{frames}"
        )

    def emit(self, body: t.WalEventType, *, sequence: int | None = None) -> bool:
        """Write a record and apply it to every line; True when the full replay applied it."""
        seq = self.model.sequence + 1 if sequence is None else sequence
        record = t.WalEvent(seq, body)
        payload = encode_payload(record)
        self.log.append(record)
        self.frames.append(frame(payload))
        self._check_versions(record, payload)
        found = situations(self.model, record)  # named from the state before the record
        code = self._apply(self.main, record)
        COVERAGE.update(reached(found, code))
        line = self.snapshot_line
        if line is not None:
            self._follow(line, record)
        return code is None

    def _follow(self, line: Line, record: t.WalEvent) -> None:
        """Apply a record to a line that started from a snapshot, unless the snapshot covers
        it (SNP-12, step 4); an unchanged snapshot's line must stay equal to the full replay."""
        if record.sequence <= line.floor:
            COVERAGE["record covered by a snapshot"] += 1
            return
        COVERAGE["record replayed after a snapshot"] += 1
        if self._apply(line, record) is not None:
            COVERAGE["record replayed after a snapshot: rejected"] += 1
        if line.faithful:
            parts = _parts(record)
            difference = first_difference(self.model.view(parts), line.model.view(parts))
            if difference:
                self.fail("snapshot equivalence", f"after record {record.sequence}: {difference}")

    def _apply(self, line: Line, record: t.WalEvent) -> str | None:
        expected = line.model.step(record)
        try:
            line.reducer.apply(record)
            code = None
        except ReducerError as exc:
            code = exc.code
        line.outcomes.append(code)
        kind = type(record.event).__name__
        if code != expected:
            self.fail(
                "outcome",
                f"{line.name}: record {record.sequence} {kind}: reference {code}, "
                f"model (spec) {expected}",
            )
        # the component the event's clause changes; every eighth record, the whole state
        parts = COMPONENTS if len(line.outcomes) % 8 == 0 else _parts(record)
        line.view = line.model.view(parts)
        difference = first_difference(line.view, observe(line.reducer.state, parts))
        if difference:
            check = "atomicity (RED-3)" if code is not None else "model agreement"
            self.fail(check, f"{line.name}: after record {record.sequence} {kind}: {difference}")
        return code

    def _check_versions(self, record: t.WalEvent, payload: bytes) -> None:
        """The record's payload decodes the same under v4 and v5 when its variant is in the v4
        subset; a v5-only one is ``unknown_variant`` for a v4 reader."""
        if _VARIANT_INDEX[type(record.event).__name__] < V4_VARIANT_COUNT:
            if decode_payload(payload, wal_version=4) != decode_payload(payload):
                self.fail("version compatibility", "v4 and v5 decode a v4 record differently")
            return
        try:
            decode_payload(payload, wal_version=4)
        except AqwalError as exc:
            if exc.code != "unknown_variant":
                self.fail("version compatibility", f"v4 reader said {exc.code}")
        else:
            self.fail("version compatibility", "a v4 reader decoded a v5-only record")

    def _run_move(self, run_id: bytes, move: Move, owner: str = "worker-1") -> bool:
        run = self.model.runs[run_id]
        rid = t.RunId(run_id)
        verb, new = move
        if verb == "to":
            assert new is not None
            return self.emit(t.RunStateChanged(rid, run.state, new, self.tick()))
        if verb == "acquire":
            return self.emit(t.LeaseAcquired(rid, owner, self.clock + 30, self.tick()))
        if verb == "release":
            assert run.lease is not None
            return self.emit(t.LeaseReleased(rid, run.lease[0], run.lease[1], self.tick()))
        if verb == "start":
            return self.emit(t.AttemptStarted(rid, t.AttemptId(self.fresh(3)), self.tick()))
        assert run.attempt is not None
        return self.emit(
            t.AttemptFinished(rid, t.AttemptId(run.attempt), R.Success, None, None, self.tick())
        )

    def _new_run(
        self,
        task_id: bytes,
        situation: Config,
        *,
        priority: int = 0,
        attempts: int = 0,
        changed: int = 0,
        owner: str = "worker-1",
    ) -> bytes:
        """RunCreated (EVT-1), then the shortest chain of events to ``situation``."""
        run_id = self.fresh(2)
        now = self.tick()
        instance = t.RunInstance(
            t.RunId(run_id),
            t.TaskId(task_id),
            RS.Scheduled,
            None,
            attempts,
            now,
            now,
            priority,
            now + changed,
        )
        self.emit(t.RunCreated(instance))
        for move in PATHS[situation]:
            if not self._run_move(run_id, move, owner):
                break
        return run_id

    def _run_in(self, data: Choices, wanted: Callable[[Config], bool]) -> bytes:
        """A run whose situation is ``wanted``; a new one, brought there, when none is."""
        candidates = [k for k, r in self.model.runs.items() if wanted(_situation(r))]
        run = data.newest(candidates)
        situation = data.pick([c for c in SITUATIONS if wanted(c)])
        return bytes(run) if run is not None else self._new_run(FIRST_TASK, situation)

    # -- tasks and runs ----------------------------------------------------------------------

    @initialize(mix=st.lists(st.booleans(), min_size=MIX_SIZE, max_size=MIX_SIZE))
    def first_task(self, mix: list[bool]) -> None:
        """The first task; ``mix`` chooses the kinds of step this example takes (swarm
        testing: an example that leaves some kinds out reaches deeper into the others)."""
        assert len(_OPS) <= MIX_SIZE
        self.mix = [name for name, on in zip(_OPS, mix, strict=False) if on] or list(_OPS)
        self.emit(t.TaskCreated(task_spec(FIRST_TASK), self.tick()))

    @rule(block=st.binary(min_size=CHOICES_PER_STEP, max_size=CHOICES_PER_STEP))
    def step(self, block: bytes) -> None:
        """One step of a kind in the example's mix: one record, or the shortest chain of
        records that brings a new run to a situation. A single rule whose choices have the
        same shape whatever the state lets the shrinker delete steps cleanly."""
        choices = Choices(block)
        name = choices.pick(self.mix)
        arguments = {key: _argument(choices, kind) for key, kind in _OPS[name].items()}
        getattr(self, name)(**arguments)

    @op(gap=RARELY)
    def create_task(self, gap: bool) -> None:
        sequence = self.model.sequence + 3 if gap else None  # RED-2: gaps are allowed
        self.emit(t.TaskCreated(task_spec(self.fresh(1)), self.tick()), sequence=sequence)

    def _task(self, data: Choices) -> bytes:
        return bytes(data.newest(list(self.model.tasks)))

    @op(data=DATA)
    def cancel_task(self, data: Choices) -> None:
        """TaskCanceled of a task not yet canceled (EVT-5); of the first task when none is."""
        m = self.model
        open_tasks = [k for k, v in m.tasks.items() if v[2] is None]
        task = data.newest(open_tasks, FIRST_TASK)
        self.emit(t.TaskCanceled(t.TaskId(task), self.tick()))

    @op(data=DATA, situation=SITUATIONS, variant=VARIANTS)
    def create_run(self, data: Choices, situation: Config, variant: str) -> None:
        """RunCreated (EVT-1) — sometimes for a task that does not exist (RED-15), with a
        stored priority, an attempt count near u32::MAX or a change time of its own — then
        the shortest chain of events to ``situation``."""
        task = self._task(data)
        task = self.fresh(1) if variant == "orphan" else task
        self._new_run(
            task,
            situation,
            priority={"priority": -1, "lowest priority": -(2**31)}.get(variant, 0),
            attempts={"near max": U32_MAX - 1, "at max": U32_MAX}.get(variant, 0),
            changed=7 if variant == "changed" else 0,
            owner="wörker-ß" if variant == "owner" else "worker-1",
        )

    @op(data=DATA)
    def transition(self, data: Choices) -> None:
        """One legal state change (RED-4, RED-5): RunStateChanged, or RunSuspended,
        RunResumed or RunCanceled for the pairs they stand for."""
        run_id = self._run_in(data, lambda c: c[0] not in TERMINAL)
        run = self.model.runs[run_id]
        rid, now = t.RunId(run_id), self.tick()
        options: list[t.WalEventType] = []
        for new in sorted(LEGAL_TARGETS[run.state], key=lambda s: s.value):
            if run.attempt is None or new is RS.Canceled:
                weight = 1 if new is RS.Canceled else 3
                options += [t.RunStateChanged(rid, run.state, new, now)] * weight
        options.append(t.RunCanceled(rid, now))
        if run.state is RS.Running and run.attempt is None:
            options += [t.RunSuspended(rid, "waiting", now)] * 3
        if run.state is RS.Suspended:
            options += [t.RunResumed(rid, now)] * 3
        self.emit(_pick(data, options))

    @op(data=DATA)
    def lease_event(self, data: Choices) -> None:
        """One valid lease event for a run in a state RED-6 allows it in (EVT-7 to EVT-10);
        heartbeats keep or extend the expiry."""
        run_id = self._run_in(data, _lease_event_allowed)
        run = self.model.runs[run_id]
        rid, now = t.RunId(run_id), self.tick()
        owner = data.pick(OWNERS)
        bump = data.pick([0, 1, 10])
        which = data.index()
        if run.lease is None:
            self.emit(t.LeaseAcquired(rid, owner, now + 30, now))
            return
        holder, expiry = run.lease[0], run.lease[1]
        options: list[t.WalEventType] = [
            t.LeaseExpired(rid, holder, expiry, now),
            t.LeaseReleased(rid, holder, expiry, now),
        ]
        if run.state in LEASE_STATES[t.LeaseHeartbeat]:
            # heartbeats first: closing a Leased run's lease leaves a state whose snapshot
            # fails validation (RED-6), so it is not made too often
            options[:0] = [t.LeaseHeartbeat(rid, holder, expiry + bump, now)] * 2
        self.emit(options[which % len(options)])

    @op(data=DATA, reuse=FLAG)
    def attempt_event(self, data: Choices, reuse: bool) -> None:
        """AttemptStarted (a fresh or a reused id, EVT-3) or AttemptFinished with any shape
        of outcome (EVT-4)."""
        run_id = self._run_in(data, lambda c: c[0] is RS.Running)
        run = self.model.runs[run_id]
        rid = t.RunId(run_id)
        result = data.pick(list(R))
        error = data.pick([None, *TEXTS])
        output = data.pick([None, b"", b"\x00\xff"])
        if run.attempt is None:
            used = [a[0] for a in run.attempts]
            reuse = reuse and type(self).reused_attempt_ids
            attempt = used[0] if reuse and used else self.fresh(3)
            self.emit(t.AttemptStarted(rid, t.AttemptId(attempt), self.tick()))
        else:
            attempt = t.AttemptId(run.attempt)
            self.emit(t.AttemptFinished(rid, attempt, result, error, output, self.tick()))

    # -- rejected and unusual records --------------------------------------------------------

    @op(
        data=DATA,
        which=list(range(len(RUN_EVENT_KINDS))),
        state=list(RS),
    )
    def any_run_event(self, data: Choices, which: int, state: t.RunState) -> None:
        """A run event of any kind for a run in any state, with the run's own lease and
        attempt, so that its state alone decides: mostly rejected (RED-4 to RED-6)."""
        run_id = self._run_in(data, lambda c: c[0] is state)
        self.emit(_run_events(run_id, self.model.runs[run_id], self.tick())[which])

    @op(data=DATA, kind=RUN_MISTAKES)
    def run_mistake(self, data: Choices, kind: str) -> None:
        """A run record the spec rejects for its fields or its run (RED-4 to RED-6, EVT-1)."""
        self.emit(self._run_mistake(data, kind))

    @op(data=DATA, kind=OTHER_MISTAKES)
    def other_mistake(self, data: Choices, kind: str) -> None:
        """A record the spec rejects (RED-2, RED-7, EVT-0, EVT-5), or one that changes
        nothing because what it names does not exist (RED-9 to RED-12)."""
        self.emit(self._other_mistake(data, kind))

    def _other_mistake(self, data: Choices, kind: str) -> t.WalEventType:
        m = self.model
        now = self.tick()
        if kind == "resume before pause":
            if not m.paused or not m.paused_at:
                return t.EnginePaused(now)
            return t.EngineResumed(m.paused_at - 1)
        if kind == "pause twice":
            return t.EngineResumed(now) if not m.paused else t.EnginePaused(now)
        if kind == "duplicate task":
            return t.TaskCreated(m.tasks[data.newest(list(m.tasks))][0], now)
        if kind == "cancel twice":
            canceled = [k for k, v in m.tasks.items() if v[2] is not None]
            task = data.newest(canceled, FIRST_TASK)
            return t.TaskCanceled(t.TaskId(task), now)
        if kind == "cancel unknown task":
            return t.TaskCanceled(t.TaskId(self.fresh(1)), now)
        if kind == "budget without allocation":
            task, dim = t.TaskId(self.fresh(1)), data.pick(DIMENSIONS)
            return _pick(
                data,
                [
                    t.BudgetConsumed(task, dim, 1, now),
                    t.BudgetExhausted(task, dim, now),
                    t.BudgetReplenished(task, dim, 5, now),
                ],
            )
        if kind == "unknown subscription":
            sub = t.SubscriptionId(self.fresh(4))
            return _pick(
                data, [t.SubscriptionTriggered(sub, now), t.SubscriptionCanceled(sub, now)]
            )
        if kind == "unknown actor":
            actor = t.ActorId(self.fresh(5))
            return _pick(data, [t.ActorDeregistered(actor, now), t.ActorHeartbeat(actor, now)])
        return t.CapabilityRevoked(  # "revoke without grant"
            t.ActorId(self.fresh(5)), t.CapabilityCanReview(), t.TenantId(self.fresh(6)), now
        )

    def _run_mistake(self, data: Choices, kind: str) -> t.WalEventType:
        m = self.model
        now = self.tick()
        if kind == "run not scheduled":
            state = data.pick([s for s in RS if s is not RS.Scheduled])
            instance = t.RunInstance(
                t.RunId(self.fresh(2)), t.TaskId(self.fresh(1)), state, None, 0, now, now, 0, now
            )
            return t.RunCreated(instance)
        if kind == "unknown run":
            return _pick(data, _run_events(self.fresh(2), None, now))
        wanted = _MISTAKE_RUNS.get(kind, lambda c: True)
        run_id = self._run_in(data, wanted)
        run = m.runs[run_id]
        rid = t.RunId(run_id)
        holder, expiry = run.lease[:2] if run.lease else ("worker-1", now + 30)
        if kind == "duplicate run":
            instance = t.RunInstance(
                rid, t.TaskId(run.task_id), RS.Scheduled, None, 0, now, now, 0, now
            )
            return t.RunCreated(instance)
        if kind == "wrong previous state":
            previous = data.pick([s for s in RS if s is not run.state])
            return t.RunStateChanged(rid, previous, RS.Ready, now)
        if kind == "other attempt":
            return t.AttemptFinished(rid, t.AttemptId(self.fresh(3)), R.Success, None, None, now)
        if kind == "attempt in progress":
            return _pick(
                data,
                [
                    t.AttemptStarted(rid, t.AttemptId(self.fresh(3)), now),
                    t.RunStateChanged(rid, RS.Running, RS.Completed, now),
                    t.RunStateChanged(rid, RS.Running, RS.RetryWait, now),
                    t.RunSuspended(rid, "waiting", now),
                ],
            )
        if kind == "lease held":
            return t.LeaseAcquired(rid, "worker-2", now + 60, now)
        if kind == "no lease":
            return _pick(
                data,
                [
                    t.LeaseHeartbeat(rid, holder, expiry, now),
                    t.LeaseExpired(rid, holder, expiry, now),
                ],
            )
        if kind == "foreign owner":
            return _pick(
                data,
                [
                    t.LeaseHeartbeat(rid, "intruder", expiry + 1, now),
                    t.LeaseReleased(rid, "intruder", expiry, now),
                ],
            )
        return _pick(  # "expiry off by one"
            data,
            [
                t.LeaseHeartbeat(rid, holder, expiry - 1, now),
                t.LeaseExpired(rid, holder, expiry + 1, now),
            ],
        )

    # -- engine, dependencies ----------------------------------------------------------------

    @op(at_pause=FLAG, stale=RARELY)
    def engine_control(self, at_pause: bool, stale: bool) -> None:
        """EnginePaused, or EngineResumed — at the pause's own timestamp or later (RED-7);
        rarely with the sequence of the last applied record (RED-2)."""
        m = self.model
        if stale:  # at or below a snapshot's position when there is one (SNP-12, step 4)
            line = self.snapshot_line
            floor = m.sequence if line is None else min(m.sequence, line.floor)
            self.emit(t.EngineResumed(self.tick()), sequence=floor)
        elif m.paused:
            assert m.paused_at is not None
            self.emit(t.EngineResumed(m.paused_at if at_pause else self.tick()))
        else:
            self.emit(t.EnginePaused(self.tick()))

    @op(data=DATA, orphan=RARELY)
    def declare_dependency(self, data: Choices, orphan: bool) -> None:
        """DependencyDeclared (EVT-13): unions, empty lists, the task itself, and — rarely,
        since no snapshot can be taken afterwards (SNP-7) — a task that does not exist."""
        task = self._task(data)
        count = data.index() % 4
        prerequisites = [self._task(data) for _ in range(count)]
        if orphan:
            prerequisites.append(self.fresh(1))
        self.emit(
            t.DependencyDeclared(
                t.TaskId(task), tuple(t.TaskId(p) for p in prerequisites), self.tick()
            )
        )

    # -- budgets, subscriptions, actors, platform (RED-9 to RED-12) --------------------------

    def _known_or_fresh(self, data: Choices, known: Any, kind: int, reuse: bool) -> bytes:
        """An id of ``known`` when ``reuse`` and there is one, otherwise a new id."""
        chosen = data.newest(list(known))
        return bytes(chosen) if reuse and chosen is not None else self.fresh(kind)

    @op(data=DATA, action=["allocate", "consume", "replenish", "exhaust"])
    def budget_event(self, data: Choices, action: str) -> None:
        """BudgetAllocated of a (task, dimension) key, or BudgetConsumed, BudgetReplenished or
        BudgetExhausted of an allocated key — allocated first when none is (EVT-16 to
        EVT-19; records for keys without an allocation are ``other_mistake``'s)."""
        allocated = data.newest(list(self.model.budgets))
        task, dim = self._task(data), data.pick(DIMENSIONS)
        amount = data.pick(AMOUNTS)
        if action != "allocate" and allocated is None:
            self.emit(t.BudgetAllocated(t.TaskId(task), dim, data.pick(AMOUNTS), self.tick()))
        elif action != "allocate":
            task, dim = allocated
        key = t.TaskId(task), dim
        now = self.tick()
        if action == "allocate":
            self.emit(t.BudgetAllocated(*key, amount, now))
        elif action == "consume":
            self.emit(t.BudgetConsumed(*key, amount, now))
        elif action == "replenish":
            self.emit(t.BudgetReplenished(*key, amount, now))
        else:
            self.emit(t.BudgetExhausted(*key, now))

    @op(
        data=DATA,
        action=["create", "trigger", "cancel"],
        reuse=FLAG,
    )
    def subscription_event(self, data: Choices, action: str, reuse: bool) -> None:
        """SubscriptionCreated (new or replacing; rarely for a task that does not exist),
        SubscriptionTriggered or SubscriptionCanceled (of a subscription, mostly) (EVT-20 to
        EVT-22)."""
        known = self.model.subscriptions
        sub = t.SubscriptionId(self._known_or_fresh(data, known, 4, reuse or action != "create"))
        orphan = data.rarely()
        task = t.TaskId(self._task(data))
        pct = data.pick([0, 100, 255])
        which = data.index()
        if action != "create" and not known:  # one to trigger or cancel
            self.emit(t.SubscriptionCreated(sub, task, t.EventFilterCustom("k"), self.tick()))
        now = self.tick()
        if action == "create":
            task = t.TaskId(self.fresh(1)) if orphan else task
            filters: list[t.EventFilter] = [
                t.EventFilterTaskCompleted(task),
                t.EventFilterRunStateChanged(task, RS.Completed),
                t.EventFilterBudgetThreshold(task, t.BudgetDimension.Token, pct),
                t.EventFilterCustom("k"),
            ]
            chosen = filters[which % len(filters)]
            self.emit(t.SubscriptionCreated(sub, task, chosen, now))
        elif action == "trigger":
            self.emit(t.SubscriptionTriggered(sub, now))
        else:
            self.emit(t.SubscriptionCanceled(sub, now))

    @op(
        data=DATA,
        action=["register", "deregister", "heartbeat"],
        reuse=FLAG,
    )
    def actor_event(self, data: Choices, action: str, reuse: bool) -> None:
        """ActorRegistered (new or replacing), ActorDeregistered or ActorHeartbeat (of an
        actor, mostly) (EVT-23 to EVT-25)."""
        m = self.model
        actor = t.ActorId(self._known_or_fresh(data, m.actors, 5, reuse or action != "register"))
        caps = data.pick([(), ("x",), ("CanSubmit", "")])
        department = data.pick([None, *TEXTS])
        tenant = self._known_or_fresh(data, m.tenants, 6, True) if reuse else None
        if action != "register" and not m.actors:  # one to deregister or to hear from
            self.emit(t.ActorRegistered(actor, "actor", caps, department, 30, None, self.tick()))
        now = self.tick()
        if action == "register":
            self.emit(
                t.ActorRegistered(
                    actor,
                    "actor",
                    caps,
                    department,
                    30,
                    None if tenant is None else t.TenantId(tenant),
                    now,
                )
            )
        elif action == "deregister":
            self.emit(t.ActorDeregistered(actor, now))
        else:
            self.emit(t.ActorHeartbeat(actor, now))

    @op(
        data=DATA,
        kind=["tenant", "role", "grant", "revoke", "ledger"],
        reuse=FLAG,
    )
    def platform_event(self, data: Choices, kind: str, reuse: bool) -> None:
        """TenantCreated, RoleAssigned, CapabilityGranted, CapabilityRevoked (of a grant,
        mostly) or LedgerEntryAppended (sometimes with an entry id already used) (EVT-26 to
        EVT-30)."""
        m = self.model
        tenant = t.TenantId(self._known_or_fresh(data, m.tenants, 6, reuse or kind != "tenant"))
        actor = t.ActorId(self._known_or_fresh(data, m.actors, 5, True))
        text = data.pick(["", "x", "CanSubmit", "wörker-ß"])
        now = self.tick()
        pair = data.newest(list(m.roles))
        key = data.newest(list(m.grants))
        # the entry ids in the order they were first used: a set's order would follow the
        # ids' hashes, which differ between builds and interpreter runs
        used = dict.fromkeys(e[0] for e in m.ledger)
        entry = t.LedgerEntryId(self._known_or_fresh(data, used, 7, reuse))
        holder = actor if data.flag() else None
        which = data.index()
        if kind == "tenant":
            self.emit(t.TenantCreated(tenant, text, now))
        elif kind == "role":
            if reuse and pair is not None:
                actor, tenant = t.ActorId(pair[0]), t.TenantId(pair[1])
            roles: list[t.Role] = [
                t.RoleOperator(),
                t.RoleAuditor(),
                t.RoleGatekeeper(),
                t.RoleCustom(text),
            ]
            self.emit(t.RoleAssigned(actor, roles[which % len(roles)], tenant, now))
        elif kind == "ledger":
            payload = text.encode()
            self.emit(t.LedgerEntryAppended(entry, tenant, text, holder, payload, now))
        else:
            if reuse and key is not None:  # the grant of an existing key (RED-12)
                actor, cap, tenant = t.ActorId(key[0]), m.grants[key][0], t.TenantId(key[2])
            else:
                caps: list[t.Capability] = [
                    t.CapabilityCanSubmit(),
                    t.CapabilityCanExecute(),
                    t.CapabilityCanReview(),
                    t.CapabilityCanApprove(),
                    t.CapabilityCanCancel(),
                    t.CapabilityCustom(text),
                ]
                cap = caps[which % len(caps)]
            body = t.CapabilityRevoked if kind == "revoke" else t.CapabilityGranted
            self.emit(body(actor, cap, tenant, now))

    # -- encodings only a lenient reader accepts (ENC-4, ENC-17) -----------------------------

    @op(how=["overlong", "leftover"])
    def write_leniently(self, how: str) -> None:
        """Rewrite the last record with an over-long varint or a left-over payload byte."""
        if not type(self).lenient_records or len(self.log) < 2:
            return
        index = len(self.log) - 1
        record = self.log[index]
        data = frame(_lenient_payload(encode_payload(record), how))
        code = "non_canonical_varint" if how == "overlong" else "trailing_bytes"
        try:
            decode_record(data)
        except AqwalError as exc:
            if exc.code != code:
                self.fail("leniency", f"a strict reader said {exc.code}, not {code}")
        else:
            self.fail("leniency", f"a strict reader accepted a record with {how} bytes")
        if decode_record(data, strict=False) != record:
            self.fail("leniency", f"a lenient reader misread a record with {how} bytes")
        self.frames[index] = data
        self.lenient[index] = code
        COVERAGE[f"record written with {how} bytes"] += 1

    # -- snapshots (SNP-8 to SNP-12) ---------------------------------------------------------

    @op(data=DATA, tamper=TAMPER)
    def take_snapshot(self, data: Choices, tamper: list[str]) -> None:
        """Snapshot the full replay's state — changed, with ``tamper``, in values SNP-11
        restores — and follow the records after it from the restored state too."""
        if not type(self).snapshots:
            return
        indexes = [data.index() for _ in tamper]
        snap = build_snapshot(self.main.reducer.state, self.clock)
        try:
            validate_snapshot(snap)
        except AqwalError:
            COVERAGE["snapshot refused (SNP-8)"] += 1
            return
        faithful = snap
        for how, index in zip(tamper, indexes, strict=True):
            snap = _tampered(snap, how, index)
        validate_snapshot(snap)  # still a valid document (SNP-7)
        encoded = encode_snapshot(snap)
        loaded = decode_snapshot(encoded)
        if loaded != snap:
            self.fail("snapshot equivalence", "the snapshot file did not load to its value")
        for label in _rebuild_losses(snap):
            COVERAGE[label] += 1
        COVERAGE["snapshot restored"] += 1
        line = Line(
            "replay from a snapshot",
            type(self).make_reducer(type(self).restore(loaded)),
            SpecModel.restored(loaded),
            floor=snap.metadata.wal_sequence,
            snapshot=encoded,
            faithful=snap == faithful,
        )
        line.view = line.model.view()
        difference = first_difference(line.view, observe(line.reducer.state))
        if difference:
            self.fail("snapshot restoration (SNP-11)", difference)
        if line.faithful:
            difference = first_difference(self.model.view(), line.view)
            if difference:
                self.fail("snapshot equivalence", difference)
        self.snapshot_line = line
        for record in self.log:  # records above wal_sequence written before the snapshot
            if record.sequence > line.floor:
                self._follow(line, record)

    # -- per-step and end-of-example checks ---------------------------------------------------

    def wal_bytes(self) -> bytes:
        return b"".join(self.frames)

    @invariant()
    def differential_agrees(self) -> None:
        if self.differential is None or not self.log:
            return
        wal = self.wal_bytes()
        lenient = bool(self.lenient)
        checks = [
            ReplayCheck(
                wal, None, lenient, self.main.outcomes, state_digest(self.main.reducer.state)
            )
        ]
        line = self.snapshot_line
        if line is not None:
            check = ReplayCheck(
                wal, line.snapshot, lenient, line.outcomes, state_digest(line.reducer.state)
            )
            if line.floor > self.log[-1].sequence > 0:
                check.error = "snapshot_ahead_of_wal"  # SNP-12, step 3
            checks.append(check)
        for check in checks:
            try:
                self.differential.check(check)
            except AssertionError as exc:
                self.fail("differential", str(exc))

    def _older_snapshot_schema_loads_with_defaults(self) -> None:
        snap = build_snapshot(self.main.reducer.state, self.clock)
        try:
            validate_snapshot(snap)
        except AqwalError:
            return
        body = JSON_FORM.dump("Snapshot", snap)
        body["metadata"]["schema_version"] = 7
        for key in FIELDS_ADDED_IN_SCHEMA_8:
            del body[key]
        data = frame(to_json_text(body).encode(), 4)
        loaded = observe(bootstrap(decode_snapshot(data, accept_older_schema=True)))
        expected = self.model.view()
        for key in ("actors", "tenants", "role_assignments", "capability_grants", "ledger"):
            expected[key] = {}
        difference = first_difference(expected, loaded)
        if difference:
            self.fail("version compatibility", f"schema-7 snapshot: {difference}")

    def teardown(self) -> None:
        """Compare the whole state with the model; replay the file from scratch; load the
        state's snapshot as an older schema; recover log and snapshot as a data directory."""
        if not self.log or self.failed or len(self.main.outcomes) != len(self.log):
            return  # a step failed: its report stands
        wal = self.wal_bytes()
        digest = state_digest(self.main.reducer.state)
        if self.lenient:
            first = min(self.lenient)
            try:
                list(read_wal(io.BytesIO(wal)))
            except WalCorruption as exc:
                offset = sum(len(f) for f in self.frames[:first])
                if exc.offset != offset or exc.cause.code != self.lenient[first]:
                    self.fail("leniency", f"strict read: {exc.code} at {exc.offset}")
            else:
                self.fail("leniency", "a strict reader read a log with lenient records")
        for line in (self.main, self.snapshot_line):
            if line is not None:
                difference = first_difference(line.model.view(), observe(line.reducer.state))
                if difference:
                    self.fail("model agreement", f"{line.name}: at the end: {difference}")
        events = [e for _, e in read_wal(io.BytesIO(wal), strict=False)]
        fresh = Reducer()
        outcomes = [o.code for o in replay(events, fresh)]
        if outcomes != self.main.outcomes or state_digest(fresh.state) != digest:
            self.fail("replay idempotence", "a replay of the file differs")
        self._older_snapshot_schema_loads_with_defaults()
        applied = [e for e, code in zip(self.log, self.main.outcomes, strict=True) if code is None]
        if applied:
            try:
                self.main.reducer.apply(applied[-1])
            except ReducerError:
                pass
            else:
                self.fail("replay idempotence", f"re-applied record {applied[-1].sequence}")
            if state_digest(self.main.reducer.state) != digest:
                self.fail("atomicity (RED-3)", "re-applying a record changed the state")
        if self.snapshot_line is not None:
            self._recover_data_directory(wal, self.snapshot_line)

    def _recover_data_directory(self, wal: bytes, line: Line) -> None:
        assert line.snapshot is not None
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / "wal").mkdir()
            (root / "snapshots").mkdir()
            (root / "wal" / "actionqueue.wal").write_bytes(wal)
            (root / "snapshots" / "snapshot.bin").write_bytes(line.snapshot)
            outcomes: list[str | None] = []
            try:
                result = recover(root, strict=False, on_outcome=lambda o: outcomes.append(o.code))
            except AqwalError as exc:
                if exc.code == "snapshot_ahead_of_wal" and line.floor > self.log[-1].sequence:
                    return
                raise
        if not result.snapshot_used or outcomes != line.outcomes:
            self.fail("snapshot equivalence", "recovery of log and snapshot: other outcomes")
        if state_digest(result.state) != state_digest(line.reducer.state):
            self.fail("snapshot equivalence", "recovery of log and snapshot: other state")


def _parts(record: t.WalEvent) -> tuple[str, ...]:
    return "latest_sequence", CHANGES[type(record.event)]


def _pick(data: Choices, events: list[t.WalEventType]) -> t.WalEventType:
    return events[data.index() % len(events)]


def _argument(choices: Choices, kind: Any) -> Any:
    """A step's argument (see ``op``): the step's choices, a flag, a rare flag, a set of
    tamperings, or one of a list of options."""
    if kind is DATA:
        return choices
    if kind is FLAG:
        return choices.flag()
    if kind is RARELY:
        return choices.rarely()
    if kind is TAMPER:
        return [how for how in TAMPERINGS if choices.index() % 4 == 3]
    return choices.pick(kind)


def _situation(run: ModelRun) -> Config:
    return run.state, run.lease is not None, run.attempt is not None


def _lease_event_allowed(config: Config) -> bool:
    state, lease, _ = config
    return state in LEASE_STATES[t.LeaseExpired if lease else t.LeaseAcquired]


def _run_events(run_id: bytes, run: Any, now: int) -> list[t.WalEventType]:
    """One record of each run event kind, with the run's own lease and attempt where it has
    them, so that the run's state decides the outcome (RED-4 to RED-6)."""
    rid = t.RunId(run_id)
    state = RS.Ready if run is None else run.state
    holder, expiry = run.lease[:2] if run is not None and run.lease else ("worker-1", now + 30)
    attempt = t.AttemptId(run.attempt if run is not None and run.attempt else bytes(15) + b"\x01")
    return [
        t.RunStateChanged(rid, state, RS.Ready, now),
        t.RunStateChanged(rid, state, RS.Completed, now),
        t.RunCanceled(rid, now),
        t.RunSuspended(rid, "waiting", now),
        t.RunResumed(rid, now),
        t.AttemptStarted(rid, t.AttemptId(bytes(15) + b"\x02"), now),
        t.AttemptFinished(rid, attempt, R.Failure, "boom", None, now),
        t.LeaseAcquired(rid, "worker-1", now + 30, now),
        t.LeaseHeartbeat(rid, holder, expiry, now),
        t.LeaseExpired(rid, holder, expiry, now),
        t.LeaseReleased(rid, holder, expiry, now),
    ]


def _tampered(snap: t.Snapshot, how: str, index: int) -> t.Snapshot:
    """``snap`` with one stored value changed that SNP-11 restores and SNP-9's events lose:
    in the budget, actor or run at ``index`` (modulo their number)."""
    if how == "exhausted":
        # consumed >= limit > 0 but not exhausted, or a 0 limit exhausted without consumption
        if not snap.budgets:
            return snap
        budgets = list(snap.budgets)
        i = index % len(budgets)
        b = budgets[i]
        if b.limit == 0:
            budgets[i] = b._replace(consumed=0, exhausted=True)
        else:
            budgets[i] = b._replace(consumed=max(b.consumed, b.limit), exhausted=False)
        return snap._replace(budgets=tuple(budgets))
    if how == "last_heartbeat_at":
        if not snap.actors:
            return snap
        actors = list(snap.actors)
        i = index % len(actors)
        actors[i] = actors[i]._replace(last_heartbeat_at=actors[i].registered_at + 1)
        return snap._replace(actors=tuple(actors))
    runs = list(snap.runs)
    if how == "current_attempt_id":  # only a Running run can have an active attempt
        runs = [r for r in runs if r.run_instance.state is RS.Running]
    if not runs:
        return snap
    run = runs[index % len(runs)]
    ri = run.run_instance
    if how == "effective_priority":
        changed = run._replace(
            run_instance=ri._replace(effective_priority=ri.effective_priority ^ 5)
        )
    elif how == "last_state_change_at":
        changed = run._replace(
            run_instance=ri._replace(last_state_change_at=ri.last_state_change_at + 7)
        )
    elif ri.current_attempt_id is not None:
        changed = run._replace(run_instance=ri._replace(current_attempt_id=None))
    else:
        # activate an earlier attempt whose id is used once: the engine would take the last
        ids = [a.attempt_id for a in run.attempts]
        unique = [j for j, a in enumerate(ids[:-1]) if ids.count(a) == 1]
        if not unique:
            return snap
        j = unique[0]
        attempts = list(run.attempts)
        attempts[j] = attempts[j]._replace(finished_at=None, result=None, error=None, output=None)
        changed = run._replace(
            run_instance=ri._replace(current_attempt_id=ids[j]), attempts=tuple(attempts)
        )
    return snap._replace(runs=tuple(changed if r is run else r for r in snap.runs))


def _rebuild_losses(snap: t.Snapshot) -> list[str]:
    """The stored values of ``snap`` that SNP-9's synthesized events alone would not rebuild."""
    labels = set()
    for run in snap.runs:
        ri = run.run_instance
        if ri.effective_priority != 0:
            labels.add("snapshot run whose effective_priority the events do not rebuild")
        if ri.last_state_change_at != run.state_history[-1].timestamp:
            labels.add("snapshot run whose last_state_change_at the events do not rebuild")
        last = run.attempts[-1] if run.attempts else None
        rebuilt = (
            last.attempt_id
            if ri.state is RS.Running and last is not None and last.finished_at is None
            else None
        )
        if ri.current_attempt_id != rebuilt:
            labels.add("snapshot run whose current_attempt_id the events do not rebuild")
    for budget in snap.budgets:
        rebuilt_flag = budget.consumed >= budget.limit > 0 or (
            budget.exhausted and budget.consumed < budget.limit
        )
        if budget.exhausted != rebuilt_flag:
            labels.add("snapshot budget whose exhausted flag the events do not rebuild")
    if any(a.last_heartbeat_at is not None for a in snap.actors):
        labels.add("snapshot actor whose last_heartbeat_at the events do not rebuild")
    return sorted(labels)


_VARIANT_INDEX = {v.name: v.index for v in WAL_V5.enum("WalEventType").variants}
