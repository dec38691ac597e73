"""The reference implementation behind the conformance protocol: one function per request.

:func:`handle` turns a request map into a response map; the built-in runner calls it directly,
and ``conformance/examples/reference_testee.py`` serves it over stdin/stdout.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aqwal import __version__
from aqwal.codec import decode_payload, decode_record, encode_record
from aqwal.datadir import recover
from aqwal.digest import state_digest
from aqwal.errors import AqwalError
from aqwal.forms import CBOR_FORM
from aqwal.projection import state_form
from aqwal.snapshot import load_snapshot_state
from aqwal.state import ReplayState
from aqwal.walfile import CHUNK
from aqwal_conformance.protocol import PROTOCOL_VERSION, REQUEST_KINDS
from aqwal_conformance.vectors import wal_outcome


def _error(exc: AqwalError) -> dict[str, Any]:
    out: dict[str, Any] = {"code": exc.code}
    if exc.offset is not None:
        out["offset"] = exc.offset
    if exc.path is not None:
        out["path"] = exc.path
    return {"error": out}


def _state(state: ReplayState) -> dict[str, Any]:
    return {
        "state": CBOR_FORM.dump("StateForm", state_form(state)),
        "digest": state_digest(state),
    }


def _options(req: dict[str, Any]) -> tuple[bool, bool]:
    opts = req.get("options") or {}
    return bool(opts.get("strict", True)), opts.get("profile") == "workflow"


def hello(req: dict[str, Any]) -> dict[str, Any]:
    return {
        "protocol": PROTOCOL_VERSION,
        "implementation": f"aqwal reference {__version__}",
        "supports": list(REQUEST_KINDS),
    }


def decode_payload_request(req: dict[str, Any]) -> dict[str, Any]:
    strict, workflow = _options(req)
    version = int((req.get("options") or {}).get("wal_version", 5))
    try:
        event = decode_payload(req["input"], strict=strict, workflow=workflow, wal_version=version)
    except AqwalError as exc:
        return _error(exc)
    return {"value": CBOR_FORM.dump("WalEvent", event)}


def decode_record_request(req: dict[str, Any]) -> dict[str, Any]:
    strict, workflow = _options(req)
    try:
        event = decode_record(req["input"], strict=strict, workflow=workflow)
    except AqwalError as exc:
        return _error(exc)
    return {"value": CBOR_FORM.dump("WalEvent", event)}


def encode_event_request(req: dict[str, Any]) -> dict[str, Any]:
    _strict, workflow = _options(req)
    try:
        event = CBOR_FORM.load("WalEvent", req["value"])
        return {"record": encode_record(event, workflow=workflow)}
    except AqwalError as exc:
        return _error(exc)


def validate_wal_request(req: dict[str, Any]) -> dict[str, Any]:
    strict, workflow = _options(req)
    read_buffer = (req.get("options") or {}).get("read_buffer")
    if type(read_buffer) is not int or not 1 <= read_buffer <= CHUNK:
        read_buffer = None  # spec: CP-4 — a hint; anything else is ignored
    result: dict[str, Any] = wal_outcome(
        req["log"], strict=strict, workflow=workflow, read_buffer=read_buffer
    )
    return result


def replay_request(req: dict[str, Any]) -> dict[str, Any]:
    strict, workflow = _options(req)
    snapshot = req.get("snapshot")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "wal").mkdir()
        (root / "snapshots").mkdir()
        (root / "wal" / "actionqueue.wal").write_bytes(req["log"])
        if snapshot is not None:
            (root / "snapshots" / "snapshot.bin").write_bytes(snapshot)
        outcomes: list[str | None] = []
        try:
            result = recover(
                root,
                strict=strict,
                workflow=workflow,
                on_outcome=lambda o: outcomes.append(o.code),
            )
        except AqwalError as exc:
            return _error(exc)
    doc = {"outcomes": outcomes, **_state(result.state), "replayed": result.applied}
    if snapshot is not None:
        doc["snapshot_used"] = result.snapshot_used
    return doc


def load_snapshot_request(req: dict[str, Any]) -> dict[str, Any]:
    _strict, workflow = _options(req)
    older = bool((req.get("options") or {}).get("accept_older_schema"))
    try:
        return _state(
            load_snapshot_state(req["snapshot"], accept_older_schema=older, workflow=workflow)
        )
    except AqwalError as exc:
        return _error(exc)


HANDLERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "hello": hello,
    "decode_payload": decode_payload_request,
    "decode_record": decode_record_request,
    "encode_event": encode_event_request,
    "validate_wal": validate_wal_request,
    "replay": replay_request,
    "load_snapshot": load_snapshot_request,
}


def handle(req: dict[str, Any]) -> dict[str, Any]:
    """Answer one request (spec: CP-4); unknown kinds get ``{"unsupported": true}``."""
    handler = HANDLERS.get(str(req.get("kind")))
    response = {"unsupported": True} if handler is None else handler(req)
    if "id" in req:
        response["id"] = req["id"]  # spec: CP-1 — echo the request's id
    return response
