"""Resynchronisation after a corruption: exactly WAL-5's answer, in linear time (spec: WAL-5)."""

from __future__ import annotations

import json
import random
import struct
import time
import zlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aqwal import resync
from aqwal.codec import HEADER, HEADER_LEN, MAX_PAYLOAD_LEN, decode_frame_at
from aqwal.errors import AqwalError
from aqwal.walfile import validate_wal_file
from aqwal_conformance.fuzz import damaged_binary, seeds


def naive_first_valid(data: bytes, start: int, *, strict: bool) -> int | None:
    """WAL-5 read literally: try every offset (quadratic, for checking)."""
    for p in range(start, len(data) - HEADER_LEN + 1):
        version, length, _crc = HEADER.unpack_from(data, p)
        if version != 5 or not 0 < length <= MAX_PAYLOAD_LEN:
            continue
        if p + HEADER_LEN + length > len(data):
            continue
        try:
            decode_frame_at(data[p : p + HEADER_LEN + length], 0, strict=strict)
        except AqwalError:
            continue
        return p
    return None


def _find(path: Path, start: int, *, strict: bool) -> int | None:
    with path.open("rb") as f:
        size = path.stat().st_size
        return resync.find_valid_record(f, start, size, strict=strict, workflow=False)


def test_crc_shift_is_zlib_concatenation() -> None:
    rng = random.Random(5)
    for _ in range(50):
        a, b = rng.randbytes(rng.randint(0, 40)), rng.randbytes(rng.randint(0, 5000))
        assert zlib.crc32(a + b) == resync.crc_shift(zlib.crc32(a), len(b)) ^ zlib.crc32(b)
    big = (1 << 28) + 12345  # beyond the low table, up to the largest length plus more
    assert resync.crc_shift(0x12345678, big) == resync.crc_shift(
        resync.crc_shift(0x12345678, 1 << 28), 12345
    )


def test_power_tables_hold_powers_of_x8() -> None:
    # spec: WAL-5 — entry n of the tables is the register _ONE (the polynomial 1) advanced over
    # n zero bytes (low) or n times 2^15 zero bytes (high), which zlib computes directly
    low, high = resync._power_tables()
    assert (len(low), len(high)) == (1 << 15, 1 << 14)

    def advanced(zero_bytes: int) -> int:
        return zlib.crc32(bytes(zero_bytes), resync._ONE ^ 0xFFFF_FFFF) ^ 0xFFFF_FFFF

    for n in (0, 1, 2, 3, 255, 256, 4097, (1 << 15) - 1):
        assert low[n] == advanced(n), n
    for n in (0, 1, 2, 3, 255, 256, 1000):
        assert high[n] == advanced(n << 15), n
    for n in (4097, (1 << 14) - 1):
        assert high[n] == resync._multiply(high[n - 1], high[1]), n


@pytest.fixture
def tiny_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows, rounds and thresholds small enough that the seeds cross every boundary."""
    monkeypatch.setattr(resync, "CHUNK", 37)
    monkeypatch.setattr(resync, "MAX_PENDING", 3)
    monkeypatch.setattr(resync, "SMALL_PAYLOAD", 20)
    monkeypatch.setattr(resync, "PEEK", 6)


@pytest.mark.usefixtures("tiny_windows")
@given(seed=st.integers(0, 2**64 - 1), strict=st.booleans(), start=st.integers(0, 60))
def test_same_answer_as_trying_every_offset(
    seed: int, strict: bool, start: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    rng = random.Random(seed)
    records, _snapshot = seeds()
    # damaged logs, with whole records spliced in so that valid records follow damage
    data = bytearray(damaged_binary(rng))
    for _ in range(rng.randint(0, 3)):
        at = rng.randint(0, len(data))
        data[at:at] = rng.choice(records)
    path = tmp_path_factory.mktemp("resync") / "log"
    path.write_bytes(bytes(data))
    assert _find(path, start, strict=strict) == naive_first_valid(bytes(data), start, strict=strict)


def test_the_first_of_several_valid_records_wins_whatever_order_they_end_in(
    tmp_path: Path,
) -> None:
    # A long valid record at p, a short valid one starting inside its payload and ending
    # first: the answer is p.
    records, _snapshot = seeds()
    long_record = max(records, key=len)
    short = min(records, key=len)
    garbage = b"\xff" * 7
    payload_at = len(garbage) + HEADER_LEN + 20
    data = bytearray(garbage + long_record)
    # the short record replaces bytes inside the long payload: the long one is then invalid,
    # so make it valid again by recomputing its CRC
    data[payload_at : payload_at + len(short)] = short
    length = struct.unpack_from("<I", data, len(garbage) + 4)[0]
    body = bytes(data[len(garbage) + HEADER_LEN : len(garbage) + HEADER_LEN + length])
    struct.pack_into("<I", data, len(garbage) + 8, zlib.crc32(body))
    path = tmp_path / "log"
    path.write_bytes(bytes(data))
    expected = naive_first_valid(bytes(data), 1, strict=False)
    assert _find(path, 1, strict=False) == expected
    assert expected in (len(garbage), payload_at)


def test_every_wal_vector_expects_the_first_valid_record_after_its_corruption() -> None:
    # spec: WAL-5 — next_valid_offset is the smallest p > r where a complete, valid record
    # starts, checked here by trying every offset of every wal vector
    vectors = Path(__file__).resolve().parents[1] / "vectors"
    index = json.loads((vectors / "index.json").read_text(encoding="utf-8"))
    checked = 0
    for entry in index["vectors"]:
        if entry["category"] != "wal":
            continue
        data = (vectors / entry["files"]["input"]).read_bytes()
        doc = json.loads((vectors / entry["files"]["json"]).read_text(encoding="utf-8"))
        strict = entry.get("options", {}).get("strict", True)
        expected = None
        if doc["corruption"] is not None:
            expected = naive_first_valid(data, doc["corruption"]["offset"] + 1, strict=strict)
        assert doc["next_valid_offset"] == expected, entry["id"]
        assert (doc["tail"] == "mid-file") == (expected is not None), entry["id"]
        checked += expected is not None
    assert checked >= 20


def _candidates_file(path: Path, size: int) -> None:
    """One valid record, a corrupt one, then 16-byte units that each start with a record
    header declaring a length that fits in the file — every unit is a candidate."""
    records, _snapshot = seeds()
    head = records[0] + b"\x05\x00\x00\x00\xff\xff\xff\x00" + b"\x00" * 4
    units = bytearray()
    while len(head) + len(units) < size:
        remaining = size - len(head) - len(units) - HEADER_LEN
        units += struct.pack("<III", 5, max(1, remaining // 2), 0xDEADBEEF) + b"\x01\x00\x10\x00"
    path.write_bytes(head + bytes(units))


def _verify_seconds(path: Path) -> float:
    start = time.process_time()
    report = validate_wal_file(path)
    assert report.tail == "torn"
    return time.process_time() - start


@pytest.mark.parametrize("peek", [64, 0], ids=["first-look", "crc-algebra"])
def test_time_is_linear_with_many_large_candidates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, peek: int
) -> None:
    # spec: WAL-5 — each candidate used to be checked by reading its payload: quadratic
    monkeypatch.setattr(resync, "PEEK", peek)  # 0: every candidate takes the algebra path
    small, large = tmp_path / "small", tmp_path / "large"
    _candidates_file(small, 64 * 1024)
    _candidates_file(large, 256 * 1024)
    resync.crc_shift(0, 1)  # build the tables outside the measurement
    ratio = _verify_seconds(large) / max(_verify_seconds(small), 1e-3)
    assert ratio < 8, ratio
