"""Snapshot vectors for the JSON forms a reader accepts and refuses (spec: JSN-2 .. JSN-12).

Edits of one small snapshot (a task, a run, a budget, a subscription, a paused engine): the
forms serde accepts besides the canonical one — structs as positional arrays, short ones
filled from defaults (JSN-10), unit variants written ``{"Name": null}`` (JSN-8), absent fields
that have defaults (JSN-3) — and, for every kind of value, a JSON value of the wrong kind.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from aqwal import types as t
from aqwal_conformance.scenarios import LogBuilder
from aqwal_conformance.vectorgen.builders import (
    RS,
    frame_snapshot,
    raw_snapshot,
    snapshot_document,
)
from aqwal_conformance.vectors import Vector

Edit = Callable[[dict[str, Any]], object]


def small_snapshot() -> dict[str, Any]:
    """The JSON form of a small valid snapshot."""
    b = LogBuilder()
    run_id = b.run()
    b.drive(run_id, RS.Ready)
    task_id = b.events[0].event.task_spec.id  # type: ignore[union-attr]
    b.add(t.BudgetAllocated(task_id, t.BudgetDimension.Token, 10, b.tick()))
    b.add(
        t.SubscriptionCreated(
            t.SubscriptionId(b.fresh(7)), task_id, t.EventFilterTaskCompleted(task_id), b.tick()
        )
    )
    b.add(t.EnginePaused(b.tick()))
    return snapshot_document(b.events, 1_700_000_000)


def _task(b: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = b["tasks"][0]["task_spec"]
    return spec


def _accepted() -> list[tuple[str, str, Edit, tuple[str, ...]]]:
    def defaulted(b: dict[str, Any]) -> None:
        constraints = _task(b)["constraints"]
        for name in ("concurrency_key_hold_policy", "safety_level", "required_capabilities"):
            del constraints[name]
        del b["runs"][0]["run_instance"]["last_state_change_at"]

    def unit_nulls(b: dict[str, Any]) -> None:
        _task(b)["run_policy"] = {"Once": None}
        b["budgets"][0]["dimension"] = {"Token": None}
        b["runs"][0]["run_instance"]["state"] = {"Ready": None}

    def absent_options(b: dict[str, Any]) -> None:
        for name in ("timeout_secs", "concurrency_key"):
            del _task(b)["constraints"][name]

    return [
        (
            "unit-variants-null",
            'unit variants of data and plain enums as {"Name": null}',
            unit_nulls,
            ("JSN-8",),
        ),
        (
            "absent-defaulted",
            "absent fields that have defaults (enums, options, a timestamp)",
            defaulted,
            ("JSN-3",),
        ),
        (
            "absent-options",
            "absent Option fields without a default: null",
            absent_options,
            ("JSN-3",),
        ),
    ]


def _refused() -> list[tuple[str, str, Edit]]:
    def set_in(path: tuple[Any, ...], value: object) -> Edit:
        def edit(b: dict[str, Any]) -> None:
            target: Any = b
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value

        return edit

    spec = ("tasks", 0, "task_spec")
    return [
        ("seq-not-array", "a sequence that is a string", set_in((*spec, "metadata", "tags"), "x")),
        ("bool-not-bool", "a bool that is 1", set_in(("engine", "paused"), 1)),
        ("string-not-string", "a string that is 5", set_in((*spec, "payload", "content_type"), 5)),
        ("uuid-not-string", "an identifier that is 5", set_in((*spec, "id"), 5)),
        (
            "bytes-not-array",
            "a byte vector that is a string",
            set_in((*spec, "payload", "bytes"), "{}"),
        ),
        (
            "bytes-object",
            "a byte vector that is an object",
            set_in((*spec, "payload", "bytes"), {}),
        ),
        (
            "float-in-option",
            "an optional timestamp that is a float",
            set_in(("tasks", 0, "canceled_at"), 1.5),
        ),
        (
            "bytes-element-not-int",
            "a byte that is a string",
            set_in((*spec, "payload", "bytes"), [123, "x"]),
        ),
        ("bytes-element-256", "a byte of 256", set_in((*spec, "payload", "bytes"), [123, 256])),
        ("bytes-element-negative", "a byte of -1", set_in((*spec, "payload", "bytes"), [-1])),
        (
            "positional-too-long",
            "a struct as an array with one field too many",
            set_in(("metadata",), [8, 0, 1, 1, 0]),
        ),
        ("struct-not-object", "a struct that is a string", set_in(("metadata",), "x")),
        ("struct-number", "a struct that is a number", set_in(("metadata",), 5)),
        (
            "unit-with-value",
            'a unit variant {"Token": 1}',
            set_in(("budgets", 0, "dimension"), {"Token": 1}),
        ),
        ("unit-not-string", "a plain enum value that is 0", set_in(("budgets", 0, "dimension"), 0)),
        (
            "unit-two-keys",
            "a plain enum value with two keys",
            set_in(("budgets", 0, "dimension"), {"Token": None, "Time": None}),
        ),
        ("data-enum-number", "a data enum value that is 5", set_in((*spec, "run_policy"), 5)),
        (
            "data-unit-with-value",
            'a unit variant of a data enum {"Once": 1}',
            set_in((*spec, "run_policy"), {"Once": 1}),
        ),
        (
            "data-variant-as-string",
            "a data-carrying variant written as its name",
            set_in(("subscriptions", 0, "filter"), "TaskCompleted"),
        ),
        (
            "data-enum-two-keys",
            "a data enum value with two keys",
            set_in((*spec, "run_policy"), {"Once": None, "Repeat": None}),
        ),
    ]


def json_form_vectors() -> Iterator[Vector]:
    base = small_snapshot()
    yield Vector(
        "snapshot/json-small",
        "snapshot",
        "the small snapshot the JSON form vectors edit",
        "valid",
        raw_snapshot(base),
        ("SNP-3", "JSN-1"),
    )
    for name, description, edit, clauses in _accepted():
        body = json.loads(json.dumps(base))
        edit(body)
        yield Vector(
            f"snapshot/json-{name}",
            "snapshot",
            f"accepted: {description}",
            "valid",
            raw_snapshot(body),
            clauses,
        )
    for name, description, edit in _refused():
        body = json.loads(json.dumps(base))
        edit(body)
        yield Vector(
            f"snapshot/json-{name}",
            "snapshot",
            f"refused: {description}",
            "invalid",
            raw_snapshot(body),
            ("JSN-2",),
            error="form_out_of_range"
            if "256" in name or "negative" in name
            else "form_type_mismatch",
        )
    body = json.loads(json.dumps(base))
    spec = _task(body)
    body["tasks"][0]["task_spec"] = [
        spec[k] for k in ("id", "payload", "run_policy", "constraints", "metadata")
    ]
    yield Vector(
        "snapshot/json-positional-short",
        "snapshot",
        "a TaskSpec as a positional array of its first five fields: the two defaulted ones "
        "are absent (serde accepts it)",
        "acceptable",
        raw_snapshot(body),
        ("JSN-10", "JSN-3", "STR-1"),
        error="form_type_mismatch",
        flags=("PositionalStruct",),
    )
    yield from _surrogate_escapes(base)
    yield from _utf8_sequences(base)
    yield from _syntax_offsets(base)
    text = json.dumps(base, separators=(",", ":")).encode()
    yield Vector(
        "snapshot/json-not-utf8",
        "snapshot",
        "a payload byte that is not UTF-8",
        "invalid",
        frame_snapshot(text.replace(b'"version"', b'"versi\xffn"', 1)),
        ("JSN-1", "SNP-4"),
        error="form_syntax",
    )
    yield Vector(
        "snapshot/json-deep",
        "snapshot",
        "arrays opened 5000 deep and never closed: a syntax error whether or not the reader "
        "limits nesting",
        "invalid",
        frame_snapshot(b"[" * 5000),
        ("JSN-1", "SNP-4"),
        error="form_syntax",
    )


#: Well-formed UTF-8 at each end of every lead byte's continuation ranges (RFC 3629).
UTF8_EDGES = bytes.fromhex(
    "c280 dfbf e0a080 e0bfbf e18080 ecbfbf ed8080 ed9fbf ee8080 efbfbf "
    "f0908080 f0bfbfbf f1808080 f3bfbfbf f4808080 f48fbfbf"
)
#: Ill-formed UTF-8: (name, description, bytes); the error is at the byte that cannot continue.
UTF8_BROKEN = (
    ("lead-c1", "C1, a lead byte no UTF-8 text has (overlong)", "c1bf"),
    ("lead-f5", "F5, a lead byte beyond U+10FFFF", "f5808080"),
    ("lone-continuation", "a continuation byte with no lead byte", "80"),
    ("e0-overlong", "E0 9F: an overlong three-byte sequence", "e09fbf"),
    ("ed-surrogate", "ED A0: an encoded surrogate", "eda080"),
    ("f0-overlong", "F0 8F: an overlong four-byte sequence", "f08fbfbf"),
    ("f4-beyond-max", "F4 90: a code point beyond U+10FFFF", "f4908080"),
    ("tail-7f", "7F where a continuation byte (80-BF) must follow", "c27f"),
    ("tail-c0", "C0 where a continuation byte (80-BF) must follow", "e180c0"),
    ("e0-tail-c0", "E0 C0: above the second byte's range A0-BF", "e0c080"),
    ("ed-tail-7f", "ED 7F: below the second byte's range 80-9F", "ed7f"),
    ("f0-tail-c0", "F0 C0: above the second byte's range 90-BF", "f0c08080"),
    ("f4-tail-7f", "F4 7F: below the second byte's range 80-8F", "f47f"),
)


def _utf8_sequences(base: dict[str, Any]) -> Iterator[Vector]:
    """Ill-formed UTF-8 in a string is form_syntax at the first byte that cannot continue
    well-formed text (JSN-1, JSN-14); well-formed sequences at every range's ends, followed by
    an FF, move the error to the FF."""
    text = json.dumps(base, separators=(",", ":")).encode()
    content_type = b'"content_type":"application/json"'
    assert content_type in text
    cases = [(f"utf8-{name}", what, bytes.fromhex(seq)) for name, what, seq in UTF8_BROKEN]
    cases.append(
        (
            "utf8-edges-then-ff",
            "well-formed UTF-8 at every range's ends, then FF",
            UTF8_EDGES + b"\xff",
        )
    )
    for name, description, sequence in cases:
        document = text.replace(content_type, b'"content_type":"a' + sequence + b'"')
        yield Vector(
            f"snapshot/json-{name}",
            "snapshot",
            f"a string holding {description}",
            "invalid",
            frame_snapshot(document),
            ("JSN-1", "JSN-14", "SNP-4"),
            error="form_syntax",
        )


def _syntax_offsets(base: dict[str, Any]) -> Iterator[Vector]:
    """Where JSN-14 locates an error that follows text a scanner must walk exactly: every
    short escape, escapes of non-surrogates next to both surrogate ranges and of a pair, each
    just before a byte it must not swallow, an empty object, U+0020 and U+007F beside a raw
    control byte; and a member name followed by something other than a colon."""
    text = json.dumps(base, separators=(",", ":")).encode()
    content_type = b'"content_type":"application/json"'
    tags = b'"tags":[]'
    description = b'"description":null'
    engine = b'"engine":{'
    assert all(part in text for part in (content_type, tags, description, engine))
    walked = (
        text.replace(
            content_type,
            b'"content_type":"\\"\\\\\\/\\b\\f\\n\\r\\t\\ud7ffx\\ue000x\\u0041"',
        )
        .replace(tags, b'"tags":["\\ud83d\\ude00","\\n",{},[]]')
        .replace(description, b'"description":" \x7f\x1f"')
    )
    yield Vector(
        "snapshot/json-escapes-then-control",
        "snapshot",
        "every short escape, \\u escapes of U+D7FF, U+E000, U+0041 and a pair, an empty object "
        "and array, then a string with U+0020, U+007F and a raw U+001F: located at the U+001F",
        "invalid",
        frame_snapshot(walked),
        ("JSN-14", "JSN-15", "JSN-1", "SNP-4"),
        error="form_syntax",
    )
    yield Vector(
        "snapshot/json-key-without-colon",
        "snapshot",
        "a member name, a space, then an opening brace where the colon belongs",
        "invalid",
        frame_snapshot(text.replace(engine, b'"engine" {')),
        ("JSN-14", "JSN-1", "SNP-4"),
        error="form_syntax",
    )


def _surrogate_escapes(base: dict[str, Any]) -> Iterator[Vector]:
    """A string that escapes a lone surrogate is a syntax error wherever it is — a value, a
    key, an array element — while an escaped pair is one character (JSN-1, JSN-12)."""
    text = json.dumps(base, separators=(",", ":"))
    content_type = '"content_type":"application/json"'
    tags = '"tags":[]'
    engine = '"engine":{'
    assert content_type in text and tags in text and engine in text
    cases = [
        ("value", "in a string value", text.replace(content_type, '"content_type":"a\\ud800"')),
        ("key", "in an object key", text.replace(engine, '"engine":{"\\udc00":1,')),
        ("element", "in an array element", text.replace(tags, '"tags":["\\udbff"]')),
    ]
    for name, where, document in cases:
        yield Vector(
            f"snapshot/json-lone-surrogate-{name}",
            "snapshot",
            f"a lone surrogate escaped {where}",
            "invalid",
            frame_snapshot(document.encode()),
            ("JSN-1", "SNP-4"),
            error="form_syntax",
        )
    pair = text.replace(content_type, '"content_type":"\\ud83d\\ude00"')
    yield Vector(
        "snapshot/json-surrogate-pair",
        "snapshot",
        "an escaped surrogate pair is one character",
        "valid",
        frame_snapshot(pair.encode()),
        ("JSN-1", "SNP-4"),
    )
    # spec: JSN-15 — each end of both surrogate ranges, and what a high surrogate's escape may
    # not be followed by
    broken = [
        (
            "high-then-letter",
            "a high surrogate followed by the escape of a letter",
            "\\ud800\\u0041",
        ),
        ("high-then-high", "a high surrogate followed by another high one", "\\ud800\\udbff"),
        (
            "high-then-e000",
            "a high surrogate followed by U+E000, just above the low ones",
            "\\udbff\\ue000",
        ),
        (
            "high-gap-low",
            "a high and a low surrogate with a character between them",
            "\\ud800x\\udc00",
        ),
        ("high-then-newline", "a high surrogate followed by the escape \\n", "\\ud800\\n"),
        ("lone-dfff", "the last low surrogate alone", "a\\udfff"),
        ("low-then-low", "a low surrogate followed by another low one", "\\udc00\\udc00"),
    ]
    for name, description, escapes in broken:
        document = text.replace(content_type, f'"content_type":"{escapes}"')
        yield Vector(
            f"snapshot/json-surrogate-{name}",
            "snapshot",
            description,
            "invalid",
            frame_snapshot(document.encode()),
            ("JSN-15", "JSN-14", "SNP-4"),
            error="form_syntax",
        )
    edges = "\\ud7ff\\ue000\\ud800\\udc00\\udbff\\udfff\\ud800\\udfff"
    yield Vector(
        "snapshot/json-surrogate-edges",
        "snapshot",
        "U+D7FF and U+E000 beside the surrogates, and the pairs at both ends of both ranges",
        "valid",
        frame_snapshot(text.replace(content_type, f'"content_type":"{edges}"').encode()),
        ("JSN-15", "JSN-1", "SNP-4"),
    )
