"""The declaration vocabulary: how a WAL type is described once.

A :class:`Registry` holds named declarations (:class:`Struct`, :class:`Enum`, :class:`Newtype`).
Field and element types are :data:`WireType` values: a primitive (:class:`Prim`), an
:class:`Opt`, a :class:`Seq`, or a :class:`Ref` to another declaration by name.

Everything that needs a type's layout derives it from these declarations: the generated value
classes and postcard codec (``codegen``), the JSON and CBOR forms (``forms``), the
machine-readable registry (``registry``) and the Hypothesis strategies of the conformance suite.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal


class Prim(enum.Enum):
    """Primitive wire types (spec: ENC-2 .. ENC-12)."""

    U8 = "u8"
    U32 = "u32"
    U64 = "u64"
    I32 = "i32"
    BOOL = "bool"
    STRING = "string"
    BYTES = "bytes"  # Vec<u8>: varint length + raw bytes
    UUID = "uuid"  # serde bytes of length 16: 0x10 + 16 bytes


@dataclass(frozen=True, slots=True)
class Opt:
    """``Option<inner>``: tag byte 0x00 / 0x01 then the value (spec: ENC-8)."""

    inner: WireType


@dataclass(frozen=True, slots=True)
class Seq:
    """``Vec<inner>``: varint element count then the elements (spec: ENC-9)."""

    inner: WireType


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to a declaration of the registry by its Rust name."""

    name: str


WireType = Prim | Opt | Seq | Ref


class JsonPresence(enum.Enum):
    """What a JSON reader does when the key of a field is absent (spec: JSN-3)."""

    REQUIRED = "required"  # absent key is an error (Option fields are never REQUIRED)
    DEFAULT = "default"  # #[serde(default)]: absent key takes the type's default


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a struct or struct variant, in declaration (= wire) order."""

    name: str
    wire: WireType
    doc: str = ""
    #: ``#[serde(default)]`` on the Rust field: the JSON reader fills the default when absent.
    serde_default: bool = False
    #: ``#[serde(skip_serializing_if = "Option::is_none")]``: JSON writers omit a None value.
    #: (The engine's postcard writer omits the tag too, which is the defect of spec ENC-18.)
    skip_if_none: bool = False
    #: Python attribute name when the Rust name is a Python keyword (``from`` → ``from_``).
    py_name: str = ""

    @property
    def attr(self) -> str:
        return self.py_name or self.name


@dataclass(frozen=True, slots=True)
class Struct:
    """A Rust struct with named fields (spec: ENC-13)."""

    name: str
    fields: tuple[Field, ...]
    doc: str = ""
    #: Name of the decode-time validator in ``aqwal.validation`` (None: no validation).
    validator: str | None = None
    #: Spec clause that describes this type's layout.
    clause: str = ""
    #: False for types that only occur in snapshots (JSON form only, never postcard).
    on_wire: bool = True
    #: Python class name of the generated value class (defaults to ``name``).
    py_name: str = ""

    @property
    def kind(self) -> Literal["struct"]:
        return "struct"

    @property
    def class_name(self) -> str:
        return self.py_name or self.name


@dataclass(frozen=True, slots=True)
class Newtype:
    """A tuple struct with one field; on the wire it is just the inner value (spec: ENC-14)."""

    name: str
    inner: WireType
    doc: str = ""
    clause: str = ""

    @property
    def kind(self) -> Literal["newtype"]:
        return "newtype"


VariantKind = Literal["unit", "newtype", "struct"]


@dataclass(frozen=True, slots=True)
class Variant:
    """One variant of an enum: a discriminant, a kind, and its fields."""

    name: str
    index: int
    kind: VariantKind
    fields: tuple[Field, ...] = ()
    doc: str = ""
    #: The variant exists only when this build feature is enabled (spec: ENC-19).
    feature: str | None = None
    #: Python class name of the variant's value class (data enums only).
    py_name: str = ""


@dataclass(frozen=True, slots=True)
class Enum:
    """A Rust enum: varint discriminant, then the variant's fields (spec: ENC-15)."""

    name: str
    variants: tuple[Variant, ...]
    doc: str = ""
    clause: str = ""
    #: The variant ``#[derive(Default)]`` marks, used by ``#[serde(default)]`` fields.
    default: str | None = None
    validator: str | None = None
    on_wire: bool = True

    @property
    def kind(self) -> Literal["enum"]:
        return "enum"

    @property
    def unit_only(self) -> bool:
        """All variants carry no data: the value class is a Python ``enum.Enum``."""
        return all(v.kind == "unit" for v in self.variants)

    def variant(self, name: str) -> Variant:
        for v in self.variants:
            if v.name == name:
                return v
        raise KeyError(name)


Decl = Struct | Enum | Newtype


