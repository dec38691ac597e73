"""The conformance runner: drive an implementation under test (IUT) through every vector.

The IUT is either the built-in reference (in process) or a command started as a child process
that speaks the conformance protocol on stdin/stdout (spec: conformance-protocol.md). Each
vector becomes one or two requests (spec: CP-6); the response is compared with the vector's
expected outcome (spec: CP-7). A crashing or hanging IUT is restarted; its case fails and the
run goes on.
"""

from __future__ import annotations

import os
import queue
import shlex
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from aqwal.errors import ERROR_CODES
from aqwal.forms import parse_cbor_bytes, to_cbor_bytes
from aqwal_conformance.protocol import PROTOCOL_VERSION, ProtocolError, read_message, write_message
from aqwal_conformance.vectors import Vector, load_index, load_vector, render

DEFAULT_TIMEOUT = 10.0
CATEGORY_OF = {code: row.category for code, row in ERROR_CODES.items()}


class IUTStartError(RuntimeError):
    """The IUT command cannot be run at all: the whole run is aborted (spec: CP-9)."""


class IUTFailure(Exception):
    """The IUT did not answer a request properly (crash, hang or protocol violation)."""


class IUT(Protocol):
    """Something that answers protocol requests."""

    name: str

    def request(self, message: dict[str, Any]) -> dict[str, Any]: ...

    def close(self) -> None: ...


class ReferenceIUT:
    """The reference implementation, called in process."""

    name = "aqwal reference (in process)"

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        from aqwal_conformance.testee import handle

        # Round-trip through CBOR so the reference sees exactly what a process IUT would.
        return handle(parse_cbor_bytes(to_cbor_bytes(message)))

    def close(self) -> None:
        """Nothing to release."""


class ProcessIUT:
    """A child process speaking the protocol; restarted after a crash or a timeout."""

    def __init__(self, command: str | list[str], timeout: float = DEFAULT_TIMEOUT) -> None:
        try:
            self.argv = shlex.split(command) if isinstance(command, str) else list(command)
        except ValueError as exc:
            raise IUTStartError(f"cannot parse the IUT command {command!r}: {exc}") from None
        if not self.argv:
            raise IUTStartError("the IUT command is empty")
        if not timeout > 0:
            raise IUTStartError(f"the timeout must be positive, not {timeout}")
        self.name = " ".join(self.argv)
        self.timeout = timeout
        self.restarts = 0
        self._sent = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._responses: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._stderr: Any = None

    def _start(self) -> subprocess.Popen[bytes]:
        if self._stderr is not None:
            self._stderr.close()
        # Kept open while the process lives and after it dies (its last lines explain a
        # crash); closed when the next process starts or the IUT is closed.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                start_new_session=True,
            )
        except OSError as exc:
            raise IUTStartError(f"cannot start the IUT {self.name!r}: {exc.strerror}") from None
        self._responses = queue.Queue()
        assert proc.stdout is not None
        threading.Thread(target=_pump, args=(proc.stdout, self._responses), daemon=True).start()
        self._proc = proc
        return proc

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        proc = self._proc if self._proc is not None and self._proc.poll() is None else None
        if proc is None:
            if self._proc is not None:
                self.restarts += 1
            proc = self._start()
        assert proc.stdin is not None
        if not self._responses.empty():
            # spec: CP-1 — one response per request; anything else desynchronises the stream
            self._kill()
            raise IUTFailure("protocol violation: the IUT sent output nobody asked for (restarted)")
        self._sent += 1
        message = {**message, "id": self._sent}
        try:
            write_message(proc.stdin, message)  # type: ignore[arg-type]
        except (BrokenPipeError, OSError):
            self._kill()
            raise IUTFailure(f"the IUT closed its input ({self._exit_detail()})") from None
        try:
            kind, payload = self._responses.get(timeout=self.timeout)
        except queue.Empty:
            self._kill()
            raise IUTFailure(f"no response within {self.timeout:g} s (restarted)") from None
        if kind == "message":
            result: dict[str, Any] = payload
            echoed = result.get("id", self._sent)
            if echoed == self._sent:
                return result
            self._kill()
            raise IUTFailure(
                f"protocol violation: the response answers request {echoed!r}, not "
                f"{self._sent} (restarted)"
            )
        self._kill()
        if kind == "eof":
            raise IUTFailure(f"the IUT exited without answering ({self._exit_detail()})")
        raise IUTFailure(f"protocol violation: {payload}")

    def _exit_detail(self) -> str:
        proc = self._proc
        code = proc.poll() if proc is not None else None
        tail = b""
        if self._stderr is not None:
            self._stderr.seek(0)
            tail = self._stderr.read()[-300:]
        text = tail.decode("utf-8", "replace").strip().splitlines()
        last = text[-1] if text else ""
        return f"exit status {code}" + (f"; stderr: {last}" if last else "")

    def _kill(self) -> None:
        proc = self._proc
        if proc is None:
            return
        try:  # the whole process group: also children the IUT left behind
            os.killpg(proc.pid, 9)
        except (ProcessLookupError, PermissionError):
            if proc.poll() is None:
                proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()

    def close(self) -> None:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            assert proc.stdin is not None
            try:
                proc.stdin.close()
                proc.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._kill()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


