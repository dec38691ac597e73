"""Conformance reports as text, JSON or JUnit XML (spec: CP-15).

The JSON report is described by ``spec/schemas/conformance-report.schema.json``.
"""

from __future__ import annotations

import json
import re
import struct
import xml.etree.ElementTree as ET
from typing import Any

from aqwal_conformance.runner import STATUSES, CaseResult, Report
from aqwal_conformance.verdicts import LEVELS

#: The ``format`` member of a JSON report.
JSON_FORMAT = "aqwal-conformance-report/1"
_LEVELS_HIGH_FIRST = tuple(reversed(LEVELS))
# Characters XML 1.0 cannot carry at all; an IUT's text may hold them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def summary_rows(report: Report) -> list[dict[str, Any]]:
    rows = []
    for category in report.categories():
        row: dict[str, Any] = {"category": category}
        row.update({s: report.count(s, category) for s in STATUSES})
        row["levels"] = report.levels(category)
        rows.append(row)
    return rows


def log_frames(log: bytes) -> list[str]:
    """A WAL file's records as hex, one frame each (a torn end is shown as it is)."""
    frames, pos = [], 0
    while pos < len(log):
        end = len(log)
        if len(log) - pos >= 12:
            (length,) = struct.unpack_from("<I", log, pos + 4)
            end = min(len(log), pos + 12 + length)
        frames.append(log[pos:end].hex())
        pos = end
    return frames


def as_text(report: Report, *, verbose: bool = False) -> str:
    lines = [f"IUT: {report.iut}"]
    if report.vectors:
        lines.append(f"vectors: {report.vectors}")
    width = max([len(c) for c in report.categories()] + [8])
    lines.append(
        f"{'category':{width}}  passed  failed  skipped  xfail  xpass  |  exact  code  outcome"
    )
    for row in summary_rows(report):
        levels = row["levels"]
        lines.append(
            f"{row['category']:{width}}  {row['passed']:6}  {row['failed']:6}  "
            f"{row['skipped']:7}  {row['xfail']:5}  {row['xpass']:5}  |  "
            f"{levels['exact']:5}  {levels['code']:4}  {levels['outcome']:7}"
        )
    total = len(report.results)
    lines.append(
        f"{report.count('passed')}/{total} passed in {report.seconds:.1f} s "
        f"({total / report.seconds if report.seconds else 0:,.0f} cases/s)"
        + (f", IUT restarted {report.restarts} time(s)" if report.restarts else "")
    )
    lines.append(_levels_line(report))
    for r in report.results:
        if r.status in ("failed", "xpass") or (verbose and r.status != "passed"):
            lines.append(f"{r.status.upper():7} {r.id}: {r.detail}")
            lines.extend(_log_lines(r))
        elif r.status == "passed" and r.category == "stateful":
            lines.append(f"PASSED  {r.id}: {r.detail}")
    if report.unmatched_expected:
        lines.append(
            "expected-failure ids that name no case of this run: "
            + ", ".join(report.unmatched_expected)
        )
    lines.extend(f"RUN FAILED: {problem}" for problem in report.problems)
    unexpected = len(report.unexpected)
    if report.ok:
        lines.append("OK")
    elif unexpected:
        lines.append(f"{unexpected} unexpected result(s)")
    else:
        lines.append("not OK")
    return "\n".join(lines) + "\n"


def _levels_line(report: Report) -> str:
    counts = report.levels()
    reached = ", ".join(f"{counts[level]} {level}" for level in _LEVELS_HIGH_FIRST)
    below = sum(counts[level] for level in LEVELS if level != "exact")
    line = f"conformance levels reached: {reached} (grading: {report.grading})"
    if below and report.grading != "exact":
        line += f"; {below} case(s) would fail with --grading exact"
    return line


def _log_lines(r: CaseResult) -> list[str]:
    if r.log is None:
        return []
    frames = log_frames(r.log)
    lines = [f"log ({len(frames)} records, one frame per line, hex):", *frames]
    if r.snapshot is not None:
        lines += [f"snapshot replayed with it ({len(r.snapshot)} bytes, hex):", r.snapshot.hex()]
    return lines


def as_json(report: Report) -> str:
    cases = []
    for r in report.results:
        case: dict[str, Any] = {
            "id": r.id,
            "category": r.category,
            "status": r.status,
            "level": r.level,
            "detail": r.detail,
            "seconds": round(r.seconds, 4),
        }
        if r.log is not None:
            case["log"] = r.log.hex()
        if r.snapshot is not None:
            case["snapshot"] = r.snapshot.hex()
        cases.append(case)
    doc = {
        "format": JSON_FORMAT,
        "iut": report.iut,
        "vectors": report.vectors or None,
        "ok": report.ok,
        "grading": report.grading,
        "seconds": round(report.seconds, 3),
        "restarts": report.restarts,
        "supports": list(report.supports),
        "problems": list(report.problems),
        "unmatched_expected_failures": list(report.unmatched_expected),
        "levels": report.levels(),
        "summary": summary_rows(report),
        "cases": cases,
    }
    return json.dumps(doc, indent=1) + "\n"


def as_junit(report: Report) -> str:
    suites = ET.Element(
        "testsuites",
        name="aqwal conformance",
        tests=str(len(report.results) + bool(report.problems)),
        failures=str(len(report.unexpected) + bool(report.problems)),
    )
    for category in report.categories():
        cases = [r for r in report.results if r.category == category]
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=category,
            tests=str(len(cases)),
            failures=str(sum(r.status in ("failed", "xpass") for r in cases)),
            skipped=str(sum(r.status in ("skipped", "xfail") for r in cases)),
        )
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", name="grading", value=report.grading)
        for level, count in report.levels(category).items():
            ET.SubElement(properties, "property", name=f"level.{level}", value=str(count))
        for r in cases:
            _junit_case(suite, r)
    if report.problems:
        suite = ET.SubElement(suites, "testsuite", name="run", tests="1", failures="1")
        case = ET.SubElement(suite, "testcase", classname="run", name="run")
        ET.SubElement(case, "failure", message=_xml("; ".join(report.problems)))
    return ET.tostring(suites, encoding="unicode") + "\n"


def _junit_case(suite: ET.Element, r: CaseResult) -> None:
    case = ET.SubElement(
        suite, "testcase", classname=r.category, name=_xml(r.id), time=f"{r.seconds:.4f}"
    )
    if r.level is not None:
        properties = ET.SubElement(case, "properties")
        ET.SubElement(properties, "property", name="level", value=r.level)
    if r.status in ("failed", "xpass"):
        failure = ET.SubElement(case, "failure", message=_xml(r.detail))
        if r.log is not None:
            failure.text = "\n".join(_log_lines(r)) + "\n"
    elif r.status in ("skipped", "xfail"):
        ET.SubElement(case, "skipped", message=_xml(r.detail))


FORMATS = {"text": as_text, "json": as_json, "junit": as_junit}
