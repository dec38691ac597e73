"""The conformance runner: drive an implementation under test (IUT) through every vector.

The IUT is either the built-in reference (in process) or a command started as a child process
that speaks the conformance protocol on stdin/stdout (spec: conformance-protocol.md). Each
vector becomes one or two requests (spec: CP-6); the response is compared with the vector's
expected outcome (spec: CP-7) and graded (spec: CP-12). A crashing or hanging IUT is restarted;
its case fails and the run goes on. Differential mode (spec: CP-10) adds one case,
``stateful/differential``, to the same report.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from aqwal.cborinput import read_cbor_item
from aqwal_conformance.iut import (
    DEFAULT_TIMEOUT,
    IUT,
    REFERENCE_TESTEE,
    BodySender,
    IUTFailure,
    IUTStartError,
    ProcessIUT,
    ReferenceIUT,
    printable,
    show,
)
from aqwal_conformance.protocol import PROTOCOL_VERSION, RawItem, check_request_kinds
from aqwal_conformance.vectors import CATEGORIES, Vector
from aqwal_conformance.vectorset import VectorSet, default_vectors, open_vector_set
from aqwal_conformance.verdicts import CATEGORY_OF, LEVELS, judge

__all__ = [
    "CATEGORY_OF",
    "DEFAULT_TIMEOUT",
    "IUT",
    "LEAVE_OUT",
    "STATEFUL_CASE",
    "CaseResult",
    "IUTFailure",
    "IUTStartError",
    "ProcessIUT",
    "ReferenceIUT",
    "Report",
    "check_leave_out",
    "read_expected_failures",
    "requests_for",
    "run",
    "unsupported_reason",
]

#: The id of the one case of differential mode (spec: CP-10).
STATEFUL_CASE = "stateful/differential"
#: The parts of its examples differential mode can leave out (spec: CP-10): so that an IUT with
#: a known divergence in one of them can still be checked on the rest.
LEAVE_OUT = ("snapshots", "reused-attempt-ids", "lenient-encodings")
STATUSES = ("passed", "failed", "skipped", "xfail", "xpass")
#: Every category a case id can have: those of the vectors, and differential mode's.
CATEGORY_NAMES = (*CATEGORIES, "stateful")


def check_leave_out(parts: Iterable[str]) -> tuple[str, ...]:
    """The parts of differential mode's examples to leave out, each once, in the order given;
    ``ValueError`` for a name not in :data:`LEAVE_OUT` (spec: CP-10)."""
    left_out = tuple(dict.fromkeys(parts))
    for part in left_out:
        if part not in LEAVE_OUT:
            raise ValueError(f"cannot leave out {part!r}; choose from {', '.join(LEAVE_OUT)}")
    return left_out


def requests_for(v: Vector) -> list[tuple[str, dict[str, Any]]]:
    """The requests a vector becomes (spec: CP-6), each with the part of the outcome it checks.

    A ``request`` case is no request map but a body sent as it is (:func:`_probe_case`): it
    becomes none here.
    """
    opts: dict[str, Any] = dict(v.options)
    if v.category == "request":
        return []
    if v.category == "codec":
        return [("", {"kind": "decode_payload", "input": v.input, "options": opts})]
    if v.category == "frame":
        return [("", {"kind": "decode_record", "input": v.input, "options": opts})]
    if v.category == "compat":
        return [
            (
                f"v{n}",
                {"kind": "decode_payload", "input": v.input, "options": {**opts, "wal_version": n}},
            )
            for n in (4, 5)
        ]
    if v.category == "encode":
        # spec: CP-6 — the input's bytes, verbatim, as the value
        return [("", {"kind": "encode_event", "value": RawItem(v.input), "options": opts})]
    if v.category == "wal":
        return [("", {"kind": "validate_wal", "log": v.input, "options": opts})]
    if v.category == "replay":
        return [("", {"kind": "replay", "log": v.input, "options": opts})]
    if v.category == "write":
        return [("", {"kind": "write_snapshot", "log": v.input, "options": opts})]
    if "wal" in v.extra:
        return [
            ("", {"kind": "replay", "log": v.extra["wal"], "snapshot": v.input, "options": opts})
        ]
    return [("", {"kind": "load_snapshot", "snapshot": v.input, "options": opts})]


# ---------------------------------------------------------------------------------------------
# results


@dataclass
class CaseResult:
    id: str
    category: str
    status: str  # passed | failed | skipped | xfail | xpass
    detail: str = ""
    seconds: float = 0.0
    #: The conformance level the case's responses reached (spec: CP-12); None when they did
    #: not conform (or nothing was judged).
    level: str | None = None
    #: Differential mode: the log of the difference found, as a WAL file.
    log: bytes | None = None
    #: Differential mode: the snapshot file replayed with that log, when there is one.
    snapshot: bytes | None = None


@dataclass
class Report:
    iut: str
    results: list[CaseResult] = field(default_factory=list)
    seconds: float = 0.0
    restarts: int = 0
    supports: tuple[str, ...] = ()
    #: Ids of the expected-failures list that name no case of this run (typos, stale ids).
    unmatched_expected: tuple[str, ...] = ()
    #: The conformance level a case must reach to pass (spec: CP-12).
    grading: str = "outcome"
    #: The vector set the cases came from ("" for a run without vectors).
    vectors: str = ""
    #: Reasons the run fails besides its cases: nothing tested, a required kind missing.
    problems: list[str] = field(default_factory=list)

    def count(self, status: str, category: str | None = None) -> int:
        return sum(
            1
            for r in self.results
            if r.status == status and (category is None or r.category == category)
        )

    def levels(self, category: str | None = None) -> dict[str, int]:
        """How many cases reached each conformance level (spec: CP-12)."""
        counts = dict.fromkeys(reversed(LEVELS), 0)
        for r in self.results:
            if r.level is not None and (category is None or r.category == category):
                counts[r.level] += 1
        return counts

    @property
    def unexpected(self) -> list[CaseResult]:
        """Failures not listed as expected, and listed failures that now pass."""
        return [r for r in self.results if r.status in ("failed", "xpass")]

    @property
    def ok(self) -> bool:
        return not self.unexpected and not self.problems

    def categories(self) -> list[str]:
        return sorted({r.category for r in self.results})


def read_expected_failures(path: Path) -> dict[str, str]:
    """One ``case-id  reason`` per line; blank lines and ``#`` lines are ignored (spec: CP-8).
    A file that cannot be read or is not UTF-8 raises OSError or ValueError."""
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        case_id, *reason = text.split(None, 1)
        out[case_id] = reason[0].strip() if reason else ""
    return out


# ---------------------------------------------------------------------------------------------
# running


def run(
    iut: IUT | str | list[str] | None = None,
    *,
    vectors: Path | str | None = None,
    categories: Iterable[str] | None = None,
    expected_failures: dict[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Callable[[int, int, CaseResult], None] | None = None,
    grading: str = "outcome",
    require: Iterable[str] = (),
    allow_skips: bool = False,
    stateful: int | None = None,
    notice: Callable[[str], None] | None = None,
    leave_out: Iterable[str] = (),
) -> Report:
    """Run the vectors against an IUT (None: the built-in reference) and return the report.

    ``stateful=N`` adds differential mode with N examples (spec: CP-10), without the parts of
    :data:`LEAVE_OUT` named in ``leave_out``; with it, the vectors run only when ``categories``
    is given. ``notice`` receives progress lines of long phases
    (shrinking a difference).
    """
    if grading not in LEVELS:
        raise ValueError(f"unknown grading level {grading!r}; choose one of {', '.join(LEVELS)}")
    required = check_request_kinds(require)
    if stateful is not None and stateful < 1:
        raise ValueError(f"the number of examples must be at least 1, not {stateful}")
    left_out = check_leave_out(leave_out)
    if left_out and stateful is None:
        raise ValueError("leaving parts out applies to differential mode only")
    wanted = set(categories) if categories else None
    vector_set: VectorSet | None = None
    entries: list[dict[str, Any]] = []
    if stateful is None or wanted:
        vector_set = open_vector_set(default_vectors() if vectors is None else vectors)
        entries = [e for e in vector_set.entries if wanted is None or e["category"] in wanted]
    target = _target(iut, timeout)
    name = getattr(target, "name", type(target).__name__)
    if iut is None and vector_set is None:  # differential mode alone starts the reference
        name = " ".join(REFERENCE_TESTEE)
    report = Report(name, grading=grading)
    report.vectors = str(vector_set.root) if vector_set is not None else ""
    expected_failures = expected_failures or {}
    started = time.perf_counter()
    total = len(entries) + (stateful is not None)
    try:
        supports: set[str] | None = None
        if vector_set is not None:
            supports = _hello(target)
            report.supports = tuple(sorted(supports))
            for kind in required:
                if kind not in supports:
                    report.problems.append(
                        f"the IUT does not support {kind!r}, which the run requires (hello "
                        f"lists {', '.join(sorted(supports)) or 'nothing'})"
                    )
            sends_bodies = isinstance(target, BodySender)
            for entry in entries:
                v, expected = vector_set.load(entry)
                result = _run_case(target, v, expected, supports, grading, required, sends_bodies)
                _finish(report, result, expected_failures, progress, total)
        if stateful is not None:
            result = _stateful_case(target if iut is not None else None, timeout, stateful,
                                    supports, required, notice, left_out)  # fmt: skip
            _finish(report, result, expected_failures, progress, total)
    finally:
        target.close()
    report.seconds = time.perf_counter() - started
    report.restarts = getattr(target, "restarts", 0)
    selected = set(wanted) if wanted else vector_set.categories() if vector_set else set()
    if stateful is not None:
        selected.add("stateful")
    report.unmatched_expected = _unmatched(expected_failures, report, selected)
    if not allow_skips and not any(r.status != "skipped" for r in report.results):
        what = (
            f"all {len(report.results)} case(s) were skipped"
            if report.results
            else ("the run selected no case")
        )
        report.problems.append(f"nothing was tested: {what} (--allow-skips accepts this)")
    return report


def _target(iut: IUT | str | list[str] | None, timeout: float) -> IUT:
    if iut is None:
        return ReferenceIUT()
    if isinstance(iut, str | list):
        return ProcessIUT(iut, timeout)
    return iut


def _finish(
    report: Report,
    result: CaseResult,
    expected_failures: dict[str, str],
    progress: Callable[[int, int, CaseResult], None] | None,
    total: int,
) -> None:
    """Apply the expected-failures list (spec: CP-8) and record the result."""
    if result.id in expected_failures:
        reason = expected_failures[result.id]
        if result.status == "failed":
            result.status = "xfail"
            result.detail = f"{reason} ({result.detail})" if reason else result.detail
        elif result.status == "passed":
            result.status = "xpass"
            result.detail = "listed as an expected failure but passes: remove it"
    report.results.append(result)
    if progress is not None:
        progress(len(report.results), total, result)


def _unmatched(
    expected_failures: dict[str, str], report: Report, selected: set[str]
) -> tuple[str, ...]:
    """Listed ids of a selected (or unknown) category that name no case of the run."""
    ran = {r.id for r in report.results}
    known = set(CATEGORY_NAMES)
    return tuple(
        sorted(
            i
            for i in expected_failures
            if i not in ran and (i.split("/", 1)[0] in selected or i.split("/", 1)[0] not in known)
        )
    )


def _hello(target: IUT) -> set[str]:
    """Negotiation (spec: CP-5): the kinds the IUT supports, or RuntimeError."""
    try:
        answer = target.request({"kind": "hello", "protocol": PROTOCOL_VERSION})
    except IUTFailure as exc:
        raise RuntimeError(f"the IUT did not answer hello: {exc}") from None
    protocol, supports = answer.get("protocol"), answer.get("supports")
    if type(protocol) is not int or protocol != PROTOCOL_VERSION:
        raise RuntimeError(
            f"the IUT answered hello with protocol {show(protocol)}, not {PROTOCOL_VERSION} [CP-5]"
        )
    if not isinstance(supports, list) or not all(isinstance(k, str) for k in supports):
        raise RuntimeError(
            f"the IUT answered hello with supports {show(supports)}, not an array of text [CP-5]"
        )
    return set(supports)


def unsupported_reason(response: dict[str, Any]) -> str | None:
    """The reason of an ``{unsupported: true}`` answer ("" when it gives none), or None when
    the response is not one (spec: CP-5)."""
    if response.get("unsupported") is not True:
        return None
    reason = response.get("reason")
    return printable(" ".join(reason.split()))[:200] if isinstance(reason, str) else ""


def _run_case(
    target: IUT,
    v: Vector,
    expected: dict[str, Any],
    supports: set[str],
    grading: str,
    required: tuple[str, ...],
    sends_bodies: bool | None = None,
) -> CaseResult:
    """One vector's case; ``sends_bodies`` is whether ``target`` is a :class:`BodySender`,
    when the caller knows (a check against a runtime protocol is slow, once per case)."""
    started = time.perf_counter()

    def result(status: str, detail: str = "", level: str | None = None) -> CaseResult:
        return CaseResult(v.id, v.category, status, detail, time.perf_counter() - started, level)

    if sends_bodies is None:
        sends_bodies = isinstance(target, BodySender)
    if v.category == "request":
        return _probe_case(target, v, expected, grading, result, sends_bodies)
    requests = requests_for(v)
    if not sends_bodies:  # spec: CP-11 — Python values, no raw bytes
        requests = [(part, _plain(req)) for part, req in requests]
    missing = sorted({req["kind"] for _, req in requests} - supports)
    if missing:
        why = f"the IUT does not support {', '.join(missing)} (not in its hello answer)"
        if set(missing) & set(required):
            return result("failed", f"{why}, which the run requires")
        return result("skipped", why)
    level, shortfall, skipped_parts = "exact", "", []
    for part, req in requests:
        label = f"[{part}] " if part else ""
        try:
            response = target.request(req)
        except IUTFailure as exc:
            return result("failed", f"{label}{exc}")
        reason = unsupported_reason(response)
        if reason is not None:
            why = f"{label}the IUT answered unsupported for {req['kind']}" + (
                f": {reason}" if reason else ""
            )
            if req["kind"] in required:
                return result("failed", f"{why}, which the run requires")
            skipped_parts.append(why)
            continue
        verdict = judge(v, expected[part] if part else expected, response)
        if verdict.reason is not None:
            return result("failed", label + verdict.reason)
        if LEVELS.index(verdict.level) < LEVELS.index(level):
            level, shortfall = verdict.level, label + verdict.shortfall
    if len(skipped_parts) == len(requests):
        return result("skipped", "; ".join(skipped_parts))
    notes = "; ".join(skipped_parts)
    if LEVELS.index(level) < LEVELS.index(grading):
        return result(
            "failed",
            f"conforms at level {level!r} only, {grading!r} required [CP-12]: {shortfall}"
            + (f"; {notes}" if notes else ""),
            level,
        )
    return result("passed", notes, level)


def _plain(request: dict[str, Any]) -> dict[str, Any]:
    """``request`` with each :class:`RawItem` read into the Python values it holds (CBR-5)."""
    return {k: read_cbor_item(v.data) if isinstance(v, RawItem) else v for k, v in request.items()}


def _probe_case(
    target: IUT,
    v: Vector,
    expected: dict[str, Any],
    grading: str,
    result: Callable[..., CaseResult],
    sends_bodies: bool,
) -> CaseResult:
    """Send a malformed body as it is; the IUT must refuse it and go on serving (spec: CP-13)."""
    if not sends_bodies:
        return result("skipped", "this IUT object cannot be sent a request body as it is")
    try:
        response = cast(BodySender, target).send_body(v.input)
    except IUTFailure as exc:
        return result("failed", str(exc))
    verdict = judge(v, expected, response)
    if verdict.reason is not None:
        return result("failed", verdict.reason)
    # The hello must reach the process that answered: a process IUT found gone fails the
    # request (CP-9) rather than being restarted for it
    try:
        _hello(target)
    except RuntimeError as exc:
        return result("failed", f"the IUT did not go on serving after the request [CP-13]: {exc}")
    if LEVELS.index(verdict.level) < LEVELS.index(grading):
        return result(
            "failed",
            f"conforms at level {verdict.level!r} only, {grading!r} required [CP-12]: "
            + verdict.shortfall,
            verdict.level,
        )
    return result("passed", "", verdict.level)


def _stateful_case(
    iut: IUT | None,
    timeout: float,
    examples: int,
    supports: set[str] | None,
    required: tuple[str, ...],
    notice: Callable[[str], None] | None,
    leave_out: tuple[str, ...],
) -> CaseResult:
    """Differential mode as one case (spec: CP-10)."""
    if supports is not None and "replay" not in supports:
        why = "the IUT does not support replay (not in its hello answer)"
        status = "failed" if "replay" in required else "skipped"
        return CaseResult(STATEFUL_CASE, "stateful", status, why)
    from aqwal_conformance.differential import differential_case

    return differential_case(
        iut, examples=examples, timeout=timeout, notice=notice, leave_out=leave_out
    )
