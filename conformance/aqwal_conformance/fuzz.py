"""Robustness fuzzing: hostile bytes into every decoder (spec: ERR-1).

Every input must give a value or an :class:`~aqwal.errors.AqwalError` — never another
exception — and decoding must not allocate much more than the input's size. Inputs: random
bytes, and valid records, logs and snapshots with bit flips, truncations, inflated length
prefixes and spliced records. Requires the ``test`` extra (hypothesis).
"""

from __future__ import annotations

import io
import random
import struct
from functools import cache

from hypothesis import strategies as st

from aqwal.codec import decode_payload, decode_record, encode_record
from aqwal.errors import AqwalError
from aqwal.reducer import Reducer
from aqwal.snapshot import decode_snapshot, encode_snapshot, snapshot_of
from aqwal.walfile import read_wal
from aqwal_conformance.workload import engine_like_log


@cache
def seeds() -> tuple[tuple[bytes, ...], bytes]:
    """Valid records (framed) and one valid snapshot file to mutate."""
    events = list(engine_like_log(random.Random(99), 60))
    reducer = Reducer()
    for e in events:
        reducer.apply(e)
    return tuple(encode_record(e) for e in events), encode_snapshot(snapshot_of(reducer.state))


@st.composite
def hostile_inputs(draw: st.DrawFn) -> bytes:
    """Random bytes, or a valid input with faults injected."""
    records, snapshot = seeds()
    kind = draw(st.sampled_from(["random", "record", "log", "snapshot"]))
    if kind == "random":
        return draw(st.binary(max_size=400))
    if kind == "record":
        data = bytearray(draw(st.sampled_from(records)))
    elif kind == "log":
        start = draw(st.integers(0, len(records) - 1))
        data = bytearray(b"".join(records[start : start + draw(st.integers(1, 8))]))
    else:
        data = bytearray(snapshot)
    for _ in range(draw(st.integers(0, 3))):
        fault = draw(st.sampled_from(["flip", "truncate", "inflate", "splice", "zero-length"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if fault == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif fault == "truncate":
            del data[at:]
        elif fault == "inflate" and len(data) >= 8:
            struct.pack_into(
                "<I", data, 4, draw(st.sampled_from([2**28, 2**28 + 1, 2**32 - 1, len(data) + 1]))
            )
        elif fault == "splice":
            other = draw(st.sampled_from(records))
            data[at:at] = other[: draw(st.integers(0, len(other)))]
        elif fault == "zero-length" and len(data) >= 8:
            struct.pack_into("<I", data, 4, 0)
    return bytes(data)


def exercise(data: bytes) -> int:
    """Feed one input to every decoder; return how many accepted it. Raises only on a
    non-aqwal exception (a bug)."""
    accepted = 0
    for decode in (
        lambda: decode_record(data),
        lambda: decode_record(data, strict=False, workflow=True),
        lambda: decode_payload(data),
        lambda: decode_payload(data[12:], strict=False),
        lambda: list(read_wal(io.BytesIO(data), chunk=64)),
        lambda: decode_snapshot(data),
    ):
        try:
            decode()
            accepted += 1
        except AqwalError:
            pass
    return accepted
