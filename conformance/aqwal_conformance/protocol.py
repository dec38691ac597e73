"""The conformance protocol: framing and message shapes (spec: conformance-protocol.md, CP-*).

Every message, in both directions, is ``[length u32 LE][CBOR map]``. The runner writes
requests to the implementation's stdin and reads exactly one response per request from its
stdout. Both sides treat the other's bytes as untrusted: a frame is bounded by
:data:`MAX_MESSAGE`, a body's data items are counted (:mod:`aqwal_conformance.wellformed`)
before it is decoded, and decoding gives no tag a meaning.

A request may carry a :class:`RawItem`: bytes of one CBOR item written into the body as they
are, where every other member is written in the deterministic encoding (spec: CP-2, CP-6).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from typing import Any, BinaryIO

import cbor2

from aqwal.cborinput import read_cbor_item
from aqwal.errors import FormError
from aqwal.forms import to_cbor_bytes
from aqwal_conformance.wellformed import LimitExceeded, MalformedCBOR, item_end

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
    "write_snapshot",
)


def check_request_kinds(kinds: Iterable[str]) -> tuple[str, ...]:
    """The request kinds ``kinds`` names, sorted and without repeats; a ValueError naming the
    first that is no kind of :data:`REQUEST_KINDS` (spec: CP-4, CP-5 ``--require``)."""
    named = tuple(kinds)
    for kind in named:
        if kind not in REQUEST_KINDS:
            raise ValueError(f"{kind!r} is not a request kind ({', '.join(REQUEST_KINDS)})")
    return tuple(sorted(set(named)))


#: Largest message body either side may send (spec: CP-2).
MAX_MESSAGE = 64 * 1024 * 1024
#: The error code of an answer to a request the IUT cannot read (spec: CP-13).
REQUEST_MALFORMED = "request_malformed"
_LEN = struct.Struct("<I")
#: The self-described CBOR tag (RFC 8949 section 3.4.6), allowed around a body.
SELF_DESCRIBED = 55799


class ProtocolError(Exception):
    """The peer broke the protocol (spec: CP-2); ``received`` holds the bytes concerned."""

    def __init__(self, message: str, received: bytes = b"") -> None:
        super().__init__(message)
        self.received = received

    @property
    def description(self) -> str:
        return str(self.args[0])

    def __str__(self) -> str:
        shown = self.received[:32].hex(" ")
        more = "…" if len(self.received) > 32 else ""
        return self.description + (f" (received: {shown}{more})" if self.received else "")


class FramingError(ProtocolError):
    """The length prefix or the stream is broken: nothing after it can be trusted."""


class BodyError(ProtocolError):
    """The frame is intact but its body is not an acceptable CBOR map; the stream goes on."""


class RawItem:
    """One CBOR data item, as bytes, to be written into a message unchanged (spec: CP-6): an
    ``encode`` case's value keeps its indefinite lengths, chunks and head widths."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = bytes(data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RawItem) and other.data == self.data

    def __hash__(self) -> int:
        return hash(self.data)

    def __repr__(self) -> str:
        return f"RawItem({self.data.hex()})"


def _write_raw(encoder: cbor2.CBOREncoder, value: Any) -> None:
    if not isinstance(value, RawItem):
        raise cbor2.CBOREncodeTypeError(f"cannot encode {type(value).__name__} in a message")
    encoder.write(value.data)


def encode_body(message: dict[str, Any]) -> bytes:
    """A message body: the deterministic encoding (CBR-1), each :class:`RawItem` spliced in as
    it is. Map keys keep the deterministic order whatever the raw items hold."""
    if not any(isinstance(v, RawItem) for v in message.values()):
        return to_cbor_bytes(message)
    body: bytes = cbor2.dumps(message, canonical=True, default=_write_raw)
    return body


def encode_message(message: dict[str, Any]) -> bytes:
    return frame_body(encode_body(message))


def frame_body(body: bytes) -> bytes:
    """A body behind its length prefix (spec: CP-2)."""
    return _LEN.pack(len(body)) + body


def decode_body(body: bytes) -> dict[str, Any]:
    """The map a message body holds (spec: CP-2); BodyError names the rule it breaks.

    Tags stay :class:`cbor2.CBORTag` values (the self-described CBOR tag 55799 around the body
    is dropped); simple values and ``undefined`` stay what cbor2 calls them. The scan bounds
    the data items first; whether the body is one well-formed item nested at most 128 deep is
    then :func:`aqwal.cborinput.read_cbor_item`'s to say, which stops no later than the scan
    did on a body that is not.
    """
    try:
        item_end(body, max_depth=None)
    except LimitExceeded as exc:
        raise BodyError(f"the message body is not acceptable CBOR: {exc} [CP-2]", body) from None
    except MalformedCBOR:
        pass  # not well-formed: the reader below reports where and why
    try:
        doc = read_cbor_item(body)
    except FormError as exc:
        where = "" if exc.offset is None else f" at offset {exc.offset}"
        raise BodyError(
            f"the message body is not acceptable CBOR: {exc.message}{where} [CP-2]", body
        ) from None
    while isinstance(doc, cbor2.CBORTag) and doc.tag == SELF_DESCRIBED:
        doc = doc.value
    if not isinstance(doc, dict):
        raise BodyError(f"the message body is {_cbor_kind(doc)}, not a map [CP-2]", body)
    if not all(isinstance(key, str) for key in doc):
        raise BodyError("a key of the message map is not a text string [CP-2]", body)
    return doc


def _cbor_kind(value: Any) -> str:
    if isinstance(value, cbor2.CBORTag):
        return f"tag {value.tag}"
    kinds = ((bool, "a boolean"), (int, "an integer"), (float, "a float"), (str, "text"))
    for kind, name in (*kinds, (bytes, "a byte string"), (list, "an array")):
        if isinstance(value, kind):
            return name
    return "null" if value is None else "a simple value"


def read_frame(stream: BinaryIO) -> bytes | None:
    """One message body from a blocking stream; None at a clean end of input."""
    head = _read_exactly(stream, 4)
    if not head:
        return None
    if len(head) < 4:
        raise FramingError("the stream ended inside a length prefix [CP-2]", head)
    (size,) = _LEN.unpack(head)
    if size > MAX_MESSAGE:
        raise FramingError(f"message length {size} exceeds {MAX_MESSAGE} [CP-2]", head)
    body = _read_exactly(stream, size)
    if len(body) < size:
        raise FramingError(
            f"the stream ended after {len(body)} of {size} message bytes [CP-2]", head + body
        )
    return body


def read_message(stream: BinaryIO) -> dict[str, Any] | None:
    """One message from a blocking stream; None at a clean end of input."""
    body = read_frame(stream)
    return None if body is None else decode_body(body)


def write_message(stream: BinaryIO, message: dict[str, Any]) -> None:
    stream.write(encode_message(message))
    stream.flush()


def _read_exactly(stream: BinaryIO, n: int) -> bytes:
    chunks = []
    remaining = n
    while remaining:
        chunk = stream.read(min(remaining, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