@dataclass(frozen=True)
class Registry:
    """An ordered, named set of declarations with a root type (``WalEvent``)."""

    name: str
    version: int
    root: str
    decls: Mapping[str, Decl]
    features: frozenset[str] = field(default_factory=frozenset)
    notes: tuple[str, ...] = ()

    def __getitem__(self, name: str) -> Decl:
        return self.decls[name]

    def __iter__(self) -> Iterator[Decl]:
        return iter(self.decls.values())

    def struct(self, name: str) -> Struct:
        d = self.decls[name]
        assert isinstance(d, Struct), name
        return d

    def enum(self, name: str) -> Enum:
        d = self.decls[name]
        assert isinstance(d, Enum), name
        return d

    def reachable(self, start: str | None = None) -> list[str]:
        """Names reachable from ``start`` (default: the root), in first-visit order."""
        seen: dict[str, None] = {}

        def visit_wire(w: WireType) -> None:
            if isinstance(w, Ref):
                visit(w.name)
            elif isinstance(w, Opt | Seq):
                visit_wire(w.inner)

        def visit(name: str) -> None:
            if name in seen:
                return
            seen[name] = None
            d = self.decls[name]
            if isinstance(d, Struct):
                for f in d.fields:
                    visit_wire(f.wire)
            elif isinstance(d, Enum):
                for v in d.variants:
                    for f in v.fields:
                        visit_wire(f.wire)
            else:
                visit_wire(d.inner)

        visit(start or self.root)
        return list(seen)

    def with_enum_prefix(self, enum_name: str, count: int, *, name: str, version: int) -> Registry:
        """A copy in which enum ``enum_name`` keeps only its first ``count`` variants."""
        e = self.enum(enum_name)
        trimmed = Enum(
            e.name, e.variants[:count], e.doc, e.clause, e.default, e.validator, e.on_wire
        )
        decls = dict(self.decls)
        decls[enum_name] = trimmed
        return Registry(name, version, self.root, decls, self.features, self.notes)


def build_registry(
    name: str, version: int, root: str, decls: list[Decl], notes: tuple[str, ...] = ()
) -> Registry:
    """Check a list of declarations for consistency and index it by name."""
    table: dict[str, Decl] = {}
    for d in decls:
        if d.name in table:
            raise ValueError(f"duplicate declaration {d.name}")
        table[d.name] = d
    reg = Registry(name, version, root, table, notes=notes)
    for d in decls:
        for w in _wires_of(d):
            _check_refs(reg, w, d.name)
        if isinstance(d, Enum):
            for i, v in enumerate(d.variants):
                if v.index != i:
                    raise ValueError(f"{d.name}.{v.name}: index {v.index} is not its position {i}")
                if v.kind == "newtype" and len(v.fields) != 1:
                    raise ValueError(f"{d.name}.{v.name}: newtype variant needs exactly one field")
                if v.kind == "unit" and v.fields:
                    raise ValueError(f"{d.name}.{v.name}: unit variant with fields")
    return reg


def _wires_of(d: Decl) -> Iterator[WireType]:
    if isinstance(d, Struct):
        yield from (f.wire for f in d.fields)
    elif isinstance(d, Enum):
        for v in d.variants:
            yield from (f.wire for f in v.fields)
    else:
        yield d.inner


def _check_refs(reg: Registry, w: WireType, owner: str) -> None:
    if isinstance(w, Ref):
        if w.name not in reg.decls:
            raise ValueError(f"{owner} refers to undeclared type {w.name}")
    elif isinstance(w, Opt | Seq):
        _check_refs(reg, w.inner, owner)


def json_default(reg: Registry, w: WireType) -> object:
    """The JSON form of the value an absent ``#[serde(default)]`` field takes (spec: JSN-3).

    ``None`` → ``null``, a sequence → ``[]``, a number → 0, a string → ``""``, a bool → false,
    an enum → its ``default`` variant, a struct → the object of its fields' defaults (the
    struct derives ``Default``).
    """
    if isinstance(w, Opt):
        return None
    if isinstance(w, Seq) or w is Prim.BYTES:
        return []
    if isinstance(w, Prim):
        if w is Prim.UUID:
            raise ValueError("an identifier has no default")
        return {Prim.BOOL: False, Prim.STRING: ""}.get(w, 0)
    d = reg[w.name]
    if isinstance(d, Enum) and d.default is not None:
        return d.default
    if isinstance(d, Struct):
        return {f.name: json_default(reg, f.wire) for f in d.fields}
    raise ValueError(f"{w.name} has no default")


def wire_name(w: WireType) -> str:
    """The Rust-like spelling of a wire type: ``Option<Vec<String>>``, ``TaskId``, ``u64``."""
    if isinstance(w, Prim):
        return {
            Prim.U8: "u8",
            Prim.U32: "u32",
            Prim.U64: "u64",
            Prim.I32: "i32",
            Prim.BOOL: "bool",
            Prim.STRING: "String",
            Prim.BYTES: "Vec<u8>",
            Prim.UUID: "Uuid",
        }[w]
    if isinstance(w, Opt):
        return f"Option<{wire_name(w.inner)}>"
    if isinstance(w, Seq):
        return f"Vec<{wire_name(w.inner)}>"
    return w.name


Validator = Callable[[object, int], None]
