"""Hypothesis strategies for every declared type, derived from the declarations.

``values("TaskSpec")`` generates valid TaskSpec values: every field of every struct and every
variant of every enum, with the edge values of spec ENC-2/ENC-5 (0, 127, 128, 16383, 16384,
2^32-1, 2^64-1, negative and extreme i32), empty / long / non-ASCII strings, empty and large
byte vectors, and None/Some for every Option. Values that break a decode-time validation rule
(spec VAL) are filtered out, so every generated value must round-trip.

Requires the ``test`` extra (hypothesis).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from hypothesis import strategies as st

from aqwal import types as t
from aqwal import validation
from aqwal.declarations import WAL_V5
from aqwal.errors import ValidationError
from aqwal.schema import Enum, Newtype, Opt, Prim, Ref, Registry, Seq, Struct, WireType

U32_EDGES = [0, 1, 127, 128, 16383, 16384, 2**21, 2**28 - 1, 2**31, 2**32 - 1]
U64_EDGES = [*U32_EDGES, 2**32, 2**35, 2**56, 2**63 - 1, 2**63, 2**64 - 2, 2**64 - 1]
I32_EDGES = [0, -1, 1, -2, 63, -64, 64, -65, 2**31 - 1, -(2**31)]
STRING_EDGES = ["", "a", "é", "wörker-ß-😀", '\x00\x1f"\\\u2028', "x" * 127, "y" * 128, "z" * 300]

_NIL = bytes(16)
_MAX = b"\xff" * 16


def _edged(edges: list[int], lo: int, hi: int) -> st.SearchStrategy[int]:
    return st.one_of(st.sampled_from(edges), st.integers(lo, hi))


_PRIMS: dict[Prim, st.SearchStrategy[Any]] = {
    Prim.U8: _edged([0, 1, 100, 127, 128, 255], 0, 255),
    Prim.U32: _edged(U32_EDGES, 0, 2**32 - 1),
    Prim.U64: _edged(U64_EDGES, 0, 2**64 - 1),
    Prim.I32: _edged(I32_EDGES, -(2**31), 2**31 - 1),
    Prim.BOOL: st.booleans(),
    Prim.STRING: st.one_of(st.sampled_from(STRING_EDGES), st.text(max_size=40)),
    Prim.BYTES: st.one_of(
        st.binary(max_size=40),
        st.sampled_from([b"", bytes(range(256)), b"\xff" * 1000]),
    ),
    Prim.UUID: st.one_of(
        st.sampled_from([_NIL, _MAX, bytes(range(16))]), st.binary(min_size=16, max_size=16)
    ),
}


def _is_valid(checker: Any, value: Any) -> bool:
    try:
        checker(value, None)
    except ValidationError:
        return False
    return True


class Strategies:
    """Strategies for the declarations of one registry."""

    def __init__(self, registry: Registry, *, workflow: bool = False) -> None:
        self.registry = registry
        self.workflow = workflow
        self._cache: dict[str, st.SearchStrategy[Any]] = {}

    def wire(self, w: WireType) -> st.SearchStrategy[Any]:
        if isinstance(w, Prim):
            return _PRIMS[w]
        if isinstance(w, Opt):
            return st.one_of(st.none(), self.wire(w.inner))
        if isinstance(w, Seq):
            return st.lists(self.wire(w.inner), max_size=4).map(tuple)
        assert isinstance(w, Ref)
        return self.named(w.name)

    def named(self, name: str) -> st.SearchStrategy[Any]:
        if name not in self._cache:
            self._cache[name] = st.deferred(lambda: self._build(name))
        return self._cache[name]

    def _build(self, name: str) -> st.SearchStrategy[Any]:
        d = self.registry[name]
        if isinstance(d, Newtype):
            return self.wire(d.inner)
        if isinstance(d, Struct):
            strategy = self._fields(getattr(t, d.class_name), d.fields)
            if d.validator:
                checker = getattr(validation, d.validator)
                strategy = strategy.filter(lambda v: _is_valid(checker, v))
            return strategy
        cls = getattr(t, d.name)
        if d.unit_only:
            return st.sampled_from(list(cls))
        return st.one_of(*(self.variant(d, v.name) for v in self._variants(d)))

    def _variants(self, e: Enum) -> list[Any]:
        return [v for v in e.variants if v.feature is None or self.workflow]

    def variant(self, e: Enum, variant_name: str) -> st.SearchStrategy[Any]:
        v = e.variant(variant_name)
        cls = getattr(t, v.py_name or v.name)
        return self._fields(cls, v.fields)

    def _fields(self, cls: Any, fields: tuple[Any, ...]) -> st.SearchStrategy[Any]:
        if not fields:
            return st.just(t.new_value(cls, ()))
        return st.tuples(*(self.wire(f.wire) for f in fields)).map(
            lambda vs: t.new_value(cls, vs)
        )


@cache
def strategies(workflow: bool = False) -> Strategies:
    return Strategies(WAL_V5, workflow=workflow)


def values(type_name: str, *, workflow: bool = False) -> st.SearchStrategy[Any]:
    """Valid values of a declared type."""
    return strategies(workflow).named(type_name)


@cache
def wal_events(variant: str | None = None, *, workflow: bool = False) -> st.SearchStrategy[Any]:
    """Valid WalEvent records; all variants, or one variant by name. One strategy object per
    argument: a test that draws from it in every example has it validated once."""
    s = strategies(workflow)
    if variant is None:
        return s.named("WalEvent")
    body = s.variant(WAL_V5.enum("WalEventType"), variant)
    return st.tuples(_PRIMS[Prim.U64], body).map(lambda sv: t.new_value(t.WalEvent, sv))
