"""The body check of the protocol (spec: CP-2): it bounds items and depth, and what it admits is
one item that the CBOR form reader (which gives tags no meaning) reads."""

from __future__ import annotations

from typing import Any

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aqwal.cborinput import read_cbor_item
from aqwal.errors import FormError
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
def test_what_is_admitted_is_one_item_the_form_reader_reads(data: bytes) -> None:
    try:
        end = item_end(data)
    except MalformedCBOR:
        return
    try:
        read_cbor_item(data[:end])
    except FormError as exc:
        # only what the scan does not look at: the UTF-8 of text strings, the depth of an empty
        # container, the two-byte encoding of a small simple value
        assert "UTF-8" in exc.message or "nesting" in exc.message or "simple value" in exc.message


@pytest.mark.parametrize(
    ("hex_item", "words"),
    [
        ("81" * (MAX_DEPTH + 1) + "00", f"nest deeper than {MAX_DEPTH}"),
        ("d802" * (MAX_DEPTH + 1) + "00", f"nest deeper than {MAX_DEPTH}"),
        ("1f", "indefinite length on an integer"),
        ("df00", "indefinite length on an integer or a tag"),
        ("fc", "reserved additional information 28"),
        ("9b" + "ff" * 8, "container of"),
        ("bf6161ff", "break code"),
        ("5f6161ff", "bad chunk"),
        ("", "input ends inside an item"),
        ("1b0000", "input ends inside an item head"),
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


def test_tags_and_simple_values_are_admitted_as_data() -> None:
    # cyclic references, MIME, bignums, fractions, undefined, a simple value, self-description
    for hex_item in ("d81c81d81d00", "d82463613a62", "c2591388" + "ff" * 5000, "d81e82c24101c24102",
                     "f7", "f0", "d9d9f7a0"):  # fmt: skip
        data = bytes.fromhex(hex_item)
        assert item_end(data) == len(data)
        read_cbor_item(data)  # decodes without giving the tag a meaning
