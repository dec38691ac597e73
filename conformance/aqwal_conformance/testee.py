"""The reference implementation behind the conformance protocol: one function per request.

:func:`handle` turns a request map into a response map and :func:`answer` a request body into
one; neither raises. The built-in runner calls :func:`handle` directly, and
``python -m aqwal_conformance.testee_server`` and ``conformance/examples/reference_testee.py``
serve :func:`answer` over stdin/stdout. A request whose members do not have the shapes of CP-4
is answered with the protocol-level error ``request_malformed`` (spec: CP-13).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aqwal import __version__
from aqwal.codec import decode_payload, decode_record, encode_record
from aqwal.datadir import Recovery, recover
from aqwal.digest import state_digest
from aqwal.errors import AqwalError, RequestError
from aqwal.forms import CBOR_FORM
from aqwal.projection import state_form
from aqwal.snapshot import load_snapshot_state, snapshot_of, write_snapshot_file
from aqwal.state import ReplayState
from aqwal.walfile import CHUNK
from aqwal_conformance.protocol import (
    PROTOCOL_VERSION,
    REQUEST_KINDS,
    REQUEST_MALFORMED,
    BodyError,
    decode_body,
)
from aqwal_conformance.vectors import wal_outcome

#: Request ids and snapshot timestamps are unsigned 64-bit integers (spec: CP-1, CP-4).
MAX_ID = MAX_U64 = 2**64 - 1


def _bad_request(message: str) -> RequestError:
    """A request member is missing or has the wrong type or value (spec: CP-13)."""
    return RequestError(REQUEST_MALFORMED, message)


def malformed(message: str) -> dict[str, Any]:
    """The answer to a request that cannot be read (spec: CP-13)."""
    return {"error": {"code": REQUEST_MALFORMED, "message": message}}


def answer(body: bytes) -> dict[str, Any]:
    """The response to one request body, whatever it holds."""
    try:
        request = decode_body(body)
    except BodyError as exc:
        return malformed(exc.description)
    return handle(request)


def handle(req: dict[str, Any]) -> dict[str, Any]:
    """Answer one request (spec: CP-4); unknown kinds get ``{"unsupported": true}``."""
    request_id = req.get("id")
    kind = req.get("kind")
    try:
        if request_id is not None and not (type(request_id) is int and 0 <= request_id <= MAX_ID):
            request_id = None
            raise _bad_request("id is not an unsigned 64-bit integer")
        if not isinstance(kind, str):
            raise _bad_request("kind is missing or not text")
        handler = HANDLERS.get(kind)
        if handler is None:
            response = {"unsupported": True, "reason": f"no request kind {kind[:40]!r}"}
        else:
            response = handler(req)
    except RequestError as exc:
        text = exc.message
        response = malformed(f"{kind[:40]} request: {text}" if isinstance(kind, str) else text)
    if request_id is not None:
        response["id"] = request_id  # spec: CP-1 — echo the request's id
    return response


# ---------------------------------------------------------------------------------------------
# request members (spec: CP-4)


def _bytes(req: dict[str, Any], key: str) -> bytes:
    value = req.get(key)
    if not isinstance(value, bytes):
        raise _bad_request(f"{key} is {'not a byte string' if key in req else 'missing'}")
    return value


def _options(req: dict[str, Any]) -> dict[str, Any]:
    opts = req.get("options", {})
    if not isinstance(opts, dict):
        raise _bad_request("options is not a map")
    return opts


def _flag(opts: dict[str, Any], key: str, default: bool) -> bool:
    value = opts.get(key, default)
    if type(value) is not bool:
        raise _bad_request(f"options.{key} is not a boolean")
    return value


def _choice(opts: dict[str, Any], key: str, choices: tuple[Any, ...], default: Any) -> Any:
    value = opts.get(key, default)
    # `type(...) is` keeps true from passing for 1, and 4.0 for 4
    if not any(type(value) is type(c) and value == c for c in choices):
        shown = ", ".join(repr(c) for c in choices)
        raise _bad_request(f"options.{key} is not one of {shown}")
    return value


def _codec_options(req: dict[str, Any]) -> tuple[dict[str, Any], bool, bool]:
    opts = _options(req)
    strict = _flag(opts, "strict", True)
    workflow = _choice(opts, "profile", ("default", "workflow"), "default") == "workflow"
    return opts, strict, workflow


# ---------------------------------------------------------------------------------------------
# answers


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


def hello(req: dict[str, Any]) -> dict[str, Any]:
    protocol = req.get("protocol")
    if type(protocol) is not int or protocol < 0:
        raise _bad_request("protocol is not an unsigned integer")
    return {
        "protocol": PROTOCOL_VERSION,
        "implementation": f"aqwal reference {__version__}",
        "supports": list(REQUEST_KINDS),
    }


def decode_payload_request(req: dict[str, Any]) -> dict[str, Any]:
    data = _bytes(req, "input")
    opts, strict, workflow = _codec_options(req)
    version = _choice(opts, "wal_version", (4, 5), 5)
    try:
        event = decode_payload(data, strict=strict, workflow=workflow, wal_version=version)
    except AqwalError as exc:
        return _error(exc)
    return {"value": CBOR_FORM.dump("WalEvent", event)}


def decode_record_request(req: dict[str, Any]) -> dict[str, Any]:
    data = _bytes(req, "input")
    _opts, strict, workflow = _codec_options(req)
    try:
        event = decode_record(data, strict=strict, workflow=workflow)
    except AqwalError as exc:
        return _error(exc)
    return {"value": CBOR_FORM.dump("WalEvent", event)}


def encode_event_request(req: dict[str, Any]) -> dict[str, Any]:
    if "value" not in req:
        raise _bad_request("value is missing")
    _opts, _strict, workflow = _codec_options(req)
    try:
        event = CBOR_FORM.load("WalEvent", req["value"])
        return {"record": encode_record(event, workflow=workflow)}
    except AqwalError as exc:
        return _error(exc)


def validate_wal_request(req: dict[str, Any]) -> dict[str, Any]:
    log = _bytes(req, "log")
    opts, strict, workflow = _codec_options(req)
    read_buffer = opts.get("read_buffer")
    if type(read_buffer) is not int or not 1 <= read_buffer <= CHUNK:
        read_buffer = None  # spec: CP-4 — a hint; anything else is ignored
    result: dict[str, Any] = wal_outcome(
        log, strict=strict, workflow=workflow, read_buffer=read_buffer
    )
    return result


def _data_dir(root: Path, log: bytes) -> None:
    """A data directory (spec: WAL-1, SNP-1) whose WAL file holds ``log``."""
    (root / "wal").mkdir()
    (root / "snapshots").mkdir()
    (root / "wal" / "actionqueue.wal").write_bytes(log)


@contextmanager
def _wal_file(log: bytes) -> Iterator[Path]:
    """A WAL file holding ``log``, removed afterwards: what :func:`recover` reads as a data
    directory without a snapshot (SNP-12), in one file instead of a directory tree."""
    fd, name = tempfile.mkstemp(prefix="aqwal-", suffix=".wal")
    try:
        with open(fd, "wb") as f:
            f.write(log)
        yield Path(name)
    finally:
        os.unlink(name)


def replay_request(req: dict[str, Any]) -> dict[str, Any]:
    log = _bytes(req, "log")
    snapshot = _bytes(req, "snapshot") if "snapshot" in req else None
    _opts, strict, workflow = _codec_options(req)
    outcomes: list[str | None] = []

    def replay(path: Path) -> Recovery:
        return recover(
            path, strict=strict, workflow=workflow, on_outcome=lambda o: outcomes.append(o.code)
        )

    try:
        if snapshot is None:
            with _wal_file(log) as wal:
                result = replay(wal)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                root = Path(tmp)
                _data_dir(root, log)
                (root / "snapshots" / "snapshot.bin").write_bytes(snapshot)
                result = replay(root)
    except AqwalError as exc:
        return _error(exc)
    doc = {"outcomes": outcomes, **_state(result.state), "replayed": result.applied}
    if snapshot is not None:
        doc["snapshot_used"] = result.snapshot_used
    return doc


def load_snapshot_request(req: dict[str, Any]) -> dict[str, Any]:
    data = _bytes(req, "snapshot")
    opts, _strict, workflow = _codec_options(req)
    accept_older = _flag(opts, "accept_older_schema", False)
    try:
        return _state(
            load_snapshot_state(data, accept_older_schema=accept_older, workflow=workflow)
        )
    except AqwalError as exc:
        return _error(exc)


def write_snapshot_request(req: dict[str, Any]) -> dict[str, Any]:
    """Recover the state of a data directory holding ``log`` and no snapshot, and write its
    snapshot there (spec: CP-16, SNP-12, SNP-8, SNP-10); answer the file written."""
    log = _bytes(req, "log")
    opts, strict, workflow = _codec_options(req)
    timestamp = opts.get("timestamp", 0)
    if type(timestamp) is not int or not 0 <= timestamp <= MAX_U64:
        raise _bad_request("options.timestamp is not an unsigned 64-bit integer")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _data_dir(root, log)
        target = root / "snapshots" / "snapshot.bin"
        try:
            result = recover(root, strict=strict, workflow=workflow)
            write_snapshot_file(target, snapshot_of(result.state, timestamp))
        except AqwalError as exc:
            return _error(exc)
        return {"snapshot": target.read_bytes()}


HANDLERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "hello": hello,
    "decode_payload": decode_payload_request,
    "decode_record": decode_record_request,
    "encode_event": encode_event_request,
    "validate_wal": validate_wal_request,
    "replay": replay_request,
    "load_snapshot": load_snapshot_request,
    "write_snapshot": write_snapshot_request,
}
