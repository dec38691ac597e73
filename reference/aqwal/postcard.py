"""Postcard primitives: the slow paths and error builders the generated codec calls.

The generated module ``aqwal.postcard_codec`` inlines the common cases (canonical varints,
16-byte identifiers, one-byte enum discriminants) and calls into this module for everything
else. Every function here implements one numbered clause of ``spec/encoding.md``.

Positions are offsets into the payload being decoded; ``n`` is its length.
"""

from __future__ import annotations

import enum
from typing import NoReturn, TypeVar

from aqwal.errors import EncodeError, PayloadDecodeError

#: Mode bits shared by the decoders and encoders.
STRICT = 1  # reject the leniencies that spec ENC-4 / ENC-17 classify as acceptable
WORKFLOW = 2  # the engine's `workflow` build feature: RunPolicy::Cron exists (ENC-19)
VALIDATE = 4  # encoders check decode-time validation rules before writing (ENC-22)

U32_MAX = 0xFFFF_FFFF
U64_MAX = 0xFFFF_FFFF_FFFF_FFFF
I32_MIN = -0x8000_0000
I32_MAX = 0x7FFF_FFFF

E = TypeVar("E", bound=enum.Enum)


# ---------------------------------------------------------------------------------------------
# decoding


def unexpected_end(offset: int, what: str = "value") -> PayloadDecodeError:
    # spec: ENC-16
    return PayloadDecodeError("unexpected_end", f"input ended inside a {what}", offset=offset)


def _overflow(bits: int, offset: int, detail: str) -> PayloadDecodeError:
    # spec: ENC-3
    return PayloadDecodeError("varint_overflow", f"u{bits} varint {detail}", offset=offset)


def _non_canonical(bits: int, offset: int, size: int) -> PayloadDecodeError:
    # spec: ENC-4 — a final 0x00 group after the first byte is an over-long form
    return PayloadDecodeError(
        "non_canonical_varint",
        f"u{bits} varint of {size} bytes has a redundant zero group",
        offset=offset,
    )


def u64(d: bytes, p: int, mode: int) -> tuple[int, int]:
    """Unsigned LEB128 u64 at ``p``; also every length and count (spec: ENC-2, ENC-3, ENC-9).

    At most 10 bytes, the 10th at most 0x01. Running off the end of ``d`` raises IndexError,
    which the entry points report as ``unexpected_end`` at the end of the input (ENC-16).
    """
    b = d[p]
    if b < 0x80:
        return b, p + 1
    value = b & 0x7F
    # Unrolled for the common lengths (timestamps take 5 bytes), then a loop.
    b = d[p + 1]
    if b < 0x80:
        if b == 0 and mode & STRICT:
            raise _non_canonical(64, p, 2)
        return value | b << 7, p + 2
    value |= (b & 0x7F) << 7
    b = d[p + 2]
    if b < 0x80:
        if b == 0 and mode & STRICT:
            raise _non_canonical(64, p, 3)
        return value | b << 14, p + 3
    value |= (b & 0x7F) << 14
    b = d[p + 3]
    if b < 0x80:
        if b == 0 and mode & STRICT:
            raise _non_canonical(64, p, 4)
        return value | b << 21, p + 4
    value |= (b & 0x7F) << 21
    q = p + 4
    shift = 28
    while True:
        b = d[q]
        q += 1
        if b < 0x80:
            if shift == 63 and b > 0x01:
                raise _overflow(64, p, f"does not fit in 64 bits (last byte 0x{b:02x})")
            if b == 0 and mode & STRICT:
                raise _non_canonical(64, p, q - p)
            return value | b << shift, q
        value |= (b & 0x7F) << shift
        shift += 7
        if shift > 63:
            raise _overflow(64, p, "longer than 10 bytes")


def u32(d: bytes, p: int, mode: int) -> tuple[int, int]:
    """Unsigned LEB128 u32 at ``p`` (spec: ENC-2, ENC-3, ENC-4): at most 5 bytes, the 5th at
    most 0x0f."""
    b = d[p]
    if b < 0x80:
        return b, p + 1
    value = b & 0x7F
    q = p + 1
    shift = 7
    while True:
        b = d[q]
        q += 1
        if b < 0x80:
            if shift == 28 and b > 0x0F:
                raise _overflow(32, p, f"does not fit in 32 bits (last byte 0x{b:02x})")
            if b == 0 and mode & STRICT:
                raise _non_canonical(32, p, q - p)
            return value | b << shift, q
        value |= (b & 0x7F) << shift
        shift += 7
        if shift > 28:
            raise _overflow(32, p, "longer than 5 bytes")


def length(d: bytes, p: int, n: int, mode: int, min_size: int, what: str) -> tuple[int, int]:
    """A length or element count, checked against the bytes that remain (spec: ENC-9)."""
    start = p
    b = d[p]
    if b < 0x80:
        count, p = b, p + 1
    else:
        count, p = u64(d, p, mode)
    if count * min_size > n - p:
        # Fail before allocating anything: each element needs at least min_size bytes.
        raise PayloadDecodeError(
            "unexpected_end",
            f"{what} of {count} needs at least {count * min_size} bytes, {n - p} remain",
            offset=start,
        )
    return count, p


