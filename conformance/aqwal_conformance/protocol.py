"""The conformance protocol: framing and message shapes (spec: conformance-protocol.md, CP-*).

Every message, in both directions, is ``[length u32 LE][deterministic CBOR map]``. The runner
writes requests to the implementation's stdin and reads exactly one response per request from
its stdout.
"""

from __future__ import annotations

import struct
from typing import Any, BinaryIO

from aqwal.forms import parse_cbor_bytes, to_cbor_bytes

PROTOCOL_VERSION = 1
#: The request kinds of protocol version 1 (spec: CP-4).
REQUEST_KINDS = (
    "hello",
    "decode_payload",
    "decode_record",
    "encode_event",
    "validate_wal",
    "replay",
    "load_snapshot",
)
#: Largest message either side may send (spec: CP-2).
MAX_MESSAGE = 64 * 1024 * 1024
_LEN = struct.Struct("<I")


class ProtocolError(Exception):
    """The peer broke the framing or sent something that is not a CBOR map."""

    def __init__(self, message: str, received: bytes = b"") -> None:
        super().__init__(message)
        self.received = received

    def __str__(self) -> str:
        shown = self.received[:32].hex(" ")
        more = "…" if len(self.received) > 32 else ""
        return f"{self.args[0]}" + (f" (received: {shown}{more})" if self.received else "")


def encode_message(message: dict[str, Any]) -> bytes:
    body = to_cbor_bytes(message)
    return _LEN.pack(len(body)) + body


def decode_body(body: bytes) -> dict[str, Any]:
    try:
        doc = parse_cbor_bytes(body)
    except Exception as exc:  # cbor2 raises several types for garbage
        raise ProtocolError(f"message is not CBOR: {exc}", body) from None
    if not isinstance(doc, dict):
        raise ProtocolError(f"message is a CBOR {type(doc).__name__}, not a map", body)
    return doc


def read_message(stream: BinaryIO) -> dict[str, Any] | None:
    """One message from a blocking stream; None at a clean end of input."""
    head = _read_exactly(stream, 4)
    if not head:
        return None
    if len(head) < 4:
        raise ProtocolError("stream ended inside a length prefix", head)
    (size,) = _LEN.unpack(head)
    if size > MAX_MESSAGE:
        raise ProtocolError(f"message length {size} exceeds {MAX_MESSAGE}", head)
    body = _read_exactly(stream, size)
    if len(body) < size:
        raise ProtocolError(f"stream ended after {len(body)} of {size} message bytes", head + body)
    return decode_body(body)


def write_message(stream: BinaryIO, message: dict[str, Any]) -> None:
    stream.write(encode_message(message))
    stream.flush()


def _read_exactly(stream: BinaryIO, n: int) -> bytes:
    chunks = []
    remaining = n
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
