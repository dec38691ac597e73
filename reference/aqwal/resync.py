"""Finding the first valid record after a corruption, in one pass (spec: WAL-5).

Every offset ``p`` after the corruption where the bytes ``05 00 00 00`` start is a candidate. A
candidate is a complete, valid record when its declared length is 1 to 268435456, the whole
payload is in the file, the payload's CRC-32 matches the header and the payload decodes.

Checking each candidate by reading its payload costs the candidate's length, so a file full of
candidates that declare large lengths would take time quadratic in its size. Instead the file
is read once while a running CRC-32 ``R(x)`` of the bytes from the scan's start to ``x`` is
kept. CRC-32 is affine, so the CRC-32 of the bytes ``[s, e)`` is ``R(e)`` xor ``R(s)`` shifted
by ``e - s`` bytes — a multiplication by ``x^(8(e-s))`` modulo the CRC polynomial (the algebra
of zlib's ``crc32_combine``). At a candidate's payload start the expected ``R(e)`` is computed;
at the payload end it is compared. Only candidates whose CRC-32 matches are read and decoded.

Memory is bounded: at most :data:`MAX_PENDING` candidates are in flight; when more are found,
the rest of the file is scanned in another round from the first candidate not yet considered.
"""

from __future__ import annotations

import heapq
import os
import re
import zlib
from array import array
from functools import cache
from typing import BinaryIO

from aqwal.codec import (
    HEADER,
    HEADER_LEN,
    MAX_PAYLOAD_LEN,
    WAL_VERSION,
    decode_frame_at,
    mode_of,
)
from aqwal.errors import AqwalError
from aqwal.postcard import STRICT
from aqwal.postcard_codec import _d_WalEvent

CHUNK = 1 << 20
#: Candidates waiting for the end of their payload, at most, per round.
MAX_PENDING = 1 << 18
#: Payloads up to this length are read and checked outright, longer ones by CRC-32 algebra.
SMALL_PAYLOAD = 4 * 1024
#: How much of a long payload is decoded first, to dismiss garbage cheaply.
PEEK = 64
_POLY = 0xEDB88320  # CRC-32, bit-reflected
_ONE = 1 << 31  # the polynomial 1 in the reflected representation
_MAGIC = re.compile(re.escape(WAL_VERSION.to_bytes(4, "little")))
_LOW_BITS = 15


def _multiply(a: int, b: int) -> int:
    """``a * b`` modulo the CRC-32 polynomial (reflected representation)."""
    product = 0
    bit = _ONE
    while a:
        if a & bit:
            product ^= b
            a ^= bit
        bit >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1
    return product


def _times_x8(v: int) -> int:
    """``v * x^8``: the CRC-32 register ``v`` advanced over one zero byte, as zlib does it
    (zlib's ``crc32`` inverts the register before and after)."""
    return zlib.crc32(b"\0", v ^ 0xFFFF_FFFF) ^ 0xFFFF_FFFF


def _byte_products(m: int) -> list[array[int]]:
    """Four tables of 256 entries with ``a * m`` =
    ``t[0][a & 255] ^ t[1][a >> 8 & 255] ^ t[2][a >> 16 & 255] ^ t[3][a >> 24]`` (the product
    is linear in ``a``); each entry is one earlier entry xor the product of one bit."""
    tables = []
    for byte in range(4):
        bits = [_multiply(m, 1 << (8 * byte + k)) for k in range(8)]
        table = array("I", [0])
        for b in range(1, 256):
            lowest = b & -b
            table.append(table[b ^ lowest] ^ bits[lowest.bit_length() - 1])
        tables.append(table)
    return tables


@cache
def _power_tables() -> tuple[array[int], array[int]]:
    """``x^(8n)`` for ``n < 2^15`` and ``x^(8 * 2^15 * n)`` for ``n < 2^14`` (lengths up to
    2^29 bytes, more than the 2^28 a record may declare)."""
    low = array("I", [_ONE])
    for _ in range(1, 1 << _LOW_BITS):
        low.append(_times_x8(low[-1]))
    t0, t1, t2, t3 = _byte_products(_times_x8(low[-1]))  # times x^(8 * 2^15)
    high = array("I", [_ONE])
    for _ in range(1, 1 << 14):
        h = high[-1]
        high.append(t0[h & 255] ^ t1[h >> 8 & 255] ^ t2[h >> 16 & 255] ^ t3[h >> 24])
    return low, high


def crc_shift(crc: int, length: int) -> int:
    """The CRC-32 register ``crc`` advanced over ``length`` bytes: ``crc32(a + b)`` is
    ``crc_shift(crc32(a), len(b)) ^ crc32(b)``."""
    low, high = _power_tables()
    power = _multiply(low[length & ((1 << _LOW_BITS) - 1)], high[length >> _LOW_BITS])
    return _multiply(power, crc)


def find_valid_record(
    f: BinaryIO, start: int, size: int, *, strict: bool, workflow: bool, chunk: int = CHUNK
) -> int | None:
    """The first offset at or after ``start`` where a complete, valid record starts in the
    ``size`` bytes of the file ``f``, or None (spec: WAL-5). ``f`` must support ``fileno``;
    it is read ``chunk`` bytes at a time, which changes nothing in the answer (WAL-11)."""
    begin = start
    while begin < size:
        found, resume = _round(f, begin, size, strict=strict, workflow=workflow, chunk=chunk)
        if found is not None or resume is None:
            return found
        begin = resume
    return None


