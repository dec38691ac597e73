"""The generated JSON reader reads exactly what the JSON form reader reads (spec: JSN-1 .. JSN-12).

``aqwal.json_reader.read_json`` reads values in the usual shape itself and hands everything
else — other accepted spellings and every error — to ``aqwal.forms``. Results and errors must be
those of ``JSON_FORM.load``. Generated values of every type are read in
``test_json_writer.py::test_writer_and_reader_match_the_json_form``, which writes and reads
each value it draws.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from aqwal.codec import encode_record
from aqwal.declarations import ALL_TYPES
from aqwal.errors import AqwalError
from aqwal.forms import JSON_FORM, parse_json_text, to_json_text
from aqwal.json_reader import FAST_READERS, read_json
from aqwal.schema import Enum, Struct
from aqwal_conformance.workload import engine_like_log

NAMES = sorted(
    d.name for d in ALL_TYPES if isinstance(d, Struct) or (isinstance(d, Enum) and not d.unit_only)
)


def outcome(fn: Any, *args: Any) -> tuple[object, ...]:
    try:
        return ("ok", fn(*args))
    except AqwalError as exc:
        return ("error", type(exc).__name__, exc.code, exc.offset, getattr(exc, "path", None))


def test_every_struct_and_data_enum_has_a_reader() -> None:
    assert sorted(FAST_READERS) == NAMES


def test_a_written_snapshot_is_read_by_the_fast_path(tmp_path: Any) -> None:
    from aqwal.datadir import recover
    from aqwal.snapshot import snapshot_of

    wal = tmp_path / "log.wal"
    wal.write_bytes(b"".join(encode_record(e) for e in engine_like_log(random.Random(4), 400)))
    snap = snapshot_of(recover(wal).state, 9)
    obj = parse_json_text(to_json_text(JSON_FORM.dump("Snapshot", snap)))
    assert FAST_READERS["Snapshot"](obj) == snap


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
    assert outcome(read_json, name, obj) == outcome(JSON_FORM.load, name, obj)


@pytest.mark.parametrize(("name", "obj"), ERRORS)
def test_errors_are_errors(name: str, obj: Any) -> None:
    assert outcome(read_json, name, obj)[0] == "error"


@pytest.mark.parametrize("workflow", [True, False])
def test_a_feature_variant_is_read_by_the_profile_of_the_form(workflow: bool) -> None:
    from aqwal.forms import json_form

    form = json_form(workflow=workflow)
    obj = {"Cron": {"expression": "0 * * * * *", "max_occurrences": None}}
    assert outcome(read_json, "RunPolicy", obj, form) == outcome(form.load, "RunPolicy", obj)
    assert (outcome(read_json, "RunPolicy", obj, form)[0] == "ok") is workflow
