"""Differential mode: the stateful machine drives an external implementation too.

``aqwal conform --stateful --iut CMD`` runs :class:`~aqwal_conformance.machine.WalMachine`;
after every step the log so far is sent to the IUT as a ``replay`` request and its per-record
outcomes and state digest are compared with the reference's (spec: CP-10). A disagreement is
shrunk by Hypothesis to a minimal log, printed as hex frames.
"""

from __future__ import annotations

import sys

from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from aqwal_conformance.machine import Differential, ReplayCheck, WalMachine
from aqwal_conformance.runner import CATEGORY_OF, IUTFailure, ProcessIUT


class ProcessDifferential(Differential):
    """Compares each step with an IUT process over the conformance protocol."""

    def __init__(self, iut: ProcessIUT) -> None:
        self.iut = iut
        self.checked = 0

    def check(self, expected: ReplayCheck) -> None:
        request: dict[str, object] = {"kind": "replay", "log": expected.log}
        if expected.snapshot is not None:
            request["snapshot"] = expected.snapshot
        if expected.lenient:
            request["options"] = {"strict": False}
        try:
            response = self.iut.request(request)
        except IUTFailure as exc:
            raise AssertionError(f"the IUT failed on a replay request: {exc}") from None
        self.checked += 1
        if expected.error is not None:
            error = response.get("error")
            if not isinstance(error, dict) or error.get("code") != expected.error:
                raise AssertionError(f"IUT answered {response!r}, reference {expected.error!r}")
            return
        outcomes, digest = expected.outcomes, expected.digest
        got = response.get("outcomes")
        if not isinstance(got, list) or len(got) != len(outcomes):
            raise AssertionError(f"IUT outcomes {got!r}, reference {outcomes!r}")
        for i, (want, have) in enumerate(zip(outcomes, got, strict=True)):
            if want != have and not (want is not None and have == CATEGORY_OF.get(want)):
                raise AssertionError(f"record {i}: IUT {have!r}, reference {want!r}")
        if response.get("digest") != digest:
            raise AssertionError(f"IUT digest {response.get('digest')!r}, reference {digest!r}")


def run_differential(command: str | None, *, examples: int = 50, timeout: float = 10.0) -> int:
    """Run the machine against ``command`` (or the reference testee when None); exit status."""
    if command is None:
        command = f"{sys.executable} -m aqwal_conformance.testee_server"
    iut = ProcessIUT(command, timeout)
    differential = ProcessDifferential(iut)

    class Differing(WalMachine):
        # the replay request has no lenient reader option yet
        lenient_records = False

    Differing.differential = differential
    try:
        run_state_machine_as_test(
            Differing,
            settings=settings(
                max_examples=examples,
                stateful_step_count=30,
                deadline=None,
                database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )
    except AssertionError as exc:
        print(f"DIFFERENCE: {exc}")
        return 1
    finally:
        iut.close()
    print(f"no difference in {examples} examples ({differential.checked} replay requests)")
    return 0
