"""Generate the compiled build's value classes: ``reference/compiled/aqwal/types.py``.

The default build's value classes (``aqwal/types.py``) are named tuples, which CPython builds
fast from interpreted code. Compiled with mypyc, a named tuple still costs three allocations
and a call through ``tuple.__new__``; a mypyc *native* class is one allocation with its fields
in a C struct. The compiled build therefore compiles the module written here in place of
``aqwal/types.py`` (see ``setup.py``); its classes behave as the named tuples do wherever aqwal
or its users look (spec: TYP-16):

* construction by position or keyword, attributes, ``_fields``, ``_replace``, ``_asdict``,
  ``_make``, ``__match_args__``;
* iteration, unpacking, ``len``, indexing and slicing, in field order;
* equality that also compares the class, and the hash of the tuple of the fields;
* ``repr`` ``Name(field=value, ...)``, pickling and copying.

Fields are declared ``Any``: mypyc checks the type of a typed attribute when it is set, and a
value must accept anything at construction, as a tuple does — the encoder reports a field of
the wrong type (ENC-21), and it must be the same error in both builds.

Called from ``python -m aqwal.codegen``.
"""

from __future__ import annotations

from aqwal.codegen import _py_type, _wire_doc, declared_types
from aqwal.schema import Field, Registry


def generate_native_types(reg: Registry, header: str) -> str:
    out: list[str] = [
        header.format(
            doc="Value classes of the WAL v5 types, as the compiled build compiles them "
            "(spec: TYP-1 .. TYP-16)."
        ),
        "",
        "# ruff: noqa: E501",
        "from __future__ import annotations",
        "",
        "import builtins",
        "import enum",
        "from collections.abc import Iterable, Iterator",
        "from typing import Any, ClassVar, NewType, TypeAlias",
        "",
        "",
        "def new_value(cls: Any, fields: Iterable[Any]) -> Any:",
        '    """Builds a value of one of these classes from its field values, in order (the',
        "    default build's ``new_value`` is ``tuple.__new__``; spec: TYP-16).\"\"\"",
        "    return cls(*fields)",
        "",
        "",
        "def _replaced(fields: tuple[str, ...], values: tuple[Any, ...], changes: dict[str, Any]) -> list[Any]:",
        '    """The field values of ``_replace(**changes)``, in order."""',
        "    out = [changes.pop(name, value) for name, value in zip(fields, values, strict=True)]",
        "    if changes:",
        '        raise ValueError(f"Got unexpected field names: {list(changes)!r}")',
        "    return out",
        "",
    ]
    out += declared_types(reg, _native_class)
    out.append("")
    return "\n".join(out)


def _native_class(reg: Registry, name: str, fields: tuple[Field, ...], doc: str) -> list[str]:
    """One value class: the named tuple's interface over native attributes (spec: TYP-16)."""
    attrs = [f.attr for f in fields]
    names = repr(tuple(attrs))
    values = f"({', '.join(f'self.{a}' for a in attrs)}{',' if len(attrs) == 1 else ''})"
    params = "".join(f", {a}: Any" for a in attrs)
    shown = ", ".join(f"{a}={{self.{a}!r}}" for a in attrs)
    out = [
        "",
        "",
        f"class {name}:",
        f'    """{doc}"""',
        "",
        f"    __slots__ = {tuple(sorted(attrs))!r}",
        f"    __match_args__: ClassVar[tuple[str, ...]] = {names}",
        f"    _fields: ClassVar[tuple[str, ...]] = {names}",
        "",
    ]
    for f in fields:
        shape = _py_type(reg, f.wire)
        wire = _wire_doc(f.wire)
        out.append(f"    {f.attr}: Any  # {shape}" + ("" if wire == shape else f" ({wire})"))
    if fields:
        out.append("")
    out += [f"    def __init__(self{params}) -> None:"]
    out += [f"        self.{a} = {a}" for a in attrs] or ["        pass"]
    out += [
        "",
        "    def _values(self) -> tuple[Any, ...]:",
        f"        return {values}",
        "",
        "    def __iter__(self) -> Iterator[Any]:",
        f"        return iter({values})",
        "",
        "    def __len__(self) -> int:",
        f"        return {len(attrs)}",
        "",
        "    def __getitem__(self, index: Any) -> Any:",
        f"        return {values}[index]",
        "",
        "    def __eq__(self, other: object) -> bool:",
        f"        return type(other) is type(self) and isinstance(other, {name}) and {values} == other._values()"
        if attrs
        else "        return type(other) is type(self)",
        "",
        "    def __ne__(self, other: object) -> bool:",
        "        return not self.__eq__(other)",
        "",
        "    def __hash__(self) -> int:",
        f"        return hash({values})",
        "",
        "    def __repr__(self) -> str:",
        f'        return f"{{type(self).__name__}}({shown})"',
        "",
        "    def __reduce__(self) -> tuple[Any, ...]:",
        f"        return (type(self), {values})",
        "",
        f"    def _replace(self, **changes: Any) -> {name}:",
        f"        return type(self)(*_replaced({name}._fields, {values}, changes))",
        "",
        "    def _asdict(self) -> dict[str, Any]:",
        f"        return dict(zip({name}._fields, {values}, strict=True))",
        "",
        "    @classmethod",
        f"    def _make(cls, iterable: Iterable[Any]) -> {name}:",
        "        return cls(*iterable)",
    ]
    return out
