"""Recovery of a data directory: snapshot plus WAL tail (spec: SNP-12, WAL-1).

A data directory holds ``wal/actionqueue.wal`` and, optionally, ``snapshots/snapshot.bin``.
:func:`recover` rebuilds the state the way the engine's bootstrap does: a corrupt WAL is fatal;
an unusable snapshot is reported and ignored (full replay instead); a snapshot whose
``wal_sequence`` lies beyond the last WAL record is fatal unless the WAL is empty.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aqwal.errors import AqwalError, ReducerError, SnapshotError
from aqwal.gcpause import paused_gc
from aqwal.inputfile import regular_file_exists
from aqwal.reducer import Outcome, Reducer
from aqwal.snapshot import bootstrap, read_snapshot_file
from aqwal.state import ReplayState
from aqwal.walfile import (
    SNAPSHOT_RELATIVE_PATH,
    WAL_RELATIVE_PATH,
    iter_wal_file,
    iter_wal_file_batches,
)


@dataclass(frozen=True, slots=True)
class Layout:
    """Where the files of a WAL file or a data directory are."""

    wal: Path
    snapshot: Path | None

    @staticmethod
    def of(path: Path) -> Layout:
        if path.is_dir():
            return Layout(path / WAL_RELATIVE_PATH, path / SNAPSHOT_RELATIVE_PATH)
        return Layout(path, None)


@dataclass(slots=True)
class Recovery:
    """The result of :func:`recover`."""

    state: ReplayState
    snapshot_used: bool = False
    snapshot_sequence: int = 0
    #: Why a snapshot that exists was not used (load or bootstrap error), if so.
    snapshot_problem: AqwalError | None = None
    #: Sequence of the WAL's last record (0 for an empty WAL).
    wal_last_sequence: int = 0
    records_read: int = 0
    records_skipped: int = 0
    applied: int = 0
    rejected: int = 0


def recover(
    path: Path,
    *,
    use_snapshot: bool = True,
    engine_compatible: bool = False,
    stop_on_reject: bool = False,
    strict: bool = True,
    workflow: bool = False,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> Recovery:
    """Rebuild the state of a WAL file or data directory (spec: SNP-12).

    With a usable snapshot, the records whose sequence is above its ``wal_sequence`` are
    replayed on top of it. ``engine_compatible`` reproduces the engine instead: replay starts
    only at a record whose sequence is exactly ``wal_sequence + 1`` (none: no replay at all),
    and the bootstrap keeps the engine's losses (see :func:`aqwal.snapshot.bootstrap`).

    Raises :class:`~aqwal.walfile.WalCorruption` for a corrupt WAL, ``snapshot_ahead_of_wal``,
    and with ``stop_on_reject`` the first :class:`~aqwal.errors.ReducerError`; an
    :class:`OSError` (:class:`~aqwal.inputfile.FileRefused`) when the WAL path exists but is
    not a readable regular file. A snapshot that cannot be read is reported in
    ``snapshot_problem`` (``snapshot_unreadable``) and not used (SNP-12, SNP-15).
    """
    layout = Layout.of(path)
    result = Recovery(ReplayState())
    reducer = Reducer(result.state)
    if use_snapshot and layout.snapshot is not None:
        # one pause for loading and bootstrapping (a collection between them would walk the
        # whole snapshot)
        with paused_gc():
            try:
                snap = read_snapshot_file(layout.snapshot, workflow=workflow)
                if snap is not None:
                    result.state = bootstrap(
                        snap, engine_compatible=engine_compatible, validated=True
                    )
                    reducer = Reducer(result.state)
                    result.snapshot_used = True
                    result.snapshot_sequence = snap.metadata.wal_sequence
            except AqwalError as exc:
                result.snapshot_problem = exc
    floor = result.snapshot_sequence

    # spec: WAL-1, WAL-15 — only a WAL that does not exist is empty; anything else that is
    # not a regular file is refused before anything is read
    if regular_file_exists(layout.wal):
        with paused_gc():
            _replay_tail(
                layout.wal,
                reducer,
                result,
                engine_compatible,
                stop_on_reject,
                strict,
                workflow,
                on_outcome,
            )
    if result.snapshot_used and floor > result.wal_last_sequence > 0:
        raise SnapshotError(
            "snapshot_ahead_of_wal",
            f"snapshot wal_sequence {floor} exceeds the WAL's last sequence "
            f"{result.wal_last_sequence}",
        )
    return result


def _replay_tail(
    wal: Path,
    reducer: Reducer,
    result: Recovery,
    engine_compatible: bool,
    stop_on_reject: bool,
    strict: bool,
    workflow: bool,
    on_outcome: Callable[[Outcome], None] | None,
) -> None:
    """Apply the WAL's records above the snapshot (spec: RED-13 — the loop of
    :func:`aqwal.reducer.replay`, without an Outcome per record unless someone asked)."""
    floor = result.snapshot_sequence
    # The engine seeks the record whose sequence is exactly wal_sequence + 1.
    started = not (engine_compatible and floor > 0)
    skip_covered = result.snapshot_used and not engine_compatible
    apply = reducer.apply
    read = skipped = applied = rejected = 0
    sequence = 0
    if started and not skip_covered and on_outcome is None:
        # every record is applied and nobody watches: the loop at its shortest
        last = None
        try:
            for _offsets, events in iter_wal_file_batches(wal, strict=strict, workflow=workflow):
                for event in events:
                    try:
                        apply(event)
                    except ReducerError:
                        if stop_on_reject:
                            raise
                        rejected += 1
                    else:
                        applied += 1
                last = events[-1]
        finally:
            result.records_read += applied + rejected
            result.applied += applied
            result.rejected += rejected
            if last is not None:
                result.wal_last_sequence = last.sequence
        return
    records = iter_wal_file(wal, strict=strict, workflow=workflow)
    try:
        for _offset, event in records:
            read += 1
            sequence = event.sequence
            if not started:
                started = sequence == floor + 1
                if not started:
                    skipped += 1
                    continue
            if skip_covered and sequence <= floor:
                skipped += 1
                continue
            try:
                apply(event)
            except ReducerError as exc:
                if stop_on_reject:
                    raise
                rejected += 1
                if on_outcome is not None:
                    on_outcome(Outcome(sequence, False, exc))
            else:
                applied += 1
                if on_outcome is not None:
                    on_outcome(Outcome(sequence, True))
    finally:
        result.records_read += read
        result.records_skipped += skipped
        result.applied += applied
        result.rejected += rejected
        if read:
            result.wal_last_sequence = sequence
