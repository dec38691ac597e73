"""Compare two type registries and classify every change (spec: versioning.md, VER-1 .. VER-12).

Postcard carries no field names, counts or type tags, so the WAL wire format is the *shape*
reached from ``WalEvent``: field positions and wire types, variant discriminants. The JSON form
(used by snapshots) is keyed by field and variant *names*. :func:`diff` therefore walks both
registries twice, in parallel:

* from ``WalEvent`` by position — changes that make existing logs unreadable are
  ``breaking`` in scope ``wal``;
* from ``Snapshot`` (when both registries have it) by name — changes that make existing
  snapshots unreadable are ``breaking`` in scope ``snapshot``.

Type names themselves never matter: both walks follow references structurally.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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
    wire_name,
)

Severity = Literal["compatible", "breaking"]
Scope = Literal["wal", "snapshot"]

SEP = " > "


@dataclass(frozen=True, slots=True)
class Change:
    """One classified difference between two registries."""

    path: str
    kind: str
    severity: Severity
    scope: Scope
    old: str
    new: str
    rule: str

    def as_dict(self) -> dict[str, str]:
        return {
            "path": self.path,
            "kind": self.kind,
            "severity": self.severity,
            "scope": self.scope,
            "old": self.old,
            "new": self.new,
            "rule": self.rule,
        }


# What each kind of change means: (severity, rule).
KINDS: dict[str, tuple[Severity, str]] = {
    "variant appended": ("compatible", "VER-2"),
    "variant inserted": ("breaking", "VER-3"),
    "variant removed": ("breaking", "VER-3"),
    "variant moved": ("breaking", "VER-3"),
    "variants renumbered": ("breaking", "VER-3"),
    "variant kind changed": ("breaking", "VER-3"),
    "variant feature changed": ("breaking", "VER-3"),
    "variant renamed": ("compatible", "VER-4"),
    "field added": ("breaking", "VER-5"),
    "field removed": ("breaking", "VER-5"),
    "fields reordered": ("breaking", "VER-5"),
    "field retyped": ("breaking", "VER-6"),
    "option added": ("breaking", "VER-6"),
    "option removed": ("breaking", "VER-6"),
    "integer widened": ("compatible", "VER-6"),
    "newtype changed": ("breaking", "VER-6"),
    "type kind changed": ("breaking", "VER-6"),
    "field renamed": ("compatible", "VER-7"),
    # snapshot (JSON) scope
    "json field added with default": ("compatible", "VER-8"),
    "json field added without default": ("breaking", "VER-8"),
    "json field removed": ("breaking", "VER-9"),
    "json field renamed": ("breaking", "VER-9"),
    "json default removed": ("breaking", "VER-8"),
    "json field retyped": ("breaking", "VER-9"),
    "json option added": ("compatible", "VER-8"),
    "json option removed": ("breaking", "VER-9"),
    "json integer widened": ("compatible", "VER-8"),
    "json variant added": ("compatible", "VER-8"),
    "json variant removed": ("breaking", "VER-9"),
    "json variant renamed": ("breaking", "VER-9"),
    "json variant kind changed": ("breaking", "VER-9"),
}

#: u32 values encode identically as u64 varints and JSON integers (VER-6).
_WIDENINGS = {(Prim.U32, Prim.U64), (Prim.U8, Prim.U32), (Prim.U8, Prim.U64)}
_WIRE_WIDENINGS = {(Prim.U32, Prim.U64)}  # u8 is a raw byte on the wire, not a varint


def _type_path(od: Decl, nd: Decl) -> str:
    """Paths start at the declared type that holds the change: ``Type > variant > field``."""
    return od.name if od.name == nd.name else f"{od.name} (now {nd.name})"


def _shown(w: WireType | None) -> str:
    return "-" if w is None else wire_name(w)


class _Differ:
    def __init__(self, old: Registry, new: Registry) -> None:
        self.old = old
        self.new = new
        self.changes: list[Change] = []
        self.seen: set[tuple[str, str, str]] = set()

    def add(self, scope: Scope, path: str, kind: str, old: str, new: str) -> None:
        severity, rule = KINDS[kind]
        self.changes.append(Change(path, kind, severity, scope, old, new, rule))

    def decl(self, reg: Registry, w: WireType) -> Decl | None:
        return reg.decls.get(w.name) if isinstance(w, Ref) else None

    # -- the wire walk (by position) ----------------------------------------------------------

    def wire(self, o: WireType, n: WireType, path: str) -> None:
        if isinstance(o, Prim) and isinstance(n, Prim):
            if o is not n:
                kind = "integer widened" if (o, n) in _WIRE_WIDENINGS else "field retyped"
                self.add("wal", path, kind, _shown(o), _shown(n))
            return
        if isinstance(o, Opt) and isinstance(n, Opt):
            self.wire(o.inner, n.inner, path)
            return
        if isinstance(o, Opt) != isinstance(n, Opt):
            kind = "option removed" if isinstance(o, Opt) else "option added"
            self.add("wal", path, kind, _shown(o), _shown(n))
            return
        if isinstance(o, Seq) and isinstance(n, Seq):
            self.wire(o.inner, n.inner, path + "[]")
            return
        od, nd = self.decl(self.old, o), self.decl(self.new, n)
        if od is None or nd is None:
            self.add("wal", path, "field retyped", _shown(o), _shown(n))
            return
        key = ("wal", od.name, nd.name)
        if key in self.seen:
            return
        self.seen.add(key)
        self.wire_decl(od, nd, _type_path(od, nd))

    def wire_decl(self, od: Decl, nd: Decl, path: str) -> None:
        if type(od) is not type(nd):
            self.add(
                "wal", path, "type kind changed", f"{od.kind} {od.name}", f"{nd.kind} {nd.name}"
            )
            return
        if isinstance(od, Newtype) and isinstance(nd, Newtype):
            if od.inner != nd.inner:
                self.add("wal", path, "newtype changed", _shown(od.inner), _shown(nd.inner))
            return
        if isinstance(od, Struct) and isinstance(nd, Struct):
            self.wire_fields(od.fields, nd.fields, path)
            return
        assert isinstance(od, Enum) and isinstance(nd, Enum)
        self.wire_enum(od, nd, path)

    def wire_fields(self, of: tuple[Field, ...], nf: tuple[Field, ...], path: str) -> None:
        old_names = [f.name for f in of]
        new_names = [f.name for f in nf]
        if old_names != new_names and sorted(old_names) == sorted(new_names):
            self.add("wal", path, "fields reordered", ", ".join(old_names), ", ".join(new_names))
            return
        for i in range(max(len(of), len(nf))):
            o = of[i] if i < len(of) else None
            n = nf[i] if i < len(nf) else None
            if o is None and n is not None:
                self.add("wal", f"{path}{SEP}{n.name}", "field added", "-", _shown(n.wire))
            elif n is None and o is not None:
                self.add("wal", f"{path}{SEP}{o.name}", "field removed", _shown(o.wire), "-")
            elif o is not None and n is not None:
                if o.name != n.name:
                    gone, fresh = o.name not in new_names, n.name not in old_names
                    if gone and fresh:
                        self.add("wal", f"{path}{SEP}{o.name}", "field renamed", o.name, n.name)
                    else:
                        # a removal, insertion or move: every later field is misaligned
                        kind = (
                            "field removed"
                            if gone
                            else "field added"
                            if fresh
                            else "fields reordered"
                        )
                        name = n.name if kind == "field added" else o.name
                        self.add(
                            "wal",
                            f"{path}{SEP}{name}",
                            kind,
                            "-" if kind == "field added" else _shown(o.wire),
                            "-" if kind == "field removed" else _shown(n.wire),
                        )
                        return
                self.wire(o.wire, n.wire, f"{path}{SEP}{n.name}")

    def wire_enum(self, od: Enum, nd: Enum, path: str) -> None:
        """Variants by discriminant. Positions in the lists are the discriminants (VER-13)."""
        old_pos = {v.name: i for i, v in enumerate(od.variants)}
        new_pos = {v.name: i for i, v in enumerate(nd.variants)}
        renamed: dict[str, Variant] = {}
        for i, ov in enumerate(od.variants):
            if ov.name in new_pos:
                continue
            nv = nd.variants[i] if i < len(nd.variants) else None
            if nv is not None and nv.name not in old_pos:
                renamed[ov.name] = nv
                self.add(
                    "wal",
                    f"{path}{SEP}{ov.name}",
                    "variant renamed",
                    f"#{i} {ov.name}",
                    f"#{i} {nv.name}",
                )
            else:
                self.add("wal", f"{path}{SEP}{ov.name}", "variant removed", f"#{i} {ov.name}", "-")
        taken = {nv.name for nv in renamed.values()}
        for j, nv in enumerate(nd.variants):
            if nv.name not in old_pos and nv.name not in taken:
                kind = "variant appended" if j >= len(od.variants) else "variant inserted"
                self.add("wal", f"{path}{SEP}{nv.name}", kind, "-", f"#{j} {nv.name}")
        moves = [
            (i, new_pos[v.name], v.name)
            for i, v in enumerate(od.variants)
            if v.name in new_pos and new_pos[v.name] != i
        ]
        for run in _runs(moves):
            (i0, j0, first), (i1, j1, last) = run[0], run[-1]
            if len(run) == 1:
                self.add(
                    "wal",
                    f"{path}{SEP}{first}",
                    "variant moved",
                    f"#{i0} {first}",
                    f"#{j0} {first}",
                )
            else:
                self.add(
                    "wal",
                    f"{path}{SEP}{first} .. {last}",
                    "variants renumbered",
                    f"#{i0}..#{i1}",
                    f"#{j0}..#{j1}",
                )
        for ov in od.variants:
            nv_ = nd.variants[new_pos[ov.name]] if ov.name in new_pos else renamed.get(ov.name)
            if nv_ is not None:
                self.wire_variant(ov, nv_, f"{path}{SEP}{nv_.name}")

    def wire_variant(self, ov: Variant, nv: Variant, path: str) -> None:
        if ov.kind != nv.kind:
            self.add("wal", path, "variant kind changed", ov.kind, nv.kind)
            return
        if ov.feature != nv.feature:
            self.add("wal", path, "variant feature changed", str(ov.feature), str(nv.feature))
        if ov.kind == "newtype":
            # The payload of a tuple variant has no name on the wire, only a type.
            self.wire(ov.fields[0].wire, nv.fields[0].wire, path)
            return
        self.wire_fields(ov.fields, nv.fields, path)

    # -- the JSON walk (by name) --------------------------------------------------------------

    def unwrap(self, reg: Registry, w: WireType) -> WireType:
        """A newtype is its inner value in the JSON form too."""
        d = self.decl(reg, w)
        while isinstance(d, Newtype):
            w = d.inner
            d = self.decl(reg, w)
        return w

    def json(self, o: WireType, n: WireType, path: str) -> None:
        o, n = self.unwrap(self.old, o), self.unwrap(self.new, n)
        if isinstance(o, Prim) and isinstance(n, Prim):
            if o is not n:
                kind = "json integer widened" if (o, n) in _WIDENINGS else "json field retyped"
                self.add("snapshot", path, kind, _shown(o), _shown(n))
            return
        if isinstance(o, Opt) and isinstance(n, Opt):
            self.json(o.inner, n.inner, path)
            return
        if isinstance(n, Opt) and not isinstance(o, Opt):
            self.add("snapshot", path, "json option added", _shown(o), _shown(n))
            self.json(o, n.inner, path)
            return
        if isinstance(o, Opt):
            self.add("snapshot", path, "json option removed", _shown(o), _shown(n))
            return
        if isinstance(o, Seq) and isinstance(n, Seq):
            self.json(o.inner, n.inner, path + "[]")
            return
        od, nd = self.decl(self.old, o), self.decl(self.new, n)
        if od is None or nd is None or type(od) is not type(nd):
            self.add("snapshot", path, "json field retyped", _shown(o), _shown(n))
            return
        key = ("snapshot", od.name, nd.name)
        if key in self.seen:
            return
        self.seen.add(key)
        if isinstance(od, Struct) and isinstance(nd, Struct):
            self.json_fields(od.fields, nd.fields, _type_path(od, nd))
        elif isinstance(od, Enum) and isinstance(nd, Enum):
            self.json_enum(od, nd, _type_path(od, nd))

    def json_fields(self, of: tuple[Field, ...], nf: tuple[Field, ...], path: str) -> None:
        old = {f.name: (i, f) for i, f in enumerate(of)}
        new = {f.name: (i, f) for i, f in enumerate(nf)}
        removed = [name for name in old if name not in new]
        added = [name for name in new if name not in old]
        for name in list(removed):
            i, f = old[name]
            twin = next((a for a in added if new[a][0] == i and new[a][1].wire == f.wire), None)
            if twin is not None:
                self.add("snapshot", f"{path}{SEP}{name}", "json field renamed", name, twin)
                removed.remove(name)
                added.remove(twin)
        for name in removed:
            self.add(
                "snapshot",
                f"{path}{SEP}{name}",
                "json field removed",
                _shown(old[name][1].wire),
                "-",
            )
        for name in added:
            f = new[name][1]
            kind = (
                "json field added with default"
                if f.serde_default or isinstance(f.wire, Opt)
                else "json field added without default"
            )
            self.add("snapshot", f"{path}{SEP}{name}", kind, "-", _shown(f.wire))
        for name, (_, of_) in old.items():
            if name not in new:
                continue
            nf_ = new[name][1]
            if of_.serde_default and not nf_.serde_default and not isinstance(nf_.wire, Opt):
                self.add(
                    "snapshot",
                    f"{path}{SEP}{name}",
                    "json default removed",
                    "#[serde(default)]",
                    "required",
                )
            self.json(of_.wire, nf_.wire, f"{path}{SEP}{name}")

    def json_enum(self, od: Enum, nd: Enum, path: str) -> None:
        new = {v.name: v for v in nd.variants}
        old = {v.name: v for v in od.variants}
        removed = [v for v in od.variants if v.name not in new]
        added = [v for v in nd.variants if v.name not in old]
        for ov in list(removed):
            twin = next((nv for nv in added if nv.index == ov.index and nv.kind == ov.kind), None)
            if twin is not None:
                self.add(
                    "snapshot", f"{path}{SEP}{ov.name}", "json variant renamed", ov.name, twin.name
                )
                removed.remove(ov)
                added.remove(twin)
        for ov in removed:
            self.add("snapshot", f"{path}{SEP}{ov.name}", "json variant removed", ov.name, "-")
        for nv in added:
            self.add("snapshot", f"{path}{SEP}{nv.name}", "json variant added", "-", nv.name)
        for name, ov in old.items():
            nv_ = new.get(name)
            if nv_ is None:
                continue
            if ov.kind != nv_.kind:
                self.add(
                    "snapshot", f"{path}{SEP}{name}", "json variant kind changed", ov.kind, nv_.kind
                )
                continue
            if ov.kind == "newtype":
                # {"Variant": payload}: the payload has no key of its own.
                self.json(ov.fields[0].wire, nv_.fields[0].wire, f"{path}{SEP}{name}")
            else:
                self.json_fields(ov.fields, nv_.fields, f"{path}{SEP}{name}")


def _runs(moves: list[tuple[int, int, str]]) -> list[list[tuple[int, int, str]]]:
    """Moves grouped into runs of neighbouring variants shifted by the same amount."""
    runs: list[list[tuple[int, int, str]]] = []
    for m in moves:
        last = runs[-1][-1] if runs else None
        if last is not None and m[0] == last[0] + 1 and m[1] - m[0] == last[1] - last[0]:
            runs[-1].append(m)
        else:
            runs.append([m])
    return runs


def diff(old: Registry, new: Registry) -> list[Change]:
    """Every classified change from ``old`` to ``new`` (spec: VER-2 .. VER-9)."""
    d = _Differ(old, new)
    if old.root in old.decls and new.root in new.decls and old.name == new.name == "wal":
        d.wire(Ref(old.root), Ref(new.root), "")
    if "Snapshot" in old.decls and "Snapshot" in new.decls:
        d.json(Ref("Snapshot"), Ref("Snapshot"), "")
    return d.changes


def version_advice(changes: list[Change]) -> list[str]:
    """Which version field must change, and what readers must do (spec: VER-10)."""
    advice = []
    if any(c.scope == "wal" and c.severity == "breaking" for c in changes):
        advice.append(
            "WAL frame version must change (FRM-2): existing logs no longer decode with the new "
            "types. Readers must keep a decoder for the old version, or refuse old records with "
            "a clear error; add compat vectors for both versions."
        )
    if any(c.kind == "variant appended" for c in changes):
        advice.append(
            "New variants: existing logs stay readable, but readers of the old version reject "
            "new records with unknown_variant. Bump the WAL version so that the change is "
            "visible in the frame, and add compat vectors (v-old subset and v-new-only records)."
        )
    if any(c.scope == "snapshot" and c.severity == "breaking" for c in changes):
        advice.append(
            "Snapshot schema_version must change (SNP-5): existing snapshots no longer load. "
            "The loader must migrate the old schema or reject it (bootstrap then falls back to "
            "full WAL replay); add snapshot vectors for the old schema."
        )
    return advice
