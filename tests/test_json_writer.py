"""The generated JSON writer prints exactly the JSON form (spec: JSN-1 .. JSN-11).

``aqwal.json_writer`` writes text straight from values; ``aqwal.forms`` builds the form object
that ``to_json_text`` serializes. The two must agree byte for byte on every declared type. The
property over values of every type checks the generated reader on the same values.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aqwal.declarations import ALL_TYPES
from aqwal.forms import JSON_FORM, parse_json_objects, parse_json_text, to_json_text
from aqwal.json_reader import read_json_text, read_objects
from aqwal.json_writer import WRITERS, json_text, wal_event_json
from aqwal.schema import Enum, Struct
from aqwal_conformance.strategies import Strategies, wal_events

ALL = Strategies(ALL_TYPES)
WRITTEN = sorted(
    d.name for d in ALL_TYPES if isinstance(d, Struct) or (isinstance(d, Enum) and not d.unit_only)
)
#: The two documents, made of the other types: every part of them is drawn on its own at the
#: profile's number of examples, so a quarter of that checks their composition (a document
#: costs about 50 ms to draw, ten times a part).
DOCUMENTS = ("Snapshot", "StateForm")
NAMES = [name for name in WRITTEN if name not in DOCUMENTS]


def test_every_struct_and_data_enum_has_a_writer() -> None:
    assert sorted(WRITERS) == WRITTEN


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_writer_and_reader_match_the_json_form(name: str, data: st.DataObject) -> None:
    """The writer prints the JSON form's text; the generated reader reads that text as
    ``JSON_FORM.load`` reads it parsed (test_json_reader.py). Both on each value: drawing a
    value costs more than checking it."""
    _check_writer_and_reader(name, data.draw(ALL.named(name)))


@pytest.mark.parametrize("name", DOCUMENTS)
@settings(max_examples=max(1, settings().max_examples // 4))
@given(data=st.data())
def test_writer_and_reader_match_the_json_form_of_documents(name: str, data: st.DataObject) -> None:
    _check_writer_and_reader(name, data.draw(ALL.named(name)))


def _check_writer_and_reader(name: str, value: Any) -> None:
    text = to_json_text(JSON_FORM.dump(name, value))
    assert json_text(name, value) == text
    raw = text.encode()
    assert read_json_text(name, raw) == JSON_FORM.load(name, parse_json_text(raw)) == value
    # spec: JSN-4 — the fast reader reads the usual shape itself and counts every member it
    # reads and every colon of the texts it reads: together, the text's colons (but a Cron
    # policy's: a build feature's variant, whose writer may omit a field, is left to the form)
    parsed = parse_json_objects(raw)
    assert parsed is not None or "\\u" in text
    if parsed is not None and name != "CronPolicy" and '"Cron":' not in text:
        doc, colons = parsed
        assert read_objects(name, doc) == (value, colons)


@given(event=wal_events(workflow=True))
def test_wal_event_line(event: Any) -> None:
    assert wal_event_json(event) == to_json_text(JSON_FORM.dump("WalEvent", event))


def test_escapes_and_identifiers() -> None:
    from aqwal.types import ActorId, ActorRegistered, WalEvent

    actor = ActorId(bytes(range(16)))
    event = WalEvent(7, ActorRegistered(actor, 'a"\\\x00\u2028é😀', ("x",), None, 30, None, 9))
    text = wal_event_json(event)
    assert '"actor_id":"00010203-0405-0607-0809-0a0b0c0d0e0f"' in text
    assert '"identity":"a\\"\\\\\\u0000\u2028é😀"' in text
    assert text == to_json_text(JSON_FORM.dump("WalEvent", event))


def test_identifier_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from aqwal import json_writer

    monkeypatch.setattr(json_writer, "_UUID_CACHE_SIZE", 4)
    monkeypatch.setattr(json_writer, "_uuid_cache", {})
    for i in range(20):
        raw = bytes([i]) * 16
        assert json_writer._uuid(raw) == '"' + to_json_text(JSON_FORM.dump("TaskId", raw))[1:]
        assert len(json_writer._uuid_cache) <= 4
