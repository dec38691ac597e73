"""The serde and cfg attributes that decide how a Rust type is encoded (spec: VER-17, VER-18).

Attributes arrive as :class:`~aqwal.rustsource.Meta` trees. ``cfg_attr(feature = "serde", ...)``
is expanded (the ``serde`` feature is the one that turns serialization on, so it is always
enabled here); ``cfg(feature = "x")`` becomes a build feature. Everything else that changes an
encoding and has no registry form is refused with ``source_unsupported``, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable

from aqwal.errors import SchemaError
from aqwal.rustsource import Meta, unsupported

#: The cargo feature that enables serde in the engine's crates (spec: VER-18).
SERDE_FEATURE = "serde"

#: serde attributes with no effect on the encoding, accepted as written.
_INERT = {"bound", "crate", "expecting"}


class _TestOnly(Exception):
    """A cfg predicate that holds only in unit-test builds."""


def _features(pred: Meta, where: str) -> frozenset[str]:
    """The build features a cfg predicate requires (the serde feature is always on)."""
    if pred.path == "feature" and pred.value is not None:
        return frozenset() if pred.value == SERDE_FEATURE else frozenset({pred.value})
    if pred.path == "all" and pred.args is not None:
        out: frozenset[str] = frozenset()
        for p in pred.args:
            out |= _features(p, where)
        return out
    if pred.path == "test" and pred.args is None and pred.value is None:
        raise _TestOnly
    raise unsupported(where, f"cfg({pred}) cannot be expressed: only features are recorded")


def expand(attrs: Iterable[Meta], where: str) -> list[Meta]:
    """The attributes in effect in a serde build: ``cfg_attr`` expanded or dropped."""
    out: list[Meta] = []
    for a in attrs:
        if a.path != "cfg_attr":
            out.append(a)
            continue
        if not a.args or len(a.args) < 2:
            continue
        pred, body = a.args[0], a.args[1:]
        try:
            features = _features(pred, where)
        except _TestOnly:
            continue
        except SchemaError:
            features = frozenset({"?"})
        if not features:
            out.extend(expand(body, where))
        elif any(b.path in ("serde", "derive", "default", "cfg") for b in body):
            raise unsupported(
                where, f"cfg_attr({pred}, ...) makes the encoding depend on a build option"
            )
    return out


def feature_of(attrs: Iterable[Meta], where: str) -> str | None:
    """The one build feature ``cfg(...)`` attributes require, or None."""
    features: frozenset[str] = frozenset()
    for a in attrs:
        if a.path == "cfg" and a.args is not None and len(a.args) == 1:
            try:
                features |= _features(a.args[0], where)
            except _TestOnly:
                raise unsupported(where, "test-only item in a serialized type") from None
        elif a.path == "cfg":
            raise unsupported(where, f"{a} cannot be expressed")
    if len(features) > 1:
        raise unsupported(where, f"needs several features ({', '.join(sorted(features))})")
    return next(iter(features), None)


def derives(attrs: Iterable[Meta]) -> set[str]:
    """Last path segments of every derived trait: ``{"Serialize", "Debug", ...}``."""
    return {d.path.split("::")[-1] for a in attrs if a.path == "derive" and a.args for d in a.args}


def serde_args(attrs: Iterable[Meta]) -> list[Meta]:
    """The items of every ``#[serde(...)]`` attribute."""
    return [m for a in attrs if a.path in ("serde", "serde::serde") and a.args for m in a.args]


def _one_name(m: Meta, where: str) -> str:
    """The value of ``rename = "x"`` or ``rename(serialize = "x", deserialize = "x")``."""
    if m.value is not None:
        return m.value
    names = {a.value for a in m.args or () if a.path in ("serialize", "deserialize")}
    if len(names) == 1 and m.args and len(m.args) == 2:
        (name,) = names
        if name is not None:
            return name
    raise unsupported(where, f"serde({m}) gives different names for writing and reading")


# -- rename rules (serde's RenameRule) --------------------------------------------------------

_RULES = (
    "lowercase",
    "UPPERCASE",
    "PascalCase",
    "camelCase",
    "snake_case",
    "SCREAMING_SNAKE_CASE",
    "kebab-case",
    "SCREAMING-KEBAB-CASE",
)


def rule_of(m: Meta, where: str) -> str:
    rule = _one_name(m, where)
    if rule not in _RULES:
        raise unsupported(where, f"unknown rename rule {rule!r}")
    return rule


def rename_variant(name: str, rule: str | None) -> str:
    """A variant name (PascalCase in Rust) under a rename_all rule."""
    if rule is None or rule == "PascalCase":
        return name
    if rule == "lowercase":
        return name.lower()
    if rule == "UPPERCASE":
        return name.upper()
    if rule == "camelCase":
        return name[:1].lower() + name[1:]
    snake = "".join(
        ("_" + c.lower()) if c.isupper() and i else c.lower() for i, c in enumerate(name)
    )
    return rename_field(snake, rule)


def rename_field(name: str, rule: str | None) -> str:
    """A field name (snake_case in Rust) under a rename_all rule."""
    if rule is None or rule == "snake_case" or rule == "lowercase":
        return name
    if rule == "UPPERCASE" or rule == "SCREAMING_SNAKE_CASE":
        return name.upper()
    if rule == "kebab-case":
        return name.replace("_", "-")
    if rule == "SCREAMING-KEBAB-CASE":
        return name.replace("_", "-").upper()
    pascal = "".join(part[:1].upper() + part[1:] for part in name.split("_"))
    return pascal if rule == "PascalCase" else pascal[:1].lower() + pascal[1:]


# -- what each position accepts ---------------------------------------------------------------


class Container:
    """The serde attributes of a struct or enum."""

    def __init__(self, metas: list[Meta], where: str, *, is_enum: bool) -> None:
        self.rename_all: str | None = None
        self.rename_all_fields: str | None = None
        self.transparent = False
        self.default = False
        for m in metas:
            if m.path in _INERT or m.path == "rename":
                continue  # the container's own name is written by neither postcard nor JSON
            if m.path == "rename_all":
                self.rename_all = rule_of(m, where)
            elif m.path == "rename_all_fields" and is_enum:
                self.rename_all_fields = rule_of(m, where)
            elif m.path == "transparent" and not is_enum:
                self.transparent = True
            elif m.path == "default" and not is_enum and m.value is None:
                self.default = True
            elif m.path in ("tag", "content", "untagged"):
                raise unsupported(where, f"serde({m}): only externally tagged enums can be read")
            elif m.path == "deny_unknown_fields":
                raise unsupported(where, f"serde({m}): snapshot readers must ignore unknown keys")
            else:
                raise unsupported(where, f"serde({m}) has no registry form")


class Member:
    """The serde attributes of a field or variant."""

    def __init__(self, metas: list[Meta], where: str, *, variant: bool) -> None:
        self.rename: str | None = None
        self.rename_all: str | None = None
        self.default = False
        self.skip_if: str | None = None
        self.with_: str | None = None
        for m in metas:
            if m.path in _INERT:
                continue
            if m.path == "rename":
                self.rename = _one_name(m, where)
            elif m.path == "rename_all" and variant:
                self.rename_all = rule_of(m, where)
            elif m.path == "default" and not variant:
                self.default = True
            elif m.path == "skip_serializing_if" and not variant and m.value is not None:
                self.skip_if = m.value
            elif m.path == "with" and not variant and m.value is not None:
                self.with_ = m.value
            elif m.path == "flatten":
                raise unsupported(where, f"serde({m}): flattened fields have no postcard form")
            else:
                raise unsupported(where, f"serde({m}) has no registry form")
