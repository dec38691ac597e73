"""Any byte string into any decoder gives a value or an aqwal error, in bounded memory."""

from __future__ import annotations

import contextlib
import io
import tracemalloc
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aqwal.codec import (
    decode_payload,
    decode_record,
    decode_value,
    encode_record,
    iter_records,
    read_records,
)
from aqwal.errors import AqwalError
from aqwal.forms import CBOR_FORM, JSON_FORM, parse_cbor_bytes, parse_json_text
from aqwal.postcard_codec import DECODERS
from aqwal_conformance.strategies import wal_events


def _only_aqwal_errors(action: Any) -> None:
    # Any other exception type escapes and fails the test.
    with contextlib.suppress(AqwalError):
        action()


@given(data=st.binary(max_size=300), strict=st.booleans(), workflow=st.booleans())
def test_random_payloads(data: bytes, strict: bool, workflow: bool) -> None:
    _only_aqwal_errors(lambda: decode_payload(data, strict=strict, workflow=workflow))
    _only_aqwal_errors(lambda: decode_record(data, strict=strict, workflow=workflow))
    _only_aqwal_errors(lambda: list(iter_records(data, strict=strict)))
    _only_aqwal_errors(lambda: list(read_records(io.BytesIO(data), strict=strict)))


@pytest.mark.parametrize("type_name", sorted(DECODERS))
@given(data=st.binary(max_size=120))
def test_random_values(type_name: str, data: bytes) -> None:
    _only_aqwal_errors(lambda: decode_value(type_name, data, workflow=True))


@given(
    event=wal_events(),
    flips=st.lists(st.integers(0, 10**6), min_size=1, max_size=4),
    cut=st.integers(0, 10**6),
)
def test_mutated_records(event: Any, flips: list[int], cut: int) -> None:
    raw = bytearray(encode_record(event))
    for f in flips:
        raw[f % len(raw)] ^= 1 << (f % 8)
    for candidate in (bytes(raw), bytes(raw[: cut % (len(raw) + 1)])):
        _only_aqwal_errors(lambda c=candidate: decode_record(c))
        _only_aqwal_errors(lambda c=candidate: decode_payload(c[12:], strict=False))


@given(text=st.text(max_size=200))
def test_random_json(text: str) -> None:
    _only_aqwal_errors(lambda: JSON_FORM.load("WalEvent", parse_json_text(text)))


@given(
    obj=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.binary(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
        ),
        max_leaves=12,
    )
)
def test_random_form_objects(obj: Any) -> None:
    _only_aqwal_errors(lambda: JSON_FORM.load("WalEvent", obj))
    _only_aqwal_errors(lambda: CBOR_FORM.load("WalEvent", obj))
    _only_aqwal_errors(lambda: JSON_FORM.load("TaskSpec", obj))


@given(data=st.binary(max_size=100))
def test_random_cbor(data: bytes) -> None:
    _only_aqwal_errors(lambda: CBOR_FORM.load("WalEvent", parse_cbor_bytes(data)))


HUGE_PREFIXES = [
    # spec: ENC-9 — a length prefix of 2^32 (and of 2^64-1) on a tiny input fails fast
    ("string", "TaskPayload", bytes.fromhex("00 01 80 80 80 80 10 61 62")),
    ("bytes", "TaskPayload", bytes.fromhex("80 80 80 80 10 00 00")),
    ("seq", "TaskMetadata", bytes.fromhex("ff ff ff ff ff ff ff ff ff 01 00 00")),
    (
        "seq-of-ids",
        "WalEvent",
        bytes.fromhex("01 0d 10") + bytes(16) + bytes.fromhex("80 80 80 80 10 10"),
    ),
]


@pytest.mark.parametrize(
    ("type_name", "data"), [c[1:] for c in HUGE_PREFIXES], ids=[c[0] for c in HUGE_PREFIXES]
)
def test_huge_length_prefix_allocates_nothing(type_name: str, data: bytes) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(AqwalError) as info:
            decode_value(type_name, data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.code == "unexpected_end"
    assert peak < 64 * 1024


def test_huge_frame_length_allocates_nothing() -> None:
    # a header declaring 256 MiB on a 20-byte input
    data = bytes.fromhex("05000000 00000010 00000000") + bytes(8)
    tracemalloc.start()
    try:
        with pytest.raises(AqwalError):
            decode_record(data)
        with pytest.raises(AqwalError):
            list(read_records(io.BytesIO(data)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024
