"""Snapshot vectors just beside the usual shape of the JSON form (spec: JSN-6, JSN-13, VAL-11).

A reader may take the usual shape — hyphenated identifiers, values that keep the decode-time
rules — on a fast path and leave everything else to its general reader. These vectors are
near misses of that shape, each the only value of its kind in its document, so that a fast path that
takes them for the usual shape returns a wrong value instead of the error:

* identifiers of 36 characters with a hyphen one place off, or with white space where two
  hexadecimal digits belong; one of 37 characters (a trailing space); an array of the 36
  characters of an identifier (JSN-6), each in a snapshot whose only identifier it is;
* identifiers of 36 characters with 32 hexadecimal digits and all four hyphens elsewhere;
* byte arrays holding ``true`` or ``false`` first, or right after a 1 or a 0 (JSN-5);
* for each validated struct of the snapshot model, a value that breaks its first decode-time
  rule (VAL-11, with the path of JSN-12).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from aqwal.declarations import SNAPSHOT_V8
from aqwal.forms import to_json_text
from aqwal.schema import Registry, Struct
from aqwal_conformance.vectorgen.builders import raw_snapshot
from aqwal_conformance.vectorgen.field_faults import (
    Path,
    fault_sites,
    is_valid,
    pointer,
    set_at,
)
from aqwal_conformance.vectors import Vector

#: The canonical hyphen positions of an identifier (JSN-6).
HYPHENS = (8, 13, 18, 23)
#: For each validator of a snapshot struct: a field and a value that break its first rule.
RULE_BREAKERS: dict[str, tuple[str, Any, str]] = {
    "validate_task_spec": ("id", "00000000-0000-0000-0000-000000000000", "nil_task_spec_id"),
    "validate_repeat_policy": ("count", 0, "invalid_repeat_count"),
    "validate_cron_policy": ("expression", "", "invalid_cron_expression"),
    "validate_task_constraints": ("max_attempts", 0, "invalid_max_attempts"),
    "validate_run_instance": ("id", "00000000-0000-0000-0000-000000000000", "nil_run_id"),
}


#: Byte arrays holding a boolean: first, and right after the first byte of its own value.
BOOL_BYTE_ARRAYS: tuple[tuple[str, list[int | bool]], ...] = (
    ("true-first", [True, 7]),
    ("false-first", [False, 7]),
    ("true-after-1", [5, 1, True, 9]),
    ("false-after-0", [5, 0, False, 9]),
)


def identifier_near_misses(text: str) -> Iterator[tuple[str, str, Any]]:
    """(name, description, value) of the identifiers beside the hyphenated form of ``text``."""
    for at in HYPHENS:
        for moved in (at - 1, at + 1):
            chars = list(text)
            chars[at], chars[moved] = chars[moved], chars[at]
            yield (
                f"uuid-hyphen-{at}-at-{moved}",
                f"the hyphen at {at} moved to {moved}",
                "".join(chars),
            )
    yield (
        "uuid-spaces-for-digits",
        "two spaces where the hexadecimal digits 32 and 33 belong: 36 characters, 15 bytes",
        text[:32] + "  " + text[34:],
    )
    digits = text.replace("-", "")
    for hyphens, what in (
        ((7, 12, 17, 22), "every hyphen one place early"),
        ((8, 12, 16, 20), "hyphens every fourth character from 8"),
    ):
        chars = list(digits)
        for at in hyphens:
            chars.insert(at, "-")
        yield (
            f"uuid-hyphens-at-{'-'.join(map(str, hyphens))}",
            f"{what} ({', '.join(map(str, hyphens))}): 36 characters, 32 hexadecimal digits",
            "".join(chars),
        )
    yield ("uuid-trailing-space", "a trailing space: 37 characters", text + " ")
    yield ("uuid-as-array", "an array of the identifier's 36 characters", list(text))


def _identifiers(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_identifiers(v) for v in value.values())
    if isinstance(value, list):
        return sum(_identifiers(v) for v in value)
    return int(isinstance(value, str) and len(value) == 36 and value.count("-") == 4)


def one_identifier(doc: dict[str, Any]) -> tuple[dict[str, Any], Path]:
    """A valid snapshot whose only identifier is its one task's (no run, no other record), and
    its path: a reader whose identifier check were inverted would give up at any other one."""
    body = copy.deepcopy(doc)
    for key, value in body.items():
        if isinstance(value, list):
            body[key] = value[:1] if key == "tasks" else []
    body["metadata"].update(task_count=1, run_count=0)
    spec = body["tasks"][0]["task_spec"]
    spec.update(parent_task_id=None, tenant_id=None)
    assert is_valid(body, None) and _identifiers(body) == 1
    return body, ("tasks", 0, "task_spec", "id")


def near_miss_vectors(reg: Registry = SNAPSHOT_V8) -> Iterator[Vector]:
    sites = {t.label: (t, doc, path) for t, doc, path in fault_sites(reg)}
    doc, where = one_identifier(sites["TaskSpec.id"][1])
    for name, description, value in identifier_near_misses(doc["tasks"][0]["task_spec"]["id"]):
        body = copy.deepcopy(doc)
        set_at(body, where, value)
        yield Vector(
            f"snapshot/{name}",
            "snapshot",
            f"the only identifier of the document ({pointer(where)}): {description}",
            "invalid",
            raw_snapshot(body),
            ("JSN-6", "JSN-13", "SNP-4"),
            error="form_type_mismatch" if isinstance(value, list) else "form_invalid_uuid",
        )
    # spec: JSN-5 — true and false are not bytes, wherever a 0 or a 1 stands beside them
    target, doc, path = sites["TaskPayload.bytes"]
    for name, items in BOOL_BYTE_ARRAYS:
        body = copy.deepcopy(doc)
        set_at(body, path, items)
        at = next(i for i, x in enumerate(items) if type(x) is bool)
        yield Vector(
            f"snapshot/bytes-{name}",
            "snapshot",
            f"{target.label} at {pointer(path)} is {to_json_text(items)}: a boolean at {at}, "
            "not a byte",
            "invalid",
            raw_snapshot(body),
            ("JSN-5", "JSN-13", "SNP-4"),
            error="form_type_mismatch",
        )
    for d in reg:
        if not isinstance(d, Struct) or d.validator is None:
            continue
        field, value, code = RULE_BREAKERS[d.validator]
        target, doc, path = sites[f"{d.name}.{field}"]
        body = copy.deepcopy(doc)
        set_at(body, path, value)
        yield Vector(
            f"snapshot/rule-{d.name}-{code.replace('_', '-')}",
            "snapshot",
            f"{target.label} at {pointer(path)} is {value!r}: {code}, the first rule of "
            f"{d.validator}, with the path of the {d.name}",
            "invalid",
            raw_snapshot(body),
            ("VAL-11", "JSN-13", "SNP-4"),
            error=code,
            options={"profile": target.feature} if target.feature else {},
        )
