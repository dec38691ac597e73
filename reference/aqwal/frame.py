"""The record frame: ``[version u32 LE][length u32 LE][CRC-32 u32 LE][payload]`` (spec: FRM-1).

The checks of a frame in the order of spec FRM-5, for any payload decoder. The generated
``aqwal.postcard_codec.decode_frame_at`` runs a fast path for well-formed records and hands
anything in doubt to :func:`decode_frame_checked`, which reports the first rule broken.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from typing import Any, Final

from aqwal import postcard as _pc
from aqwal.errors import AqwalError, FrameError, PayloadDecodeError

#: The only frame version of WAL records (spec: FRM-2).
WAL_VERSION = 5
#: Size of the record header (spec: FRM-1).
HEADER_LEN = 12
#: Largest payload a writer may produce and a reader must accept (spec: FRM-6).
MAX_PAYLOAD_LEN = 256 * 1024 * 1024

HEADER: Final[struct.Struct] = struct.Struct("<III")

#: A payload decoder: (payload, start, end, mode) → (value, position after it).
PayloadDecoder = Callable[[bytes, int, int, int], tuple[Any, int]]


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


def decode_checked_payload(
    payload: bytes, expected_crc: int, start: int, mode: int, decode: PayloadDecoder
) -> Any:
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
        event, used = decode(payload, 0, length, mode)
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


def decode_frame_checked(
    data: bytes, offset: int, mode: int, decode: PayloadDecoder
) -> tuple[Any, int]:
    """The record at ``offset`` with every check in the FRM-5 order; errors carry offsets into
    ``data``."""
    length = check_header(data, offset, len(data) - offset)
    start = offset + HEADER_LEN
    crc = HEADER.unpack_from(data, offset)[2]
    payload = data[start : start + length]
    return decode_checked_payload(payload, crc, start, mode, decode), start + length
