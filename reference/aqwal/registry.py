"""The machine-readable registry: every type, field, variant, discriminant and wire type.

``export`` turns a :class:`~aqwal.schema.Registry` (the declarations the codec is generated
from) into a JSON document; ``load`` turns such a document back into a Registry, so that two
registries (a committed file and the current code, or WAL v4 and v5) can be compared.

Document format (``"format": "aqwal-registry/1"``), spec: VER-1::

    {"format": "aqwal-registry/1", "name": "wal", "version": 5, "root": "WalEvent",
     "types": {
       "WalEvent": {"kind": "struct", "clause": "TYP-1", "fields": [
           {"name": "sequence", "type": "u64"},
           {"name": "event", "type": {"ref": "WalEventType"}}]},
       "RunState": {"kind": "enum", "clause": "TYP-9", "variants": [
           {"index": 0, "name": "Scheduled", "kind": "unit"}, ...]},
       "TaskId": {"kind": "newtype", "clause": "TYP-15", "inner": "uuid"}, ...}}

A wire type is a primitive name (``u8 u32 u64 i32 bool string bytes uuid``), ``{"ref": NAME}``,
``{"option": T}`` or ``{"seq": T}``.

:func:`parse` reads a document and refuses, with one ``registry_invalid`` or ``registry_cycle``
error naming the offending entry, anything that is not a well-formed registry (spec: VER-13,
VER-14): so that a diff never runs on an inconsistent one.
"""

from __future__ import annotations

import json
from typing import Any

from aqwal.errors import SchemaError
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
    json_default,
)

FORMAT = "aqwal-registry/1"


# Bounds of the format (spec: VER-13). The registries of the engine are far inside them.
MAX_DOCUMENT_BYTES = 16 << 20
MAX_TYPES = 1024
MAX_MEMBERS = 1024  # fields of a struct or variant, variants of an enum
MAX_WIRE_NESTING = 8  # Option<Vec<Option<...>>>
MAX_REFERENCE_DEPTH = 32  # a type holding a type holding a type ...


def _invalid(where: str, message: str) -> SchemaError:
    return SchemaError("registry_invalid", f"{where}: {message}" if where else message)


def wire_to_json(w: WireType) -> Any:
    if isinstance(w, Prim):
        return w.value
    if isinstance(w, Opt):
        return {"option": wire_to_json(w.inner)}
    if isinstance(w, Seq):
        return {"seq": wire_to_json(w.inner)}
    return {"ref": w.name}


def wire_from_json(obj: Any, where: str, depth: int = 0) -> WireType:
    if depth > MAX_WIRE_NESTING:
        raise _invalid(where, f"wire type nested deeper than {MAX_WIRE_NESTING} levels")
    if isinstance(obj, str):
        try:
            return Prim(obj)
        except ValueError:
            raise _invalid(where, f"unknown primitive {_short(obj)}") from None
    if isinstance(obj, dict) and len(obj) == 1:
        ((key, inner),) = obj.items()
        if key == "option":
            return Opt(wire_from_json(inner, where, depth + 1))
        if key == "seq":
            return Seq(wire_from_json(inner, where, depth + 1))
        if key == "ref" and isinstance(inner, str):
            return Ref(inner)
    raise _invalid(where, f"not a wire type: {_short(obj)}")


def _short(obj: Any) -> str:
    """A bounded rendering of a JSON value for an error message."""
    text = json.dumps(obj)[:60] if _shallow(obj) else f"a {type(obj).__name__}"
    return text if len(text) < 60 else text[:57] + "..."


def _shallow(obj: Any) -> bool:
    return not isinstance(obj, dict | list) or all(
        not isinstance(v, dict | list) for v in (obj.values() if isinstance(obj, dict) else obj)
    )


def _field_to_json(reg: Registry, f: Field) -> dict[str, Any]:
    out: dict[str, Any] = {"name": f.name, "type": wire_to_json(f.wire)}
    if f.serde_default:
        out["serde_default"] = True
        # spec: VER-1 — the JSON form of the value an absent key takes
        out["default"] = json_default(reg, f.wire)
    if f.skip_if_none:
        out["skip_if_none"] = True
    return out


