"""The conformance runner: the reference passes; each injected fault is caught by case id."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from aqwal.cli import main
from aqwal_conformance.iut import ProcessIUT
from aqwal_conformance.report import as_json, as_junit, as_text
from aqwal_conformance.runner import Report, read_expected_failures, run
from aqwal_conformance.vectors import load_index
from tests.vector_copies import copy_of_cases

ROOT = Path(__file__).resolve().parents[1]
VECTORS = ROOT / "vectors"
BROKEN = Path(__file__).parent / "testees" / "broken_testee.py"
EXAMPLE = ROOT / "conformance" / "examples" / "reference_testee.py"


def broken(mode: str, *categories: str, timeout: float = 5.0) -> Report:
    return run(
        f"{sys.executable} {BROKEN} {mode}",
        vectors=VECTORS,
        categories=list(categories),
        timeout=timeout,
    )


def short_snapshots() -> set[str]:
    """The snapshot cases whose file, loaded on its own, has 1 to 11 bytes."""
    short = {
        e["id"]
        for e in load_index(VECTORS)["vectors"]
        if e["category"] == "snapshot"
        and "wal" not in e["files"]
        and 0 < (VECTORS / e["files"]["input"]).stat().st_size < 12
    }
    assert {"snapshot/truncated-3", "snapshot/truncated-header"} <= short
    return short


@pytest.fixture(scope="module")
def two_short_snapshots(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    """A vector set of snapshot cases with two of the short snapshot files, cases between them
    and after them, and those two ids. An IUT that hangs on a short file, or answers it with a
    wrong length, costs a timeout per case; every short file is a case of the same rule, and
    two with other cases between them show that the IUT restarted after the first answers the
    cases that follow before the second. (The hundreds of snapshot cases before them would
    only show again that the IUT passes them.)"""
    short = short_snapshots()
    kept = {"snapshot/truncated-1", "snapshot/version-5-only"}
    assert kept <= short
    cases = [
        e
        for e in load_index(VECTORS)["vectors"]
        if e["category"] == "snapshot" and (e["id"] not in short or e["id"] in kept)
    ]
    first, second = (i for i, e in enumerate(cases) if e["id"] in kept)
    assert second - first > 1 and second < len(cases) - 1  # cases between them and after
    chosen = cases[max(0, first - 8) :]
    return copy_of_cases(tmp_path_factory.mktemp("two-short-snapshots"), chosen), kept


def failed(report: Report) -> set[str]:
    return {r.id for r in report.results if r.status == "failed"}


def test_reference_in_process_passes_everything() -> None:
    report = run(vectors=VECTORS)
    assert report.ok, as_text(report)
    assert report.count("passed") == len(report.results) > 1000


def test_example_testee_passes_everything_over_the_protocol() -> None:
    report = run(f"{sys.executable} {EXAMPLE}", vectors=VECTORS)
    assert report.ok, as_text(report)
    assert report.restarts == 0


def test_swapped_variants_are_caught() -> None:
    report = broken("swap-variants", "codec", "frame")
    ids = failed(report)
    assert ids, "no failure detected"
    assert all("EnginePaused" in i or "EngineResumed" in i for i in ids)
    assert "codec/EnginePaused-minimal" in ids and "codec/EngineResumed-maximal" in ids


def test_accepting_a_bad_crc_is_caught() -> None:
    report = broken("accept-bad-crc", "frame")
    ids = failed(report)
    assert {f"frame/crc-byte-{i}" for i in range(4)} <= ids
    assert all("crc" in i or "payload-bit" in i for i in ids)


def test_applying_a_rejected_event_is_caught() -> None:
    report = broken("apply-rejected", "replay")
    ids = failed(report)
    assert "replay/transition-Completed-Ready" in ids
    assert "replay/lease-already-active" in ids
    assert "replay/workload-31-120" not in ids  # all of its records apply anyway


def test_a_crashing_iut_is_restarted_and_each_case_fails() -> None:
    report = broken("crash-on-wal", "wal", "frame")
    assert failed(report) == {f"wal/torn-at-{n:04d}" for n in range(1, 8)}
    assert report.count("passed", "frame") == len(
        [r for r in report.results if r.category == "frame"]
    )
    assert all("exit status 3" in r.detail for r in report.results if r.status == "failed")
    assert report.restarts >= 1


def test_a_hanging_iut_times_out_and_the_run_goes_on(
    two_short_snapshots: tuple[Path, set[str]],
) -> None:
    vectors, short = two_short_snapshots
    command = f"{sys.executable} {BROKEN} hang-on-short-snapshot"
    # the restarted IUT must answer the next request within the timeout too: 1.5 s is about
    # five starts of the reference testee on a loaded machine
    report = run(command, vectors=vectors, categories=["snapshot"], timeout=1.5)
    ids = failed(report)
    assert ids == short
    assert all("no response within 1.5 s" in r.detail for r in report.results if r.id in ids)
    assert report.count("passed") == len(report.results) - len(short)


def test_garbage_and_wrong_lengths_are_reported_with_what_was_received(
    two_short_snapshots: tuple[Path, set[str]],
) -> None:
    report = broken("garbage-on-encode", "encode")
    ids = failed(report)
    assert ids == {r.id for r in report.results if "EnginePaused" in r.id}
    assert len(ids) == 3
    assert all(
        "not acceptable CBOR" in r.detail and "received: ff fe fd" in r.detail
        for r in report.results
        if r.id in ids
    )
    # each short snapshot waits out the timeout, and the restarted IUT must answer the next
    # request within it too (as above)
    vectors, short = two_short_snapshots
    command = f"{sys.executable} {BROKEN} wrong-length"
    report = run(command, vectors=vectors, categories=["snapshot"], timeout=1.5)
    assert failed(report) == short
    assert report.count("passed") == len(report.results) - len(short)


def test_an_iut_that_exits_silently_fails_its_cases() -> None:
    report = broken("silent-exit", "replay")
    ids = failed(report)
    assert "replay/sequence-zero" in ids
    assert report.count("passed") == len(report.results) - len(ids) > 0
    assert all("exited without answering" in r.detail for r in report.results if r.id in ids)


class _SeenToExit(ProcessIUT):
    """Returns each answer only once the process that gave it has exited, if it exits: what a
    slow runner on a loaded machine sees of an IUT that exits right after answering."""

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        response = super().request(message)
        child = self._child
        assert child is not None
        if message["kind"] == "decode_record":
            child.proc.wait(timeout=30)
        return response


def test_an_iut_that_exits_after_answering_fails_the_next_case(tmp_path: Path) -> None:
    # spec: CP-1, CP-9 — the IUT answers its first decode_record request and exits with its
    # input still open. Whether the next request finds it gone (once it was restarted
    # silently and the case passed) or still exiting, that case fails.
    entries = [e for e in load_index(VECTORS)["vectors"] if e["category"] == "frame"][:4]
    cases = copy_of_cases(tmp_path / "set", entries)
    command = f"{sys.executable} {BROKEN} exit-after-answer"
    for iut in (command, _SeenToExit(command)):
        report = run(iut, vectors=cases)
        assert [r.status for r in report.results] == ["passed", "failed"] * 2, as_text(report)
        assert report.restarts == 1
        if isinstance(iut, ProcessIUT):
            assert {r.detail for r in report.results if r.status == "failed"} == {
                "the IUT exited after its previous answer, its input still open "
                "(exit status 0) (restarted)"
            }


def test_coarse_codes_pass() -> None:
    report = broken("coarse-codes", "codec", "frame", "snapshot")
    assert report.ok, as_text(report)


def test_expected_failures_and_unexpected_passes(tmp_path: Path) -> None:
    listing = tmp_path / "xfail.txt"
    listing.write_text(
        "# known problems\n"
        "frame/crc-byte-0  accepts bad CRCs\n"
        "frame/short-header-00  listed but passes\n",
        encoding="utf-8",
    )
    report = run(
        f"{sys.executable} {BROKEN} accept-bad-crc",
        vectors=VECTORS,
        categories=["frame"],
        expected_failures=read_expected_failures(listing),
    )
    statuses = {r.id: r.status for r in report.results}
    assert statuses["frame/crc-byte-0"] == "xfail"
    assert statuses["frame/short-header-00"] == "xpass"
    assert statuses["frame/crc-byte-1"] == "failed"
    assert not report.ok


def test_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = broken("accept-bad-crc", "frame")
    doc = json.loads(as_json(report))
    assert doc["ok"] is False and {c["id"] for c in doc["cases"]} == {r.id for r in report.results}
    junit = ET.fromstring(as_junit(report))
    assert junit.find("testsuite").get("failures") == str(len(failed(report)))  # type: ignore[union-attr]
    out = tmp_path / "report.xml"
    assert (
        main(
            [
                "conform",
                "--category",
                "frame",
                "--report",
                "junit",
                "-o",
                str(out),
                "--vectors",
                str(VECTORS),
                "--quiet",
            ]
        )
        == 0
    )
    assert ET.parse(out).getroot().tag == "testsuites"
    assert "OK" in capsys.readouterr().out


def test_cli_exit_status_reflects_failures() -> None:
    assert main(["conform", "--vectors", str(VECTORS), "--quiet", "--category", "wal"]) == 0
    assert (
        main(
            [
                "conform",
                "--vectors",
                str(VECTORS),
                "--quiet",
                "--category",
                "frame",
                "--iut",
                f"{sys.executable} {BROKEN} accept-bad-crc",
            ]
        )
        == 1
    )


def test_bad_iut_commands_are_usage_or_run_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["conform", "--vectors", str(VECTORS), "--quiet", "--category", "wal"]
    assert main([*base, "--iut", str(tmp_path / "no-such-program")]) == 1
    assert "cannot start the IUT" in capsys.readouterr().err
    assert main([*base, "--iut", ""]) == 1
    assert main([*base, "--iut", "'unbalanced"]) == 1
    assert main([*base, "--iut", f"{sys.executable} {EXAMPLE}", "--timeout", "-1"]) == 2
    assert main([*base, "--expected-failures", str(tmp_path / "missing.txt")]) == 2


def test_unsolicited_output_is_a_failure_not_a_shifted_verdict() -> None:
    report = broken("answer-twice", "wal")
    ids = failed(report)
    # The extra answer carries the old request's id: caught at the next request, never a
    # silent pass, and the run recovers after the restart.
    assert len(ids) == 1 and not report.ok
    assert any(
        "nobody asked for" in r.detail or "answers request" in r.detail
        for r in report.results
        if r.id in ids
    )
    # after the restart the verdicts line up again: most cases still pass
    assert report.count("passed") > len(report.results) // 2


def test_acceptable_snapshot_may_be_refused() -> None:
    report = broken("refuse-positional", "snapshot")
    assert report.ok, as_text(report)


def test_expected_failures_tabs_and_unknown_ids(tmp_path: Path) -> None:
    listing = tmp_path / "xfail.txt"
    listing.write_text(
        "frame/crc-byte-0\taccepts bad CRCs\nframe/no-such-case  typo\n", encoding="utf-8"
    )
    report = run(
        f"{sys.executable} {BROKEN} accept-bad-crc",
        vectors=VECTORS,
        categories=["frame"],
        expected_failures=read_expected_failures(listing),
    )
    assert {r.id: r.status for r in report.results}["frame/crc-byte-0"] == "xfail"
    assert report.unmatched_expected == ("frame/no-such-case",)
    assert "frame/no-such-case" in as_text(report)


def test_unsupported_kinds_are_skipped() -> None:
    report = broken("no-replay", "replay", "wal")
    assert report.count("skipped", "replay") == len(
        [r for r in report.results if r.category == "replay"]
    )
    assert report.count("passed", "wal") > 0 and report.ok


def test_file_requests_carry_the_vector_options() -> None:
    """spec: CP-6 — validate_wal and replay requests copy the index entry's options."""
    from aqwal_conformance.runner import requests_for
    from aqwal_conformance.testee import handle
    from aqwal_conformance.vectorgen.wal import mode_dependent_logs
    from aqwal_conformance.vectors import Vector

    _name, _description, log = mode_dependent_logs()[0]
    for category, kind in (("wal", "validate_wal"), ("replay", "replay")):
        for strict in (True, False):
            v = Vector(f"{category}/x", category, "x", "valid", log, ("WAL-10",))
            v.options = {"strict": strict}
            ((_part, request),) = requests_for(v)
            assert request["kind"] == kind
            assert request["options"] == {"strict": strict}
            answer = handle(request)
            if kind == "validate_wal":
                assert (answer["records"], answer["tail"]) == (
                    (1, "mid-file") if strict else (3, "clean")
                )
            else:
                assert ("error" in answer) is strict
                assert strict or answer["replayed"] == 3


def test_whether_the_iut_takes_bodies_is_asked_once_a_run(monkeypatch: pytest.MonkeyPatch) -> None:
    # an isinstance check against a runtime protocol costs about 20 us: once, not once a case
    import aqwal_conformance.runner as runner
    from aqwal_conformance.iut import BodySender

    asked: list[object] = []

    class Counting(type):
        def __instancecheck__(cls, obj: Any) -> bool:
            asked.append(obj)
            return isinstance(obj, BodySender)

    class CountingSender(metaclass=Counting):
        pass

    monkeypatch.setattr(runner, "BodySender", CountingSender)
    report = run(vectors=VECTORS, categories=["request", "frame"])
    assert report.ok and len(report.results) > 100
    assert len(asked) == 1
