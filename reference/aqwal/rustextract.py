"""Registries extracted from the engine's Rust source (spec: VER-15 .. VER-20).

``extract(path)`` reads every crate under ``path`` (:mod:`aqwal.rustsource`), starts from the
root type of each target (``WalEvent``; the snapshot document ``Snapshot``), follows every
field type to the types it names, and returns one :class:`~aqwal.schema.Registry` per target,
in the ``aqwal-registry/1`` model that ``aqwal schema diff`` compares.

A type's layout is what serde writes: the declaration (fields and variants in order, with the
attributes of :mod:`aqwal.serdeattrs`) when ``Serialize`` is derived, or the fields a
hand-written ``serialize_struct`` body writes. Whether a missing JSON key is defaulted is what
the *reading* side says: the declaration when ``Deserialize`` is derived, or the derived
"wire" type a hand-written ``Deserialize`` reads through, which must have the same shape
(VER-19). What only the specification adds (clause ids, names of tuple-variant fields, the order
types are listed in) comes from an overlay (VER-20).
"""

from __future__ import annotations

import dataclasses
import json
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aqwal.errors import SchemaError
from aqwal.registry import check
from aqwal.rustsource import (
    MAX_NESTING,
    External,
    Impl,
    Item,
    Meta,
    Module,
    Node,
    SourceTree,
    attributes_before,
    path_segments,
    unsupported,
)
from aqwal.schema import (
    Decl,
    Enum,
    Field,
    Newtype,
    Opt,
    Prim,
    Ref,
    Registry,
    Seq,
    Struct,
    Variant,
    WireType,
)
from aqwal.serdeattrs import (
    Container,
    Member,
    derives,
    expand,
    feature_of,
    rename_field,
    rename_variant,
    serde_args,
)

OVERLAY_FORMAT = "aqwal-registry-overlay/1"


@dataclass(frozen=True, slots=True)
class Target:
    """One registry to extract: its name, root type and the constant holding its version."""

    name: str
    root: str  # a type name, or a path suffix such as ``wal::event::WalEvent``
    version: str  # a constant's path suffix, such as ``wal::codec::VERSION``


#: The engine's registries (spec: VER-20).
ENGINE_TARGETS = (
    Target("wal", "WalEvent", "wal::codec::VERSION"),
    Target("snapshot", "Snapshot", "snapshot::mapping::SNAPSHOT_SCHEMA_VERSION"),
)

_PRIMITIVES = {"u8": Prim.U8, "u32": Prim.U32, "u64": Prim.U64, "i32": Prim.I32, "bool": Prim.BOOL}
_STD = {
    ("std", "string", "String"): "String",
    ("alloc", "string", "String"): "String",
    ("std", "vec", "Vec"): "Vec",
    ("alloc", "vec", "Vec"): "Vec",
    ("std", "option", "Option"): "Option",
    ("core", "option", "Option"): "Option",
    ("std", "boxed", "Box"): "Box",
    ("alloc", "boxed", "Box"): "Box",
    ("uuid", "Uuid"): "Uuid",
}
_PRELUDE = {"String", "Vec", "Option", "Box"}


# ---------------------------------------------------------------------------------------------
# overlay


@dataclass(frozen=True)
class Overlay:
    """What the specification adds to extracted registries (spec: VER-20)."""

    clauses: dict[str, str]
    variant_fields: dict[str, dict[str, str]]  # type -> tuple variant -> field name
    order: tuple[str, ...]


EMPTY_OVERLAY = Overlay({}, {}, ())


def overlay_document(registries: list[Registry]) -> dict[str, Any]:
    """The overlay that makes extraction reproduce ``registries`` (from the declarations)."""
    types: dict[str, Any] = {}
    for reg in registries:
        for d in reg:
            if d.name in types:
                continue
            entry: dict[str, Any] = {"clause": d.clause}
            if isinstance(d, Enum):
                names = {v.name: v.fields[0].name for v in d.variants if v.kind == "newtype"}
                if names:
                    entry["variant_fields"] = names
            types[d.name] = entry
    return {"format": OVERLAY_FORMAT, "types": types}