def _variant_to_json(reg: Registry, v: Variant) -> dict[str, Any]:
    out: dict[str, Any] = {"index": v.index, "name": v.name, "kind": v.kind}
    if v.fields:
        out["fields"] = [_field_to_json(reg, f) for f in v.fields]
    if v.feature:
        out["feature"] = v.feature
    return out


def _decl_to_json(reg: Registry, d: Decl) -> dict[str, Any]:
    if isinstance(d, Newtype):
        return {"kind": "newtype", "clause": d.clause, "inner": wire_to_json(d.inner)}
    if isinstance(d, Struct):
        out: dict[str, Any] = {"kind": "struct", "clause": d.clause}
        if not d.on_wire:
            out["json_only"] = True
        out["fields"] = [_field_to_json(reg, f) for f in d.fields]
        return out
    out = {"kind": "enum", "clause": d.clause}
    if not d.on_wire:
        out["json_only"] = True
    if d.default:
        out["default"] = d.default
    out["variants"] = [_variant_to_json(reg, v) for v in d.variants]
    return out


def export(reg: Registry) -> dict[str, Any]:
    """The registry document of ``reg`` (declaration order is kept: it is meaningful)."""
    return {
        "format": FORMAT,
        "name": reg.name,
        "version": reg.version,
        "root": reg.root,
        "types": {d.name: _decl_to_json(reg, d) for d in reg},
    }


def export_text(reg: Registry) -> str:
    """The registry document as stable, reviewable JSON text: one field or variant per line."""
    return document_text(export(reg))


def document_text(doc: dict[str, Any]) -> str:
    """A JSON document as stable, reviewable text: short members on one line."""
    return _pretty(doc, "") + "\n"


def _pretty(obj: Any, indent: str) -> str:
    flat = json.dumps(obj, ensure_ascii=False)
    if len(indent) + len(flat) <= 96 or not isinstance(obj, dict | list) or not obj:
        return flat
    inner = indent + "  "
    if isinstance(obj, list):
        items = [inner + _pretty(x, inner) for x in obj]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    rows = [
        f"{inner}{json.dumps(k, ensure_ascii=False)}: {_pretty(v, inner)}" for k, v in obj.items()
    ]
    return "{\n" + ",\n".join(rows) + "\n" + indent + "}"


# -- reading and checking a document (spec: VER-13, VER-14) ---------------------------------

_TOP_KEYS = {"format", "name", "version", "root", "types"}
_TYPE_KEYS = {
    "newtype": {"kind", "clause", "inner"},
    "struct": {"kind", "clause", "json_only", "fields"},
    "enum": {"kind", "clause", "json_only", "default", "variants"},
}
_FIELD_KEYS = {"name", "type", "serde_default", "default", "skip_if_none"}
_VARIANT_KEYS = {"index", "name", "kind", "fields", "feature"}


