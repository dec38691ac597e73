"""What the runner compares in validate_wal answers — first and largest sequences (WAL-4), the
corruption's cause and its offset (WAL-3), the next valid record (WAL-5), the non-increasing
sequences (WAL-6) — and the paths of
snapshot errors (CP-7, CP-12)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cbor2

from aqwal_conformance.runner import Report, run
from aqwal_conformance.testee import handle

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
Rewrite = Callable[[dict[str, Any]], None]


#: The reference's answer to each request met so far. The tests judge a whole category a few
#: dozen times with one kind of answer rewritten; the reference answers each request the same
#: every time, so it answers it once and each run gets a copy to rewrite.
_ANSWERS: dict[bytes, dict[str, Any]] = {}


def reference_answer(message: dict[str, Any]) -> dict[str, Any]:
    key = cbor2.dumps(message, canonical=True)
    answer = _ANSWERS.get(key)
    if answer is None:
        answer = _ANSWERS[key] = handle(message)
    return copy.deepcopy(answer)


class Rewriting:
    """An in-process IUT (CP-11): the reference, with the answers of one kind rewritten."""

    name = "rewriting reference"

    def __init__(self, kind: str, rewrite: Rewrite) -> None:
        self.kind, self.rewrite = kind, rewrite

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        answer = reference_answer(message)
        if message["kind"] == self.kind:
            self.rewrite(answer)
        return answer

    def close(self) -> None:
        pass


def judged(kind: str, category: str, rewrite: Rewrite, grading: str = "exact") -> Report:
    return run(Rewriting(kind, rewrite), vectors=VECTORS, categories=[category], grading=grading)


def details(report: Report) -> dict[str, str]:
    return {r.id: r.detail for r in report.results if r.status == "failed"}


def test_wal_answers_carry_the_first_and_the_largest_sequence() -> None:
    log = (VECTORS / "wal/first-last-max-sequence.bin").read_bytes()
    answer = handle({"kind": "validate_wal", "log": log})
    assert (answer["first_sequence"], answer["last_sequence"], answer["max_sequence"]) == (5, 7, 9)
    assert handle({"kind": "validate_wal", "log": b""})["first_sequence"] is None

    def swapped(answer: dict[str, Any]) -> None:
        answer["max_sequence"] = answer["last_sequence"]

    failed = details(judged("validate_wal", "wal", swapped, grading="outcome"))
    assert failed["wal/first-last-max-sequence"] == "max_sequence 7, expected 9"
    failed = details(judged("validate_wal", "wal", lambda a: a.pop("first_sequence")))
    assert failed["wal/clean"] == "malformed response (CP-7 rule 7): first_sequence is missing"
    failed = details(judged("validate_wal", "wal", lambda a: a.update(first_sequence=-1)))
    assert failed["wal/clean"] == (
        "malformed response (CP-7 rule 7): first_sequence is an integer, "
        "not null or an unsigned integer"
    )


def corruption(rewrite: Callable[[dict[str, Any]], None]) -> Rewrite:
    def apply(answer: dict[str, Any]) -> None:
        if answer["corruption"] is not None:
            rewrite(answer["corruption"])

    return apply


def test_the_cause_of_a_corruption_is_graded_like_an_error() -> None:
    report = judged("validate_wal", "wal", corruption(lambda c: c.pop("cause")), "outcome")
    assert report.ok
    levels = {r.id: r.level for r in report.results}
    assert levels["wal/clean"] == "exact" and levels["wal/torn-at-0001"] == "outcome"
    report = judged("validate_wal", "wal", corruption(lambda c: c.pop("cause_offset")), "exact")
    assert details(report)["wal/torn-at-0001"] == (
        "conforms at level 'code' only, 'exact' required [CP-12]: no error offset, expected 0"
    )

    def moved(c: dict[str, Any]) -> None:
        c["cause_offset"] += 1

    failed = details(judged("validate_wal", "wal", corruption(moved), "outcome"))
    assert failed["wal/torn-at-0001"] == "corruption cause: error offset 1, expected 0"

    def recoded(c: dict[str, Any]) -> None:
        crc = "frame_crc_mismatch"
        c["cause"] = crc if c["cause"] != crc else "unexpected_end"

    failed = details(judged("validate_wal", "wal", corruption(recoded), "outcome"))
    assert failed["wal/torn-at-0001"] == (
        "corruption cause: error 'frame_crc_mismatch', expected 'frame_too_short'"
    )


def test_the_next_valid_record_is_optional_but_graded_when_given() -> None:
    # spec: WAL-5, CP-7 rule 6, CP-12 — the reference gives it: every case reaches exact
    assert (
        handle({"kind": "validate_wal", "log": (VECTORS / "wal/mid-crc.bin").read_bytes()})[
            "next_valid_offset"
        ]
        == 223
    )
    report = judged("validate_wal", "wal", lambda a: None)
    assert report.ok and {r.level for r in report.results} == {"exact"}
    # left out: mid-file cases stay at level code, the others are not affected
    report = judged("validate_wal", "wal", lambda a: a.pop("next_valid_offset"), "code")
    assert report.ok
    levels = {r.id: r.level for r in report.results}
    assert levels["wal/mid-crc"] == "code" and levels["wal/torn-at-0001"] == "exact"
    assert levels["wal/clean"] == "exact"
    report = judged("validate_wal", "wal", lambda a: a.pop("next_valid_offset"), "exact")
    assert details(report)["wal/mid-crc"] == (
        "conforms at level 'code' only, 'exact' required [CP-12]: no next_valid_offset, "
        "expected 223"
    )
    assert "wal/torn-at-0001" not in details(report)

    def later(answer: dict[str, Any]) -> None:
        if answer["next_valid_offset"] is not None:
            answer["next_valid_offset"] += 1

    failed = details(judged("validate_wal", "wal", later, "outcome"))
    assert failed["wal/mid-crc"] == "next_valid_offset 224, expected 223"
    failed = details(judged("validate_wal", "wal", lambda a: a.update(next_valid_offset=None)))
    assert failed["wal/mid-crc"] == "next_valid_offset None, expected 223"
    assert "wal/torn-at-0001" not in failed
    failed = details(judged("validate_wal", "wal", lambda a: a.update(next_valid_offset=16)))
    assert failed["wal/torn-at-0001"] == "next_valid_offset 16, expected None"
    assert failed["wal/clean"] == "next_valid_offset 16, expected None"
    failed = details(judged("validate_wal", "wal", lambda a: a.update(next_valid_offset=True)))
    assert failed["wal/clean"] == (
        "malformed response (CP-7 rule 7): next_valid_offset is a boolean, "
        "not null or an unsigned integer"
    )


def test_the_non_increasing_sequences_are_optional_but_graded_when_given() -> None:
    # spec: WAL-6, CP-7 rule 6, CP-12 — the reference lists them: every case reaches exact
    log = (VECTORS / "wal/non-increasing-equal-and-lower.bin").read_bytes()
    rows = handle({"kind": "validate_wal", "log": log})["non_increasing_sequences"]
    assert [(r["offset"], r["sequence"]) for r in rows] == [
        (16, 0),
        (48, 2),
        (64, 2),
        (112, 9),
        (128, 8),
    ]
    listed = "wal/non-increasing-equal-and-lower"
    # left out: a case with a list stays at level code, one without is not affected
    report = judged("validate_wal", "wal", lambda a: a.pop("non_increasing_sequences"), "code")
    assert report.ok
    levels = {r.id: r.level for r in report.results}
    assert levels[listed] == "code" and levels["wal/clean"] == "exact"
    report = judged("validate_wal", "wal", lambda a: a.pop("non_increasing_sequences"), "exact")
    assert details(report)[listed] == (
        "conforms at level 'code' only, 'exact' required [CP-12]: "
        "no non_increasing_sequences, expected 5 record(s)"
    )
    assert "wal/clean" not in details(report)

    def rewrite_rows(change: Callable[[list[dict[str, Any]]], None]) -> Rewrite:
        return lambda answer: change(answer["non_increasing_sequences"])

    def moved(rows: list[dict[str, Any]]) -> None:
        if rows:
            rows[-1]["offset"] += 16

    failed = details(judged("validate_wal", "wal", rewrite_rows(moved), "outcome"))
    assert failed[listed] == (
        "non_increasing_sequences[4] is sequence 8 at offset 144, expected sequence 8 at "
        "offset 128"
    )

    def one_more(rows: list[dict[str, Any]]) -> None:
        rows.append({"offset": 0, "sequence": 0})

    failed = details(judged("validate_wal", "wal", rewrite_rows(one_more), "outcome"))
    assert failed["wal/clean"] == "non_increasing_sequences lists 1 record(s), expected 0"
    assert failed["wal/non-increasing-more-than-100"] == (
        "non_increasing_sequences lists 101 record(s), expected 100"
    )
    failed = details(judged("validate_wal", "wal", rewrite_rows(lambda rows: rows.clear())))
    assert failed[listed] == "non_increasing_sequences lists 0 record(s), expected 5"
    def replaced_by(bad: object) -> Rewrite:
        return lambda answer: answer.update(non_increasing_sequences=bad)

    for bad in ([[16, 0]], [{"offset": 16, "sequence": -1}], [{"offset": 16}], {"offset": 16}):
        failed = details(judged("validate_wal", "wal", replaced_by(bad)))
        assert failed["wal/clean"].startswith(
            "malformed response (CP-7 rule 7): non_increasing_sequences is "
        ), bad


def test_the_paths_of_snapshot_errors_are_compared_at_level_exact() -> None:
    def moved(answer: dict[str, Any]) -> None:
        if "path" in answer.get("error", {}):
            answer["error"]["path"] += "/x"

    assert judged("load_snapshot", "snapshot", moved, grading="code").ok
    failed = details(judged("load_snapshot", "snapshot", moved))
    assert failed["snapshot/json-bad-uuid"] == (
        "conforms at level 'code' only, 'exact' required [CP-12]: error path "
        "'/tasks/0/task_spec/id/x', expected '/tasks/0/task_spec/id'"
    )


def test_a_nesting_refusal_and_a_located_syntax_error_both_pass_json_deep() -> None:
    # spec: JSN-14 — a reader that limits nesting refuses without an offset; one that does not
    # reads to the end of the unclosed text and reports form_syntax there (offset 12 + 5000)
    def located(answer: dict[str, Any]) -> None:
        if answer.get("error", {}).get("code") == "form_syntax" and "offset" not in answer["error"]:
            answer["error"]["offset"] = 5012

    def mistyped(answer: dict[str, Any]) -> None:
        if answer.get("error", {}).get("code") == "form_syntax" and "offset" not in answer["error"]:
            answer["error"] = {"code": "form_type_mismatch", "path": "/0"}

    assert "snapshot/json-deep" not in details(judged("load_snapshot", "snapshot", located))
    failed = details(judged("load_snapshot", "snapshot", mistyped))
    assert failed["snapshot/json-deep"] == "error 'form_type_mismatch', expected 'form_syntax'"
