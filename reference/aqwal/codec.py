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

import struct
import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO

from aqwal import postcard as _pc
from aqwal.errors import AqwalError, EncodeError, FrameError, PayloadDecodeError
from aqwal.postcard_codec import DECODERS, ENCODERS, _d_WalEvent, _e_WalEvent
from aqwal.types import WalEvent

#: The only frame version of WAL records (spec: FRM-2).
WAL_VERSION = 5
#: Size of the record header (spec: FRM-1).
HEADER_LEN = 12
#: Largest payload a writer may produce and a reader must accept (spec: FRM-6).
MAX_PAYLOAD_LEN = 256 * 1024 * 1024

HEADER = struct.Struct("<III")
_unpack_header = HEADER.unpack_from


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


def check_header(data: bytes, offset: int, available: int) -> int:
    """Check the header at ``offset`` in the FRM-5 order; return the payload length.

    ``available`` is the number of bytes from ``offset`` to the end of the input.
    """
    if available < HEADER_LEN:
        # spec: FRM-5 step 1
        raise FrameError(
            "frame_too_short",
            f"{available} byte(s) cannot hold a 12-byte record header",
            offset=offset,
        )
    version, length, _crc = HEADER.unpack_from(data, offset)
    check_version_and_length(version, length, offset)
    if length > available - HEADER_LEN:
        # spec: FRM-4, FRM-5 step 4
        raise FrameError(
            "frame_length_exceeds_buffer",
            f"declared payload length {length}, only {available - HEADER_LEN} byte(s) follow",
            offset=offset + 4,
        )
    if length == 0:
        # spec: FRM-5 step 5
        raise FrameError("frame_empty_payload", "declared payload length is 0", offset=offset + 4)
    return int(length)


def check_version_and_length(version: int, length: int, offset: int) -> None:
    """FRM-5 steps 2 and 3 for the header of the record at ``offset``."""
    if version != WAL_VERSION:
        # spec: FRM-2
        raise FrameError(
            "frame_version_unsupported",
            f"record version {version}, only {WAL_VERSION} is defined",
            offset=offset,
        )
    if length > MAX_PAYLOAD_LEN:
        # spec: FRM-6
        raise FrameError(
            "frame_payload_too_large",
            f"declared payload length {length} exceeds {MAX_PAYLOAD_LEN}",
            offset=offset + 4,
        )


def decode_frame_at(
    data: bytes, offset: int = 0, *, strict: bool = True, workflow: bool = False
) -> tuple[WalEvent, int]:
    """Decode the record starting at ``offset``; return it and the offset just after it.

    Checks run in the order of spec FRM-5; offsets in errors are offsets into ``data``.
    """
    mode = (_pc.STRICT if strict else 0) | (_pc.WORKFLOW if workflow else 0)
    # Fast path for a well-formed record; any doubt falls through to the checks in order.
    if len(data) - offset > HEADER_LEN:
        version, length, crc = _unpack_header(data, offset)
        start = offset + HEADER_LEN
        end = start + length
        if version == WAL_VERSION and 0 < length <= MAX_PAYLOAD_LEN and end <= len(data):
            payload = data[start:end]
            if zlib.crc32(payload) == crc and isinstance(payload, bytes):
                try:
                    event, used = _d_WalEvent(payload, 0, length, mode)
                except IndexError:
                    raise _pc.unexpected_end(end) from None
                except AqwalError as exc:
                    raise exc.rebased(start) from None
                if used == length or not strict:
                    return event, end
    length = check_header(data, offset, len(data) - offset)
    start = offset + HEADER_LEN
    payload = data[start : start + length]
    return decode_checked_payload(payload, HEADER.unpack_from(data, offset)[2], start, mode), (
        start + length
    )


def decode_checked_payload(payload: bytes, expected_crc: int, start: int, mode: int) -> WalEvent:
    """FRM-5 steps 6 and 7 for a payload found at ``start`` (its offset in the caller's input)."""
    if not isinstance(payload, bytes):
        payload = bytes(payload)
    actual = zlib.crc32(payload)
    if actual != expected_crc:
        # spec: FRM-3
        raise FrameError(
            "frame_crc_mismatch",
            f"header CRC-32 0x{expected_crc:08x}, payload CRC-32 0x{actual:08x}",
            offset=start - 4,
        )
    length = len(payload)
    try:
        event, used = _d_WalEvent(payload, 0, length, mode)
    except IndexError:
        raise _pc.unexpected_end(start + length) from None
    except AqwalError as exc:
        raise exc.rebased(start) from None
    if used != length and mode & _pc.STRICT:
        # spec: ENC-17
        raise PayloadDecodeError(
            "trailing_bytes",
            f"{length - used} byte(s) left over after the WalEvent in the payload",
            offset=start + used,
        )
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


def read_records(
    stream: BinaryIO, *, strict: bool = True, workflow: bool = False
) -> Iterator[tuple[int, WalEvent]]:
    """Every record of a binary stream of concatenated frames, with its start offset.

    Reads one record at a time (memory bounded by the largest record, at most 256 MiB) and
    reports the same errors, at the same offsets, as :func:`iter_records` on the whole input.
    """
    mode = mode_of(strict=strict, workflow=workflow)
    offset = 0
    while True:
        header = stream.read(HEADER_LEN)
        if not header:
            return
        version, length, crc = HEADER.unpack(header) if len(header) == HEADER_LEN else (0, 0, 0)
        payload = b""
        try:
            if len(header) == HEADER_LEN:
                check_version_and_length(version, length, 0)
                payload = stream.read(length)
            if len(header) < HEADER_LEN or len(payload) < length or length == 0:
                check_header(header + payload, 0, len(header) + len(payload))
        except AqwalError as exc:
            raise exc.rebased(offset) from None
        start = offset + HEADER_LEN
        yield offset, decode_checked_payload(payload, crc, start, mode)
        offset = start + length
