"""The body check of the protocol (spec: CP-2) agrees with a CBOR decoder on what it admits."""

from __future__ import annotations

from typing import Any

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aqwal_conformance.wellformed import MAX_DEPTH, MalformedCBOR, item_end

plain = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64 - 1)
    | st.floats()
    | st.text(max_size=10)
    | st.binary(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=5), inner, max_size=5)
    ),
    max_leaves=30,
)


@given(plain)
def test_every_plain_item_is_admitted_whole(value: Any) -> None:
    data = cbor2.dumps(value)
    assert item_end(data) == len(data)
    assert item_end(data + b"\x00") == len(data)


@given(st.binary(max_size=40))
def test_what_is_admitted_decodes_to_plain_values(data: bytes) -> None:
    try:
        end = item_end(data)
    except MalformedCBOR:
        return
    try:
        value = cbor2.loads(data[:end])
    except (cbor2.CBORDecodeError, UnicodeDecodeError):
        return  # ill-formed UTF-8: refused by the decoder, which the protocol layer reports
    pending = [value]
    while pending:
        item = pending.pop()
        assert isinstance(item, dict | list | tuple | str | bytes | int | float | type(None))
        if isinstance(item, int):
            assert -(2**1024) <= item < 2**1024
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)


@pytest.mark.parametrize(
    ("hex_item", "words"),
    [
        ("d81c81d81d00", "tag 28"),
        ("d82463613a62", "tag 36"),
        ("c2591388" + "ff" * 5000, "bignum of 5000 bytes"),
        ("81" * (MAX_DEPTH + 1) + "00", f"nest deeper than {MAX_DEPTH}"),
        ("f7", "undefined"),
        ("f820", "simple value"),
        ("1f", "indefinite length on an integer"),
        ("9b" + "ff" * 8, "container of"),
        ("bf6161ff", "break code"),
        ("5f6161ff", "bad chunk"),
        ("", "input ends inside an item"),
    ],
)
def test_unacceptable_items(hex_item: str, words: str) -> None:
    with pytest.raises(MalformedCBOR, match=words):
        item_end(bytes.fromhex(hex_item))


def test_item_count_is_bounded() -> None:
    data = b"\x9f" + b"\x00" * 20 + b"\xff"
    assert item_end(data, max_items=21) == len(data)
    with pytest.raises(MalformedCBOR, match="more than 20 data items"):
        item_end(data, max_items=20)


def test_self_described_and_bignum_items_are_admitted() -> None:
    for hex_item in ("d9d9f7a0", "c249010000000000000000", "c34100"):
        assert item_end(bytes.fromhex(hex_item)) == len(hex_item) // 2