def _round(
    f: BinaryIO, begin: int, size: int, *, strict: bool, workflow: bool, chunk: int
) -> tuple[int | None, int | None]:
    """Consider the candidates from ``begin`` on, at most :data:`MAX_PENDING` at a time.

    Returns the first valid record among them, or None and the offset of the first candidate
    left for the next round (None when every candidate up to the end of the file was seen)."""
    fd = f.fileno()
    mode = mode_of(strict=strict, workflow=workflow)
    f.seek(begin)
    crc = 0  # R(position): the CRC-32 of the bytes [begin, position)
    position = begin
    pending: dict[int, list[tuple[int, int]]] = {}  # payload end -> [(expected R(end), p)]
    ends: list[int] = []  # the keys of pending, as a heap
    in_flight = 0  # candidates in pending
    collecting = True
    resume: int | None = None  # the first candidate left for the next round
    best: int | None = None  # the first valid record found so far
    carry = b""
    offset = begin  # file offset of the next byte to read
    while ends or collecting:
        block = f.read(chunk)
        if not block:
            break
        window = carry + block
        window_start = offset - len(carry)
        window_end = offset = offset + len(block)
        view = memoryview(window)
        starts: list[tuple[int, int, int]] = []  # (p, length, header CRC) in file order
        if collecting:
            # Candidates whose 12-byte header lies in this window; the last 11 bytes are
            # kept for the next window, where a header starting there is complete.
            limit = len(window) - (HEADER_LEN - 1)
            for m in _MAGIC.finditer(window, 0, max(limit + 3, 0)):
                i = m.start()
                p = window_start + i
                _version, length, header_crc = HEADER.unpack_from(window, i)
                if not 0 < length <= MAX_PAYLOAD_LEN or p + HEADER_LEN + length > size:
                    continue
                peek = min(length, PEEK)
                head = (
                    window[i + HEADER_LEN : i + HEADER_LEN + peek]
                    if i + HEADER_LEN + peek <= len(window)
                    else os.pread(fd, peek, p + HEADER_LEN)
                )
                verdict = _first_look(head, length, mode)
                if verdict is False:
                    continue
                if verdict is True:
                    if _decodes(fd, p, HEADER_LEN + length, strict=strict, workflow=workflow):
                        best = p
                        collecting = False
                        break
                    continue
                if in_flight == MAX_PENDING:
                    collecting, resume = False, p
                    break
                in_flight += 1
                starts.append((p, length, header_crc))
            carry = window[max(limit, 0) :]
        # Visit the payload starts and ends in this window in file order, advancing R.
        k = 0
        while True:
            next_start = starts[k][0] + HEADER_LEN if k < len(starts) else window_end + 1
            next_end = ends[0] if ends else window_end + 1
            x = min(next_start, next_end)
            if x > window_end:
                break
            crc = _advance(crc, view, position - window_start, x - window_start)
            position = x
            if next_start <= next_end:
                p, length, header_crc = starts[k]
                k += 1
                end = x + length
                if end not in pending:
                    pending[end] = []
                    heapq.heappush(ends, end)
                pending[end].append((header_crc ^ crc_shift(crc, length), p))
                continue
            heapq.heappop(ends)
            for expected, p in pending.pop(x):
                in_flight -= 1
                if crc != expected or (best is not None and p > best):
                    continue
                if _decodes(fd, p, x - p, strict=strict, workflow=workflow):
                    best = p
                    # Later candidates no longer matter (every earlier one was collected).
                    collecting = False
        crc = _advance(crc, view, position - window_start, len(window))
        position = window_end
        if best is not None and not any(
            p < best for items in pending.values() for _expected, p in items
        ):
            return best, None
    if best is not None:
        return best, None
    return None, resume


def _advance(crc: int, view: memoryview, i: int, j: int) -> int:
    return zlib.crc32(view[i:j], crc) if j > i else crc


def _first_look(head: bytes, length: int, mode: int) -> bool | None:
    """A first look at the start of a candidate's payload (``head``, up to :data:`PEEK`
    bytes): False when it already fails to decode, or, for a strict reader, decodes to a whole
    WalEvent that would leave bytes over; True when the payload is small enough to check
    outright; None when only its CRC-32 can tell."""
    if length > len(head):
        try:
            _d_WalEvent(head, 0, len(head), mode)
        except IndexError:
            pass
        except AqwalError as exc:
            if exc.code != "unexpected_end":
                return False
        else:
            if mode & STRICT:
                return False
    return True if length <= SMALL_PAYLOAD else None


def _decodes(fd: int, p: int, record_length: int, *, strict: bool, workflow: bool) -> bool:
    data = os.pread(fd, record_length, p)
    if len(data) < record_length:
        return False
    try:
        decode_frame_at(data, 0, strict=strict, workflow=workflow)
    except AqwalError:
        return False
    return True
