"""Streaming reads report what whole-buffer reads report (spec: FRM-5, ENC-16).

``read_records`` reads its stream in chunks; wherever a chunk boundary falls — inside a header,
inside a payload, on a record boundary — it must yield the same records and raise the same
error at the same offset as ``iter_records`` on the whole input.
"""

from __future__ import annotations

import io
import random

import pytest

from aqwal.codec import encode_record, iter_records, read_records
from aqwal.errors import AqwalError
from aqwal_conformance.workload import engine_like_log

LOG = b"".join(encode_record(e) for e in engine_like_log(random.Random(3), 40))


def outcome(records: object) -> tuple[list[object], tuple[str, int | None] | None]:
    got: list[object] = []
    try:
        for item in records:  # type: ignore[attr-defined]
            got.append(item)
    except AqwalError as exc:
        return got, (exc.code, exc.offset)
    return got, None


@pytest.mark.parametrize("chunk", [1, 5, 12, 13, 64, 1000, 1 << 20])
def test_chunked_reads_match_the_whole_buffer(chunk: int) -> None:
    assert outcome(read_records(io.BytesIO(LOG), chunk=chunk)) == outcome(iter_records(LOG))


@pytest.mark.parametrize("chunk", [7, 100, 1 << 20])
def test_every_truncation_and_corruption_reports_the_same_error(chunk: int) -> None:
    rng = random.Random(chunk)
    cuts = sorted(rng.sample(range(1, len(LOG)), 60))
    for cut in cuts:
        short = LOG[:cut]
        assert outcome(read_records(io.BytesIO(short), chunk=chunk)) == outcome(
            iter_records(short)
        )
        flipped = bytearray(LOG)
        flipped[cut] ^= 0x40
        bad = bytes(flipped)
        assert outcome(read_records(io.BytesIO(bad), chunk=chunk)) == outcome(iter_records(bad))


def test_a_lying_length_reads_only_what_is_there() -> None:
    # version 5, length 256 MiB, then 8 bytes: the stream is read in chunks until it ends
    data = bytes.fromhex("05000000 00000010 00000000") + bytes(8)
    got, error = outcome(read_records(io.BytesIO(data), chunk=4))
    assert got == []
    assert error == ("frame_length_exceeds_buffer", 4)
