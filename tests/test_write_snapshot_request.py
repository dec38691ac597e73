"""The write_snapshot request (spec: CP-4, CP-13, CP-16): the reference's answers, and how the
runner judges a written snapshot file — byte for byte, up to the order SNP-8 leaves free."""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aqwal.codec import encode_record
from aqwal.snapshot import decode_snapshot
from aqwal.types import EnginePaused, WalEvent
from aqwal_conformance.runner import Report, run
from aqwal_conformance.snapshotfile import snapshot_difference
from aqwal_conformance.testee import handle

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
RICH = (VECTORS / "write" / "rich-state.bin").read_bytes()
#: The snapshot file of the empty state at time 0 (snapshot.md, SNP-2 example).
EMPTY = bytes.fromhex("0400000052010000b672f9d1") + (
    b'{"version":4,"timestamp":0,"metadata":{"schema_version":8,"wal_sequence":0,'
    b'"task_count":0,"run_count":0},"tasks":[],"runs":[],"engine":{"paused":false,'
    b'"paused_at":null,"resumed_at":null},"dependency_declarations":[],"budgets":[],'
    b'"subscriptions":[],"actors":[],"tenants":[],"role_assignments":[],'
    b'"capability_grants":[],"ledger_entries":[]}'
)


def written(log: bytes, **options: Any) -> bytes:
    answer = handle({"kind": "write_snapshot", "id": 3, "log": log, "options": options})
    assert answer["id"] == 3 and set(answer) == {"id", "snapshot"}, answer
    data: bytes = answer["snapshot"]
    return data


def frame_text(payload: bytes) -> bytes:
    header = b"".join(n.to_bytes(4, "little") for n in (4, len(payload), zlib.crc32(payload)))
    return header + payload


def framed(document: Any) -> bytes:
    return frame_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode())


def test_the_empty_log_gives_the_example_of_the_spec() -> None:
    assert written(b"") == EMPTY
    assert written(b"", timestamp=0) == EMPTY
    assert snapshot_difference(EMPTY, EMPTY) is None


def test_the_timestamp_and_the_log_are_written() -> None:
    log = encode_record(WalEvent(4, EnginePaused(1000)))
    snap = decode_snapshot(written(log, timestamp=2**64 - 1))
    assert snap.timestamp == 2**64 - 1 and snap.metadata.wal_sequence == 4
    assert snap.engine.paused and snap.engine.paused_at == 1000


@pytest.mark.parametrize("timestamp", [-1, 2**64, True, 1.0, "0", None])
def test_a_timestamp_that_is_not_a_u64_is_a_malformed_request(timestamp: object) -> None:
    answer = handle({"kind": "write_snapshot", "log": b"", "options": {"timestamp": timestamp}})
    assert answer["error"]["code"] == "request_malformed"
    assert "timestamp" in answer["error"]["message"]


def test_a_log_without_a_valid_snapshot_is_refused_with_the_rule_and_its_path() -> None:
    log = (VECTORS / "write" / "run-unknown-task.bin").read_bytes()
    answer = handle({"kind": "write_snapshot", "log": log})
    assert answer == {"error": {"code": "run_unknown_task", "path": "/runs/1"}}
    answer = handle({"kind": "write_snapshot", "log": b"\x05\x00"})
    assert answer == {"error": {"code": "incomplete_header", "offset": 0}}


def rich_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(written(RICH, timestamp=9)[12:])
    assert len(document["runs"]) > 2 and len(document["ledger_entries"]) == 1
    return document


def test_the_arrays_built_from_hash_maps_may_come_in_any_order() -> None:
    want = written(RICH, timestamp=9)
    document = rich_document()
    for key in ("tasks", "runs", "budgets", "subscriptions", "actors", "capability_grants"):
        document[key].reverse()
    assert framed(document) != want
    assert snapshot_difference(framed(document), want) is None


def edited(change: Callable[[dict[str, Any]], None]) -> bytes:
    document = rich_document()
    change(document)
    return framed(document)


