"""The stateful machine: all invariants hold on the reference; planted bugs are found."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import Flaky
from hypothesis.stateful import run_state_machine_as_test

from aqwal import types as t
from aqwal.declarations import WAL_V5
from aqwal.errors import ReducerError
from aqwal.reducer import Reducer
from aqwal_conformance.machine import COVERAGE, WalMachine

PROFILE = os.environ.get("AQWAL_HYPOTHESIS_PROFILE", "ci")
EXAMPLES = {"ci": 200, "dev": 1000, "long": 10000}.get(PROFILE, 200)
MACHINE_SETTINGS = settings(
    max_examples=EXAMPLES,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_invariants_hold_and_every_variant_and_state_is_reached() -> None:
    COVERAGE.clear()
    run_state_machine_as_test(WalMachine, settings=MACHINE_SETTINGS)
    variants = {v.name for v in WAL_V5.enum("WalEventType").variants}
    missing = variants - set(COVERAGE)
    assert not missing, f"variants never applied: {sorted(missing)}"
    states = {f"state {s.name}" for s in t.RunState}
    assert states <= set(COVERAGE), f"states never reached: {sorted(states - set(COVERAGE))}"


class _LeakyTerminalReducer(Reducer):
    """Planted bug: a run that ends keeps its lease."""

    def _transition(self, run: Any, new: t.RunState, timestamp: int) -> None:
        lease = run.lease
        super()._transition(run, new, timestamp)
        run.lease = lease


class _NonAtomicFinishReducer(Reducer):
    """Planted bug: the engine's own — AttemptFinished clears the attempt before it fails."""

    def attempt_finished(self, e: t.AttemptFinished) -> None:
        run = self.state.runs.get(e.run_id)
        if run is not None and run.state is t.RunState.Running:
            run.current_attempt_id = None
        super().attempt_finished(e)


@pytest.mark.parametrize("reducer", [_LeakyTerminalReducer, _NonAtomicFinishReducer])
def test_planted_reducer_bug_is_found(reducer: type[Reducer]) -> None:
    class Buggy(WalMachine):
        make_reducer = reducer

    # Finding is what matters here; shrinking (shown by the differential test) is skipped.
    find_only = settings(MACHINE_SETTINGS, phases=[Phase.explicit, Phase.generate])
    with pytest.raises((AssertionError, Flaky, ReducerError)) as info:
        run_state_machine_as_test(Buggy, settings=find_only)
    text = str(info.value)
    assert "invariant" in text or "atomicity" in text or "model agreement" in text


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
