"""Deterministic values of every declared type, for golden vectors.

Unlike the Hypothesis strategies (which explore), this module produces the same values on every
run and machine: named *shapes* (``minimal``, ``maximal``, ``boundary-128``, ...) and seeded
pseudo-random values from :class:`random.Random`. Values are made valid for the decode-time
rules (spec VAL) by :func:`make_valid`, then checked by the reference validators.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from aqwal import types as t
from aqwal import validation
from aqwal.declarations import WAL_V5
from aqwal.schema import Enum, Field, Newtype, Opt, Prim, Ref, Registry, Seq, Struct, Variant

NIL = bytes(16)
_INT_MAX = {
    Prim.U8: 0xFF,
    Prim.U32: 0xFFFF_FFFF,
    Prim.U64: 0xFFFF_FFFF_FFFF_FFFF,
    Prim.I32: 0x7FFF_FFFF,
}
_INT_MIN = {Prim.U8: 0, Prim.U32: 0, Prim.U64: 0, Prim.I32: -0x8000_0000}
LONG_TEXT = "ActionQueue wörker ß 😀 — " * 12  # 300 characters, 1- to 4-byte UTF-8


@dataclass(frozen=True)
class Shape:
    """How to fill every field of a value.

    ``ints``: a fixed value for every integer (clamped into the type's range) or None for the
    type's maximum (``maximal``) / random; ``option``: None, "some" or "random".
    """

    name: str
    ints: int | None
    option: str  # "none" | "some" | "random"
    text: str | None  # fixed text, or None for random
    blob: bytes | None
    seq_len: int | None
    variant: str  # "first" | "last" | "random"
    ids: str  # "nil" | "max" | "random"
    maximal: bool = False


SHAPES = {
    "minimal": Shape("minimal", 0, "none", "", b"", 0, "first", "nil"),
    "maximal": Shape(
        "maximal", None, "some", LONG_TEXT, bytes(range(256)) * 4, 3, "last", "max", maximal=True
    ),
    "boundary-127": Shape(
        "boundary-127", 127, "some", "x" * 127, b"\x7f" * 127, 1, "first", "random"
    ),
    "boundary-128": Shape(
        "boundary-128", 128, "some", "y" * 128, b"\x80" * 128, 2, "last", "random"
    ),
    "boundary-16383": Shape("boundary-16383", 16383, "none", "é", b"", 0, "first", "random"),
    "boundary-16384": Shape(
        "boundary-16384", 16384, "some", '\u0000\u001f"\\', b"\x00", 1, "last", "random"
    ),
    "boundary-u32max": Shape(
        "boundary-u32max", 0xFFFF_FFFF, "some", "ok", b"\xff", 1, "first", "max"
    ),
    "negative": Shape("negative", -1, "some", "neg", b"\x01", 1, "last", "random"),
    "i32-min": Shape("i32-min", -0x8000_0000, "some", "min", b"\x02", 1, "first", "random"),
    "random": Shape("random", None, "random", None, None, None, "random", "random"),
}


#: Random values with every Option present, so a forced nested variant always appears.
_NESTED = Shape("nested", None, "some", None, None, 1, "random", "random")


class ValueMaker:
    """Builds values of a registry's types for one shape and one seeded generator."""

    def __init__(
        self,
        shape: Shape,
        rng: random.Random,
        *,
        workflow: bool = False,
        registry: Registry = WAL_V5,
        choose: dict[str, str] | None = None,
    ) -> None:
        self.shape = shape
        self.rng = rng
        self.workflow = workflow
        self.registry = registry
        #: Forced variant per enum name (to cover every variant of nested enums).
        self.choose = choose or {}

    def _int(self, p: Prim) -> int:
        lo, hi = _INT_MIN[p], _INT_MAX[p]
        s = self.shape
        if s.maximal:
            return hi
        if s.ints is None:
            bits = self.rng.choice([7, 8, 14, 21, 32, 63, 64])
            value = self.rng.getrandbits(bits)
            if p is Prim.I32 and self.rng.random() < 0.5:
                value = -value
            return max(lo, min(hi, value))
        return max(lo, min(hi, s.ints))

    def wire(self, w: Any) -> Any:
        s = self.shape
        if isinstance(w, Prim):
            if w in _INT_MAX:
                return self._int(w)
            if w is Prim.BOOL:
                return bool(self.rng.getrandbits(1)) if s.ints is None else s.maximal
            if w is Prim.STRING:
                if s.text is not None:
                    return s.text
                return "".join(
                    self.rng.choice("abcdefgh-é☃😀 ") for _ in range(self.rng.randint(0, 24))
                )
            if w is Prim.BYTES:
                if s.blob is not None:
                    return s.blob
                return self.rng.randbytes(self.rng.randint(0, 40))
            if s.ids == "nil":
                return NIL
            if s.ids == "max":
                return b"\xff" * 16
            return self.rng.randbytes(16)
        if isinstance(w, Opt):
            some = {"none": False, "some": True}.get(s.option)
            if some is None:
                some = self.rng.random() < 0.5
            return self.wire(w.inner) if some else None
        if isinstance(w, Seq):
            n = s.seq_len if s.seq_len is not None else self.rng.randint(0, 3)
            return tuple(self.wire(w.inner) for _ in range(n))
        assert isinstance(w, Ref)
        return self.named(w.name)

    def named(self, name: str) -> Any:
        d = self.registry[name]
        if isinstance(d, Newtype):
            return self.wire(d.inner)
        if isinstance(d, Struct):
            value = t.new_value(getattr(t, d.class_name), [self.wire(f.wire) for f in d.fields])
            return make_valid(name, value)
        variants = [v for v in d.variants if v.feature is None or self.workflow]
        v = self._pick(d, variants)
        if d.unit_only:
            return getattr(getattr(t, d.name), v.name)
        return self.variant_value(d, v)

    def _pick(self, e: Enum, variants: list[Variant]) -> Variant:
        forced = self.choose.get(e.name)
        if forced is not None:
            return e.variant(forced)
        if self.shape.variant == "first":
            return variants[0]
        if self.shape.variant == "last":
            return variants[-1]
        return self.rng.choice(variants)

    def variant_value(self, e: Enum, v: Variant) -> Any:
        cls = getattr(t, v.py_name or v.name)
        return t.new_value(cls, [self.wire(f.wire) for f in v.fields])

    def fields(self, fields: tuple[Field, ...]) -> list[Any]:
        return [self.wire(f.wire) for f in fields]


def _nonnil(raw: bytes, fallback: int) -> bytes:
    return raw if raw != NIL else fallback.to_bytes(16, "big")


def make_valid(name: str, v: Any) -> Any:
    """Adjust a generated value so that it passes the decode-time rules (spec VAL-1 .. VAL-16)."""
    if name == "RepeatPolicy":
        v = v._replace(count=max(1, v.count), interval_secs=max(1, v.interval_secs))
    elif name == "CronPolicy":
        v = v._replace(
            expression=v.expression if v.expression.strip() else "0 */5 * * * *",
            max_occurrences=None if v.max_occurrences is None else max(1, v.max_occurrences),
        )
    elif name == "TaskConstraints":
        caps = v.required_capabilities
        if caps is not None:
            caps = tuple(c or "cap" for c in caps) or ("cap",)
        v = v._replace(
            max_attempts=max(1, v.max_attempts),
            timeout_secs=None if v.timeout_secs is None else max(1, v.timeout_secs),
            concurrency_key=None if v.concurrency_key is None else (v.concurrency_key or "key"),
            required_capabilities=caps,
        )
    elif name == "TaskSpec":
        v = v._replace(id=_nonnil(v.id, 1))
    elif name == "RunInstance":
        v = v._replace(id=_nonnil(v.id, 2), task_id=_nonnil(v.task_id, 1))
        if v.state is not t.RunState.Running:
            v = v._replace(current_attempt_id=None)
        if v.state is t.RunState.Ready and v.scheduled_at > v.created_at:
            v = v._replace(scheduled_at=v.created_at)
    decl = WAL_V5.decls.get(name)
    if isinstance(decl, Struct) and decl.validator:
        getattr(validation, decl.validator)(v, None)
    return v


def event_values(variant: str, *, workflow: bool = False) -> Iterator[tuple[str, t.WalEvent]]:
    """Named valid WalEvent values of one variant: every shape plus three seeded ones."""
    e = WAL_V5.enum("WalEventType")
    v = e.variant(variant)
    for shape_name, shape in SHAPES.items():
        seeds = (1, 2, 3) if shape_name == "random" else (0,)
        for seed in seeds:
            rng = random.Random(f"{variant}/{shape_name}/{seed}")
            maker = ValueMaker(shape, rng, workflow=workflow)
            body = maker.variant_value(e, v)
            sequence = maker.wire(Prim.U64)
            name = shape_name if shape_name != "random" else f"random-{seed}"
            yield name, t.WalEvent(sequence, body)


def nested_variant_values(*, workflow: bool = False) -> Iterator[tuple[str, str, t.WalEvent]]:
    """For every variant of every enum nested inside a WalEvent: one event that uses it.

    Yields ``(enum name, variant name, event)``.
    """
    top = WAL_V5.enum("WalEventType")
    for name in WAL_V5.reachable():
        d = WAL_V5[name]
        if not isinstance(d, Enum) or d.name == "WalEventType":
            continue
        carrier = next(v for v in top.variants if name in _reaches(v))
        for variant in d.variants:
            if variant.feature and not workflow:
                continue
            rng = random.Random(f"{name}/{variant.name}")
            # Only the forced variant may need a feature; every other choice stays default.
            maker = ValueMaker(_NESTED, rng, choose={name: variant.name})
            yield (
                name,
                variant.name,
                t.WalEvent(rng.getrandbits(20), maker.variant_value(top, carrier)),
            )


def _reaches(v: Variant) -> set[str]:
    names: set[str] = set()
    for f in v.fields:
        w = f.wire
        while isinstance(w, Opt | Seq):
            w = w.inner
        if isinstance(w, Ref):
            names.update(WAL_V5.reachable(w.name))
    return names