def test_anything_else_is_a_difference() -> None:
    want = written(RICH, timestamp=9)
    document = rich_document()

    def retimed(d: dict[str, Any]) -> None:
        d["timestamp"] = 10

    def run_dropped(d: dict[str, Any]) -> None:
        d["runs"].pop()

    def keys_reordered(d: dict[str, Any]) -> None:
        first = d["runs"][0]
        d["runs"][0] = dict(reversed(first.items()))

    def history_reversed(d: dict[str, Any]) -> None:
        for each in d["runs"]:
            each["state_history"].reverse()

    cases = {
        "the snapshot payload differs from the expected text at byte 37": edited(retimed),
        "the snapshot's 'runs' has": edited(run_dropped),
        "element 0 of the snapshot's 'runs' is none of the expected ones": edited(keys_reordered),
        "element 1 of the snapshot's 'runs' is none of the expected ones": edited(
            history_reversed
        ),
        "b'true,\"paused_at\":1079": edited(
            lambda d: d["engine"].update(paused=True)
        ),
        "the snapshot file's frame version is 5": b"\x05" + want[1:],
        "the snapshot file's CRC-32": want[:-1] + b" ",
        "declares a payload of": want + b"\x00",
        "fewer than its 12-byte header": want[:11],
        "the snapshot payload is not JSON text: form_syntax at byte 13": frame_text(b"{]"),
        "the snapshot payload is not a JSON object": framed([1]),
        "the snapshot's 'tenants' is missing": edited(lambda d: d.pop("tenants")),
        "the snapshot's 'actors' is not an array": edited(lambda d: d.update(actors={})),
    }
    spaced = frame_text(json.dumps(document, ensure_ascii=False).encode())
    cases["the snapshot payload differs from the expected text at byte 23"] = spaced
    for reason, data in cases.items():
        got = snapshot_difference(data, want)
        assert got is not None and reason in got, (reason, got)


def test_a_huge_integer_in_a_free_array_is_a_difference_not_a_crash() -> None:
    want = written(RICH, timestamp=9)
    text = edited(lambda d: d["tenants"][0].update(created_at=0))[12:]
    text = text.replace(b'"created_at":0', b'"created_at":' + b"9" * 5000, 1)
    got = snapshot_difference(frame_text(text), want)
    assert got == "element 0 of the snapshot's 'tenants' is none of the expected ones"


class Rewriting:
    """An in-process IUT (CP-11): the reference, with write_snapshot answers rewritten."""

    name = "rewriting reference"

    def __init__(self, rewrite: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        self.rewrite = rewrite

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        answer = handle(message)
        return self.rewrite(answer) if message["kind"] == "write_snapshot" else answer

    def close(self) -> None:
        pass


def write_run(rewrite: Callable[[dict[str, Any]], dict[str, Any]]) -> Report:
    return run(Rewriting(rewrite), vectors=VECTORS, categories=["write"], grading="exact")


def test_the_runner_accepts_a_writer_with_another_order() -> None:
    def reordered(answer: dict[str, Any]) -> dict[str, Any]:
        if "snapshot" in answer:
            document = json.loads(answer["snapshot"][12:])
            for key in ("tasks", "runs", "budgets", "actors", "subscriptions"):
                document[key].reverse()
            answer["snapshot"] = framed(document)
        return answer

    report = write_run(reordered)
    assert report.ok and report.count("passed") == len(report.results) > 20


def test_the_runner_catches_wrong_snapshots_errors_and_shapes() -> None:
    def paths_dropped(answer: dict[str, Any]) -> dict[str, Any]:
        answer.get("error", {}).pop("path", None)
        return answer

    report = write_run(paths_dropped)
    below = {r.id: r.detail for r in report.results if r.status == "failed"}
    assert below["write/run-unknown-task"] == (
        "conforms at level 'code' only, 'exact' required [CP-12]: "
        "no error path, expected '/runs/1'"
    )

    def truncated(answer: dict[str, Any]) -> dict[str, Any]:
        if "snapshot" in answer:
            answer["snapshot"] = answer["snapshot"][:-1]
        return answer

    report = write_run(truncated)
    details = {r.id: r.detail for r in report.results if r.status == "failed"}
    assert "declares a payload of" in details["write/empty-log"]
    assert "write/run-unknown-task" not in details

    report = write_run(lambda answer: {"snapshot": "0400"} if "snapshot" in answer else answer)
    details = {r.id: r.detail for r in report.results if r.status == "failed"}
    assert details["write/empty-log"] == (
        "malformed response (CP-7 rule 7): snapshot is a text string, not a byte string"
    )
    report = write_run(lambda answer: {"snapshot": EMPTY})
    details = {r.id: r.detail for r in report.results if r.status == "failed"}
    assert details["write/run-unknown-task"] == "accepted, expected 'run_unknown_task'"
    assert "write/empty-log" not in details
