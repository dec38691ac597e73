"""Conformance levels (spec: CP-12), skips that explain themselves and runs that test nothing
(spec: CP-5), and compat parts judged independently (spec: CP-6)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from aqwal_conformance.report import as_text
from aqwal_conformance.runner import Report, run

ROOT = Path(__file__).resolve().parents[1]
VECTORS = ROOT / "vectors"
BROKEN = Path(__file__).parent / "testees" / "broken_testee.py"


def broken(mode: str, *categories: str, **options: object) -> Report:
    return run(
        [sys.executable, str(BROKEN), mode],
        vectors=VECTORS,
        categories=list(categories),
        **options,  # type: ignore[arg-type]
    )


def test_levels_show_category_only_and_offset_free_answers() -> None:
    exact = run(vectors=VECTORS, categories=["frame"])
    assert exact.levels() == {"exact": len(exact.results), "code": 0, "outcome": 0}
    coarse = broken("coarse-codes", "frame")
    errors = {r.id for r in coarse.results if r.level == "outcome"}
    assert coarse.ok and errors and "frame/crc-byte-0" in errors
    assert coarse.levels()["outcome"] == len(errors) and coarse.levels()["code"] == 0
    # the report makes it visible, without failing the default grading
    assert "would fail with --grading exact" in as_text(coarse)
    no_offsets = broken("no-offsets", "frame")
    assert no_offsets.ok
    assert {r.id for r in no_offsets.results if r.level == "code"} == errors


def test_grading_fails_cases_below_the_required_level() -> None:
    report = broken("coarse-codes", "frame", grading="code")
    failed = {r.id: r.detail for r in report.results if r.status == "failed"}
    assert failed and not report.ok
    assert failed["frame/crc-byte-0"] == (
        "conforms at level 'outcome' only, 'code' required [CP-12]: "
        "error 'frame' is the category of 'frame_crc_mismatch'"
    )
    assert all(r.level == "outcome" for r in report.results if r.status == "failed")
    report = broken("no-offsets", "frame", grading="exact")
    detail = {r.id: r.detail for r in report.results}["frame/crc-byte-0"]
    assert detail == (
        "conforms at level 'code' only, 'exact' required [CP-12]: no error offset, expected 8"
    )
    listed = {r.id: "" for r in report.results if r.status == "failed"}
    report = broken("no-offsets", "frame", grading="exact", expected_failures=listed)
    assert report.ok and report.count("xfail") == len(listed)


def test_a_v5_only_iut_has_the_v5_part_of_compat_cases_checked() -> None:
    report = broken("v5-only", "compat")
    assert report.ok, as_text(report)
    assert report.count("skipped") == 0 and report.count("passed") == len(report.results)
    assert all(
        r.detail == "[v4] the IUT answered unsupported for decode_payload: no WAL v4 reader"
        for r in report.results
    )


def test_a_run_that_tests_nothing_fails_unless_skips_are_allowed() -> None:
    report = broken("unsupported-everything", "wal")
    assert report.count("skipped") == len(report.results) > 0
    assert not report.ok and report.problems == [
        f"nothing was tested: all {len(report.results)} case(s) were skipped "
        "(--allow-skips accepts this)"
    ]
    assert "RUN FAILED: nothing was tested" in as_text(report)
    assert {r.detail for r in report.results} == {"the IUT answered unsupported for validate_wal"}
    assert broken("unsupported-everything", "wal", allow_skips=True).ok


def test_required_kinds_turn_skips_into_failures() -> None:
    report = broken("no-replay", "replay", "wal", require=["replay"])
    assert not report.ok
    assert report.problems[0].startswith(
        "the IUT does not support 'replay', which the run requires"
    )
    replay = [r for r in report.results if r.category == "replay"]
    assert replay and all(r.status == "failed" for r in replay)
    assert replay[0].detail == (
        "the IUT does not support replay (not in its hello answer), which the run requires"
    )
    assert report.count("passed", "wal") == report.count("passed") > 0
    report = broken("unsupported-everything", "wal", require=["validate_wal"], allow_skips=True)
    assert report.count("failed") == len(report.results)
    assert report.results[0].detail.endswith("validate_wal, which the run requires")


def test_a_request_malformed_answer_fails_the_case() -> None:
    report = broken("refuse-as-malformed", "frame")
    details = {r.detail for r in report.results}
    assert details == {
        "the IUT refused the request as malformed [CP-13]: 'input is not understood'"
    }


@pytest.mark.parametrize(("argument", "value"), [("grading", "strict"), ("require", ["read"])])
def test_unknown_levels_and_kinds_are_refused(argument: str, value: object) -> None:
    with pytest.raises(ValueError):
        run(vectors=VECTORS, categories=["wal"], **{argument: value})  # type: ignore[arg-type]
