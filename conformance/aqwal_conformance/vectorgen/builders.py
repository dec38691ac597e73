"""Builders shared by the vector categories: hex literals, records, payloads, snapshots."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from aqwal import types as t
from aqwal.codec import encode_payload, encode_record, frame
from aqwal.declarations import WAL_V5
from aqwal.forms import JSON_FORM, to_json_text
from aqwal.reducer import Reducer
from aqwal.snapshot import snapshot_of
from aqwal_conformance.scenarios import task_spec, uid

VARIANTS = [v.name for v in WAL_V5.enum("WalEventType").variants]


RS = t.RunState


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace("|", " "))


def record_bytes(events: list[t.WalEvent]) -> bytes:
    return b"".join(encode_record(e) for e in events)


def task_created_bytes() -> tuple[bytes, int]:
    """A TaskCreated payload and the offset of its RunPolicy discriminant."""
    data = encode_payload(t.WalEvent(1, t.TaskCreated(task_spec(uid(1, 1)), 0)))
    # sequence (1) + discriminant (1) + id (17) + payload bytes "{}" (3) + content type (18)
    policy_at = 1 + 1 + 17 + 3 + 1 + 1 + len("application/json")
    assert data[policy_at] == 0  # RunPolicy::Once
    return data, policy_at


def payload_bytes(body: t.WalEventType, sequence: int = 1) -> bytes:
    return encode_payload(t.WalEvent(sequence, body))


Mutation = Callable[[dict[str, Any]], object]


def raw_snapshot(body: object, version: int = 4) -> bytes:
    """A snapshot file around any JSON document, unvalidated."""
    return frame(to_json_text(body).encode(), version)


def frame_snapshot(payload: bytes) -> bytes:
    return frame(payload, 4)


def snapshot_document(events: Iterable[t.WalEvent], timestamp: int) -> dict[str, Any]:
    """The JSON form of the snapshot, taken at ``timestamp``, of the state the records leave
    (each of them must apply)."""
    reducer = Reducer()
    for e in events:
        reducer.apply(e)
    body: dict[str, Any] = JSON_FORM.dump("Snapshot", snapshot_of(reducer.state, timestamp))
    return body
