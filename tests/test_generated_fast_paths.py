"""The generated codec's inlined fast paths agree with the rules they shortcut (spec: ENC-2 ..
ENC-4, FRM-5).

The generated decoders inline canonical u64 varints of up to five bytes and decode a whole
well-formed record in ``decode_frame_at``; every other form goes to the slow paths of
``aqwal.postcard`` and ``aqwal.frame``. These tests feed each length and each over-long form
through both and compare values, positions and errors.
"""

from __future__ import annotations

import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aqwal import postcard as pc
from aqwal.codec import decode_frame_at, decode_payload, decode_record, encode_record
from aqwal.errors import AqwalError
from aqwal.frame import HEADER
from aqwal.types import EnginePaused, LeaseHeartbeat, WalEvent

ENGINE_PAUSED = 11  # WalEventType discriminant


def raw_varint(value: int, extra_zero_groups: int = 0) -> bytes:
    """LEB128 of ``value``, optionally over-long by ``extra_zero_groups`` zero groups."""
    out = bytearray(pc.uvarint(value))
    for _ in range(extra_zero_groups):
        out[-1] |= 0x80
        out.append(0)
    return bytes(out)


def outcome(fn: object, *args: object, **kw: object) -> tuple[object, ...]:
    """("ok", value) or ("error", code, offset)."""
    try:
        return ("ok", fn(*args, **kw))  # type: ignore[operator]
    except AqwalError as exc:
        return ("error", exc.code, exc.offset)


def u64_values() -> st.SearchStrategy[int]:
    # every varint length from 1 to 10 bytes, and the edges of each
    edges = [(1 << (7 * k)) + d for k in range(10) for d in (-1, 0, 1)]
    return st.one_of(
        st.sampled_from([x for x in edges if 0 <= x <= pc.U64_MAX]),
        st.integers(0, pc.U64_MAX),
    )


@pytest.mark.parametrize("strict", [True, False])
@given(sequence=u64_values(), timestamp=u64_values(), extra=st.integers(0, 3))
def test_inline_u64_matches_the_slow_path(
    strict: bool, sequence: int, timestamp: int, extra: int
) -> None:
    mode = pc.STRICT if strict else 0
    for seq_raw, ts_raw in (
        (raw_varint(sequence, extra), raw_varint(timestamp)),
        (raw_varint(sequence), raw_varint(timestamp, extra)),
    ):
        payload = seq_raw + bytes([ENGINE_PAUSED]) + ts_raw
        seq = outcome(pc.u64, seq_raw, 0, mode)
        ts = outcome(pc.u64, ts_raw, 0, mode)
        expected: tuple[object, ...]
        if seq[0] == "error":
            expected = seq
        elif ts[0] == "error":
            expected = ("error", ts[1], len(seq_raw) + 1 + ts[2])  # type: ignore[operator]
        else:
            expected = ("ok", WalEvent(seq[1][0], EnginePaused(ts[1][0])))  # type: ignore[index]
        assert outcome(decode_payload, payload, strict=strict) == expected
        header = HEADER.pack(5, len(payload), zlib.crc32(payload))
        framed = outcome(decode_record, header + payload, strict=strict)
        if expected[0] == "error":
            assert framed == ("error", expected[1], expected[2] + 12)  # type: ignore[operator]
        else:
            assert framed == expected


@pytest.mark.parametrize("cut", range(1, 8))
def test_truncated_multi_byte_varint_is_unexpected_end(cut: int) -> None:
    payload = raw_varint(2**40) + bytes([ENGINE_PAUSED]) + raw_varint(1_700_000_000)
    short = payload[:cut]
    assert outcome(decode_payload, short) == ("error", "unexpected_end", len(short))
    header = HEADER.pack(5, len(short), zlib.crc32(short))
    assert outcome(decode_record, header + short) == ("error", "unexpected_end", len(short) + 12)


def test_frame_decoder_reads_records_at_offsets_in_a_buffer() -> None:
    events = [WalEvent(s, EnginePaused(1_700_000_000 + s)) for s in (1, 200, 70_000, 2**35)]
    buf = b"".join(encode_record(e) for e in events)
    offset = 0
    decoded = []
    while offset < len(buf):
        event, offset = decode_frame_at(buf, offset)
        decoded.append(event)
    assert decoded == events


def test_trailing_bytes_in_a_payload_strict_and_lenient() -> None:
    payload = b"\x01" + bytes([ENGINE_PAUSED]) + raw_varint(1000) + b"\xff"
    record = HEADER.pack(5, len(payload), zlib.crc32(payload)) + payload
    assert outcome(decode_frame_at, record) == ("error", "trailing_bytes", len(record) - 1)
    assert decode_frame_at(record, strict=False) == (WalEvent(1, EnginePaused(1000)), len(record))


LEASE_HEARTBEAT = 8  # WalEventType discriminant: run_id, owner (String), expiry, timestamp


@given(
    raw=st.one_of(st.binary(max_size=200), st.text(max_size=150).map(lambda s: s.encode("utf-8"))),
    declared=st.one_of(st.none(), st.integers(0, 300)),
)
def test_inline_string_matches_the_slow_path(raw: bytes, declared: int | None) -> None:
    # spec: ENC-10 — a string of any length, valid UTF-8 or not, its declared length true or
    # running past the payload: the inlined decoder answers as aqwal.postcard.string does
    size = len(raw) if declared is None else declared
    head = raw_varint(1) + bytes([LEASE_HEARTBEAT, 16]) + bytes(range(16))
    payload = head + raw_varint(size) + raw + raw_varint(7) + raw_varint(9)
    try:
        owner, end = pc.string(payload, len(head), len(payload), pc.STRICT)
    except AqwalError as exc:
        assert outcome(decode_payload, payload, strict=False) == ("error", exc.code, exc.offset)
        return
    try:
        event = decode_payload(payload, strict=False).event
    except AqwalError as exc:
        # the string was read; what follows it is not a whole heartbeat
        assert exc.offset is not None and exc.offset >= end
    else:
        assert isinstance(event, LeaseHeartbeat) and event.owner == owner
