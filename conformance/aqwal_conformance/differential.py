"""Differential mode: the stateful machine drives an external implementation too (spec: CP-10).

:class:`~aqwal_conformance.machine.WalMachine` writes event streams; after every step the log
so far is sent to the IUT as a ``replay`` request and its per-record outcomes and state digest
are compared with the reference's. A disagreement is shrunk by Hypothesis to a minimal log. The
whole mode is one case of the run's report, ``stateful/differential``, which carries that log.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.errors import HypothesisException
from hypothesis.reporting import with_reporter
from hypothesis.stateful import run_state_machine_as_test

from aqwal_conformance.iut import (
    IUT,
    REFERENCE_TESTEE,
    IUTFailure,
    IUTStartError,
    ProcessIUT,
    show,
)
from aqwal_conformance.machine import LEAVE_OUT_SWITCHES, Differential, ReplayCheck, WalMachine
from aqwal_conformance.runner import STATEFUL_CASE, CaseResult, check_leave_out, unsupported_reason
from aqwal_conformance.verdicts import Malformed, Verdict, judge_outcomes

#: Steps per example (spec: CP-10).
STEPS = 30
#: Seconds between two progress notices while a difference is shrunk.
NOTICE_EVERY = 5.0


class ProcessDifferential(Differential):
    """Compares each step with an IUT over the conformance protocol."""

    def __init__(self, iut: IUT, notice: Callable[[str], None] | None = None) -> None:
        self.iut = iut
        self.checked = 0
        self.grade = Verdict(None)
        #: The log of the latest difference (after shrinking: the minimal one).
        self.failing_log: bytes | None = None
        #: The snapshot file replayed with that log, if any (spec: CP-10).
        self.failing_snapshot: bytes | None = None
        self.smallest: bytes | None = None
        self.failures = 0
        self._notice = notice
        self._first_failure = 0.0
        self._last_notice = 0.0

    def check(self, expected: ReplayCheck) -> None:
        wal = expected.log
        try:
            self._compare(expected)
        except AssertionError:
            self.failing_log, self.failing_snapshot = wal, expected.snapshot
            if self.smallest is None or len(wal) < len(self.smallest):
                self.smallest = wal
            self.failures += 1
            if self.failures == 1:
                self._first_failure = time.monotonic()
            raise
        finally:
            self._progress()

    def _compare(self, expected: ReplayCheck) -> None:
        request: dict[str, object] = {"kind": "replay", "log": expected.log}
        if expected.snapshot is not None:
            request["snapshot"] = expected.snapshot
        if expected.lenient:
            request["options"] = {"strict": False}  # records only a lenient reader accepts
        try:
            response = self.iut.request(request)
        except IUTFailure as exc:
            raise AssertionError(f"the IUT failed on a replay request: {exc}") from None
        except IUTStartError as exc:
            raise AssertionError(f"the IUT could not be restarted: {exc}") from None
        self.checked += 1
        if unsupported_reason(response) is not None:
            raise AssertionError("the IUT answered unsupported for replay")
        error = response.get("error")
        code = error.get("code") if isinstance(error, dict) else error
        if expected.error is not None:  # snapshot_ahead_of_wal (SNP-12)
            if code != expected.error:
                raise AssertionError(f"the IUT answered {show(code)}, not {expected.error!r}")
            return
        if error is not None:
            raise AssertionError(f"the IUT rejected the log with {show(code)}")
        outcomes, digest = expected.outcomes, expected.digest
        try:
            got = _outcomes(response)
            have_digest = response.get("digest")
            if not isinstance(have_digest, str):
                raise Malformed(f"digest is {show(have_digest)}, not text")
        except Malformed as exc:
            raise AssertionError(f"malformed response (CP-7 rule 7): {exc}") from None
        step = Verdict(None)
        reason = judge_outcomes(outcomes, got, step)
        if reason is not None:
            raise AssertionError(f"the IUT's outcomes differ from the reference's: {reason}")
        if have_digest != digest:
            raise AssertionError(f"IUT digest {show(have_digest)}, reference {digest!r}")
        self.grade.cap(step.level, step.shortfall)

    def _progress(self) -> None:
        if not self.failures or self._notice is None:
            return
        now = time.monotonic()
        if now - self._last_notice < NOTICE_EVERY:
            return
        self._last_notice = now
        self._notice(
            f"shrinking the difference: {now - self._first_failure:.0f} s, "
            f"{self.checked} replay requests, {self.failures} failing, smallest failing log "
            f"so far {len(self.smallest or b'')} bytes"
        )


def _outcomes(response: dict[str, Any]) -> list[str | None]:
    got = response.get("outcomes")
    if not isinstance(got, list):
        raise Malformed(f"outcomes is {show(got)}, not an array")
    for i, item in enumerate(got):
        if item is not None and not isinstance(item, str):
            raise Malformed(f"outcomes[{i}] is {show(item)}, not null or text")
    return got


def differential_case(
    iut: IUT | None,
    *,
    examples: int,
    timeout: float,
    notice: Callable[[str], None] | None = None,
    leave_out: Sequence[str] = (),
) -> CaseResult:
    """Run the machine against ``iut`` (None: the reference testee as a process) for
    ``examples`` examples, without the parts named in ``leave_out`` (keys of
    :data:`LEAVE_OUT_SWITCHES`); the outcome is the run's ``stateful/differential`` case."""
    leave_out = check_leave_out(leave_out)
    started = time.perf_counter()
    own = iut is None
    target: IUT = ProcessIUT(REFERENCE_TESTEE, timeout) if iut is None else iut
    if isinstance(target, ProcessIUT):
        target.start()  # a command that cannot start aborts the run (IUTStartError)
    differential = ProcessDifferential(target, notice)

    class Differing(WalMachine):
        pass

    Differing.differential = differential
    for part in leave_out:  # spec: CP-10
        setattr(Differing, LEAVE_OUT_SWITCHES[part], False)
    left_out = f"; left out: {', '.join(leave_out)}" if leave_out else ""
    hypothesis_output: list[object] = []

    def result(status: str, detail: str) -> CaseResult:
        seconds = time.perf_counter() - started
        failed = status == "failed"
        log = differential.failing_log if failed else None
        snapshot = differential.failing_snapshot if failed else None
        level = differential.grade.level if status == "passed" else None
        return CaseResult(
            STATEFUL_CASE, "stateful", status, detail, seconds, level, log, snapshot
        )

    try:
        with _private_hypothesis_storage(), with_reporter(hypothesis_output.append):
            run_state_machine_as_test(
                Differing,
                settings=settings(
                    max_examples=examples,
                    stateful_step_count=STEPS,
                    deadline=None,
                    # the explain phase replays the shrunk example many times, for a hint
                    phases=[Phase.explicit, Phase.generate, Phase.shrink],
                    database=None,
                    print_blob=False,
                    suppress_health_check=list(HealthCheck),
                ),
            )
    except AssertionError as exc:
        return result("failed", _first_line(exc) + (f" ({left_out[2:]})" if left_out else ""))
    except (HypothesisException, ExceptionGroup) as exc:
        return result(
            "failed",
            "a difference was found but did not recur when replayed (an IUT whose answers "
            f"vary, or time out): {_first_line(exc)}",
        )
    finally:
        if own:
            target.close()
    return result(
        "passed",
        f"no difference in {examples} examples ({differential.checked} replay requests{left_out})",
    )


@contextlib.contextmanager
def _private_hypothesis_storage() -> Iterator[None]:
    """Hypothesis caches data in a directory, by default ``.hypothesis/`` in the current
    directory; a run writes nothing but its named outputs, so it gets a temporary one (unless
    HYPOTHESIS_STORAGE_DIRECTORY names one)."""
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="aqwal-hypothesis-") as home:
        set_hypothesis_home_dir(home)
        try:
            yield
        finally:
            set_hypothesis_home_dir(None)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
