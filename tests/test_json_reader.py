"""The generated JSON reader reads exactly what the JSON form reader reads (spec: JSN-1 .. JSN-13).

``aqwal.json_reader.read_json_text`` reads text in the usual shape itself, from objects parsed
as dicts whose members it counts against the text's colons (spec: JSN-4), and hands everything
else — other accepted spellings, repeated keys and every error — to ``aqwal.forms``. Results
and errors must be those of ``JSON_FORM.load(name, parse_json_text(text))``. Generated values
of every type are read in ``test_json_writer.py::test_writer_and_reader_match_the_json_form``,
which writes and reads each value it draws.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from aqwal.codec import encode_record
from aqwal.declarations import ALL_TYPES
from aqwal.errors import AqwalError
from aqwal.forms import JSON_FORM, parse_json_objects, parse_json_text, to_json_text
from aqwal.json_reader import FAST_READERS, read_json_text, read_objects
from aqwal.schema import Enum, Struct
from aqwal_conformance.workload import engine_like_log

NAMES = sorted(
    d.name for d in ALL_TYPES if isinstance(d, Struct) or (isinstance(d, Enum) and not d.unit_only)
)


def outcome(fn: Any, *args: Any) -> tuple[object, ...]:
    try:
        return ("ok", fn(*args))
    except AqwalError as exc:
        return (
            "error",
            type(exc).__name__,
            exc.code,
            exc.offset,
            getattr(exc, "path", None),
            str(exc),
        )


def form_load(name: str, text: bytes, form: Any = JSON_FORM) -> Any:
    """What the fast reader must match: the text parsed and read by ``aqwal.forms`` alone."""
    return form.load(name, parse_json_text(text))


def text_of(obj: Any) -> bytes:
    return to_json_text(obj).encode()


def fast_parsed(text: bytes) -> Any:
    parsed = parse_json_objects(text)
    assert parsed is not None
    return parsed[0]


def test_every_struct_and_data_enum_has_a_reader() -> None:
    assert sorted(FAST_READERS) == NAMES


def test_a_written_snapshot_is_read_by_the_fast_path(tmp_path: Any) -> None:
    from aqwal.datadir import recover
    from aqwal.snapshot import snapshot_of

    wal = tmp_path / "log.wal"
    wal.write_bytes(b"".join(encode_record(e) for e in engine_like_log(random.Random(4), 400)))
    snap = snapshot_of(recover(wal).state, 9)
    text = text_of(JSON_FORM.dump("Snapshot", snap))
    assert read_objects("Snapshot", fast_parsed(text)) == (snap, text.count(b":"))


UID = "6513270e-269e-4d37-b2a7-4de452e6b438"
OTHER_SPELLINGS: list[tuple[str, Any]] = [
    ("RunPolicy", "Once"),
    ("RunPolicy", {"Once": None}),
    ("RunPolicy", {"Repeat": [3, 60]}),
    ("RunPolicy", {"Repeat": {"count": 3, "interval_secs": 60}}),
    ("TaskPayload", {"bytes": [1, 2]}),
    ("TaskPayload", [[1, 2]]),
    ("TaskPayload", [[1, 2], None]),
    (
        "WalEvent",
        {"sequence": 1, "event": {"TaskCanceled": {"task_id": UID.upper(), "timestamp": 2}}},
    ),
    (
        "WalEvent",
        {"sequence": 1, "event": {"TaskCanceled": {"task_id": "{" + UID + "}", "timestamp": 2}}},
    ),
    (
        "WalEvent",
        {"sequence": 1, "event": {"TaskCanceled": {"task_id": "urn:uuid:" + UID, "timestamp": 2}}},
    ),
    (
        "WalEvent",
        {
            "sequence": 1,
            "event": {"TaskCanceled": {"task_id": UID.replace("-", ""), "timestamp": 2}},
        },
    ),
    ("WalEvent", {"sequence": 1, "event": {"EnginePaused": {"timestamp": 2}}, "extra": 5}),
]
ERRORS: list[tuple[str, Any]] = [
    ("WalEvent", {"sequence": -1, "event": {"EnginePaused": {"timestamp": 2}}}),
    ("WalEvent", {"sequence": 2**64, "event": {"EnginePaused": {"timestamp": 2}}}),
    ("WalEvent", {"sequence": True, "event": {"EnginePaused": {"timestamp": 2}}}),
    ("WalEvent", {"sequence": 1, "event": {"EnginePaused": {}}}),
    ("WalEvent", {"sequence": 1, "event": {"Nope": {"timestamp": 2}}}),
    (
        "WalEvent",
        {"sequence": 1, "event": {"TaskCanceled": {"task_id": UID[:-1] + " ", "timestamp": 2}}},
    ),
    (
        "WalEvent",
        {"sequence": 1, "event": {"TaskCanceled": {"task_id": UID[:-2] + "-0", "timestamp": 2}}},
    ),
    ("WalEvent", {"sequence": 1, "event": "EnginePaused"}),
    ("WalEvent", [1]),
    ("TaskPayload", {"bytes": [1, 256], "content_type": None}),
    ("TaskPayload", {"bytes": [1, True], "content_type": None}),
    ("TaskPayload", {"bytes": "AQI=", "content_type": None}),
    ("RunPolicy", {"Repeat": {"count": 0, "interval_secs": 60}}),
    ("RunPolicy", {"Once": 1}),
    ("RunPolicy", {"Once": None, "Repeat": None}),
]


@pytest.mark.parametrize(("name", "obj"), OTHER_SPELLINGS + ERRORS)
def test_other_spellings_and_errors_are_those_of_the_json_form(name: str, obj: Any) -> None:
    text = text_of(obj)
    assert outcome(read_json_text, name, text) == outcome(form_load, name, text)


@pytest.mark.parametrize(("name", "obj"), ERRORS)
def test_errors_are_errors(name: str, obj: Any) -> None:
    assert outcome(read_json_text, name, text_of(obj))[0] == "error"


@pytest.mark.parametrize("workflow", [True, False])
def test_a_feature_variant_is_read_by_the_profile_of_the_form(workflow: bool) -> None:
    from aqwal.forms import json_form

    form = json_form(workflow=workflow)
    text = text_of({"Cron": {"expression": "0 * * * * *", "max_occurrences": None}})
    result = outcome(read_json_text, "RunPolicy", text, form)
    assert result == outcome(form_load, "RunPolicy", text, form)
    assert (result[0] == "ok") is workflow


PAUSED = '{"EnginePaused":{"timestamp":2}}'
# spec: JSN-4 — objects whose pairs a reader taking keys by name, or counting them, would take
REPEATED_KEYS: list[tuple[str, str]] = [
    ("WalEvent", '{"sequence":1,"sequence":' + PAUSED + "}"),
    ("WalEvent", '{"sequence":1,"sequence":1,"event":' + PAUSED + "}"),
    ("WalEvent", '{"sequence":1,"event":' + PAUSED + ',"event":' + PAUSED + "}"),
    ("WalEvent", '{"sequence":1,"event":{"EnginePaused":{"timestamp":2,"timestamp":2}}}'),
    ("WalEvent", '{"sequence":1,"event":{"EnginePaused":{"timestamp":2},"EnginePaused":1}}'),
    ("TaskPayload", '{"bytes":[1],"bytes":[2]}'),
    ("RunPolicy", '{"Repeat":{"count":3,"count":60}}'),
]
# repeated keys in objects that have every declared key: their dicts are what the fast reader
# takes, so only the count of members against the text's colons tells
TAKEN_REPEATS: list[tuple[str, str, int]] = [
    # (type, text, the members of the dropped duplicates: the key and those in its value)
    ("WalEvent", '{"sequence":1,"sequence":1,"event":' + PAUSED + "}", 1),
    ("WalEvent", '{"sequence":1,"event":' + PAUSED + ',"event":' + PAUSED + "}", 3),
    ("WalEvent", '{"sequence":1,"event":{"EnginePaused":{"timestamp":2,"timestamp":2}}}', 1),
    ("TaskPayload", '{"bytes":[1],"bytes":[2],"content_type":null}', 1),
    ("RunPolicy", '{"Repeat":{"count":3,"count":60,"interval_secs":60}}', 1),
    # the dropped member's text held a colon: it is not counted either
    ("TaskPayload", '{"bytes":[1],"content_type":"a:b","content_type":"c:d"}', 2),
]
# accepted by the JSON form in any order of keys: the fast reader reads them too
OTHER_ORDERS: list[tuple[str, str]] = [
    ("WalEvent", '{"event":' + PAUSED + ',"sequence":1}'),
    ("TaskPayload", '{"content_type":null,"bytes":[1,2]}'),
    ("RunPolicy", '{"Repeat":{"interval_secs":60,"count":3}}'),
]
# accepted by the JSON form, but not in the usual shape: an unknown key
UNKNOWN_KEYS: list[tuple[str, str]] = [
    ("WalEvent", '{"sequence":1,"event":' + PAUSED + ',"note":{"a":1}}'),
    ("WalEvent", '{"sequence":1,"note":{"a":1,"a":2},"event":' + PAUSED + "}"),
]
# true and false are 1 and 0 to bytes(): wherever they stand among other 1s and 0s
BOOLS_IN_BYTES = [
    "[true]",
    "[false]",
    "[0,false]",
    "[2,1,true]",
    "[1,0,1,0,false,1]",
    "[0,0,1,1,2,true]",
]
SURROGATES = ['"\\ud800"', '"\\udc00x"', '"\\ud83d\\ude00"', '"\\ud83d\\u0041"']


@pytest.mark.parametrize(("name", "text"), REPEATED_KEYS + [r[:2] for r in TAKEN_REPEATS])
def test_a_repeated_key_is_refused_as_the_json_form_refuses_it(name: str, text: str) -> None:
    result = outcome(read_json_text, name, text.encode())
    assert result == outcome(form_load, name, text.encode())
    assert result[:3] == ("error", "FormError", "form_duplicate_key")


@pytest.mark.parametrize(("name", "text", "dropped"), TAKEN_REPEATS)
def test_a_repeated_key_leaves_fewer_members_than_colons(
    name: str, text: str, dropped: int
) -> None:
    parsed = parse_json_objects(text.encode())
    assert parsed is not None
    doc, colons = parsed
    assert read_objects(name, doc)[1] == colons - dropped


def test_the_colons_of_texts_are_counted_with_the_members() -> None:
    text = b'{"bytes":[1],"content_type":"text/plain; a:b::c"}'
    value, members = read_objects("TaskPayload", fast_parsed(text))
    assert members == text.count(b":") == 5
    assert outcome(read_json_text, "TaskPayload", text) == ("ok", value)
    assert value == form_load("TaskPayload", text)


@pytest.mark.parametrize("colon", ["\\u003a", "\\u003A"])
def test_an_escaped_colon_is_left_to_the_json_form(colon: str) -> None:
    # a text read would count a colon that the text does not hold
    text = ('{"bytes":[1],"content_type":"a' + colon + 'b"}').encode()
    assert parse_json_objects(text) is None
    assert outcome(read_json_text, "TaskPayload", text) == outcome(form_load, "TaskPayload", text)
    assert read_json_text("TaskPayload", text).content_type == "a:b"


@pytest.mark.parametrize(("name", "text"), OTHER_ORDERS)
def test_other_key_orders_are_read_by_the_fast_reader(name: str, text: str) -> None:
    value, members = read_objects(name, fast_parsed(text.encode()))
    assert members == text.count(":")
    assert outcome(read_json_text, name, text.encode()) == ("ok", value)
    assert value == form_load(name, text.encode())


@pytest.mark.parametrize(("name", "text"), UNKNOWN_KEYS)
def test_unknown_keys_are_read_by_the_json_form(name: str, text: str) -> None:
    with pytest.raises(Exception):  # noqa: B017 - any doubt of the fast reader
        read_objects(name, fast_parsed(text.encode()))
    assert outcome(read_json_text, name, text.encode()) == outcome(form_load, name, text.encode())


@pytest.mark.parametrize("items", BOOLS_IN_BYTES)
def test_a_bool_in_a_byte_array_is_refused(items: str) -> None:
    text = ('{"bytes":' + items + ',"content_type":null}').encode()
    result = outcome(read_json_text, "TaskPayload", text)
    assert result == outcome(form_load, "TaskPayload", text)
    assert result[:3] == ("error", "FormError", "form_type_mismatch")


def test_bytes_of_every_value_are_read_by_the_fast_path() -> None:
    text = text_of({"bytes": list(range(256)) * 2, "content_type": None})
    value, _ = read_objects("TaskPayload", fast_parsed(text))
    assert value.bytes == bytes(range(256)) * 2 == read_json_text("TaskPayload", text).bytes


@pytest.mark.parametrize("string", SURROGATES)
def test_escaped_surrogates_are_judged_by_the_json_form(string: str) -> None:
    # spec: JSN-15 — a lone surrogate is a syntax error; a pair is a character
    text = ('{"bytes":[],"content_type":' + string + "}").encode()
    assert parse_json_objects(text) is None
    assert outcome(read_json_text, "TaskPayload", text) == outcome(form_load, "TaskPayload", text)


def test_objects_keep_the_last_member_of_a_key_and_the_colons_tell() -> None:
    text = b'{"b":1,"a":[{"x":null,"x":true}],"b":{},"c":"::"}'
    assert parse_json_objects(text) == ({"b": {}, "a": [{"x": True}], "c": "::"}, 8)


@pytest.mark.parametrize(
    "text",
    [
        b'{"a":',
        b'{"a":NaN}',
        b"[-Infinity]",
        b"[" + b"7" * 5000 + b"]",
        b'["\xc3\x28"]',
        b"\xef\xbb\xbf{}",
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
def test_text_parse_json_text_must_judge_gives_no_objects(text: bytes) -> None:
    assert parse_json_objects(text) is None


def test_no_objects_without_an_integer_conversion_limit() -> None:
    import sys

    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        assert parse_json_objects(b"[1]") is None
        assert read_json_text("TaskPayload", b'{"bytes":[1],"content_type":null}').bytes == b"\x01"
    finally:
        sys.set_int_max_str_digits(limit)
    assert parse_json_objects(b"[1]") == ([1], 0)


# an object's pairs written as an array of two-element arrays: unpacked as the pairs would be
ARRAYS_OF_PAIRS: list[tuple[str, str]] = [
    ("WalEvent", '[["sequence",1],["event",' + PAUSED + "]]"),
    ("WalEvent", '{"sequence":1,"event":[["EnginePaused",{"timestamp":2}]]}'),
    ("WalEvent", '{"sequence":1,"event":{"EnginePaused":[["timestamp",2]]}}'),
    ("RunPolicy", '[["Repeat",{"count":3,"interval_secs":60}]]'),
    ("RunPolicy", '{"Repeat":[["count",3],["interval_secs",60]]}'),
]


@pytest.mark.parametrize(("name", "text"), ARRAYS_OF_PAIRS)
def test_an_array_of_pairs_is_not_an_object(name: str, text: str) -> None:
    result = outcome(read_json_text, name, text.encode())
    assert result == outcome(form_load, name, text.encode())
    assert result[:3] == ("error", "FormError", "form_type_mismatch")


def test_text_without_a_backslash_is_not_searched_for_escapes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # an escape needs a backslash: without one, the pattern search is skipped
    import aqwal.forms as forms

    class Unused:
        def search(self, text: str) -> None:
            raise AssertionError("searched")

    monkeypatch.setattr(forms, "_ESCAPE_TO_JUDGE", Unused())
    assert parse_json_objects(b'{"a":[1]}') == ({"a": [1]}, 1)
