"""Conformance reports as text, JSON or JUnit XML (spec: CP-9)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from aqwal_conformance.runner import Report

STATUSES = ("passed", "failed", "skipped", "xfail", "xpass")


def summary_rows(report: Report) -> list[dict[str, Any]]:
    rows = []
    for category in report.categories():
        row: dict[str, Any] = {"category": category}
        row.update({s: report.count(s, category) for s in STATUSES})
        rows.append(row)
    return rows


def as_text(report: Report, *, verbose: bool = False) -> str:
    lines = [f"IUT: {report.iut}"]
    width = max([len(c) for c in report.categories()] + [8])
    lines.append(f"{'category':{width}}  passed  failed  skipped  xfail  xpass")
    for row in summary_rows(report):
        lines.append(
            f"{row['category']:{width}}  {row['passed']:6}  {row['failed']:6}  "
            f"{row['skipped']:7}  {row['xfail']:5}  {row['xpass']:5}"
        )
    total = len(report.results)
    passed = report.count("passed")
    lines.append(
        f"{passed}/{total} passed in {report.seconds:.1f} s "
        f"({total / report.seconds if report.seconds else 0:,.0f} cases/s)"
        + (f", IUT restarted {report.restarts} time(s)" if report.restarts else "")
    )
    shown = report.results if verbose else report.unexpected
    for r in shown:
        if r.status != "passed":
            lines.append(f"{r.status.upper():7} {r.id}: {r.detail}")
    if report.unmatched_expected:
        lines.append(
            "expected-failure ids that name no case of this run: "
            + ", ".join(report.unmatched_expected)
        )
    lines.append("OK" if report.ok else f"{len(report.unexpected)} unexpected result(s)")
    return "\n".join(lines) + "\n"


def as_json(report: Report) -> str:
    doc = {
        "iut": report.iut,
        "ok": report.ok,
        "seconds": round(report.seconds, 3),
        "restarts": report.restarts,
        "supports": list(report.supports),
        "unmatched_expected_failures": list(report.unmatched_expected),
        "summary": summary_rows(report),
        "cases": [
            {"id": r.id, "category": r.category, "status": r.status, "detail": r.detail}
            for r in report.results
        ],
    }
    return json.dumps(doc, indent=1) + "\n"


def as_junit(report: Report) -> str:
    suites = ET.Element("testsuites", name="aqwal conformance", tests=str(len(report.results)))
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
        for r in cases:
            case = ET.SubElement(
                suite, "testcase", classname=category, name=r.id, time=f"{r.seconds:.4f}"
            )
            if r.status in ("failed", "xpass"):
                ET.SubElement(case, "failure", message=r.detail)
            elif r.status in ("skipped", "xfail"):
                ET.SubElement(case, "skipped", message=r.detail)
    return ET.tostring(suites, encoding="unicode") + "\n"


FORMATS = {"text": as_text, "json": as_json, "junit": as_junit}
