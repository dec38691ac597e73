"""Running the ``aqwal`` command line inside the test process, as a subprocess would see it.

:func:`run_cli` calls :func:`aqwal.cli.main` with its own stdin (a file), stdout and stderr
(bytes in UTF-8: strict on stdout, backslash escapes on stderr, as a subprocess has them with
``PYTHONIOENCODING=utf-8:strict``), working directory and environment, and returns what
:func:`subprocess.run` would: the exit status, stdout and stderr. What a separate process would
bound is bounded here too: the call is interrupted after ``timeout`` seconds (an interval
timer, SIGALRM), its address space may grow by at most ``memory`` bytes (the soft RLIMIT_AS,
restored afterwards), and a file descriptor it leaves open is an assertion failure. An
exception that escapes ``main`` is not caught: the test fails with it, as a subprocess's
traceback on stderr fails it.

It saves a Python start-up (0.2 to 0.4 s) per command; the tests that are about the process
itself (the module entry point, stdout's encoding from the environment) still start one.
"""

from __future__ import annotations

import io
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from aqwal.cli import main


class CommandTimedOut(BaseException):
    """The command ran longer than its timeout. A BaseException, so that the command's own
    ``except Exception`` (its internal-error report) does not turn it into an exit status."""


def _address_space() -> int:
    """This process's current virtual memory size, in bytes (Linux), or 0 when unknown."""
    try:
        text = Path("/proc/self/statm").read_text(encoding="ascii")
    except OSError:
        return 0
    return int(text.split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _open_descriptors() -> set[int]:
    try:
        return {int(name) for name in os.listdir("/proc/self/fd")}
    except OSError:
        return set()


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: FrameType | None) -> None:
        raise CommandTimedOut(f"the command ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def _memory_limit(extra: int | None) -> Iterator[None]:
    if extra is None or not _address_space():
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = _address_space() + extra
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _text_stream(buffer: io.BytesIO, errors: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(buffer, encoding="utf-8", errors=errors, write_through=True)


def run_cli(
    args: Sequence[str | bytes],
    cwd: Path,
    *,
    stdin: str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 20.0,
    memory: int | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """``aqwal ARGS`` in ``cwd`` with ``stdin`` (a file name; the null device by default), the
    current environment without ``AQWAL_DEBUG`` plus ``env``; see the module docstring."""
    argv = [os.fsdecode(a) for a in args]
    full_env = {k: v for k, v in os.environ.items() if k != "AQWAL_DEBUG"}
    full_env.update(env or {})
    out, err = io.BytesIO(), io.BytesIO()
    saved = sys.stdin, sys.stdout, sys.stderr
    descriptors = _open_descriptors()
    here = os.getcwd()
    with open(stdin or os.devnull, "rb") as stdin_file:
        sys.stdin = io.TextIOWrapper(stdin_file, encoding="utf-8")
        # kept here: a wrapper that is collected closes its buffer
        stdout_text = _text_stream(out, "strict")
        stderr_text = _text_stream(err, "backslashreplace")
        sys.stdout, sys.stderr = stdout_text, stderr_text
        try:
            os.chdir(cwd)
            with _environment(full_env), _memory_limit(memory), _time_limit(timeout):
                try:
                    status = main(argv)
                except SystemExit as exc:  # argparse's usage errors
                    status = exc.code if isinstance(exc.code, int) else 1
        finally:
            os.chdir(here)
            sys.stdin.detach()
            sys.stdin, sys.stdout, sys.stderr = saved
    leaked = _open_descriptors() - descriptors
    assert not leaked, f"aqwal {' '.join(argv)} left file descriptors open: {sorted(leaked)}"
    stdout_text.flush()
    stderr_text.flush()
    return subprocess.CompletedProcess(argv, status, out.getvalue(), err.getvalue())
