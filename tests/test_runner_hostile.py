"""The runner against hostile implementations: every misbehaviour is a failed case with a
one-line reason; nothing crashes the runner, hangs it, or makes it use memory or disk out of
proportion (spec: CP-2, CP-9)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from aqwal_conformance.iut import IUTFailure, ProcessIUT
from aqwal_conformance.runner import Report, run
from aqwal_conformance.vectors import load_index
from tests.vector_copies import copy_of_cases

ROOT = Path(__file__).resolve().parents[1]
VECTORS = ROOT / "vectors"
BROKEN = Path(__file__).parent / "testees" / "broken_testee.py"


def broken(
    mode: str, *categories: str, timeout: float = 10.0, vectors: Path = VECTORS
) -> Report:
    return run(
        [sys.executable, str(BROKEN), mode],
        vectors=vectors,
        categories=list(categories),
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def around_the_short_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A vector set of the wal cases from the fourth before the 3-byte log on: the hostile
    modes turn hostile at that log's validate_wal request (the flood at the end of the run),
    and the cases after it show that the run goes on with the restarted IUT. (The 54 cases
    before these would only show again that an IUT passes them before it turns hostile; among
    them are the long resync cases, whose CRC-32 tables cost each IUT process 0.17 s.)"""
    cases = [e for e in load_index(VECTORS)["vectors"] if e["category"] == "wal"]
    (at,) = (i for i, e in enumerate(cases) if (VECTORS / e["files"]["input"]).stat().st_size == 3)
    chosen = cases[at - 4 :]
    assert at > 4 and len(chosen) > 40  # four cases before it, and many after it
    assert not any(e["id"].startswith("wal/resync-") for e in chosen)
    return copy_of_cases(tmp_path_factory.mktemp("around-the-short-log"), chosen)


def failures(report: Report) -> dict[str, str]:
    return {r.id: r.detail for r in report.results if r.status == "failed"}


def isolated(
    mode: str, category: str, timeout: float = 10.0, vectors: Path = VECTORS
) -> tuple[dict[str, Any], int]:
    """Run the runner in its own process: its JSON report, and its peak RSS in MiB."""
    script = (
        "import sys\n"
        "from aqwal_conformance.report import as_json\n"
        "from aqwal_conformance.runner import run\n"
        "r = run(sys.argv[1:4], vectors=sys.argv[4], categories=[sys.argv[5]],"
        " timeout=float(sys.argv[6]))\n"
        "sys.stdout.write(as_json(r))\n"
        # VmHWM is the peak of this process image; ru_maxrss would also count the memory of the
        # process that started it (the child of a vfork shares its parent's until exec).
        "print(next(int(l.split()[1]) for l in open('/proc/self/status')"
        " if l.startswith('VmHWM:')) // 1024)\n"
    )
    argv = [sys.executable, "-c", script, sys.executable, str(BROKEN), mode, str(vectors)]
    done = subprocess.run(
        [*argv, category, str(timeout)], capture_output=True, text=True, timeout=300, check=True
    )
    report, _, peak = done.stdout.rpartition("}\n")
    return json.loads(report + "}"), int(peak)


def test_a_flood_of_64_mib_messages_is_read_one_message_ahead(around_the_short_log: Path) -> None:
    # When its input closes at the end of the run, the IUT writes 64 MiB messages while the
    # runner waits for it to exit: before, they all piled up in the runner's memory (1 GiB);
    # now it reads one message ahead at most. (Which cases came before does not matter.)
    doc, peak_mib = isolated("flood", "wal", vectors=around_the_short_log)
    assert all(c["status"] == "passed" for c in doc["cases"])
    assert peak_mib < 320, f"runner peaked at {peak_mib} MiB"


def test_a_flood_on_stderr_keeps_only_a_bounded_tail(around_the_short_log: Path) -> None:
    # 300 MiB on stderr, then a crash: the reason still quotes the last line, and the runner
    # held (and wrote) none of the rest.
    doc, peak_mib = isolated("stderr-flood", "wal", vectors=around_the_short_log)
    (failed,) = [c for c in doc["cases"] if c["status"] == "failed"]
    assert failed["detail"] == (
        "the IUT exited without answering (exit status 3; stderr: last words before the crash)"
    )
    assert peak_mib < 150, f"runner peaked at {peak_mib} MiB"


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("raw:deep", "protocol violation: the message body is not acceptable CBOR: invalid "
                     "CBOR: nesting deeper than 128 at offset 130 [CP-2]"),
        ("trailing-bytes", "protocol violation: the message body is not acceptable CBOR: "
                           "invalid CBOR: 1 byte(s) after the item at offset "),
        ("raw:cyclic-id", "protocol violation: the response answers request tag 28([tag 29(0)])"),
        ("raw:huge-id", "protocol violation: the response answers request tag 2(b'\\xff\\xff"),
        ("raw:mime-code", "malformed response (CP-7 rule 7): error.code is a tag, not text"),
    ],
)  # fmt: skip
def test_hostile_values_are_failed_cases(
    mode: str, words: str, around_the_short_log: Path
) -> None:
    # Cyclic values (tags 28, 29), MIME (tag 36), a 12,000-digit integer, deep nesting and
    # bytes after the item: before, each ended the run with a traceback or a wrong verdict.
    report = broken(mode, "wal", vectors=around_the_short_log)
    details = failures(report)
    assert len(details) == 1, details
    detail = next(iter(details.values()))
    assert detail.startswith(words), detail
    assert "[JSN-1]" not in detail
    assert report.count("passed") == len(report.results) - 1


def test_wrong_shapes_are_malformed_responses() -> None:
    report = broken("malformed-errors", "frame")
    details = failures(report)
    assert details and all(
        d.startswith("malformed response (CP-7 rule 7): error is a text string, not a map")
        for d in details.values()
    ), details
    assert "None" not in "".join(details.values())


def test_an_iut_that_exits_0_without_answering_says_so() -> None:
    report = broken("exit-zero-on-replay", "replay")
    details = failures(report)
    assert details
    assert set(details.values()) == {
        "the IUT exited without answering, its input still open (exit status 0)"
    }


def test_an_iut_that_does_not_read_its_input_is_timed_out() -> None:
    # A request larger than a pipe buffer to an IUT that never reads: before, writing it
    # blocked for ever.
    # (the IUT never reads, so the timeout is met whatever the machine's load)
    iut = ProcessIUT([sys.executable, "-c", "import time; time.sleep(60)"], timeout=0.5)
    outcome: list[str] = []

    def request() -> None:
        try:
            iut.request({"kind": "replay", "log": bytes(1 << 20)})
        except IUTFailure as exc:
            outcome.append(str(exc))

    worker = threading.Thread(target=request, daemon=True)
    worker.start()
    worker.join(60)
    iut.close()
    assert outcome == ["the IUT did not read the request within 0.5 s (restarted)"]


def test_hello_with_protocol_true_aborts_the_run() -> None:
    with pytest.raises(RuntimeError, match=r"protocol True, not 1 \[CP-5\]"):
        broken("hello-protocol-true", "wal")


def test_a_differential_answer_with_a_wrong_shape_is_a_difference() -> None:
    from aqwal_conformance.differential import differential_case

    iut = ProcessIUT([sys.executable, str(BROKEN), "raw:digest-int"], timeout=10.0)
    try:
        result = differential_case(iut, examples=2, timeout=10.0)
    finally:
        iut.close()
    assert result.status == "failed"
    assert "malformed response (CP-7 rule 7): digest is 5, not text" in result.detail
    assert result.log is not None