def _pump(stream: BinaryIO, out: queue.Queue[tuple[str, Any]]) -> None:
    """Reader thread: turn the IUT's stdout into a queue of messages."""
    while True:
        try:
            message = read_message(stream)
        except ProtocolError as exc:
            out.put(("protocol", str(exc)))
            return
        except (OSError, ValueError):
            out.put(("eof", None))
            return
        if message is None:
            out.put(("eof", None))
            return
        out.put(("message", message))


# ---------------------------------------------------------------------------------------------
# vectors → requests, responses → verdicts


def requests_for(v: Vector) -> list[tuple[str, dict[str, Any]]]:
    """The requests a vector becomes (spec: CP-6), each with the part of the outcome it checks."""
    opts: dict[str, Any] = dict(v.options)
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
        return [("", {"kind": "encode_event", "value": parse_cbor_bytes(v.input), "options": opts})]
    if v.category == "wal":
        return [("", {"kind": "validate_wal", "log": v.input, "options": opts})]
    if v.category == "replay":
        return [("", {"kind": "replay", "log": v.input, "options": opts})]
    if "wal" in v.extra:
        return [
            ("", {"kind": "replay", "log": v.extra["wal"], "snapshot": v.input, "options": opts})
        ]
    return [("", {"kind": "load_snapshot", "snapshot": v.input, "options": opts})]


def _code_matches(expected: str | None, actual: Any) -> tuple[bool, bool]:
    """(matches, coarse): an IUT may answer the code's category instead (spec: CP-7)."""
    if actual == expected:
        return True, False
    if expected is not None and actual == CATEGORY_OF.get(expected):
        return True, True
    return False, False


def _same(a: Any, b: Any) -> bool:
    return bool(to_cbor_bytes(a) == to_cbor_bytes(b))


def judge(v: Vector, part: str, expected: dict[str, Any], response: dict[str, Any]) -> str | None:
    """None when the response conforms, else a one-line reason (spec: CP-7)."""
    if v.category in ("codec", "frame", "compat", "encode", "snapshot") and "state" not in expected:
        return _judge_outcome(v, expected, response)
    if v.result == "acceptable" and v.error is not None and "error" in response:
        # an acceptable input may also be refused, with the index's code
        return _judge_state({"error": {"code": v.error}}, response)
    if v.category == "wal":
        return _judge_wal(expected, response)
    return _judge_state(expected, response)