def load_overlay(data: bytes | str, where: str) -> Overlay:
    def bad(message: str) -> SchemaError:
        return SchemaError("registry_invalid", f"{where}: {message}")

    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise bad(f"not JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != OVERLAY_FORMAT:
        raise bad(f"not an {OVERLAY_FORMAT} document")
    types = doc.get("types")
    if not isinstance(types, dict):
        raise bad("types must be an object")
    clauses: dict[str, str] = {}
    fields: dict[str, dict[str, str]] = {}
    for name, entry in types.items():
        if not isinstance(entry, dict) or set(entry) - {"clause", "variant_fields"}:
            raise bad(f"types.{name}: an object with clause and variant_fields")
        clause = entry.get("clause", "")
        names = entry.get("variant_fields", {})
        if not isinstance(clause, str) or not isinstance(names, dict):
            raise bad(f"types.{name}: clause is a string, variant_fields an object")
        if not all(isinstance(v, str) for v in names.values()):
            raise bad(f"types.{name}.variant_fields: names are strings")
        clauses[name] = clause
        fields[name] = dict(names)
    return Overlay(clauses, fields, tuple(types))


# ---------------------------------------------------------------------------------------------
# extraction


def extract(
    root: Path,
    targets: tuple[Target, ...] = ENGINE_TARGETS,
    overlay: Overlay = EMPTY_OVERLAY,
) -> dict[str, Registry]:
    """One checked Registry per target, from the crates under ``root``."""
    return _Extractor(SourceTree(root), overlay).run(targets)


@dataclass
class _Shape:
    """A type as one side of serde sees it, before the overlay is applied."""

    decl: Decl
    item: Item


class _Extractor:
    def __init__(self, tree: SourceTree, overlay: Overlay) -> None:
        self.tree = tree
        self.overlay = overlay
        self.names: dict[str, Item] = {}  # registry name -> the item it stands for
        self.order: list[str] = []
        self.queue: deque[str] = deque()
        self.decls: dict[str, Decl] = {}

    # -- driver ------------------------------------------------------------------------------

    def run(self, targets: tuple[Target, ...]) -> dict[str, Registry]:
        roots: dict[str, str] = {}
        versions: dict[str, int] = {}
        for t in targets:
            roots[t.name] = self.name_for(self.tree.find(t.root))
            versions[t.name] = self.version(t.version)
        while self.queue:
            name = self.queue.popleft()
            self.decls[name] = self.decl_of(self.names[name])
        self.check_defaults()
        wire_types: set[str] | None = None
        if "wal" in roots:
            wire_types = set(self._registry("wal", 0, roots["wal"], None).reachable())
        out = {}
        for t in targets:
            out[t.name] = self._registry(t.name, versions[t.name], roots[t.name], wire_types)
            check(out[t.name])
        return out

    def _registry(
        self, name: str, version: int, root: str, wire_types: set[str] | None
    ) -> Registry:
        whole = Registry(name, version, root, self.decls)
        reachable = set(whole.reachable())
        listed = [n for n in self.overlay.order if n in reachable]
        rest = [n for n in self.order if n in reachable and n not in self.overlay.order]
        decls: dict[str, Decl] = {}
        for n in listed + rest:
            d = self._annotated(self.decls[n])
            if wire_types is not None and n not in wire_types and not isinstance(d, Newtype):
                d = dataclasses.replace(d, on_wire=False)
            decls[n] = d
        return Registry(name, version, root, decls)

    def _annotated(self, d: Decl) -> Decl:
        clause = self.overlay.clauses.get(d.name, "")
        if isinstance(d, Enum):
            names = self.overlay.variant_fields.get(d.name, {})
            variants = tuple(
                dataclasses.replace(
                    v, fields=(dataclasses.replace(v.fields[0], name=names[v.name]),)
                )
                if v.kind == "newtype" and v.name in names
                else v
                for v in d.variants
            )
            return dataclasses.replace(d, clause=clause, variants=variants)
        return dataclasses.replace(d, clause=clause)

    def version(self, spec: str) -> int:
        item = self.tree.find(spec, const=True)
        value = item.node.child_by_field_name("value")
        text = value.text.decode() if value is not None else ""
        digits = text.replace("_", "")
        for suffix in ("u8", "u16", "u32", "u64", "usize", "i32", "i64"):
            digits = digits.removesuffix(suffix)
        if value is None or value.type != "integer_literal" or not digits.isdigit():
            raise unsupported(item.where, f"version constant {spec} is not an integer literal")
        return int(digits)

    def name_for(self, item: Item) -> str:
        """The registry name of an item, queued for extraction on first sight."""
        known = self.names.get(item.name)
        if known is not None and known is not item:
            raise SchemaError(
                "source_ambiguous",
                f"two types named {item.name} are reached: {known.where} and {item.where}; "
                "a registry names types by their Rust name",
            )
        if known is None:
            self.names[item.name] = item
            self.order.append(item.name)
            self.queue.append(item.name)
        return item.name

    # -- types -------------------------------------------------------------------------------

    def wire(self, node: Node, module: Module, where: str, depth: int = 0) -> WireType:
        if depth > MAX_NESTING:
            raise unsupported(where, "type nested too deeply")
        kind = node.type
        if kind == "primitive_type":
            prim = _PRIMITIVES.get(node.text.decode())
            if prim is None:
                raise unsupported(where, f"{node.text.decode()} has no registry wire type")
            return prim
        if kind in ("type_identifier", "scoped_type_identifier", "generic_type"):
            return self._named(node, module, where, depth)
        raise unsupported(where, f"type {node.text.decode()!r} has no registry wire type")

    def _named(self, node: Node, module: Module, where: str, depth: int) -> WireType:
        segs = path_segments(node)
        found = self.tree.lookup(module, segs, where, 0)
        builtin: str | None = None
        if found is None and len(segs) == 1 and segs[0] in _PRELUDE:
            builtin = segs[0]
        elif isinstance(found, External):
            builtin = _STD.get(found.path)
            if builtin is None:
                raise unsupported(where, f"type {found} is outside the source tree")
        elif found is None:
            raise SchemaError(
                "source_unresolved", f"{where}: no type {'::'.join(segs)} in the source tree"
            )
        args = self._type_args(node)
        if builtin is not None:
            return self._builtin(builtin, args, node, module, where, depth)
        assert isinstance(found, Item)
        if args or found.node.child_by_field_name("type_parameters") is not None:
            raise unsupported(where, f"generic type {node.text.decode()} has no registry form")
        if found.kind == "alias":
            target = found.node.child_by_field_name("type")
            if target is None:
                raise unsupported(found.where, "type alias without a type")
            return self.wire(target, found.module, found.where, depth + 1)
        if found.kind == "const":
            raise unsupported(where, f"{found.key} is not a type")
        return Ref(self.name_for(found))

    def _type_args(self, node: Node) -> list[Node]:
        if node.type != "generic_type":
            return []
        args = node.child_by_field_name("type_arguments")
        return [c for c in (args.children if args is not None else []) if c.is_named]

    def _builtin(
        self, name: str, args: list[Node], node: Node, module: Module, where: str, depth: int
    ) -> WireType:
        if name in ("String", "Uuid"):
            if args:
                raise unsupported(where, f"{node.text.decode()} is not a type")
            return Prim.STRING if name == "String" else Prim.UUID
        if len(args) != 1:
            raise unsupported(where, f"{node.text.decode()} has no registry wire type")
        inner = self.wire(args[0], module, where, depth + 1)
        if name == "Option":
            return Opt(inner)
        if name == "Box":
            return inner  # serde writes a Box as its content
        return Prim.BYTES if inner is Prim.U8 else Seq(inner)

    # -- declarations ------------------------------------------------------------------------

    def decl_of(self, item: Item) -> Decl:
        if item.kind not in ("struct", "enum"):
            raise unsupported(item.where, f"{item.key} is not a struct or enum")
        if item.node.has_error:
            raise SchemaError("source_syntax", f"{item.where}: the declaration does not parse")
        attrs = expand(item.attrs, item.where)
        feature = feature_of(item.attrs, item.where)
        del feature  # a type behind a feature is reached only through a gated variant
        traits = derives(attrs)
        impls = self.tree.impls.get(item.key, [])
        write = self.write_shape(item, attrs, traits, impls)
        if "Deserialize" in traits:
            return write
        manual = [i for i in impls if i.trait == "Deserialize"]
        if not manual:
            raise unsupported(item.where, f"{item.name} implements no Deserialize")
        return self.merge_read(write, self.read_shape(item, manual), item)

    def write_shape(
        self, item: Item, attrs: list[Meta], traits: set[str], impls: list[Impl]
    ) -> Decl:
        if "Serialize" in traits:
            return self.layout(item.node, item.module, attrs, item.name)
        manual = [i for i in impls if i.trait == "Serialize"]
        if not manual:
            raise unsupported(item.where, f"{item.name} implements no Serialize")
        if len(manual) > 1:
            raise SchemaError("source_ambiguous", f"{item.where}: several Serialize impls")
        return self.serialize_body(item, manual[0])

    def layout(self, node: Node, module: Module, attrs: list[Meta], name: str) -> Decl:
        """The Decl a derive sees in a struct or enum declaration ``node``."""
        where = f"{module.file}:{node.start_point[0] + 1} ({name})"
        if node.child_by_field_name("type_parameters") is not None:
            raise unsupported(where, f"generic type {name} has no registry form")
        is_enum = node.type == "enum_item"
        container = Container(serde_args(attrs), where, is_enum=is_enum)
        body = node.child_by_field_name("body")
        if is_enum:
            return self.enum_layout(name, body, module, container, where)
        if body is None:
            raise unsupported(where, f"unit struct {name} has no registry form")
        if body.type == "ordered_field_declaration_list":
            types = [c for c in body.children if c.is_named and c.type != "attribute_item"]
            types = [c for c in types if c.type != "visibility_modifier"]
            if len(types) != 1:
                raise unsupported(where, f"tuple struct {name} with {len(types)} fields")
            return Newtype(name, self.wire(types[0], module, f"{where} ({name}.0)"))
        fields = self.fields(body, module, where, name, container.rename_all, container.default)
        if container.transparent:
            if len(fields) != 1:
                raise unsupported(where, "serde(transparent) needs exactly one field")
            return Newtype(name, fields[0].wire)
        return Struct(name, tuple(fields))

    def fields(
        self,
        body: Node,
        module: Module,
        where: str,
        owner: str,
        rule: str | None,
        all_default: bool,
    ) -> list[Field]:
        out: list[Field] = []
        siblings = list(body.children)
        for i, node in enumerate(siblings):
            if node.type != "field_declaration":
                continue
            name_node = node.child_by_field_name("name")
            type_node = node.child_by_field_name("type")
            if name_node is None or type_node is None:
                raise SchemaError("source_syntax", f"{where}: a field of {owner} does not parse")
            rust_name = name_node.text.decode().removeprefix("r#")
            at = f"{module.file}:{node.start_point[0] + 1} ({owner}.{rust_name})"
            raw = attributes_before(siblings, i)
            if any(a.path == "cfg" for a in raw):
                raise unsupported(at, "a field behind cfg has no registry form")
            serde = Member(serde_args(expand(raw, at)), at, variant=False)
            wire = self.wire(type_node, module, at)
            if serde.with_ is not None and (
                serde.with_ != "serde_bytes" or wire not in (Prim.BYTES, Opt(Prim.BYTES))
            ):
                raise unsupported(at, f'serde(with = "{serde.with_}") has no registry form')
            skip = False
            if serde.skip_if is not None:
                if serde.skip_if != "Option::is_none" or not isinstance(wire, Opt):
                    raise unsupported(
                        at, f'skip_serializing_if = "{serde.skip_if}" has no registry form'
                    )
                skip = True
            name = serde.rename if serde.rename is not None else rename_field(rust_name, rule)
            out.append(
                Field(name, wire, serde_default=serde.default or all_default, skip_if_none=skip)
            )
        names = [f.name for f in out]
        if len(set(names)) != len(names):
            raise unsupported(where, f"{owner} has two fields of the same serialized name")
        return out

    def enum_layout(
        self, name: str, body: Node | None, module: Module, container: Container, where: str
    ) -> Enum:
        variants: list[Variant] = []
        default: str | None = None
        siblings = list(body.children) if body is not None else []
        for i, node in enumerate(siblings):
            if node.type != "enum_variant":
                continue
            rust_name = node.child_by_field_name("name").text.decode()
            at = f"{module.file}:{node.start_point[0] + 1} ({name}::{rust_name})"
            raw = attributes_before(siblings, i)
            attrs = expand(raw, at)
            serde = Member(serde_args(attrs), at, variant=True)
            vname = serde.rename or rename_variant(rust_name, container.rename_all)
            feature = feature_of(raw, at)
            vbody = node.child_by_field_name("body")
            index = len(variants)
            if vbody is None:
                variant = Variant(vname, index, "unit", (), feature=feature)
            elif vbody.type == "ordered_field_declaration_list":
                types = [c for c in vbody.children if c.is_named and c.type != "attribute_item"]
                if len(types) != 1:
                    raise unsupported(at, f"tuple variant with {len(types)} fields")
                inner = self.wire(types[0], module, at)
                variant = Variant(vname, index, "newtype", (Field("0", inner),), feature=feature)
            else:
                rule = serde.rename_all or container.rename_all_fields
                fields = self.fields(vbody, module, at, f"{name}::{rust_name}", rule, False)
                variant = Variant(vname, index, "struct", tuple(fields), feature=feature)
            if any(a.path == "default" and a.args is None and a.value is None for a in raw):
                default = vname
            variants.append(variant)
        if len({v.name for v in variants}) != len(variants):
            raise unsupported(where, f"{name} has two variants of the same serialized name")
        if default is None:
            default = self.default_impl(name, variants)
        return Enum(name, tuple(variants), default=default)

    def default_impl(self, name: str, variants: list[Variant]) -> str | None:
        """The variant a hand-written ``impl Default`` returns, when it is just a path."""
        item = self.names.get(name)
        for impl in self.tree.impls.get(item.key, []) if item is not None else []:
            if impl.trait != "Default":
                continue
            for fn in _descendants(impl.node, "function_item"):
                block = fn.child_by_field_name("body")
                named = [c for c in (block.children if block is not None else []) if c.is_named]
                if len(named) == 1 and named[0].type == "scoped_identifier":
                    segs = path_segments(named[0])
                    if len(segs) == 2 and segs[0] in ("Self", name):
                        return next((v.name for v in variants if v.name == segs[1]), None)
        return None

    # -- hand-written impls ------------------------------------------------------------------

    def serialize_body(self, item: Item, impl: Impl) -> Decl:
        """The fields a hand-written ``serialize_struct`` body writes, in order (VER-19)."""
        where = f"{impl.module.file}:{impl.node.start_point[0] + 1} (Serialize for {item.name})"
        if item.node.type != "struct_item":
            raise unsupported(where, "a hand-written Serialize of an enum cannot be read")
        decl = self.layout(item.node, item.module, [], item.name)
        if not isinstance(decl, Struct):
            raise unsupported(where, "a hand-written Serialize of a tuple struct cannot be read")
        by_name = {f.name: f for f in decl.fields}
        for node in _descendants(impl.node, *_CONTROL_FLOW):
            raise unsupported(where, f"{node.type.replace('_', ' ')} in a hand-written Serialize")
        written: list[Field] = []
        structs = 0
        for call in _descendants(impl.node, "call_expression"):
            fn = call.child_by_field_name("function")
            method = fn.child_by_field_name("field") if fn is not None else None
            if fn is None or fn.type != "field_expression" or method is None:
                continue
            name = method.text.decode()
            args = call.child_by_field_name("arguments")
            values = [c for c in args.children if c.is_named] if args is not None else []
            if name == "serialize_struct":
                structs += 1
            elif name == "serialize_field":
                written.append(self._written_field(values, by_name, where))
            elif name.startswith("serialize_") or name in ("collect_seq", "collect_map"):
                raise unsupported(where, f"{name} in a hand-written Serialize cannot be read")
        if structs != 1:
            raise unsupported(where, "a hand-written Serialize must call serialize_struct once")
        return Struct(item.name, tuple(written))

    def _written_field(self, values: list[Node], by_name: dict[str, Field], where: str) -> Field:
        if len(values) == 2 and values[0].type == "string_literal":
            key = values[0].text.decode()[1:-1]
            target = values[1]
            if target.type == "reference_expression":
                target = target.child_by_field_name("value") or target
            value = (
                target.child_by_field_name("value") if target.type == "field_expression" else None
            )
            field = target.child_by_field_name("field") if value is not None else None
            if value is not None and value.type == "self" and field is not None:
                source = by_name.get(field.text.decode())
                if source is not None:
                    return Field(key, source.wire)
        raise unsupported(where, 'serialize_field must write a field of self: ("name", &self.name)')

    def read_shape(self, item: Item, impls: list[Impl]) -> Decl:
        """The derived type a hand-written Deserialize reads through (VER-19)."""
        if len(impls) > 1:
            raise SchemaError("source_ambiguous", f"{item.where}: several Deserialize impls")
        impl = impls[0]
        where = f"{impl.module.file}:{impl.node.start_point[0] + 1} (Deserialize for {item.name})"
        wires = []
        for node in _descendants(impl.node, "struct_item", "enum_item"):
            siblings = list(node.parent.children)
            attrs = expand(attributes_before(siblings, siblings.index(node)), where)
            if "Deserialize" in derives(attrs):
                wires.append((node, attrs))
        if len(wires) != 1:
            raise unsupported(
                where,
                "a hand-written Deserialize is read only through exactly one derived type "
                f"declared inside it (found {len(wires)})",
            )
        node, attrs = wires[0]
        return self.layout(node, impl.module, attrs, item.name)

    def merge_read(self, write: Decl, read: Decl, item: Item) -> Decl:
        """The written layout with the reader's defaults; refuse when the shapes differ."""
        where = f"{item.where}: the type written and the type read"
        if isinstance(write, Newtype) and isinstance(read, Newtype) and write.inner == read.inner:
            return write
        if isinstance(write, Struct) and isinstance(read, Struct):
            return dataclasses.replace(
                write, fields=self._merge_fields(write.fields, read.fields, where)
            )
        if isinstance(write, Enum) and isinstance(read, Enum):
            if [(v.name, v.feature) for v in write.variants] != [
                (v.name, v.feature) for v in read.variants
            ]:
                raise unsupported(where, "have different variants")
            variants = []
            for wv, rv in zip(write.variants, read.variants, strict=True):
                variants.append(self._merge_variant(wv, rv, f"{where} ({wv.name})"))
            return dataclasses.replace(write, variants=tuple(variants))
        raise unsupported(where, f"differ: {write.kind} written, {read.kind} read")

    def _merge_fields(
        self, written: tuple[Field, ...], read: tuple[Field, ...], where: str
    ) -> tuple[Field, ...]:
        if [(f.name, f.wire) for f in written] != [(f.name, f.wire) for f in read]:
            w = ", ".join(f.name for f in written)
            r = ", ".join(f.name for f in read)
            raise unsupported(where, f"have different fields ({w} / {r}) or field types")
        return tuple(
            dataclasses.replace(w, serde_default=r.serde_default)
            for w, r in zip(written, read, strict=True)
        )

    def _merge_variant(self, wv: Variant, rv: Variant, where: str) -> Variant:
        if wv.kind == rv.kind:
            if wv.kind == "newtype" and wv.fields[0].wire != rv.fields[0].wire:
                raise unsupported(where, "have different payloads")
            if wv.kind == "struct":
                return dataclasses.replace(
                    wv, fields=self._merge_fields(wv.fields, rv.fields, where)
                )
            return wv
        # A newtype variant holding a struct is written exactly as a struct variant.
        inner = wv.fields[0].wire if wv.kind == "newtype" else None
        if rv.kind == "struct" and isinstance(inner, Ref):
            target = self.decls.get(inner.name) or self.decl_of(self.names[inner.name])
            if isinstance(target, Struct):
                merged = self._merge_fields(target.fields, rv.fields, where)
                if merged == target.fields:
                    return wv
                raise unsupported(where, f"default differently from {inner.name}")
        raise unsupported(where, f"differ: a {wv.kind} variant written, a {rv.kind} read")

    # -- consistency -------------------------------------------------------------------------

    def check_defaults(self) -> None:
        """A defaulted field of an enum type needs the enum's default variant (VER-17)."""
        for d in self.decls.values():
            fields = list(d.fields) if isinstance(d, Struct) else []
            if isinstance(d, Enum):
                fields = [f for v in d.variants if v.kind == "struct" for f in v.fields]
            for f in fields:
                target = self.decls.get(f.wire.name) if isinstance(f.wire, Ref) else None
                if f.serde_default and isinstance(target, Enum) and target.default is None:
                    raise unsupported(
                        self.names[d.name].where,
                        f"{f.name} is read with a default, but {target.name} has no default "
                        "variant (#[default])",
                    )


_CONTROL_FLOW = (
    "if_expression",
    "match_expression",
    "for_expression",
    "while_expression",
    "loop_expression",
    "closure_expression",
)


def _descendants(node: Node, *types: str) -> list[Node]:
    """Every node of the given types below ``node``, in source order (no recursion)."""
    out = []
    stack = list(reversed(node.children))
    while stack:
        n = stack.pop()
        if n.type in types:
            out.append(n)
        stack.extend(reversed(n.children))
    return out
