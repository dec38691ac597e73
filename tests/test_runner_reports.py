"""Reports (spec: CP-15): every member documented, the JSON report valid against its schema,
levels and run-level reasons in every format; expected-failure details and unmatched ids
(spec: CP-8)."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema

from aqwal_conformance.report import as_json, as_junit, as_text
from aqwal_conformance.runner import CaseResult, Report, read_expected_failures, run

ROOT = Path(__file__).resolve().parents[1]
VECTORS = ROOT / "vectors"
BROKEN = Path(__file__).parent / "testees" / "broken_testee.py"
SCHEMA = json.loads(
    (ROOT / "spec" / "schemas" / "conformance-report.schema.json").read_text(encoding="utf-8")
)


def every_kind_of_result() -> Report:
    """A report holding each status, each level, a log, a problem and an unmatched id."""
    report = Report("an IUT", grading="code", vectors="/v", supports=("hello", "replay"))
    report.results = [
        CaseResult("codec/a", "codec", "passed", "", 0.1, "exact"),
        CaseResult(
            "codec/b", "codec", "failed", "conforms at level 'outcome' only", 0.1, "outcome"
        ),
        CaseResult("frame/c", "frame", "skipped", "the IUT does not support decode_record"),
        CaseResult("frame/d", "frame", "xfail", "known (error 'x', expected 'y')", 0.2),
        CaseResult(
            "frame/e", "frame", "xpass", "listed as an expected failure but passes", 0, "code"
        ),
        CaseResult(
            "stateful/differential",
            "stateful",
            "failed",
            "a \x00difference",
            1,
            None,
            bytes.fromhex("0500000004000000dfbb6e9d010be807"),
        ),
    ]
    report.problems = ["the IUT does not support 'wal'"]
    report.unmatched_expected = ("codec/typo",)
    return report


def test_json_report_matches_its_schema_and_documents_every_member() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    for report in (every_kind_of_result(), run(vectors=VECTORS, categories=["wal"])):
        doc = json.loads(as_json(report))
        jsonschema.validate(doc, SCHEMA)
        assert set(doc) == set(SCHEMA["properties"])
    doc = json.loads(as_json(every_kind_of_result()))
    assert doc["levels"] == {"exact": 1, "code": 1, "outcome": 1} and doc["ok"] is False
    assert doc["cases"][-1]["log"] == "0500000004000000dfbb6e9d010be807"
    chapter = (ROOT / "spec" / "conformance-protocol.md").read_text(encoding="utf-8")
    for member in SCHEMA["properties"]:
        assert f"| `{member}` |" in chapter, member


def test_junit_report_carries_levels_logs_and_run_problems() -> None:
    root = ET.fromstring(as_junit(every_kind_of_result()))
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {"codec", "frame", "stateful", "run"}
    props = {p.get("name"): p.get("value") for p in suites["codec"].iter("property")}
    assert props == {
        "grading": "code",
        "level.exact": "1",
        "level.code": "0",
        "level.outcome": "1",
        "level": "outcome",
    }
    difference = suites["stateful"].find("testcase/failure")
    assert difference is not None and "0500000004000000dfbb6e9d010be807" in (difference.text or "")
    assert difference.get("message") == "a \ufffddifference"
    assert suites["run"].find("testcase/failure").get("message") == (  # type: ignore[union-attr]
        "the IUT does not support 'wal'"
    )
    assert root.get("failures") == "4"


def test_text_report_lines() -> None:
    text = as_text(every_kind_of_result())
    lines = text.splitlines()
    assert lines[:3] == [
        "IUT: an IUT",
        "vectors: /v",
        "category  passed  failed  skipped  xfail  xpass  |  exact  code  outcome",
    ]
    assert lines[3] == "codec          1       1        0      0      0  |      1     0        1"
    assert "conformance levels reached: 1 exact, 1 code, 1 outcome (grading: code)" in text
    assert "log (1 records, one frame per line, hex):\n0500000004000000dfbb6e9d010be807" in text
    assert "expected-failure ids that name no case of this run: codec/typo" in text
    assert lines[-2:] == ["RUN FAILED: the IUT does not support 'wal'", "3 unexpected result(s)"]


def test_an_expected_failure_without_a_reason_has_no_stray_space(tmp_path: Path) -> None:
    listing = tmp_path / "xfail.txt"
    listing.write_text("frame/crc-byte-0\nframe/crc-byte-1  accepts bad CRCs\n", encoding="utf-8")
    report = run(
        [sys.executable, str(BROKEN), "accept-bad-crc"],
        vectors=VECTORS,
        categories=["frame"],
        expected_failures=read_expected_failures(listing),
    )
    details = {r.id: r.detail for r in report.results}
    assert details["frame/crc-byte-0"] == "accepted, expected 'frame_crc_mismatch'"
    assert details["frame/crc-byte-1"] == (
        "accepts bad CRCs (accepted, expected 'frame_crc_mismatch')"
    )


def test_only_ids_of_the_selected_categories_are_unmatched() -> None:
    listed = {"codec/trailing-1": "", "frame/no-such-case": "", "framee/crc-byte-0": ""}
    report = run(vectors=VECTORS, categories=["frame"], expected_failures=listed)
    assert report.unmatched_expected == ("frame/no-such-case", "framee/crc-byte-0")
    report = run(vectors=VECTORS, categories=["codec"], expected_failures=listed)
    assert report.unmatched_expected == ("framee/crc-byte-0",)
