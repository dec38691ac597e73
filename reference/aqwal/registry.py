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
``{"option": T}`` or ``{"seq": T}``. A field marked ``serde_default`` also gives ``default``,
the JSON form of the value an absent key takes; a newtype variant gives its one field's type as
``inner`` (the field has no name); an enum's ``default`` names its ``#[default]`` variant.
"""

from __future__ import annotations

import json
from typing import Any

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
#: The name of a newtype variant's one field: its position, as in Rust (``Repeat.0``).
NEWTYPE_FIELD = "0"


class RegistryFormatError(ValueError):
    """A registry document is not in the aqwal-registry/1 format."""


def wire_to_json(w: WireType) -> Any:
    if isinstance(w, Prim):
        return w.value
    if isinstance(w, Opt):
        return {"option": wire_to_json(w.inner)}
    if isinstance(w, Seq):
        return {"seq": wire_to_json(w.inner)}
    return {"ref": w.name}


def wire_from_json(obj: Any, where: str) -> WireType:
    if isinstance(obj, str):
        try:
            return Prim(obj)
        except ValueError:
            raise RegistryFormatError(f"{where}: unknown primitive {obj!r}") from None
    if isinstance(obj, dict) and len(obj) == 1:
        ((key, inner),) = obj.items()
        if key == "option":
            return Opt(wire_from_json(inner, where))
        if key == "seq":
            return Seq(wire_from_json(inner, where))
        if key == "ref" and isinstance(inner, str):
            return Ref(inner)
    raise RegistryFormatError(f"{where}: not a wire type: {obj!r}")


def _field_to_json(reg: Registry, f: Field) -> dict[str, Any]:
    out: dict[str, Any] = {"name": f.name, "type": wire_to_json(f.wire)}
    if f.serde_default:
        out["serde_default"] = True
        out["default"] = json_default(reg, f.wire)
    if f.skip_if_none:
        out["skip_if_none"] = True
    return out


def _variant_to_json(reg: Registry, v: Variant) -> dict[str, Any]:
    out: dict[str, Any] = {"index": v.index, "name": v.name, "kind": v.kind}
    if v.kind == "newtype":
        # A newtype variant's one field has no name in Rust (it is field 0) and none in any
        # form: the registry gives its type only, as for a newtype struct.
        out["inner"] = wire_to_json(v.fields[0].wire)
    elif v.fields:
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
    return _pretty(export(reg), "") + "\n"


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


def _field_from_json(obj: Any, where: str) -> Field:
    if not isinstance(obj, dict) or not isinstance(obj.get("name"), str) or "type" not in obj:
        raise RegistryFormatError(f"{where}: a field needs name and type")
    return Field(
        obj["name"],
        wire_from_json(obj["type"], f"{where}.{obj['name']}"),
        serde_default=bool(obj.get("serde_default", False)),
        skip_if_none=bool(obj.get("skip_if_none", False)),
    )


def load(doc: Any) -> Registry:
    """A Registry from a registry document (no value classes or validators are attached)."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise RegistryFormatError(f"not an {FORMAT} document")
    types = doc.get("types")
    if not isinstance(types, dict):
        raise RegistryFormatError("types must be an object")
    decls: dict[str, Decl] = {}
    for name, body in types.items():
        if not isinstance(body, dict):
            raise RegistryFormatError(f"{name}: not an object")
        kind = body.get("kind")
        clause = str(body.get("clause", ""))
        on_wire = not body.get("json_only", False)
        if kind == "newtype":
            decls[name] = Newtype(name, wire_from_json(body.get("inner"), name), clause=clause)
        elif kind == "struct":
            fields = tuple(
                _field_from_json(f, f"{name}.{i}") for i, f in enumerate(body.get("fields", []))
            )
            decls[name] = Struct(name, fields, clause=clause, on_wire=on_wire)
        elif kind == "enum":
            variants = []
            for i, v in enumerate(body.get("variants", [])):
                where = f"{name}.variants[{i}]"
                if not isinstance(v, dict) or v.get("kind") not in ("unit", "newtype", "struct"):
                    raise RegistryFormatError(f"{where}: bad variant")
                if not isinstance(v.get("index"), int) or not isinstance(v.get("name"), str):
                    raise RegistryFormatError(f"{where}: a variant needs index and name")
                if v["kind"] == "newtype":
                    members: tuple[Field, ...] = (
                        Field(NEWTYPE_FIELD, wire_from_json(v.get("inner"), where)),
                    )
                else:
                    members = tuple(
                        _field_from_json(f, f"{where}.{v['name']}") for f in v.get("fields", [])
                    )
                variants.append(
                    Variant(v["name"], v["index"], v["kind"], members, feature=v.get("feature"))
                )
            decls[name] = Enum(
                name,
                tuple(variants),
                clause=clause,
                default=body.get("default"),
                on_wire=on_wire,
            )
        else:
            raise RegistryFormatError(f"{name}: unknown kind {kind!r}")
    version = doc.get("version")
    if not isinstance(version, int):
        raise RegistryFormatError("version must be an integer")
    return Registry(str(doc.get("name", "")), version, str(doc.get("root", "")), decls)
