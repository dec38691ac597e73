"""Implementations under test: the reference in process, or a child process (spec: CP-1, CP-9).

A child process is untrusted: every wait on it is bounded by the request timeout, its standard
output is read one message ahead at most (so a flood cannot fill memory), and only the last
bytes of its standard error are kept (so a flood cannot fill memory or disk).
"""

from __future__ import annotations

import contextlib
import os
import queue
import reprlib
import select
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import IO, Any, BinaryIO, Protocol, cast, runtime_checkable

import cbor2

from aqwal_conformance.protocol import (
    ProtocolError,
    decode_body,
    encode_body,
    encode_message,
    frame_body,
    read_frame,
)

DEFAULT_TIMEOUT = 10.0
#: Longest timeout the runner accepts, in seconds.
MAX_TIMEOUT = 3600.0
#: How much of the IUT's standard error is kept to explain a failure (spec: CP-9).
STDERR_TAIL = 300
#: How long the runner waits for an IUT that closed its output to exit, in seconds.
EXIT_GRACE = 2.0
#: The reference served over the protocol by this interpreter (differential mode's default).
REFERENCE_TESTEE = [sys.executable, "-m", "aqwal_conformance.testee_server"]


class IUTStartError(RuntimeError):
    """The IUT command cannot be run at all: the whole run is aborted (spec: CP-9)."""


class IUTFailure(Exception):
    """The IUT did not answer a request properly (crash, hang or protocol violation)."""


class IUT(Protocol):
    """Something that answers protocol requests."""

    name: str

    def request(self, message: dict[str, Any]) -> dict[str, Any]: ...

    def close(self) -> None: ...


@runtime_checkable
class BodySender(Protocol):
    """An IUT that can also be sent a request body as it is, for the malformed-request probes
    (spec: CP-13); the body carries no ``id``."""

    def send_body(self, body: bytes) -> dict[str, Any]: ...


class ReferenceIUT:
    """The reference implementation, called in process."""

    name = "aqwal reference (in process)"

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        # Through the message body, so the reference reads exactly what a process IUT would.
        return self.send_body(encode_body(message))

    def send_body(self, body: bytes) -> dict[str, Any]:
        from aqwal_conformance.testee import answer

        return answer(body)

    def close(self) -> None:
        """Nothing to release."""


def check_timeout(timeout: float) -> float:
    """The per-request timeout, which must be a number of seconds in (0, MAX_TIMEOUT]."""
    if not 0 < timeout <= MAX_TIMEOUT:  # also refuses NaN
        raise ValueError(
            f"the timeout must be more than 0 and at most {MAX_TIMEOUT:g} seconds, not {timeout}"
        )
    return timeout


