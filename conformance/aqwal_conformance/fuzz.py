"""Robustness fuzzing: hostile bytes into every decoder and form reader (spec: ERR-1).

Every input must give a value or an :class:`~aqwal.errors.AqwalError` — never another
exception — and decoding must not allocate much more than the input's size. Two families:

* binary (:func:`hostile_inputs`, :func:`exercise`): random bytes, and valid records, logs and
  snapshot files with bit flips, truncations, inflated length prefixes and spliced records;
* documents (:func:`hostile_documents`, :func:`exercise_document`): the JSON form and the CBOR
  form of valid records and of a snapshot, with values replaced at random paths and text or
  bytes damaged, fed to the form readers, to the snapshot file reader (framed with a correct
  CRC-32, so that the damage reaches the JSON reader) and, when a snapshot loads, to
  validation, bootstrap and replay on top of it. A value a reader accepts must also be
  writable again.

Requires the ``test`` extra (hypothesis).
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import struct
from collections.abc import Callable
from functools import cache
from typing import Any

from hypothesis import strategies as st

from aqwal import types as t
from aqwal.codec import decode_payload, decode_record, encode_record, frame
from aqwal.declarations import WAL_V5
from aqwal.errors import AqwalError
from aqwal.forms import (
    CBOR_FORM,
    JSON_FORM,
    parse_cbor_bytes,
    parse_json_text,
    to_cbor_bytes,
    to_json_text,
)
from aqwal.projection import SNAPSHOT_FORMAT_VERSION
from aqwal.reducer import Reducer
from aqwal.snapshot import bootstrap, decode_snapshot, encode_snapshot, snapshot_of
from aqwal.walfile import read_wal
from aqwal_conformance.valuegen import event_values
from aqwal_conformance.workload import engine_like_log


@cache
def seeds() -> tuple[tuple[bytes, ...], bytes]:
    """Valid records (framed) and one valid snapshot file to mutate."""
    events = list(engine_like_log(random.Random(99), 60))
    reducer = Reducer()
    for e in events:
        reducer.apply(e)
    return tuple(encode_record(e) for e in events), encode_snapshot(snapshot_of(reducer.state))


def hostile_inputs() -> st.SearchStrategy[bytes]:
    """Binary inputs, each made by :func:`damaged_binary` from a seed Hypothesis draws."""
    return _seeded(damaged_binary)


def _seeded(make: Callable[[random.Random], bytes]) -> st.SearchStrategy[bytes]:
    # One draw per input keeps Hypothesis's own cost low enough for a campaign of 10^6
    # inputs; a failure is reproduced from the seed Hypothesis reports.
    return st.integers(0, 2**64 - 1).map(lambda seed: make(random.Random(seed)))


def damaged_binary(rng: random.Random) -> bytes:
    """Random bytes, or valid records, logs or a snapshot file with faults injected."""
    records, snapshot = seeds()
    kind = rng.choice(["random", "record", "log", "snapshot"])
    if kind == "random":
        return rng.randbytes(rng.randint(0, 400))
    if kind == "record":
        data = bytearray(rng.choice(records))
    elif kind == "log":
        start = rng.randrange(len(records))
        data = bytearray(b"".join(records[start : start + rng.randint(1, 8)]))
    else:
        data = bytearray(snapshot)
    for _ in range(rng.randint(0, 3)):
        fault = rng.choice(["flip", "truncate", "inflate", "splice", "zero-length"])
        if not data:
            break
        at = rng.randrange(len(data))
        if fault == "flip":
            data[at] ^= 1 << rng.randrange(8)
        elif fault == "truncate":
            del data[at:]
        elif fault == "inflate" and len(data) >= 8:
            struct.pack_into(
                "<I", data, 4, rng.choice([2**28, 2**28 + 1, 2**32 - 1, len(data) + 1])
            )
        elif fault == "splice":
            other = rng.choice(records)
            data[at:at] = other[: rng.randint(0, len(other))]
        elif fault == "zero-length" and len(data) >= 8:
            struct.pack_into("<I", data, 4, 0)
    return bytes(data)


def exercise(data: bytes) -> int:
    """Feed one input to every decoder; return how many accepted it. Raises only on a
    non-aqwal exception (a bug)."""
    accepted = 0
    for decode in (
        lambda: decode_record(data),
        lambda: decode_record(data, strict=False, workflow=True),
        lambda: decode_payload(data),
        lambda: decode_payload(data[12:], strict=False),
        lambda: list(read_wal(io.BytesIO(data), chunk=64)),
        lambda: decode_snapshot(data),
    ):
        try:
            decode()
            accepted += 1
        except AqwalError:
            pass
    return accepted


# ---------------------------------------------------------------------------------------------
# documents: the JSON and CBOR forms, and snapshot files


@cache
def document_seeds() -> tuple[tuple[Any, ...], tuple[t.WalEvent, ...]]:
    """Form objects (JSON form) of one snapshot and of valid records of every variant, and
    the records the snapshot was built from.

    The snapshot holds an engine-like history (runs with attempts and leases) plus one value of
    every variant that applies to any state, so that every collection of it is non-empty.
    """
    reducer = Reducer()
    events: list[t.WalEvent] = []
    record_docs: list[Any] = []
    for event in engine_like_log(random.Random(7), 25):
        reducer.apply(event)
        events.append(event)
    known_task = next(iter(reducer.state.tasks))
    for variant in WAL_V5.enum("WalEventType").variants:
        for shape, event in list(event_values(variant.name, workflow=True))[:2]:
            record_docs.append(JSON_FORM.dump("WalEvent", event))
            if shape != "minimal":
                continue
            body: Any = event.event
            # Refer to a task that exists, so that the snapshot stays valid (SNP-7).
            if hasattr(body, "task_id"):
                body = body._replace(task_id=known_task)
            if hasattr(body, "depends_on"):
                body = body._replace(depends_on=(known_task,))
            candidate = Reducer()
            attempt = [*events, t.WalEvent(len(events) + 1, body)]
            try:
                for e in attempt:
                    candidate.apply(e)
                snapshot_of(candidate.state)  # the snapshot stays valid (SNP-7)
            except AqwalError:
                continue
            reducer, events = candidate, attempt
    snapshot = JSON_FORM.dump("Snapshot", snapshot_of(reducer.state, 1700000000))
    return (snapshot, *record_docs), tuple(events)


@cache
def _seed_paths(index: int) -> list[tuple[Any, ...]]:
    return _paths(document_seeds()[0][index])


def _paths(doc: Any) -> list[tuple[Any, ...]]:
    """Every path (a tuple of keys and indices) to a value inside a form object."""
    out: list[tuple[Any, ...]] = [()]
    stack: list[tuple[tuple[Any, ...], Any]] = [((), doc)]
    while stack:
        path, node = stack.pop()
        children = (
            node.items()
            if isinstance(node, dict)
            else enumerate(node)
            if isinstance(node, list)
            else ()
        )
        for key, child in children:
            out.append((*path, key))
            stack.append(((*path, key), child))
    return out


#: Values that break a form in every way the readers must name: wrong types, integers just
#: outside each width, huge integers, unit variants with data, identifiers in odd forms.
_HOSTILE_VALUES: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    -1,
    255,
    256,
    2**31,
    -(2**31) - 1,
    2**32 - 1,
    2**32,
    2**64 - 1,
    2**64,
    -(2**64),
    10**4400,
    "",
    "x",
    "Once",
    "00000000-0000-0000-0000-000000000000",
    "{00000000-0000-0000-0000-00000000000g}",
    "urn:uuid:00000000-0000-0000-0000-000000000001",
    "\x00\u2028\U0001f600",
    [],
    [0, 256],
    {},
    {"Once": None},
    {"Once": 1},
    {"A": 1, "B": 2},
    {"Repeat": {"count": 0, "interval_secs": 0}},
    {"Cron": {"expression": ""}},
    b"\x00" * 16,
    b"\x01" * 15,
)

#: Text spliced into JSON: syntax fragments, escapes of lone surrogates, a byte-order mark,
#: non-finite numbers, a huge integer and deep nesting.
_JSON_FRAGMENT_TEXTS: tuple[str, ...] = (
    '"',
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\\",
    "\\ud800",
    "\\udcff",
    "\\ud83d\\ude00",
    "\ufeff",
    "1e400",
    "-0",
    "1.0",
    "NaN",
    "Infinity",
    "null",
    "\x00",
    "9" * 4301,
    "[" * 3000,
    '"a":1,"a":1,',
)
_JSON_FRAGMENTS = tuple(text.encode() for text in _JSON_FRAGMENT_TEXTS)

#: Bytes spliced into CBOR: semantic tags (date, bignum, decimal, regex, MIME, UUID, set,
#: shared references), indefinite lengths, breaks, huge lengths, floats and simple values.
_CBOR_FRAGMENTS: tuple[bytes, ...] = tuple(
    bytes.fromhex(h)
    for h in (
        "c0",
        "c1",
        "c2",
        "c3",
        "c4",
        "c5",
        "d823",
        "d824",
        "d825",
        "d90102",
        "d81c",
        "d81d",
        "d9d9f7",
        "5f",
        "7f",
        "9f",
        "bf",
        "ff",
        "5bffffffffffffffff",
        "9b00000000ffffffff",
        "f97c00",
        "fb7ff8000000000000",
        "f7",
        "f0",
        "1bffffffffffffffff",
        "3bffffffffffffffff",
    )
)


def _replaced(doc: Any, path: tuple[Any, ...], value: Any, *, delete: bool) -> Any:
    """``doc`` with the value at ``path`` replaced (or deleted), copying only the containers
    on the path; ``doc`` itself if the path no longer exists."""
    if not path:
        return value
    key, rest = path[0], path[1:]
    if isinstance(doc, dict):
        if key not in doc:
            return doc
        copy: Any = dict(doc)
    elif isinstance(doc, list) and isinstance(key, int) and key < len(doc):
        copy = list(doc)
    else:
        return doc
    if rest:
        copy[key] = _replaced(doc[key], rest, value, delete=delete)
    elif delete:
        del copy[key]
    else:
        copy[key] = value
    return copy


def _json_text(doc: Any) -> bytes:
    # Byte strings (only in _HOSTILE_VALUES) become arrays, as the JSON form writes them;
    # integers too long for json.dumps are written digit by digit.
    huge: list[int] = []

    def shrink(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: shrink(v) for k, v in node.items()}
        if isinstance(node, list):
            return [shrink(v) for v in node]
        if type(node) is int and node.bit_length() > 4000:
            huge.append(node)
            return _HUGE_MARK
        return node

    try:
        text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), default=list)
    except ValueError:
        text = json.dumps(shrink(doc), ensure_ascii=False, separators=(",", ":"), default=list)
    for value in huge:
        digits = "-" * (value < 0) + "9" * (len(hex(value)) * 5 // 4)
        text = text.replace(f'"{_HUGE_MARK}"', digits, 1)
    return text.encode("utf-8", "surrogatepass")


_HUGE_MARK = "<huge integer>"


def _cbor_doc(doc: Any) -> Any:
    """The CBOR form's shape of a JSON form object (approximately: any list of small
    integers may be a byte string, any UUID string its 16 bytes)."""
    if isinstance(doc, dict):
        return {k: _cbor_doc(v) for k, v in doc.items()}
    if isinstance(doc, list):
        if doc and all(type(x) is int and 0 <= x <= 255 for x in doc):
            return bytes(doc)
        return [_cbor_doc(v) for v in doc]
    if isinstance(doc, str) and len(doc) == 36 and doc.count("-") == 4:
        try:
            return bytes.fromhex(doc.replace("-", ""))
        except ValueError:
            return doc
    return doc


def hostile_documents() -> st.SearchStrategy[bytes]:
    """Documents, each made by :func:`damaged_document` from a seed Hypothesis draws."""
    return _seeded(damaged_document)


def _hostile_value(rng: random.Random) -> Any:
    kind = rng.randrange(4)
    if kind == 0:
        return rng.choice(_HOSTILE_VALUES)
    if kind == 1:
        return rng.randint(-(2**70), 2**70) >> rng.randrange(70)
    if kind == 2:
        return "".join(chr(rng.choice(_CODE_POINTS)) for _ in range(rng.randint(0, 12)))
    return rng.choice(_HOSTILE_VALUES[:15])


#: Characters of random strings: ASCII, controls, quote, backslash, 2- to 4-byte UTF-8.
_CODE_POINTS = (0x00, 0x09, 0x22, 0x2D, 0x30, 0x41, 0x5C, 0x7F, 0xE9, 0x2028, 0x1F600)


def damaged_document(rng: random.Random) -> bytes:
    """A JSON-form or CBOR-form document of a record or of the snapshot, with values replaced
    or removed at random paths and its text or bytes damaged."""
    docs, _events = document_seeds()
    # Half of the documents are the snapshot (docs[0]), half a record of any variant.
    index = 0 if rng.random() < 0.5 else rng.randrange(1, len(docs))
    doc, paths = docs[index], _seed_paths(index)
    for _ in range(rng.randint(0, 3)):
        # Paths of the seed: one that a previous change removed leaves the document as it is.
        path = rng.choice(paths)
        delete = bool(path) and rng.random() < 0.3
        doc = _replaced(doc, path, _hostile_value(rng), delete=delete)
    cbor = rng.random() < 0.4
    data = bytearray(to_cbor_bytes(_cbor_doc(doc)) if cbor else _json_text(doc))
    for _ in range(rng.choice((0, 0, 1, 2))):
        fault = rng.choice(["splice", "flip", "truncate", "delete"])
        at = rng.randint(0, len(data))
        if fault == "splice":
            data[at:at] = rng.choice(_CBOR_FRAGMENTS if cbor else _JSON_FRAGMENTS)
        elif fault == "flip" and at < len(data):
            data[at] ^= 1 << rng.randrange(8)
        elif fault == "truncate":
            del data[at:]
        elif fault == "delete":
            del data[at : at + rng.randint(1, 8)]
    return bytes(data)


def exercise_document(data: bytes) -> int:
    """Feed one document to the JSON and CBOR form readers and, framed, to the snapshot file
    reader; return how many readings succeeded. Raises only on a non-aqwal exception."""
    accepted = 0
    for parse, form, type_names in (
        # a JSON snapshot is read below, framed, by the snapshot file reader
        (parse_json_text, JSON_FORM, ("WalEvent",)),
        (parse_cbor_bytes, CBOR_FORM, ("WalEvent", "Snapshot")),
    ):
        try:
            doc = parse(data)
        except AqwalError:
            continue
        for type_name in type_names:
            try:
                value = form.load(type_name, doc)
            except AqwalError:
                continue
            accepted += 1
            _write_back(type_name, value)
    for snapshot_file in (frame(data, SNAPSHOT_FORMAT_VERSION), data):
        try:
            snap = decode_snapshot(snapshot_file, accept_older_schema=True)
        except AqwalError:
            continue
        accepted += 1
        _restore(snap)
    return accepted


def _write_back(type_name: str, value: Any) -> None:
    """An accepted value is a value like any other: its forms can be written."""
    to_json_text(JSON_FORM.dump(type_name, value)).encode("utf-8")
    to_cbor_bytes(CBOR_FORM.dump(type_name, value))
    if type_name == "WalEvent":
        with contextlib.suppress(AqwalError):
            encode_record(value, workflow=True)


def _restore(snap: t.Snapshot) -> None:
    """Bootstrap a loaded snapshot both ways, replay the seed records on top (rejections are
    fine), and write the resulting state as a snapshot again (refusals are fine)."""
    _docs, events = document_seeds()
    for engine_compatible in (False, True):
        try:
            state = bootstrap(snap, engine_compatible=engine_compatible)
        except AqwalError:
            continue
        reducer = Reducer(state)
        for event in events[:20]:
            with contextlib.suppress(AqwalError):
                reducer.apply(t.WalEvent(state.latest_sequence + 1, event.event))
        with contextlib.suppress(AqwalError):
            encode_snapshot(snapshot_of(state))
