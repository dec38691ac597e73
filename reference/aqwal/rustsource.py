"""Rust source as the extractor reads it: crates, modules, items, attributes and ``use`` paths.

The text is parsed with tree-sitter (the optional ``aqwal[extract]`` extra). A source tree is
every crate under a directory (a directory holding ``Cargo.toml`` with a ``[package]``); each
crate's modules are followed from its root file through ``mod`` declarations, so a file that no
module declares is never read. Items under ``#[cfg(test)]`` are left out.

Paths are resolved the way rustc resolves them for the cases the engine uses (spec: VER-15):
``crate::``, ``self::``, ``super::``, other crates of the tree by name, ``use`` declarations
with lists, aliases, re-exports and globs. A path into a crate that is not in the tree is
*external* (``uuid::Uuid``). Nothing here knows about serde; see :mod:`aqwal.rustextract`.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aqwal.errors import SchemaError

#: Bounds on what is read (spec: VER-15): a larger file or tree is refused, not truncated.
MAX_FILE_BYTES = 4 << 20
MAX_FILES = 20_000
MAX_NESTING = 24

Node = Any  # tree_sitter.Node (the extra is optional, so it is not imported at module level)


class ParserUnavailable(RuntimeError):
    """The tree-sitter extra is not installed."""


def _parser() -> Any:
    try:
        import tree_sitter
        import tree_sitter_rust
    except ImportError:
        raise ParserUnavailable(
            "reading Rust source needs the tree-sitter parser: pip install 'aqwal[extract]'"
        ) from None
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_rust.language()))


def unsupported(where: str, message: str) -> SchemaError:
    return SchemaError("source_unsupported", f"{where}: {message}")


# ---------------------------------------------------------------------------------------------
# attributes


@dataclass(frozen=True, slots=True)
class Meta:
    """One attribute or one item of an attribute's parenthesised list.

    ``#[serde(rename = "x")]`` is ``Meta("serde", args=(Meta("rename", value="x"),))``.
    """

    path: str
    value: str | None = None
    args: tuple[Meta, ...] | None = None

    def __str__(self) -> str:
        text = self.path
        if self.value is not None:
            text += f' = "{self.value}"'
        if self.args is not None:
            text += "(" + ", ".join(str(a) for a in self.args) + ")"
        return text


def _literal(node: Node) -> str:
    text: str = node.text.decode("utf-8", "replace")
    if node.type == "string_literal" and len(text) >= 2:
        return text[1:-1]
    return text


def _metas(tree: Node, depth: int) -> tuple[Meta, ...]:
    """The comma-separated items of a token tree ``( ... )``."""
    if depth > MAX_NESTING:
        raise unsupported(_at(tree), "attribute nested too deeply")
    tokens = [c for c in tree.children][1:-1]
    groups: list[list[Node]] = [[]]
    for tok in tokens:
        if tok.type == ",":
            groups.append([])
        else:
            groups[-1].append(tok)
    return tuple(_meta_of_tokens(g, depth) for g in groups if g)


def _meta_of_tokens(tokens: list[Node], depth: int) -> Meta:
    path = ""
    value: str | None = None
    args: tuple[Meta, ...] | None = None
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "=" and i + 1 < len(tokens):
            value = _literal(tokens[i + 1])
            i += 2
            continue
        if tok.type == "token_tree":
            args = _metas(tok, depth + 1)
        else:
            path += tok.text.decode("utf-8", "replace")
        i += 1
    return Meta(path, value, args)


def _attribute(item: Node) -> Meta | None:
    """The Meta of an ``attribute_item`` node (``#[...]``)."""
    attr = next((c for c in item.children if c.type == "attribute"), None)
    if attr is None:
        return None
    path = ""
    value: str | None = None
    args: tuple[Meta, ...] | None = None
    children = list(attr.children)
    for i, c in enumerate(children):
        if c.type == "token_tree":
            args = _metas(c, 1)
        elif c.type == "=" and i + 1 < len(children):
            value = _literal(children[i + 1])
            break
        else:
            path += c.text.decode("utf-8", "replace")
    return Meta(path, value, args)


def attributes_before(siblings: list[Node], index: int) -> tuple[Meta, ...]:
    """The outer attributes written directly before ``siblings[index]``."""
    metas: list[Meta] = []
    j = index - 1
    while j >= 0 and siblings[j].type in ("attribute_item", "line_comment", "block_comment"):
        if siblings[j].type == "attribute_item":
            meta = _attribute(siblings[j])
            if meta is not None:
                metas.append(meta)
        j -= 1
    return tuple(reversed(metas))


def is_test_only(attrs: tuple[Meta, ...]) -> bool:
    """``#[cfg(test)]``: the item exists only in the crate's own unit tests."""
    return any(
        a.path == "cfg" and a.args is not None and len(a.args) == 1 and a.args[0].path == "test"
        for a in attrs
    )


# ---------------------------------------------------------------------------------------------
# the model


@dataclass(eq=False)
class Module:
    path: tuple[str, ...]  # ("actionqueue_core", "ids")
    file: Path
    parent: Module | None
    cfg: tuple[Meta, ...] = ()  # the cfg attributes of its `mod` declarations, outermost first
    types: dict[str, list[Item]] = field(default_factory=dict)
    consts: dict[str, list[Item]] = field(default_factory=dict)
    uses: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    globs: list[tuple[str, ...]] = field(default_factory=list)
    children: dict[str, Module] = field(default_factory=dict)

    @property
    def crate(self) -> str:
        return self.path[0]

    @property
    def name(self) -> str:
        return "::".join(self.path)


@dataclass(eq=False)
class Item:
    """A struct, enum, type alias or constant, where it was declared."""

    kind: str  # "struct" | "enum" | "alias" | "const"
    name: str
    node: Node
    module: Module
    attrs: tuple[Meta, ...]

    @property
    def key(self) -> str:
        return f"{self.module.name}::{self.name}"

    @property
    def where(self) -> str:
        return f"{self.module.file}:{self.node.start_point[0] + 1} ({self.key})"


@dataclass(eq=False)
class Impl:
    """``impl Serialize|Deserialize|Default for T``: the trait's last path segment and the body."""

    trait: str
    node: Node
    module: Module
    attrs: tuple[Meta, ...]


@dataclass(frozen=True, slots=True)
class External:
    """A path into a crate that is not part of the source tree (``uuid::Uuid``)."""

    path: tuple[str, ...]

    def __str__(self) -> str:
        return "::".join(self.path)


Resolved = Item | External


# ---------------------------------------------------------------------------------------------
# loading


class SourceTree:
    """Every crate found under a directory, its modules and the impls of the serde traits."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.parser = _parser()
        self.crates: dict[str, list[Module]] = {}
        self.modules: list[Module] = []
        self.impls: dict[str, list[Impl]] = {}
        self._pending_impls: list[Impl] = []
        self._files_read = 0
        for name, entry in self._find_crates():
            module = Module((name,), entry, None)
            self.crates.setdefault(name, []).append(module)
            self._load_file(module, entry.parent)
        if not self.crates:
            raise SchemaError("source_unresolved", f"{root}: no Rust crate (Cargo.toml) found")
        for impl in self._pending_impls:
            target = impl.node.child_by_field_name("type")
            if target is None:
                continue
            try:
                resolved = self.resolve_type_node(impl.module, target)
            except SchemaError:
                continue  # an impl for a type of another crate, or a generic one: not ours
            if isinstance(resolved, Item):
                self.impls.setdefault(resolved.key, []).append(impl)

    # -- crates and files --------------------------------------------------------------------

    def _find_crates(self) -> Iterator[tuple[str, Path]]:
        found: list[tuple[str, Path]] = []
        for directory, dirs, files in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "target")
            if "Cargo.toml" not in files:
                continue
            manifest = Path(directory) / "Cargo.toml"
            doc = self._manifest(manifest)
            package = doc.get("package")
            if not isinstance(package, dict) or not isinstance(package.get("name"), str):
                continue  # a virtual workspace manifest
            lib = doc.get("lib") if isinstance(doc.get("lib"), dict) else {}
            assert isinstance(lib, dict)
            name = lib.get("name") if isinstance(lib.get("name"), str) else package["name"]
            entry = Path(directory) / str(lib.get("path", "src/lib.rs"))
            if not entry.is_file():
                entry = Path(directory) / "src/main.rs"
            if entry.is_file():
                found.append((str(name).replace("-", "_"), entry))
        yield from found

    def _manifest(self, path: Path) -> dict[str, Any]:
        try:
            return tomllib.loads(self._read(path).decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SchemaError("source_syntax", f"{path}: not a valid Cargo.toml: {exc}") from None

    def _read(self, path: Path) -> bytes:
        self._files_read += 1
        if self._files_read > MAX_FILES:
            raise unsupported(str(self.root), f"more than {MAX_FILES} files")
        try:
            with open(path, "rb") as f:
                data = f.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise SchemaError("source_unresolved", f"{path}: cannot read: {exc.strerror}") from None
        if len(data) > MAX_FILE_BYTES:
            raise unsupported(str(path), f"file larger than {MAX_FILE_BYTES} bytes")
        return data

    def _load_file(self, module: Module, directory: Path) -> None:
        tree = self.parser.parse(self._read(module.file))
        self.modules.append(module)
        self._scan(module, tree.root_node, directory, 0)

    def _scan(self, module: Module, body: Node, directory: Path, depth: int) -> None:
        if depth > MAX_NESTING:
            raise unsupported(str(module.file), "modules nested too deeply")
        siblings = list(body.children)
        for i, node in enumerate(siblings):
            kind = node.type
            if kind in ("attribute_item", "line_comment", "block_comment"):
                continue
            attrs = attributes_before(siblings, i)
            if is_test_only(attrs):
                continue
            if kind in ("struct_item", "enum_item", "type_item", "const_item", "static_item"):
                name_node = node.child_by_field_name("name")
                if name_node is None:
                    continue
                item_kind = {
                    "struct_item": "struct",
                    "enum_item": "enum",
                    "type_item": "alias",
                }.get(kind, "const")
                item = Item(item_kind, name_node.text.decode(), node, module, attrs)
                table = module.consts if item_kind == "const" else module.types
                table.setdefault(item.name, []).append(item)
            elif kind == "use_declaration":
                arg = node.child_by_field_name("argument")
                if arg is not None:
                    for alias, path in _flatten_use(arg, ()):
                        if alias == "*":
                            module.globs.append(path)
                        elif alias != "_":
                            module.uses.setdefault(alias, []).append(path)
            elif kind == "extern_crate_declaration":
                name_node = node.child_by_field_name("name")
                alias_node = node.child_by_field_name("alias")
                if name_node is not None:
                    crate = name_node.text.decode()
                    alias = alias_node.text.decode() if alias_node is not None else crate
                    module.uses.setdefault(alias, []).append((crate,))
            elif kind == "mod_item":
                self._module(module, node, attrs, directory, depth)
            elif kind == "impl_item":
                trait = node.child_by_field_name("trait")
                if trait is not None:
                    last = trait.text.decode().split("::")[-1].split("<")[0]
                    if last in ("Serialize", "Deserialize", "Default"):
                        self._pending_impls.append(Impl(last, node, module, attrs))

    def _module(
        self, parent: Module, node: Node, attrs: tuple[Meta, ...], directory: Path, depth: int
    ) -> None:
        name = node.child_by_field_name("name").text.decode()
        cfg = parent.cfg + tuple(a for a in attrs if a.path == "cfg")
        child = Module((*parent.path, name), parent.file, parent, cfg)
        parent.children[name] = child
        body = node.child_by_field_name("body")
        if body is not None:
            self.modules.append(child)
            self._scan(child, body, directory / name, depth + 1)
            return
        explicit = next((a.value for a in attrs if a.path == "path" and a.value), None)
        if explicit is not None:
            candidates = [directory / explicit]
        else:
            candidates = [directory / f"{name}.rs", directory / name / "mod.rs"]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            return  # a module generated at build time, or one left out: only missing if used
        child.file = found
        inner = found.parent if found.name == "mod.rs" or explicit else found.parent / name
        self.modules.append(child)
        tree = self.parser.parse(self._read(found))
        self._scan(child, tree.root_node, inner, depth + 1)

    # -- resolution --------------------------------------------------------------------------

    def resolve_type_node(self, module: Module, node: Node) -> Resolved:
        """The item (or external path) a ``type_identifier`` / ``scoped_type_identifier``
        names, seen from ``module``."""
        return self.resolve(module, path_segments(node), _at(node, module))

    def resolve(self, module: Module, segs: tuple[str, ...], where: str) -> Resolved:
        found = self.lookup(module, segs, where, 0)
        if found is None:
            raise SchemaError(
                "source_unresolved", f"{where}: no type {'::'.join(segs)} in the source tree"
            )
        return found

    def lookup(
        self, module: Module, segs: tuple[str, ...], where: str, depth: int
    ) -> Resolved | None:
        if depth > MAX_NESTING:
            raise unsupported(where, f"use chain too long resolving {'::'.join(segs)}")
        if not segs:
            return None
        if len(segs) == 1:
            return self._name(module, segs[0], where, depth, set())
        scope = self._module_of(module, segs[0], where, depth)
        if isinstance(scope, External):
            return External(scope.path + segs[1:])
        if scope is None:
            return None
        for seg in segs[1:-1]:
            nxt = self._module_of(scope, seg, where, depth)
            if not isinstance(nxt, Module):
                return nxt if isinstance(nxt, External) else None
            scope = nxt
        return self._name(scope, segs[-1], where, depth, set())

    def _module_of(
        self, module: Module, seg: str, where: str, depth: int
    ) -> Module | External | None:
        if seg == "crate":
            return self._crate_root(module)
        if seg == "self":
            return module
        if seg == "super":
            return module.parent
        if seg in module.children:
            return module.children[seg]
        targets = module.uses.get(seg)
        if targets:
            found = {id(m): m for t in targets if (m := self._module_path(module, t, depth + 1))}
            if len(found) == 1:
                return next(iter(found.values()))
        roots = self.crates.get(seg)
        if roots:
            if len(roots) > 1:
                raise SchemaError(
                    "source_ambiguous",
                    f"{where}: two crates are named {seg} "
                    f"({', '.join(str(r.file) for r in roots)})",
                )
            return roots[0]
        if targets:
            return External(targets[0])
        return External((seg,))

    def _module_path(self, module: Module, path: tuple[str, ...], depth: int) -> Module | None:
        if depth > MAX_NESTING or not path:
            return None
        scope = self._module_of(module, path[0], "", depth + 1)
        for seg in path[1:]:
            if not isinstance(scope, Module):
                return None
            scope = (
                scope.parent
                if seg == "super"
                else scope
                if seg == "self"
                else (scope.children.get(seg))
            )
        return scope if isinstance(scope, Module) else None

    def _crate_root(self, module: Module) -> Module:
        while module.parent is not None:
            module = module.parent
        return module

    def _name(
        self, module: Module, name: str, where: str, depth: int, visited: set[int]
    ) -> Resolved | None:
        if id(module) in visited:
            return None
        visited.add(id(module))
        items = module.types.get(name, [])
        if len(items) > 1:
            raise SchemaError(
                "source_ambiguous",
                f"{where}: {name} is declared {len(items)} times in {module.name} "
                f"({', '.join(i.where for i in items)})",
            )
        if items:
            return items[0]
        results: dict[str, Resolved] = {}
        for target in module.uses.get(name, []):
            if target == (name,):
                continue  # `use some_crate;`: a crate, not a type
            found = self.lookup(module, target, where, depth + 1)
            if found is not None:
                results[found.key if isinstance(found, Item) else str(found)] = found
        if not results:
            for glob in module.globs:
                scope = self._module_path(module, glob, depth)
                if scope is not None:
                    found = self._name(scope, name, where, depth + 1, visited)
                    if found is not None:
                        results[found.key if isinstance(found, Item) else str(found)] = found
        if len(results) > 1:
            raise SchemaError(
                "source_ambiguous",
                f"{where}: {name} can mean any of {', '.join(sorted(results))}",
            )
        return next(iter(results.values()), None)

    # -- lookup by name ----------------------------------------------------------------------

    def find(self, spec: str, *, const: bool = False) -> Item:
        """The one item whose path ends with ``spec`` (``WalEvent``, ``wal::codec::VERSION``)."""
        segs = tuple(spec.split("::"))
        hits = []
        for module in self.modules:
            table = module.consts if const else module.types
            for item in table.get(segs[-1], []):
                full = (*item.module.path, item.name)
                if full[-len(segs) :] == segs:
                    hits.append(item)
        what = "constant" if const else "type"
        if not hits:
            raise SchemaError("source_unresolved", f"{self.root}: no {what} {spec} found")
        if len(hits) > 1:
            raise SchemaError(
                "source_ambiguous",
                f"{self.root}: {len(hits)} {what}s match {spec} "
                f"({', '.join(h.key for h in hits)}); name it by a longer path",
            )
        return hits[0]


def _at(node: Node, module: Module | None = None) -> str:
    line = node.start_point[0] + 1
    return f"{module.file}:{line}" if module is not None else f"line {line}"


def path_segments(node: Node) -> tuple[str, ...]:
    """``a::b::C`` as ("a", "b", "C"); generic arguments are not part of the path."""
    if node.type in ("scoped_type_identifier", "scoped_identifier"):
        prefix = node.child_by_field_name("path")
        name = node.child_by_field_name("name")
        head = path_segments(prefix) if prefix is not None else ()
        return head + ((name.text.decode(),) if name is not None else ())
    if node.type == "generic_type":
        base = node.child_by_field_name("type")
        return path_segments(base) if base is not None else ()
    return (node.text.decode(),)


def _flatten_use(node: Node, prefix: tuple[str, ...]) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(alias, path) for every name a use tree brings in; ("*", path) for a glob."""
    kind = node.type
    if kind in ("identifier", "scoped_identifier", "crate", "self", "super", "metavariable"):
        path = prefix + path_segments(node)
        if path[-1] == "self":
            path = path[:-1]
        if path:
            yield path[-1], path
    elif kind == "use_as_clause":
        path_node = node.child_by_field_name("path")
        alias = node.child_by_field_name("alias")
        if path_node is not None and alias is not None:
            path = prefix + path_segments(path_node)
            if path[-1] == "self":
                path = path[:-1]
            yield alias.text.decode(), path
    elif kind == "use_wildcard":
        inner = [c for c in node.children if c.type not in ("::", "*")]
        yield "*", prefix + (path_segments(inner[0]) if inner else ())
    elif kind == "scoped_use_list":
        path_node = node.child_by_field_name("path")
        lst = node.child_by_field_name("list")
        head = prefix + (path_segments(path_node) if path_node is not None else ())
        if lst is not None:
            yield from _flatten_use(lst, head)
    elif kind == "use_list":
        for child in node.children:
            if child.type not in ("{", "}", ","):
                yield from _flatten_use(child, prefix)