class ProcessIUT:
    """A child process speaking the protocol; restarted after a crash or a timeout."""

    def __init__(self, command: str | list[str], timeout: float = DEFAULT_TIMEOUT) -> None:
        try:
            self.argv = shlex.split(command) if isinstance(command, str) else list(command)
        except ValueError as exc:
            raise IUTStartError(f"cannot parse the IUT command {command!r}: {exc}") from None
        if not self.argv:
            raise IUTStartError("the IUT command is empty")
        try:
            self.timeout = check_timeout(timeout)
        except ValueError as exc:
            raise IUTStartError(str(exc)) from None
        self.name = " ".join(self.argv)
        self.restarts = 0
        self._sent = 0
        self._child: _Child | None = None

    def start(self) -> None:
        """Start the process now (it is otherwise started by the first request)."""
        if self._child is None or not self._child.running():
            self._spawn()

    def _spawn(self) -> _Child:
        if self._child is not None:
            self._child.kill()
            self.restarts += 1
        try:
            proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except (OSError, ValueError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise IUTStartError(f"cannot start the IUT {self.name!r}: {why}") from None
        self._child = _Child(proc)
        return self._child

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        return self._exchange(lambda n: encode_message({**message, "id": n}), True)

    def send_body(self, body: bytes) -> dict[str, Any]:
        """Send ``body`` as it is; the answer's ``id`` is not compared (spec: CP-13)."""
        return self._exchange(lambda _n: frame_body(body), False)

    def _exchange(self, frame: Callable[[int], bytes], check_id: bool) -> dict[str, Any]:
        child = self._child
        if child is not None and not child.stopped and not child.running():
            # spec: CP-1, CP-9 — an IUT serves until its input is closed: one that exited after
            # answering fails the request that finds it gone, as it fails the request it is
            # still exiting during (else the verdict would depend on how soon it exited)
            ending = child.ending()
            child.kill()
            raise IUTFailure(
                f"the IUT exited after its previous answer, its input still open ({ending}) "
                "(restarted)"
            )
        if child is None or child.stopped:
            child = self._spawn()
        if child.has_output():
            # spec: CP-1 — one response per request; anything else desynchronises the stream
            child.kill()
            raise IUTFailure(
                "protocol violation: the IUT sent output nobody asked for [CP-1] (restarted)"
            )
        self._sent += 1
        deadline = time.monotonic() + self.timeout
        sent = child.send(frame(self._sent), deadline)
        if sent == "timeout":
            child.kill()
            raise IUTFailure(
                f"the IUT did not read the request within {self.timeout:g} s (restarted)"
            )
        if sent == "closed":
            ending = child.ending()
            child.kill()
            raise IUTFailure(f"the IUT closed its standard input ({ending})")
        kind, payload = child.receive(deadline)
        if kind == "message":
            result: dict[str, Any] = payload
            echoed = result.get("id", self._sent)
            if not check_id or (type(echoed) is int and echoed == self._sent):
                return result
            child.kill()
            raise IUTFailure(
                f"protocol violation: the response answers request {show(echoed)}, not "
                f"{self._sent} [CP-1] (restarted)"
            )
        if kind == "timeout":
            child.kill()
            raise IUTFailure(f"no response within {self.timeout:g} s (restarted)")
        if kind == "eof":
            if child.wait(EXIT_GRACE):
                # exit status 0 says "my input ended" (CP-1), but the runner had not closed it
                still_open = ", its input still open" if child.proc.returncode == 0 else ""
                ending = child.ending()
                child.kill()  # reported here: the next request starts a new process
                raise IUTFailure(f"the IUT exited without answering{still_open} ({ending})")
            ending = child.ending()
            child.kill()
            raise IUTFailure(
                f"the IUT closed its standard output without answering ({ending}; killed)"
            )
        child.kill()
        raise IUTFailure(f"protocol violation: {payload} (restarted)")

    def close(self) -> None:
        child = self._child
        if child is not None:
            child.close_input()
            child.wait(EXIT_GRACE)
            child.kill()


class _Child:
    """One IUT process, its output reader and its standard-error tail."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        self.proc = proc
        self.killed = False
        self._stdin_fd = proc.stdin.fileno()
        os.set_blocking(self._stdin_fd, False)
        # One message body read ahead at most: the reader blocks until the runner takes it.
        self._out: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._tail = bytearray()
        self._tail_lock = threading.Lock()
        self._stderr_done = threading.Event()
        threading.Thread(target=self._read_output, args=(proc.stdout,), daemon=True).start()
        threading.Thread(target=self._read_stderr, args=(proc.stderr,), daemon=True).start()

    def running(self) -> bool:
        return self.proc.poll() is None

    @property
    def stopped(self) -> bool:
        """Whether the runner ended this process (:meth:`kill`); one that exits on its own is
        not stopped."""
        return self._stop.is_set()

    def has_output(self) -> bool:
        return not self._out.empty()

    def send(self, data: bytes, deadline: float) -> str:
        """Write a request: "sent", "timeout" (not taken in time) or "closed" (broken pipe)."""
        view = memoryview(data)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout"
            try:
                _, writable, _ = select.select([], [self._stdin_fd], [], remaining)
                if writable:
                    view = view[os.write(self._stdin_fd, view) :]
            except BlockingIOError:
                continue
            except (OSError, ValueError):  # broken pipe: the IUT closed its input
                self.wait(EXIT_GRACE)
                return "closed"
        return "sent"

    def receive(self, deadline: float) -> tuple[str, Any]:
        """The next message ("message", map), or "timeout", "eof" or ("protocol", error). The
        reader thread only frames bodies; they are decoded here, one at a time."""
        try:
            kind, payload = self._out.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return "timeout", None
        if kind != "body":
            return kind, payload
        try:
            return "message", decode_body(payload)
        except ProtocolError as exc:
            return "protocol", exc

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for the process to exit; True when it has."""
        try:
            self.proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return False
        return True

    def ending(self) -> str:
        """How the process ended (or that it still runs), with its last line of stderr."""
        code = self.proc.poll()
        if code is None:
            status = "still running"
        elif self.killed:
            status = "killed by the runner"
        elif code < 0:
            try:
                status = f"killed by signal {signal.Signals(-code).name}"
            except ValueError:
                status = f"killed by signal {-code}"
        else:
            status = f"exit status {code}"
        self._stderr_done.wait(0.5 if code is not None else 0)
        with self._tail_lock:
            lines = bytes(self._tail).decode("utf-8", "replace").strip().splitlines()
        last = printable(lines[-1].strip()) if lines else ""
        return status + (f"; stderr: {last}" if last else "")

    def close_input(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._stdin_fd)
        # the file object must not close the descriptor a second time
        self.proc.stdin = None

    def kill(self) -> None:
        self._stop.set()
        if self.proc.poll() is None:
            self.killed = True
        try:  # the whole process group: also children the IUT left behind
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            if self.proc.poll() is None:
                self.proc.kill()
        self.proc.wait()
        if self.proc.stdin is not None:
            self.close_input()

    def _read_output(self, stream: IO[bytes]) -> None:
        """Reader thread: the IUT's stdout as messages, then one end marker."""
        with stream:
            while not self._stop.is_set():
                try:
                    body = read_frame(cast(BinaryIO, stream))
                    if body is None:
                        self._put(("eof", None))
                        return
                    self._put(("body", body))
                except ProtocolError as exc:
                    self._put(("protocol", exc))
                    return
                except (OSError, ValueError):
                    self._put(("eof", None))
                    return

    def _put(self, item: tuple[str, Any]) -> None:
        while not self._stop.is_set():
            try:
                self._out.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def _read_stderr(self, stream: IO[bytes]) -> None:
        """Stderr thread: drain the stream, keeping only its last STDERR_TAIL bytes."""
        fd = stream.fileno()
        try:
            while chunk := os.read(fd, 65536):
                with self._tail_lock:
                    self._tail += chunk
                    del self._tail[:-STDERR_TAIL]
        except OSError:
            pass
        finally:
            stream.close()
            self._stderr_done.set()


def printable(text: str) -> str:
    """``text`` with control and other unprintable characters escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class _ShortRepr(reprlib.Repr):
    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxstring = self.maxother = 48
        self.maxlist = self.maxdict = 4

    def repr_bytes(self, x: bytes, level: int) -> str:
        return repr(x[:24]) + ("…" if len(x) > 24 else "")

    def repr_CBORTag(self, x: cbor2.CBORTag, level: int) -> str:
        return f"tag {x.tag}({self.repr1(x.value, level - 1)})"


_SHOW = _ShortRepr()


def show(value: Any) -> str:
    """A short repr of a value an IUT sent, for messages: bounded whatever the value's size."""
    return _SHOW.repr(value)
