"""Large builds run with the cyclic collector paused, and leave it as they found it."""

from __future__ import annotations

import gc
import random
from pathlib import Path

import pytest

from aqwal.codec import encode_record
from aqwal.datadir import recover
from aqwal.gcpause import paused_gc
from aqwal.snapshot import encode_snapshot, snapshot_file_of, snapshot_of
from aqwal_conformance.workload import engine_like_log


@pytest.mark.parametrize("enabled", [True, False])
def test_paused_gc_restores_the_previous_state(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with paused_gc():
            assert not gc.isenabled()
            with paused_gc():
                assert not gc.isenabled()
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        with pytest.raises(RuntimeError), paused_gc():
            raise RuntimeError
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_replay_runs_with_the_collector_paused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wal = tmp_path / "log.wal"
    wal.write_bytes(b"".join(encode_record(e) for e in engine_like_log(random.Random(1), 30)))
    seen: list[bool] = []
    assert gc.isenabled()
    result = recover(wal, on_outcome=lambda _o: seen.append(gc.isenabled()))
    assert result.applied == 30
    assert seen == [False] * 30
    assert gc.isenabled()


def test_snapshot_file_of_validates_once_and_matches_encode_snapshot(tmp_path: Path) -> None:
    wal = tmp_path / "log.wal"
    wal.write_bytes(b"".join(encode_record(e) for e in engine_like_log(random.Random(2), 300)))
    state = recover(wal).state
    assert snapshot_file_of(state, 5) == encode_snapshot(snapshot_of(state, 5))


def test_snapshot_load_and_bootstrap_share_one_pause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aqwal import datadir
    from aqwal.walfile import SNAPSHOT_RELATIVE_PATH, WAL_RELATIVE_PATH

    events = list(engine_like_log(random.Random(3), 60))
    wal = tmp_path / WAL_RELATIVE_PATH
    wal.parent.mkdir(parents=True)
    wal.write_bytes(b"".join(encode_record(e) for e in events))
    snap = tmp_path / SNAPSHOT_RELATIVE_PATH
    snap.parent.mkdir(parents=True)
    snap.write_bytes(snapshot_file_of(recover(wal).state, 1))
    seen: list[bool] = []
    real_read = getattr(datadir, "read_snapshot_file")  # noqa: B009

    def spying_read(*args: object, **kw: object) -> object:
        seen.append(gc.isenabled())
        return real_read(*args, **kw)

    monkeypatch.setattr(datadir, "read_snapshot_file", spying_read)
    result = recover(tmp_path)
    assert result.snapshot_used
    assert seen == [False]
    assert gc.isenabled()


def test_objects_built_in_a_pause_skip_the_young_collections() -> None:
    """What a pause built is moved to the oldest generation when it ends: no collection walks
    it on the way (the first young collection after a replay would otherwise walk it all)."""
    runs: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            runs.append(info["generation"])

    assert gc.isenabled()
    gc.callbacks.append(count)
    try:
        with paused_gc():
            built = [[i] for i in range(50_000)]
        young = gc.get_count()[0]
        more = [[i] for i in range(500)]
    finally:
        gc.callbacks.remove(count)
    assert young < 100
    assert runs == []
    assert len(built) + len(more) == 50_500


def test_frozen_objects_stay_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with paused_gc():
            built = [[i] for i in range(1000)]
        assert gc.get_freeze_count() == frozen
        assert len(built) == 1000
    finally:
        gc.unfreeze()
