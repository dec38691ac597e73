"""Postcard payloads and framed WAL records: the public codec API.

A record is ``[version u32 LE][length u32 LE][CRC-32 u32 LE][payload]`` (spec: FRM-1) and the
payload is the postcard encoding of a :class:`~aqwal.types.WalEvent` (spec: ENC-1).

Decoding options, shared by every function here:

``strict`` (default ``True``)
    Reject the two leniencies the spec classifies as *acceptable*: over-long varints (ENC-4) and
    bytes left over after the value (ENC-17, FRM-7). ``strict=False`` accepts them the way the
    engine does.
``workflow`` (default ``False``)
    Decode ``RunPolicy::Cron`` (discriminant 2), which exists only in engine builds with the
    ``workflow`` feature (ENC-19).

Errors are :class:`~aqwal.errors.AqwalError` subclasses; their offsets count from the start of
the bytes handed to the function.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO

from aqwal import postcard as _pc
from aqwal.errors import AqwalError, EncodeError, FrameError, PayloadDecodeError
from aqwal.frame import (
    HEADER,
    HEADER_LEN,
    MAX_PAYLOAD_LEN,
    WAL_VERSION,
    check_header,
    check_version_and_length,
)
from aqwal.frame import decode_checked_payload as _decode_checked_payload
from aqwal.json_writer import wal_event_json
from aqwal.postcard_codec import DECODERS, ENCODERS, _d_WalEvent, _e_WalEvent, decode_frame_at
from aqwal.postcard_json import json_lines_at
from aqwal.types import WalEvent

__all__ = [
    "HEADER",
    "HEADER_LEN",
    "MAX_PAYLOAD_LEN",
    "WAL_VERSION",
    "check_header",
    "check_version_and_length",
    "decode_checked_payload",
    "decode_frame_at",
    "decode_payload",
    "decode_record",
    "decode_value",
    "encode_payload",
    "encode_record",
    "encode_value",
    "frame",
    "iter_records",
    "mode_of",
    "read_json_line_batches",
    "read_record_batches",
    "read_records",
]


def mode_of(*, strict: bool = True, workflow: bool = False, validate: bool = True) -> int:
    """The bit set the generated functions take."""
    return (
        (_pc.STRICT if strict else 0)
        | (_pc.WORKFLOW if workflow else 0)
        | (_pc.VALIDATE if validate else 0)
    )


# ---------------------------------------------------------------------------------------------
# payloads


def _decode(name: str, data: bytes, mode: int) -> Any:
    if not isinstance(data, bytes):
        data = bytes(data)
    n = len(data)
    try:
        value, end = DECODERS[name](data, 0, n, mode)
    except IndexError:
        raise _pc.unexpected_end(n) from None
    if end != n and mode & _pc.STRICT:
        # spec: ENC-17
        raise PayloadDecodeError(
            "trailing_bytes", f"{n - end} byte(s) left over after the {name}", offset=end
        )
    return value


def decode_payload(
    data: bytes, *, strict: bool = True, workflow: bool = False, wal_version: int = WAL_VERSION
) -> WalEvent:
    """Decode one bare postcard payload into a WalEvent.

    ``wal_version=4`` reads as a WAL v4 reader would: the same types, but only the first 23
    WalEventType variants exist, so discriminants 23-30 are ``unknown_variant`` (REG-5).
    """
    mode = mode_of(strict=strict, workflow=workflow)
    if wal_version == 4:
        _check_v4_variant(data if isinstance(data, bytes) else bytes(data), mode)
    elif wal_version != WAL_VERSION:
        raise ValueError(f"no WalEvent registry for WAL version {wal_version}")
    value: WalEvent = _decode("WalEvent", data, mode)
    return value


def _check_v4_variant(data: bytes, mode: int) -> None:
    from aqwal.declarations import V4_VARIANT_COUNT

    try:
        _sequence, p = _pc.u64(data, 0, mode)
        tag, _end = _pc.u32(data, p, mode)
    except (AqwalError, IndexError):
        return  # the full decode reports it (running off the end: unexpected_end, ENC-16)
    if tag >= V4_VARIANT_COUNT:
        raise _pc.unknown_variant("WalEventType", tag, p, " (WAL v4 has discriminants 0-22)")


def decode_value(
    type_name: str, data: bytes, *, strict: bool = True, workflow: bool = False
) -> Any:
    """Decode a payload holding one value of any declared struct or data enum."""
    if type_name not in DECODERS:
        raise KeyError(f"no postcard decoder for {type_name!r}")
    return _decode(type_name, data, mode_of(strict=strict, workflow=workflow))


def encode_payload(event: WalEvent, *, workflow: bool = False, validate: bool = True) -> bytes:
    """The canonical postcard bytes of a WalEvent (spec: ENC-20, ENC-22)."""
    out = bytearray()
    _e_WalEvent(event, out, mode_of(workflow=workflow, validate=validate))
    return bytes(out)


def encode_value(
    type_name: str, value: Any, *, workflow: bool = False, validate: bool = True
) -> bytes:
    """The postcard bytes of one value of any declared struct or data enum."""
    if type_name not in ENCODERS:
        raise KeyError(f"no postcard encoder for {type_name!r}")
    out = bytearray()
    ENCODERS[type_name](value, out, mode_of(workflow=workflow, validate=validate))
    return bytes(out)


# ---------------------------------------------------------------------------------------------
# frames


def frame(payload: bytes, version: int = WAL_VERSION) -> bytes:
    """Wrap a payload in the 12-byte header (spec: FRM-1, FRM-3, FRM-6)."""
    if len(payload) > MAX_PAYLOAD_LEN:
        raise EncodeError(
            "payload_too_large_to_write",
            f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD_LEN}",
            offset=HEADER_LEN,
        )
    return HEADER.pack(version, len(payload), zlib.crc32(payload)) + payload


def encode_record(event: WalEvent, *, workflow: bool = False, validate: bool = True) -> bytes:
    """One framed WAL record, byte-identical to what the engine appends.

    Error offsets count from the start of the record (the payload starts at 12).
    """
    out = bytearray()
    try:
        _e_WalEvent(event, out, mode_of(workflow=workflow, validate=validate))
    except AqwalError as exc:
        raise exc.rebased(HEADER_LEN) from None
    if len(out) > MAX_PAYLOAD_LEN:
        raise EncodeError(
            "payload_too_large_to_write",
            f"payload of {len(out)} bytes exceeds {MAX_PAYLOAD_LEN}",
            offset=HEADER_LEN,
        )
    return HEADER.pack(WAL_VERSION, len(out), zlib.crc32(out)) + out


def decode_checked_payload(payload: bytes, expected_crc: int, start: int, mode: int) -> WalEvent:
    """FRM-5 steps 6 and 7 for a payload found at ``start`` (its offset in the caller's input)."""
    event: WalEvent = _decode_checked_payload(payload, expected_crc, start, mode, _d_WalEvent)
    return event


def decode_record(data: bytes, *, strict: bool = True, workflow: bool = False) -> WalEvent:
    """Decode exactly one framed record (spec: FRM-5, FRM-7)."""
    event, end = decode_frame_at(data, 0, strict=strict, workflow=workflow)
    if end != len(data) and strict:
        # spec: FRM-7
        raise FrameError(
            "frame_trailing_bytes",
            f"{len(data) - end} byte(s) follow the record",
            offset=end,
        )
    return event


def iter_records(
    data: bytes, *, strict: bool = True, workflow: bool = False
) -> Iterator[tuple[int, WalEvent]]:
    """Every record of a buffer of concatenated frames, with its start offset.

    Stops at the first bad record by raising its error (records before it were yielded).
    """
    offset = 0
    n = len(data)
    while offset < n:
        event, end = decode_frame_at(data, offset, strict=strict, workflow=workflow)
        yield offset, event
        offset = end


#: How much :func:`read_records` reads from its stream at a time.
READ_CHUNK = 1 << 20


def read_records(
    stream: BinaryIO, *, strict: bool = True, workflow: bool = False, chunk: int = READ_CHUNK
) -> Iterator[tuple[int, WalEvent]]:
    """Every record of a binary stream of concatenated frames, with its start offset.

    Reads ``chunk`` bytes at a time and reports the same errors, at the same offsets, as
    :func:`iter_records` on the whole input. Memory stays bounded by a chunk plus the largest
    record (at most 256 MiB): a record is only read past the chunk when its header is valid,
    and then in chunk-sized reads, so a header that lies about its length costs nothing.
    """
    for offsets, events in read_record_batches(
        stream, strict=strict, workflow=workflow, chunk=chunk
    ):
        yield from zip(offsets, events, strict=True)


def read_record_batches(
    stream: BinaryIO, *, strict: bool = True, workflow: bool = False, chunk: int = READ_CHUNK
) -> Iterator[tuple[list[int], list[WalEvent]]]:
    """:func:`read_records` a buffer at a time: the offsets and the records of each chunk read.

    At a bad record, the records before it come first (as a last batch), then its error.
    """
    data = b""
    pos = 0  # start of the next record in data
    base = 0  # stream offset of data[0]
    eof = False
    decode = decode_frame_at
    offsets: list[int] = []
    events: list[WalEvent] = []
    while True:
        if pos == len(data) and eof:
            if events:
                yield offsets, events
            return
        try:
            event, end = decode(data, pos, strict=strict, workflow=workflow)
        except FrameError as exc:
            # A record cut off by the end of the buffer: read on, unless the stream ended.
            if eof or exc.code not in _INCOMPLETE:
                if events:
                    yield offsets, events
                raise exc.rebased(base) from None
            if events:
                yield offsets, events
                offsets, events = [], []
            data, eof = _read_on(stream, data, pos, _bytes_needed(exc, data, pos), chunk)
            base += pos
            pos = 0
            continue
        except AqwalError as exc:
            if events:
                yield offsets, events
            raise exc.rebased(base) from None
        offsets.append(base + pos)
        events.append(event)
        pos = end


def read_json_line_batches(
    stream: BinaryIO, *, strict: bool = True, workflow: bool = False, chunk: int = READ_CHUNK
) -> Iterator[list[str]]:
    """:func:`read_record_batches` with each record as the compact text of its JSON form (the
    lines of ``aqwal decode``), the same batches and the same errors.

    Records are decoded straight to text (``postcard_json``); a record that is cut off by the
    buffer, or in any doubt, goes through :func:`decode_frame_at`, which reports its error or
    decodes it for the JSON writer.
    """
    mode = mode_of(strict=strict, workflow=workflow, validate=False)
    data = b""
    pos = 0  # start of the next record in data
    base = 0  # stream offset of data[0]
    eof = False
    lines: list[str] = []
    while True:
        pos = json_lines_at(data, pos, mode, lines)
        if pos == len(data) and eof:
            if lines:
                yield lines
            return
        try:
            event, end = decode_frame_at(data, pos, strict=strict, workflow=workflow)
        except FrameError as exc:
            if eof or exc.code not in _INCOMPLETE:
                if lines:
                    yield lines
                raise exc.rebased(base) from None
            if lines:
                yield lines
                lines = []
            data, eof = _read_on(stream, data, pos, _bytes_needed(exc, data, pos), chunk)
            base += pos
            pos = 0
            continue
        except AqwalError as exc:
            if lines:
                yield lines
            raise exc.rebased(base) from None
        lines.append(wal_event_json(event))
        pos = end


def _bytes_needed(exc: FrameError, data: bytes, pos: int) -> int:
    """How many bytes from ``pos`` on the incomplete record at ``pos`` needs to be judged: its
    header, and its payload once the header is whole."""
    need = HEADER_LEN
    if exc.code == "frame_length_exceeds_buffer":
        need += HEADER.unpack_from(data, pos)[1]
    return need


def _read_on(stream: BinaryIO, data: bytes, pos: int, need: int, chunk: int) -> tuple[bytes, bool]:
    """``data[pos:]`` and what the stream holds after it, read a chunk at a time until there
    are ``need`` bytes or the stream ends; and whether it ended."""
    parts = [data[pos:]]
    have = len(data) - pos
    while have < need:
        more = stream.read(chunk)
        if not more:
            return b"".join(parts), True
        parts.append(more)
        have += len(more)
    return b"".join(parts), False


#: The frame errors of a record that may only be incomplete (FRM-5 steps 1 and 4).
_INCOMPLETE = frozenset({"frame_too_short", "frame_length_exceeds_buffer"})
