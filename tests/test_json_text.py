"""JSON-form text the engine's serde_json refuses is refused here too (spec: JSN-1, JSN-7, JSN-15).

Every case is a clean :class:`~aqwal.errors.FormError` with a code and a location, never another
exception and never a value that cannot be written back as UTF-8.
"""

from __future__ import annotations

import pytest

from aqwal.errors import FormError
from aqwal.forms import CBOR_FORM, JSON_FORM, parse_cbor_bytes, parse_json_text, to_cbor_bytes

PAUSED = '{"sequence":1,"event":{"EnginePaused":{"timestamp":1000}}}'


def _form_error(action: object) -> FormError:
    assert callable(action)
    with pytest.raises(FormError) as info:
        action()
    return info.value


@pytest.mark.parametrize("digits", [21, 4301, 100_000])
@pytest.mark.parametrize("sign", ["", "-"])
def test_integer_with_too_many_digits_is_out_of_range(digits: int, sign: str) -> None:
    # spec: JSN-7 — more digits than Python converts by default is still just out of range
    text = PAUSED.replace("1000", sign + "9" * digits)
    err = _form_error(lambda: JSON_FORM.load("WalEvent", parse_json_text(text)))
    assert err.code == "form_out_of_range"
    assert err.path == "/event/EnginePaused/timestamp"
    assert len(str(err)) < 200


def test_huge_integer_in_a_byte_array_is_out_of_range() -> None:
    # spec: JSN-12, JSN-7
    doc = parse_json_text('{"bytes":[1,' + "7" * 5000 + '],"content_type":"x"}')
    err = _form_error(lambda: JSON_FORM.load("TaskPayload", doc))
    assert (err.code, err.path) == ("form_out_of_range", "/bytes/1")


def test_huge_integer_where_a_string_belongs_is_a_type_mismatch() -> None:
    doc = parse_json_text('{"bytes":[],"content_type":' + "7" * 5000 + "}")
    err = _form_error(lambda: JSON_FORM.load("TaskPayload", doc))
    assert (err.code, err.path) == ("form_type_mismatch", "/content_type")
    assert "found integer" in err.message


@pytest.mark.parametrize(
    ("escape", "offset"),
    [
        ("\\ud800", 12),  # a high surrogate alone: the quote where a backslash had to be
        ("\\udcff", 9),  # a low surrogate alone: its second digit
        ("\\ud800\\u0041", 14),  # a high surrogate followed by another escape: its 1st digit
        ("ab\\udfff\\ud800", 11),  # a low surrogate first
        ("\\ud83d\\ude00\\ud800", 24),  # a valid pair, then a lone half
    ],
)
@pytest.mark.parametrize("as_bytes", [False, True])
def test_lone_surrogate_escapes_are_syntax_errors(escape: str, offset: int, as_bytes: bool) -> None:
    # spec: JSN-15, JSN-14 — serde_json refuses an escaped surrogate that is not half of a
    # pair; the offset is the first byte that cannot continue a well-formed text
    text = '{"a":"' + escape + '"}'
    err = _form_error(lambda: parse_json_text(text.encode() if as_bytes else text))
    assert (err.code, err.offset) == ("form_syntax", offset)


@pytest.mark.parametrize(
    "text",
    [
        '"\\ud83d\\ude00"',  # a surrogate pair: one character outside the BMP
        '"\\\\ud800"',  # an escaped backslash followed by the letters ud800
        '"\\u00e9\\\\\\ud83d\\ude00"',
    ],
)
def test_surrogate_pairs_and_escaped_backslashes_are_accepted(text: str) -> None:
    value = parse_json_text(text)
    assert isinstance(value, str)
    value.encode("utf-8")  # no surrogate left in the result


def test_byte_order_mark_is_a_syntax_error_at_offset_0() -> None:
    # spec: JSN-1, JSN-14
    for text in (b"\xef\xbb\xbf" + PAUSED.encode(), "\ufeff" + PAUSED):
        err = _form_error(lambda t=text: parse_json_text(t))
        assert (err.code, err.offset) == ("form_syntax", 0)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-32"])
def test_other_unicode_encodings_are_not_json_text(codec: str) -> None:
    # spec: JSN-1, JSN-15 — JSON-form text is UTF-8; the json module would detect UTF-16/32
    err = _form_error(lambda: parse_json_text(PAUSED.encode(codec)))
    assert err.code == "form_syntax"


def test_syntax_error_offsets_count_bytes_not_characters() -> None:
    # spec: JSN-14, errors.md 1.2 — offsets are byte offsets of the UTF-8 text
    text = '{"é€":1,}'
    assert _form_error(lambda: parse_json_text(text.encode())).offset == 11
    assert _form_error(lambda: parse_json_text(text)).offset == 11


def test_invalid_utf8_offset_is_the_byte_that_cannot_continue() -> None:
    err = _form_error(lambda: parse_json_text(b'{"a":"\xc3\x28"}'))
    assert (err.code, err.offset) == ("form_syntax", 7)  # JSN-14: the byte that cannot follow


def test_cbor_integer_too_long_to_print_is_out_of_range() -> None:
    # spec: CBR-5, JSN-7 — a CBOR bignum has no digit limit; the message must not print it
    doc = {"sequence": 10**5000, "event": {"EnginePaused": {"timestamp": 1}}}
    err = _form_error(lambda: CBOR_FORM.load("WalEvent", parse_cbor_bytes(to_cbor_bytes(doc))))
    assert (err.code, err.path) == ("form_out_of_range", "/sequence")
    assert "16610 bits" in err.message
    payload = {"bytes": [-(10**5000)], "content_type": "x"}
    err = _form_error(lambda: JSON_FORM.load("TaskPayload", payload))
    assert (err.code, err.path) == ("form_out_of_range", "/bytes/0")


def test_a_syntax_error_after_a_huge_integer_is_still_a_syntax_error() -> None:
    # spec: JSN-13, JSN-14 — found by the fuzzer: the integer made the first reading stop early
    text = '{"a":' + "9" * 5000 + ' "b":1}'
    err = _form_error(lambda: parse_json_text(text))
    assert (err.code, err.offset) == ("form_syntax", 5006)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('{"x":1,"y":2,"x":3}', "x"),
        ('{"y":[1],"x":1,"x":2,"y":3}', "x"),
        # objects are judged as they close: the inner object is the first to repeat a key
        ('{"a":1,"b":{"c":1,"c":2},"a":3}', "c"),
    ],
)
def test_a_repeated_key_is_named(text: str, key: str) -> None:
    # spec: JSN-4
    error = _form_error(lambda: parse_json_text(text))
    assert error.code == "form_duplicate_key"
    assert error.message == f"object repeats key {key!r}"