def string(d: bytes, p: int, n: int, mode: int) -> tuple[str, int]:
    """varint byte length + UTF-8 bytes (spec: ENC-10)."""
    size, p = length(d, p, n, mode, 1, "string")
    end = p + size
    try:
        return d[p:end].decode("utf-8"), end
    except UnicodeDecodeError as exc:
        raise PayloadDecodeError(
            "invalid_utf8", f"string is not valid UTF-8: {exc.reason}", offset=p + exc.start
        ) from None


def byte_vec(d: bytes, p: int, n: int, mode: int) -> tuple[bytes, int]:
    """varint length + raw bytes (``Vec<u8>``; spec: ENC-11)."""
    size, p = length(d, p, n, mode, 1, "byte vector")
    end = p + size
    return d[p:end], end


def uuid(d: bytes, p: int, n: int, mode: int) -> tuple[bytes, int]:
    """The slow path of an identifier: serde bytes that must be exactly 16 long (ENC-12)."""
    start = p
    b = d[p]
    if b < 0x80:
        size, p = b, p + 1
    else:
        size, p = u64(d, p, mode)
    if size > n - p:
        # spec: ENC-12, ENC-16 — the declared length is checked against the input first
        raise PayloadDecodeError(
            "unexpected_end",
            f"identifier declares {size} bytes, {n - p} remain",
            offset=start,
        )
    if size != 16:
        raise PayloadDecodeError(
            "invalid_uuid_length",
            f"identifier byte string has length {size}, not 16",
            offset=start,
        )
    return d[p : p + 16], p + 16


def unit_enum(d: bytes, p: int, mode: int, members: tuple[E, ...], name: str) -> tuple[E, int]:
    """The slow path of a data-free enum: a multi-byte or out-of-range discriminant (ENC-15)."""
    start = p
    tag, p = u32(d, p, mode)
    if tag >= len(members):
        raise unknown_variant(name, tag, start)
    return members[tag], p


def unknown_variant(name: str, tag: int, offset: int, note: str = "") -> PayloadDecodeError:
    # spec: ENC-15, ENC-19
    return PayloadDecodeError(
        "unknown_variant", f"{name} has no variant with discriminant {tag}{note}", offset=offset
    )


def bad_option(offset: int, tag: int) -> PayloadDecodeError:
    # spec: ENC-8
    return PayloadDecodeError(
        "invalid_option_tag", f"Option tag 0x{tag:02x} is neither 0x00 nor 0x01", offset=offset
    )


# ---------------------------------------------------------------------------------------------
# encoding


def uvarint(value: int) -> bytes:
    """Minimal unsigned LEB128 (spec: ENC-2). The caller has range-checked ``value``."""
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def out_of_range(what: str, value: object, offset: int) -> NoReturn:
    # spec: ENC-21
    if type(value) is not int:
        raise EncodeError(
            "invalid_value_type",
            f"{what} must be an int, got {type(value).__name__}",
            offset=offset,
        )
    raise EncodeError("value_out_of_range", f"{what} value {value} out of range", offset=offset)


def wrong_type(what: str, value: object, offset: int) -> NoReturn:
    # spec: ENC-21
    raise EncodeError(
        "invalid_value_type",
        f"{what} expected, got {type(value).__name__}",
        offset=offset,
    )


def bad_id(what: str, value: object, offset: int) -> NoReturn:
    # spec: ENC-12
    if isinstance(value, bytes):
        raise EncodeError("invalid_id", f"{what} must be 16 bytes, got {len(value)}", offset=offset)
    wrong_type(what, value, offset)


def put_str(out: bytearray, value: object, what: str) -> None:
    """varint byte length + UTF-8 (spec: ENC-10)."""
    if type(value) is not str:
        wrong_type(what, value, len(out))
    try:
        raw = value.encode("utf-8")
    except UnicodeEncodeError:
        raise EncodeError(
            "invalid_value_type", f"{what} contains a lone surrogate", offset=len(out)
        ) from None
    size = len(raw)
    if size < 0x80:
        out.append(size)
    else:
        out += uvarint(size)
    out += raw


def put_bytes(out: bytearray, value: object, what: str) -> None:
    """varint length + raw bytes (spec: ENC-11)."""
    if not isinstance(value, bytes):
        wrong_type(what, value, len(out))
    size = len(value)
    if size < 0x80:
        out.append(size)
    else:
        out += uvarint(size)
    out += value


def put_len(out: bytearray, value: object, what: str) -> int:
    """The element count of a sequence (spec: ENC-9); sequences are tuples or lists."""
    if not isinstance(value, tuple | list):
        wrong_type(what, value, len(out))
    size = len(value)
    if size < 0x80:
        out.append(size)
    else:
        out += uvarint(size)
    return size
