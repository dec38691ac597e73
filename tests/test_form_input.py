"""Reading JSON-form and CBOR-form documents: syntax offsets, CBOR items beyond the form, and
which of several errors is reported (spec: JSN-13, JSN-14, CBR-5, CBR-7)."""

from __future__ import annotations

import json
from typing import Any

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aqwal.errors import FormError
from aqwal.forms import CBOR_FORM, JSON_FORM, parse_cbor_bytes, parse_json_text, to_cbor_bytes
from aqwal.jsonsyntax import syntax_error_offset

TASK = bytes(range(16))


def json_error(text: bytes) -> FormError:
    with pytest.raises(FormError) as info:
        JSON_FORM.load("WalEvent", parse_json_text(text))
    return info.value


def cbor_error(doc: bytes) -> FormError:
    with pytest.raises(FormError) as info:
        CBOR_FORM.load("WalEvent", parse_cbor_bytes(doc))
    return info.value


def canceled(**fields: Any) -> dict[str, Any]:
    body = {"task_id": TASK, "timestamp": 5, **fields}
    return {"sequence": 1, "event": {"TaskCanceled": body}}


# -- JSON: where a syntax error is (JSN-14) ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        (b'{"a":1,}', 7),  # the brace that cannot follow a comma
        (b'{"a":1', 6),  # cut short: the length of the input
        (b'"abc', 4),  # an unterminated string ends at the end of the input, not at its quote
        (b'"\\x"', 2),  # the character after the backslash
        (b"tru", 3),
        (b"1.", 2),
        (b"[1e]", 3),
        (b"01", 1),
        (b"NaN", 0),
        (b"\xef\xbb\xbf{}", 0),  # a byte-order mark
        (b'"\xe2\x28"', 2),  # the byte that cannot continue the UTF-8 sequence
        (b'"caf\xc3\xa9" x', 8),  # bytes, not characters
        (b"", 0),
        (b"{} {}", 3),
    ],
)
def test_form_syntax_offset_is_the_first_byte_the_grammar_cannot_accept(
    text: bytes, offset: int
) -> None:
    with pytest.raises(FormError) as info:
        parse_json_text(text)
    assert (info.value.code, info.value.offset) == ("form_syntax", offset)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@given(JSON_VALUES, st.data())
def test_any_prefix_of_json_followed_by_a_control_byte_stops_at_that_byte(
    value: Any, data: st.DataObject
) -> None:
    text = json.dumps(
        value, ensure_ascii=False, indent=data.draw(st.sampled_from([None, 1]))
    ).encode()
    assert syntax_error_offset(text) is None
    cut = data.draw(st.integers(0, len(text)))
    assert syntax_error_offset(text[:cut] + b"\x01") == cut


def test_syntax_is_reported_before_a_repeated_key() -> None:
    err = json_error(b'{"sequence":1,"sequence":2,"event":')
    assert (err.code, err.offset) == ("form_syntax", 35)
    assert json_error(b'{"sequence":1,"sequence":2}').code == "form_duplicate_key"


def test_a_float_is_reported_at_its_path_and_ignored_under_an_unknown_key() -> None:
    err = json_error(b'{"sequence":1.0,"event":{"EnginePaused":{"timestamp":1}}}')
    assert (err.code, err.path) == ("form_type_mismatch", "/sequence")
    doc = b'{"sequence":1,"x":2.5,"event":{"EnginePaused":{"timestamp":1}}}'
    assert JSON_FORM.load("WalEvent", parse_json_text(doc)).sequence == 1


def test_json_errors_follow_the_declaration_order_not_the_key_order() -> None:
    err = json_error(b'{"event":{"EnginePaused":{"timestamp":"x"}},"sequence":"y"}')
    assert (err.code, err.path) == ("form_type_mismatch", "/sequence")


# -- CBOR: items beyond the form (CBR-7) --------------------------------------------------------


def with_item(item_hex: str, where: str = "timestamp") -> bytes:
    """A TaskCanceled document whose ``where`` field holds the raw CBOR item ``item_hex``."""
    marker = 0x0DEFACED
    doc = bytearray(to_cbor_bytes(canceled(**{where: marker})))
    raw = bytes.fromhex("1a0defaced")
    assert doc.count(raw) == 1
    at = doc.index(raw)
    return bytes(doc[:at]) + bytes.fromhex(item_hex) + bytes(doc[at + len(raw) :])


@pytest.mark.parametrize(
    ("item", "code"),
    [
        ("c249010000000000000000", "form_out_of_range"),  # tag 2: 2^64
        ("c34100", "form_out_of_range"),  # tag 3: -1
        ("c1 1a00000005", "form_type_mismatch"),  # tag 1 around an integer
        ("d8 63 05", "form_type_mismatch"),  # an unassigned tag
        ("d9d9f7 05", "form_type_mismatch"),  # the self-described CBOR tag
        ("f7", "form_type_mismatch"),  # undefined
        ("f6", "form_type_mismatch"),  # null where the field is not an Option
        ("f0", "form_type_mismatch"),  # simple value 16
        ("f93c00", "form_type_mismatch"),  # 1.0 as a half-precision float
        ("fb3ff0000000000000", "form_type_mismatch"),  # 1.0 as a double
    ],
)
def test_cbor_items_outside_the_form_are_refused_at_their_path(item: str, code: str) -> None:
    err = cbor_error(with_item(item.replace(" ", "")))
    assert (err.code, err.path) == (code, "/event/TaskCanceled/timestamp")