def _judge_outcome(v: Vector, expected: dict[str, Any], response: dict[str, Any]) -> str | None:
    value_key = "record" if v.category == "encode" else "value"
    want_error: Any = expected.get("error")
    if want_error is None and v.result == "acceptable" and v.error is not None:
        want_error = {"code": v.error}  # the reference accepts, a stricter reader may refuse
    got_error = response.get("error")
    if got_error is not None:
        if want_error is None:
            return f"rejected with {_show_error(got_error)}, expected acceptance"
        return _judge_error(want_error, got_error)
    if value_key not in response:
        return f"neither {value_key!r} nor 'error' in the response: {sorted(response)}"
    if value_key not in expected:
        return f"accepted, expected {want_error['code']!r}"
    if not _same(response[value_key], expected[value_key]):
        return f"{value_key} differs from the expected one"
    return None


def _judge_error(want: dict[str, Any], got: Any) -> str | None:
    """An error answer: the code (or its category), and the offset when both give one."""
    if not isinstance(got, dict):
        return f"malformed error {got!r}"
    ok, _coarse = _code_matches(want["code"], got.get("code"))
    if not ok:
        return f"error {got.get('code')!r}, expected {want['code']!r}"
    off, want_off = got.get("offset"), want.get("offset")
    if off is not None and want_off is not None and off != want_off:
        return f"error offset {off}, expected {want_off}"
    return None


def _show_error(err: Any) -> str:
    return repr(err.get("code")) if isinstance(err, dict) else repr(err)


def _judge_wal(expected: dict[str, Any], response: dict[str, Any]) -> str | None:
    for key in ("records", "last_sequence", "valid_end", "tail", "truncate_partial"):
        if not _same(response.get(key), expected[key]):
            return f"{key} {response.get(key)!r}, expected {expected[key]!r}"
    want: Any = expected["corruption"]
    got: Any = response.get("corruption")
    if want is None or got is None:
        return None if want is got else f"corruption {got!r}, expected {want!r}"
    if (got.get("code"), got.get("offset")) != (want["code"], want["offset"]):
        return (
            f"corruption {got.get('code')!r} at {got.get('offset')}, expected "
            f"{want['code']!r} at {want['offset']}"
        )
    return None


def _judge_state(expected: dict[str, Any], response: dict[str, Any]) -> str | None:
    if "error" in expected:
        if "error" not in response:
            return f"accepted, expected {expected['error']['code']!r}"
        return _judge_error(expected["error"], response["error"])
    if "error" in response:
        return f"rejected with {_show_error(response['error'])}"
    if "outcomes" in expected:
        got_outcomes = response.get("outcomes")
        if not isinstance(got_outcomes, list) or len(got_outcomes) != len(expected["outcomes"]):
            return f"outcomes {got_outcomes!r}, expected {len(expected['outcomes'])} entries"
        for i, (want, got) in enumerate(zip(expected["outcomes"], got_outcomes, strict=True)):
            if want is None and got is not None:
                return f"record {i} rejected with {got!r}, expected applied"
            if want is not None and not _code_matches(want, got)[0]:
                return f"record {i}: {got!r}, expected {want!r}"
    if response.get("digest") != expected["digest"]:
        return f"state digest {response.get('digest')!r}, expected {expected['digest']!r}"
    for key in ("replayed", "snapshot_used"):
        if key in expected and response.get(key) != expected[key]:
            return f"{key} {response.get(key)!r}, expected {expected[key]!r}"
    return None


# ---------------------------------------------------------------------------------------------
# running


@dataclass
class CaseResult:
    id: str
    category: str
    status: str  # passed | failed | skipped | xfail | xpass
    detail: str = ""
    seconds: float = 0.0


@dataclass
class Report:
    iut: str
    results: list[CaseResult] = field(default_factory=list)
    seconds: float = 0.0
    restarts: int = 0
    supports: tuple[str, ...] = ()
    #: Ids of the expected-failures list that name no case of this run (typos, stale ids).
    unmatched_expected: tuple[str, ...] = ()

    def count(self, status: str, category: str | None = None) -> int:
        return sum(
            1
            for r in self.results
            if r.status == status and (category is None or r.category == category)
        )

    @property
    def unexpected(self) -> list[CaseResult]:
        """Failures not listed as expected, and listed failures that now pass."""
        return [r for r in self.results if r.status in ("failed", "xpass")]

    @property
    def ok(self) -> bool:
        return not self.unexpected

    def categories(self) -> list[str]:
        return sorted({r.category for r in self.results})