def parse(data: bytes | str, where: str = "") -> Registry:
    """The checked Registry of a registry document's text."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _invalid(where, f"larger than {MAX_DOCUMENT_BYTES} bytes")
    try:
        doc = json.loads(data, object_pairs_hook=_unique_keys)
    except RecursionError:
        raise _invalid(where, "JSON nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise _invalid(where, f"not JSON: {exc}") from None
    return load(doc, where)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _invalid("", f"key {_short(key)} appears twice in one object")
        out[key] = value
    return out


def _object(obj: Any, where: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise _invalid(where, f"must be an object, not {_json_type(obj)}")
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise _invalid(where, f"unknown member {_short(unknown[0])}")
    return obj


def _json_type(obj: Any) -> str:
    if obj is None:
        return "null"
    if isinstance(obj, bool):
        return "a boolean"
    if isinstance(obj, int | float):
        return "a number"
    if isinstance(obj, str):
        return "a string"
    return "an array" if isinstance(obj, list) else "an object"


def _member(obj: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        expected = {str: "a string", list: "an array", int: "an integer", bool: "a boolean"}
        name = expected.get(kind, "of another type") if isinstance(kind, type) else "valid"
        raise _invalid(where, f"{key} must be {name}, not {_json_type(value)}")
    return value


def _optional(obj: dict[str, Any], key: str, kind: type, default: Any, where: str) -> Any:
    return _member(obj, key, kind, where) if key in obj else default


def _list(obj: dict[str, Any], key: str, where: str) -> list[Any]:
    items: list[Any] = _member(obj, key, list, where)
    if len(items) > MAX_MEMBERS:
        raise _invalid(where, f"{key} has more than {MAX_MEMBERS} entries")
    return items


def _fields(items: list[Any], where: str) -> tuple[Field, ...]:
    fields = []
    seen: set[str] = set()
    for i, obj in enumerate(items):
        at = f"{where}.fields[{i}]"
        obj = _object(obj, at, _FIELD_KEYS)
        name = _member(obj, "name", str, at)
        if name in seen:
            raise _invalid(at, f"a second field named {_short(name)}")
        seen.add(name)
        fields.append(
            Field(
                name,
                wire_from_json(obj.get("type"), f"{at} ({name})"),
                serde_default=_optional(obj, "serde_default", bool, False, at),
                skip_if_none=_optional(obj, "skip_if_none", bool, False, at),
            )
        )
    return tuple(fields)


def _variants(items: list[Any], where: str) -> tuple[Variant, ...]:
    variants = []
    seen: set[str] = set()
    for position, obj in enumerate(items):
        at = f"{where}.variants[{position}]"
        obj = _object(obj, at, _VARIANT_KEYS)
        name = _member(obj, "name", str, at)
        at = f"{at} ({name})"
        index = _member(obj, "index", int, at)
        if index != position:
            raise _invalid(at, f"index {index} is not its position {position} in the list")
        if name in seen:
            raise _invalid(at, "a second variant of that name")
        seen.add(name)
        kind = obj.get("kind")
        if kind not in ("unit", "newtype", "struct"):
            raise _invalid(at, f"unknown variant kind {_short(kind)}")
        fields = _fields(_list(obj, "fields", at), at) if "fields" in obj else ()
        if kind == "unit" and fields:
            raise _invalid(at, "a unit variant has no fields")
        if kind == "newtype" and len(fields) != 1:
            raise _invalid(at, "a newtype variant has exactly one field")
        feature = obj.get("feature")
        if feature is not None and not isinstance(feature, str):
            raise _invalid(at, f"feature must be a string or null, not {_json_type(feature)}")
        variants.append(Variant(name, index, kind, fields, feature=feature))
    return tuple(variants)


def _decl(name: str, body: Any) -> Decl:
    where = f"types.{name}"
    if not isinstance(body, dict):
        raise _invalid(where, f"must be an object, not {_json_type(body)}")
    kind = body.get("kind")
    if not isinstance(kind, str) or kind not in _TYPE_KEYS:
        raise _invalid(where, f"unknown kind {_short(kind)}")
    body = _object(body, where, _TYPE_KEYS[kind])
    clause = _optional(body, "clause", str, "", where)
    if kind == "newtype":
        return Newtype(name, wire_from_json(body.get("inner"), f"{where}.inner"), clause=clause)
    on_wire = not _optional(body, "json_only", bool, False, where)
    if kind == "struct":
        return Struct(
            name, _fields(_list(body, "fields", where), where), clause=clause, on_wire=on_wire
        )
    variants = _variants(_list(body, "variants", where), where)
    default = _optional(body, "default", str, None, where)
    if default is not None and all(v.name != default for v in variants):
        raise _invalid(where, f"default {_short(default)} names no variant")
    return Enum(name, variants, clause=clause, default=default, on_wire=on_wire)


def load(doc: Any, where: str = "") -> Registry:
    """The checked Registry of a parsed registry document (no value classes or validators)."""
    doc = _object(doc, where or "document", _TOP_KEYS)
    if doc.get("format") != FORMAT:
        raise _invalid(where, f"not an {FORMAT} document")
    name = _member(doc, "name", str, where)
    version = _member(doc, "version", int, where)
    root = _member(doc, "root", str, where)
    types = doc.get("types")
    if not isinstance(types, dict):
        raise _invalid(where, f"types must be an object, not {_json_type(types)}")
    if len(types) > MAX_TYPES:
        raise _invalid(where, f"more than {MAX_TYPES} types")
    reg = Registry(name, version, root, {n: _decl(n, body) for n, body in types.items()})
    check(reg)
    _check_defaults(reg, types)
    return reg


def _check_defaults(reg: Registry, types: dict[str, Any]) -> None:
    """A field's ``default`` member, optional (older registries lack it), must be the default
    its type derives and belongs to ``serde_default`` fields only (spec: VER-1)."""
    for name, d in reg.decls.items():
        if isinstance(d, Struct):
            members = [("", d.fields, types[name]["fields"])]
        elif isinstance(d, Enum):
            members = [
                (f".{v.name}", v.fields, obj.get("fields", []))
                for v, obj in zip(d.variants, types[name]["variants"], strict=True)
            ]
        else:
            continue
        for suffix, fields, objs in members:
            for f, obj in zip(fields, objs, strict=True):
                if "default" not in obj:
                    continue
                at = f"types.{name}{suffix}.{f.name}"
                if not f.serde_default:
                    raise _invalid(at, "a default on a field without serde_default")
                try:
                    derived = json_default(reg, f.wire)
                except ValueError as exc:
                    raise _invalid(at, str(exc)) from None
                if json.dumps(obj["default"]) != json.dumps(derived):
                    raise _invalid(
                        at, f"default {_short(obj['default'])}, the type gives {_short(derived)}"
                    )


def _edges(d: Decl) -> list[tuple[str, str]]:
    """(member, referenced type) for every reference a declaration makes."""
    out: list[tuple[str, str]] = []

    def visit(w: WireType, member: str) -> None:
        if isinstance(w, Ref):
            out.append((member, w.name))
        elif isinstance(w, Opt | Seq):
            visit(w.inner, member)

    if isinstance(d, Newtype):
        visit(d.inner, "inner")
    elif isinstance(d, Struct):
        for f in d.fields:
            visit(f.wire, f.name)
    else:
        for v in d.variants:
            for f in v.fields:
                visit(f.wire, f"{v.name}.{f.name}")
    return out


def check(reg: Registry) -> None:
    """References resolve, the root exists, no type contains itself, and the reference depth
    is bounded (spec: VER-13, VER-14)."""
    if reg.root not in reg.decls:
        raise _invalid("root", f"{_short(reg.root)} is not among the types")
    graph = {name: _edges(d) for name, d in reg.decls.items()}
    for name, edges in graph.items():
        for member, target in edges:
            if target not in reg.decls:
                raise _invalid(
                    f"types.{name}.{member}", f"refers to {_short(target)}, no such type"
                )
    # Iterative depth-first search: a back edge is a cycle; depth is the longest chain.
    depth: dict[str, int] = {}
    for start in graph:
        if start in depth:
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        on_path: list[str] = []
        while stack:
            node, i = stack.pop()
            if i == 0:
                on_path.append(node)
            edges = graph[node]
            if i < len(edges):
                stack.append((node, i + 1))
                target = edges[i][1]
                if target in on_path:
                    loop = [*on_path[on_path.index(target) :], target]
                    raise SchemaError(
                        "registry_cycle",
                        f"types.{node}.{edges[i][0]}: {' -> '.join(loop)}: a type cannot "
                        "contain itself (its values would never end, and a diff would not)",
                    )
                if target not in depth:
                    stack.append((target, 0))
                continue
            on_path.pop()
            depth[node] = 1 + max((depth[t] for _, t in edges), default=0)
            if depth[node] > MAX_REFERENCE_DEPTH:
                raise _invalid(
                    f"types.{node}", f"types nested more than {MAX_REFERENCE_DEPTH} levels deep"
                )