def test_a_bignum_within_range_is_the_integer() -> None:
    assert parse_cbor_bytes(bytes.fromhex("c24105")) == cbor2.CBORTag(2, b"\x05")  # kept as read
    event = CBOR_FORM.load("WalEvent", parse_cbor_bytes(with_item("c24105")))
    assert event.event.timestamp == 5


def test_a_map_with_a_key_that_is_not_text_is_refused() -> None:
    struct = to_cbor_bytes({1: 2, **canceled()})
    assert (cbor_error(struct).code, cbor_error(struct).path) == ("form_type_mismatch", "/")
    enum = to_cbor_bytes({"sequence": 1, "event": {7: {}}})
    assert (cbor_error(enum).code, cbor_error(enum).path) == ("form_type_mismatch", "/event")


def test_undefined_is_not_null_for_an_option() -> None:
    doc = to_cbor_bytes(
        {"sequence": 1, "event": {"RunSuspended": {"run_id": TASK, "timestamp": 1}}}
    )
    assert CBOR_FORM.load("WalEvent", parse_cbor_bytes(doc)).event.reason is None
    bad = to_cbor_bytes(
        {
            "sequence": 1,
            "event": {"RunSuspended": {"run_id": TASK, "reason": cbor2.undefined, "timestamp": 1}},
        }
    )
    assert cbor_error(bad).path == "/event/RunSuspended/reason"


def test_cbor_errors_follow_the_declaration_order_not_the_key_order() -> None:
    # "event" sorts before "sequence" in the CBOR form, but sequence is declared first
    doc = to_cbor_bytes({"sequence": "1", "event": {"TaskCanceled": {"task_id": b"x"}}})
    err = cbor_error(doc)
    assert (err.code, err.path) == ("form_type_mismatch", "/sequence")
    # within a struct: a missing field is reported where the field is declared
    doc = to_cbor_bytes({"sequence": 1, "event": {"TaskCanceled": {"timestamp": "x"}}})
    assert cbor_error(doc).code == "form_missing_field"


@pytest.mark.parametrize(
    ("doc", "offset"),
    [
        ("", 0),
        ("a1", 1),  # cut short: the end of the input
        ("0000", 1),  # a byte after the item
        ("1c", 0),  # reserved additional information
        ("ff", 0),  # a break outside an indefinite-length item
        ("f818", 0),  # a simple value below 32 in two bytes
        ("62c328", 0),  # a text string that is not UTF-8: its head
        ("5f6101ff", 1),  # a text chunk inside an indefinite byte string
    ],
)
def test_cbor_syntax_errors(doc: str, offset: int) -> None:
    with pytest.raises(FormError) as info:
        parse_cbor_bytes(bytes.fromhex(doc))
    assert (info.value.code, info.value.offset) == ("form_syntax", offset)


def test_deep_cbor_nesting_is_a_syntax_error_not_a_crash() -> None:
    with pytest.raises(FormError) as info:
        parse_cbor_bytes(b"\x81" * 100_000 + b"\x00")
    assert info.value.code == "form_syntax"


@given(st.binary(max_size=24))
def test_any_bytes_read_as_cbor_raise_only_form_errors(data: bytes) -> None:
    try:
        CBOR_FORM.load("WalEvent", parse_cbor_bytes(data))
    except FormError:
        pass
    except Exception as exc:  # validation errors are AqwalErrors of another category
        assert exc.__class__.__module__.startswith("aqwal"), exc


def test_a_form_compiles_its_readers_for_one_thread_at_a_time() -> None:
    """A form is shared (JSON_FORM): while one thread compiles a reader, another that asks for
    it waits for it, instead of calling what stands for it meanwhile (which recursed until
    RecursionError)."""
    import threading
    import time

    from aqwal.forms import Form
    from aqwal.schema import Enum, Newtype, Struct

    compiling = threading.Event()

    class SlowToCompile(Form):
        def _compile_load(self, d: Struct | Enum | Newtype) -> Any:
            if d.name == "WalEvent" and not compiling.is_set():
                compiling.set()
                time.sleep(0.2)  # the other thread asks for the reader meanwhile
            return super()._compile_load(d)

    form = SlowToCompile(JSON_FORM.registry, "json")
    obj = {"sequence": 1, "event": {"EnginePaused": {"timestamp": 2}}}
    expected = JSON_FORM.load("WalEvent", obj)
    results: list[object] = []

    def load() -> None:
        try:
            results.append(form.load("WalEvent", obj))
        except BaseException as exc:  # whatever the thread meets is the finding
            results.append(exc)

    first = threading.Thread(target=load)
    first.start()
    assert compiling.wait(5)
    load()
    first.join()
    assert results == [expected, expected]