def read_expected_failures(path: Path) -> dict[str, str]:
    """One ``case-id  reason`` per line; blank lines and ``#`` lines are ignored (spec: CP-8)."""
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        case_id, *reason = text.split(None, 1)
        out[case_id] = reason[0].strip() if reason else ""
    return out


def run(
    iut: IUT | str | list[str] | None = None,
    *,
    vectors: Path | str = "vectors",
    categories: Iterable[str] | None = None,
    expected_failures: dict[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Callable[[int, int, CaseResult], None] | None = None,
) -> Report:
    """Run the vectors against an IUT (None: the built-in reference) and return the report."""
    target: IUT
    if iut is None:
        target = ReferenceIUT()
    elif isinstance(iut, str | list):
        target = ProcessIUT(iut, timeout)
    else:
        target = iut
    root = Path(vectors)
    wanted = set(categories) if categories else None
    entries = [e for e in load_index(root)["vectors"] if wanted is None or e["category"] in wanted]
    expected_failures = expected_failures or {}
    report = Report(getattr(target, "name", type(target).__name__))
    started = time.perf_counter()
    try:
        supports = _hello(target, report)
        report.supports = tuple(sorted(supports))
        for i, entry in enumerate(entries):
            v = load_vector(root, entry)
            expected = render(_expected_doc(root, entry), "cbor")
            result = _run_case(target, v, expected, supports)
            if entry["id"] in expected_failures:
                reason = expected_failures[entry["id"]]
                if result.status == "failed":
                    result.status, result.detail = "xfail", f"{reason} ({result.detail})"
                elif result.status == "passed":
                    result.status = "xpass"
                    result.detail = "listed as an expected failure but passes: remove it"
            report.results.append(result)
            if progress is not None:
                progress(i + 1, len(entries), result)
    finally:
        target.close()
    report.seconds = time.perf_counter() - started
    report.unmatched_expected = tuple(sorted(set(expected_failures) - {e["id"] for e in entries}))
    report.restarts = getattr(target, "restarts", 0)
    return report


def _expected_doc(root: Path, entry: dict[str, Any]) -> Any:
    return parse_cbor_bytes((root / entry["files"]["cbor"]).read_bytes())


def _hello(target: IUT, report: Report) -> set[str]:
    try:
        answer = target.request({"kind": "hello", "protocol": PROTOCOL_VERSION})
    except IUTFailure as exc:
        raise RuntimeError(f"the IUT did not answer hello: {exc}") from None
    supports = answer.get("supports")
    if answer.get("protocol") != PROTOCOL_VERSION or not isinstance(supports, list):
        raise RuntimeError(f"the IUT answered hello with {answer!r}")
    return {str(k) for k in supports}


def _run_case(target: IUT, v: Vector, expected: Any, supports: set[str]) -> CaseResult:
    started = time.perf_counter()
    requests = requests_for(v)
    missing = sorted({req["kind"] for _, req in requests} - supports)
    if missing:
        return CaseResult(v.id, v.category, "skipped", f"IUT does not support {missing}")
    for part, req in requests:
        want = expected[part] if part else expected
        try:
            response = target.request(req)
        except IUTFailure as exc:
            return CaseResult(v.id, v.category, "failed", str(exc), time.perf_counter() - started)
        if response.get("unsupported"):
            return CaseResult(
                v.id, v.category, "skipped", f"IUT answered unsupported for {req['kind']}"
            )
        try:
            reason = judge(v, part, want, response)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            reason = f"malformed response ({type(exc).__name__}: {exc})"
        if reason is not None:
            label = f"[{part}] " if part else ""
            return CaseResult(
                v.id, v.category, "failed", label + reason, time.perf_counter() - started
            )
    return CaseResult(v.id, v.category, "passed", "", time.perf_counter() - started)
