"""Snapshot vectors of struct objects in a shape beside the usual one (spec: JSN-4, JSN-10,
JSN-13).

A reader may take an object on a fast path when it holds every declared key once, in
declaration order, and read everything else with its general reader. For every struct and
struct variant the snapshot model reaches, each in a snapshot where it is the only value of
its type (the documents of :mod:`.field_faults`):

* ``as-pairs`` — the object written as an array of its ``[name, value]`` pairs, in order: an
  array where a struct is expected is read positionally (JSN-10), so the first field receives a
  two-element array, which its type refuses (or, for a field that takes such an array, another
  value than the object's); a reader that took the array for the object answers otherwise;
* for every enum with data variants, ``as-pairs`` too: the object ``{"Variant": value}``
  written as an array holding its one ``[name, value]`` pair, which no enum form is (JSN-8);
* ``key-renamed`` — the object with the name of one field changed (the same value, at the same
  place): the key is undeclared and skipped (JSN-13), so the field is missing, or takes its
  default; a reader that matched keys by position alone answers otherwise. The field is the
  last one whose renaming changes the outcome (a field holding its default would not).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from aqwal.declarations import SNAPSHOT_V8
from aqwal.digest import state_digest
from aqwal.errors import AqwalError
from aqwal.schema import Registry
from aqwal.snapshot import load_snapshot_state
from aqwal_conformance.vectorgen.builders import raw_snapshot
from aqwal_conformance.vectorgen.field_faults import Path, fault_sites, get_at, pointer, set_at
from aqwal_conformance.vectors import Vector

#: Appended to the last key's name: an undeclared key.
RENAMED = "_renamed"


def _struct_sites(reg: Registry) -> Iterator[tuple[str, str | None, dict[str, Any], Path]]:
    """(owner, feature, document, path) of every struct and struct variant, once each."""
    seen: set[str] = set()
    for target, doc, path in fault_sites(reg):
        if not target.suffix or target.owner in seen:
            continue  # a newtype variant's value is not an object of fields
        seen.add(target.owner)
        yield target.owner, target.feature, doc, path[: -len(target.suffix)]


def _enum_sites(reg: Registry) -> Iterator[tuple[str, str | None, dict[str, Any], Path]]:
    """(enum, feature, document, path) of a value of every enum with data variants, once
    each: the object ``{"Variant": value}`` of the first such variant the documents hold."""
    seen: set[str] = set()
    for target, doc, path in fault_sites(reg):
        enum, dot, _variant = target.owner.partition(".")
        if not dot or enum in seen or target.feature is not None:
            continue
        seen.add(enum)
        inner = path[: len(path) - len(target.suffix)]  # the variant's value
        yield enum, target.feature, doc, inner[:-1]


def _outcome(doc: Any, feature: str | None) -> tuple[str | None, str | None]:
    """The error code the reference reads the document with, or the digest of its state."""
    try:
        state = load_snapshot_state(raw_snapshot(doc), workflow=feature == "workflow")
    except AqwalError as exc:
        return exc.code, None
    return None, state_digest(state)


def _placed(source: dict[str, Any], path: Path, value: Any) -> Any:
    """``source`` with ``value`` at ``path`` (``value`` itself at the root)."""
    if not path:
        return copy.deepcopy(value)
    doc = copy.deepcopy(source)
    set_at(doc, path, value)
    return doc


def _renamed(obj: dict[str, Any], name: str) -> dict[str, Any]:
    return {(n + RENAMED if n == name else n): v for n, v in obj.items()}


def struct_shape_vectors(reg: Registry = SNAPSHOT_V8) -> Iterator[Vector]:
    for owner, feature, source, path in _struct_sites(reg):
        obj = get_at(source, path)
        assert isinstance(obj, dict) and obj, (owner, path)
        usual = _outcome(_placed(source, path, obj), feature)
        name = next(
            n
            for n in reversed(obj)
            if _outcome(_placed(source, path, _renamed(obj, n)), feature) != usual
        )
        shapes = (
            (
                "as-pairs",
                "written as an array of its [name, value] pairs",
                [[n, value] for n, value in obj.items()],
            ),
            (
                "key-renamed",
                f"with its key {name!r} written {name + RENAMED!r}",
                _renamed(obj, name),
            ),
        )
        for shape, description, value in shapes:
            doc = _placed(source, path, value)
            error, _digest = _outcome(doc, feature)
            yield Vector(
                f"snapshot/shape-{owner}-{shape}",
                "snapshot",
                f"the {owner} at {pointer(path)} {description}",
                "valid" if error is None else "invalid",
                raw_snapshot(doc),
                ("JSN-4", "JSN-10", "JSN-13", "SNP-4"),
                error=error,
                options={"profile": feature} if feature else {},
            )
    for enum, feature, source, path in _enum_sites(reg):
        obj = get_at(source, path)
        assert isinstance(obj, dict) and len(obj) == 1, (enum, path)
        doc = _placed(source, path, [[n, value] for n, value in obj.items()])
        error, _digest = _outcome(doc, feature)
        yield Vector(
            f"snapshot/shape-{enum}-as-pairs",
            "snapshot",
            f"the {enum} at {pointer(path)} written as an array holding its one [name, value] "
            "pair",
            "valid" if error is None else "invalid",
            raw_snapshot(doc),
            ("JSN-8", "JSN-13", "SNP-4"),
            error=error,
        )
