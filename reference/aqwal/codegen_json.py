"""Generate ``aqwal/json_writer.py``: one function per declaration that writes a value's JSON form
as text (spec: JSN-1 .. JSN-11).

The text is exactly ``to_json_text(JSON_FORM.dump(name, value))`` — serde_json's compact output
— without building the intermediate dicts and lists: each struct becomes one f-string with its
keys in declaration order, identifiers are formatted from their hex digits, strings are escaped
by the ``json`` module's own C escaper, and enums dispatch on the value's class through a table.

Called from ``python -m aqwal.codegen``, which writes the module next to this one.
"""

from __future__ import annotations

from aqwal.schema import Enum, Field, Newtype, Opt, Prim, Ref, Registry, Seq, Struct, Variant

_INTS = (Prim.U8, Prim.U32, Prim.U64, Prim.I32)


class _JsonEmitter:
    def __init__(self, reg: Registry, *, native: bool = False) -> None:
        self.reg = reg
        #: Read fields by name, for the compiled build's value classes (which are not tuples).
        self.native = native

    def call(self, w: object) -> str | None:
        """The name of a one-argument function writing a value of ``w``, if there is one."""
        if isinstance(w, Prim):
            if w in _INTS:
                return "str"
            return {
                Prim.STRING: "_string",
                Prim.UUID: "_uuid",
                Prim.BYTES: "_byte_array",
                Prim.BOOL: "_bool",
            }[w]
        if isinstance(w, Ref):
            d = self.reg[w.name]
            if isinstance(d, Newtype):
                return self.call(d.inner)
            return f"_j_{d.name}"
        return None

    def expr(self, w: object, x: str) -> str:
        """A Python expression (``x`` is a local name) giving the JSON text of ``x``."""
        if isinstance(w, Ref):
            d = self.reg[w.name]
            if isinstance(d, Enum) and d.unit_only:
                # spec: JSN-7 — a unit variant is its name as a string
                return f"_{d.name}_JSON[{x}._value_]"
            if isinstance(d, Enum):
                # one lookup instead of a call to the enum's own writer
                return f"_{d.name}_WRITERS[type({x})]({x})"
        if isinstance(w, Opt):
            # spec: JSN-5 — None is null
            return f'("null" if {x} is None else {self.expr(w.inner, x)})'
        if isinstance(w, Seq):
            fn = self.call(w.inner)
            if fn is not None:
                return f'"[" + ",".join(map({fn}, {x})) + "]"'
            return f'"[" + ",".join([{self.expr(w.inner, "item")} for item in {x}]) + "]"'
        fn = self.call(w)
        assert fn is not None
        return f"{fn}({x})"

    def fmt(self, w: object, x: str) -> str:
        """Like :meth:`expr`, for a replacement field of an f-string (integers format
        themselves)."""
        if w in _INTS:
            return x
        if isinstance(w, Opt) and w.inner in _INTS:
            return f'("null" if {x} is None else {x})'
        return self.expr(w, x)

    def object_text(self, fields: tuple[Field, ...], names: list[str]) -> list[str]:
        """Lines that leave the JSON object of the fields (bound to ``names``) in ``text``."""
        if not any(f.skip_if_none for f in fields):
            parts = [
                f'"{f.name}":{{{self.fmt(f.wire, nm)}}}'
                for f, nm in zip(fields, names, strict=True)
            ]
            return [f"    text = f'{{{{{','.join(parts)}}}}}'"]
        # spec: JSN-9 — a skip_serializing_if field is left out when None
        lines = ["    parts = []"]
        for f, nm in zip(fields, names, strict=True):
            piece = f"""f'"{f.name}":{{{self.fmt(f.wire, nm)}}}'"""
            if f.skip_if_none:
                lines += [f"    if {nm} is not None:", f"        parts.append({piece})"]
            else:
                lines.append(f"    parts.append({piece})")
        lines.append('    text = "{" + ",".join(parts) + "}"')
        return lines

    def unpack(self, fields: tuple[Field, ...]) -> tuple[list[str], list[str]]:
        names = [f"f_{f.name}" for f in fields]
        if not names:
            return [], names
        if self.native:
            return [f"    {nm} = v.{f.attr}" for f, nm in zip(fields, names, strict=True)], names
        return [f"    {', '.join(names)}{',' if len(names) == 1 else ''} = v"], names

    def struct(self, s: Struct) -> list[str]:
        lines, names = self.unpack(s.fields)
        return [
            "",
            "",
            f"def _j_{s.name}(v: Any) -> str:",
            f'    """The JSON form of a {s.name} (spec: {s.clause or "JSN-3"})."""',
            *lines,
            *self.object_text(s.fields, names),
            "    return text",
        ]

    def variant(self, e: Enum, v: Variant) -> list[str]:
        # spec: JSN-7 — externally tagged: {"Name": data}
        head = [
            "",
            "",
            f"def _j_{e.name}_{v.name}(v: Any) -> str:",
            f'    """{e.name}::{v.name} in the JSON form."""',
        ]
        if v.kind == "unit":
            return [*head, f'    return \'"{v.name}"\'']
        if v.kind == "newtype":
            first = f"v.{v.fields[0].attr}" if self.native else "v[0]"
            inner = self.fmt(v.fields[0].wire, first) if self.call(v.fields[0].wire) else None
            if inner is None:
                return [
                    *head,
                    f"    f_0 = {first}",
                    f"""    return f'{{{{"{v.name}":{{{self.fmt(v.fields[0].wire, "f_0")}}}}}}}'""",
                ]
            return [*head, f"""    return f'{{{{"{v.name}":{{{inner}}}}}}}'"""]
        lines, names = self.unpack(v.fields)
        return [
            *head,
            *lines,
            *self.object_text(v.fields, names),
            f"""    return f'{{{{"{v.name}":{{text}}}}}}'""",
        ]

    def enum(self, e: Enum) -> list[str]:
        out: list[str] = []
        for v in e.variants:
            out += self.variant(e, v)
        classes = ", ".join(f"{v.py_name or v.name}: _j_{e.name}_{v.name}" for v in e.variants)
        out += [
            "",
            "",
            f"_{e.name}_WRITERS: dict[type, Callable[[Any], str]] = {{{classes}}}",
            "",
            "",
            f"def _j_{e.name}(v: Any) -> str:",
            f'    """The JSON form of a {e.name} (spec: JSN-7)."""',
            f"    return _{e.name}_WRITERS[type(v)](v)",
        ]
        return out


def generate_json_writer(reg: Registry, header: str, *, native: bool = False) -> str:
    """``json_writer.py``; with ``native``, the compiled build's variant of it, which reads
    fields by name (see :mod:`aqwal.codegen_native`)."""
    em = _JsonEmitter(reg, native=native)
    classes: list[str] = []
    for d in reg:
        if isinstance(d, Enum) and not d.unit_only:
            classes += [v.py_name or v.name for v in d.variants]
    out = [
        header.format(
            doc="The JSON form of every declared type written as text (spec: JSN-1 .. JSN-11)."
        ),
        "",
        "# ruff: noqa: E501",
        "from __future__ import annotations",
        "",
        "import json.encoder",
        "from codecs import charmap_decode as _charmap_decode",
        "from collections.abc import Callable",
        "from typing import Any",
        "",
        "from aqwal.types import (",
        *[f"    {c}," for c in sorted(classes)],
        ")",
        "",
        "#: serde_json's string escaping: quotes, backslashes and control characters (JSN-11).",
        "_string: Callable[[str], str] = json.encoder.encode_basestring",
        "",
        "",
        "#: Identifiers recur in a log (a run's id in each of its events): their text is kept,",
        "#: up to this many, then the cache starts over.",
        "_UUID_CACHE_SIZE = 1 << 16",
        "_uuid_cache: dict[bytes, str] = {}",
        "",
        "",
        "def _uuid(raw: bytes) -> str:",
        '    """An identifier: lowercase, hyphenated, quoted (spec: JSN-6)."""',
        "    text = _uuid_cache.get(raw)",
        "    if text is None:",
        "        h = raw.hex()",
        """        text = f'"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"'""",
        "        if len(_uuid_cache) >= _UUID_CACHE_SIZE:",
        "            _uuid_cache.clear()",
        "        _uuid_cache[raw] = text",
        "    return text",
        "",
        "",
        "#: Each byte's number and a comma: the bytes of a vector become its array's elements in",
        "#: one pass of the codec machinery (a charmap), without a string object per byte.",
        'BYTE_ELEMENTS = tuple(f"{i}," for i in range(256))',
        "",
        "",
        "def _byte_array(raw: bytes) -> str:",
        '    """A byte vector: an array of integers (spec: JSN-5)."""',
        '    return "[" + _charmap_decode(raw, "strict", BYTE_ELEMENTS)[0][:-1] + "]"',
        "",
        "",
        "def _bool(value: bool) -> str:",
        '    return "true" if value else "false"',
        "",
    ]
    for d in reg:
        if isinstance(d, Enum) and d.unit_only:
            names = ", ".join(f"'\"{v.name}\"'" for v in sorted(d.variants, key=lambda v: v.index))
            assert [v.index for v in d.variants] == list(range(len(d.variants)))
            out.append(f"_{d.name}_JSON = ({names}{',' if len(d.variants) == 1 else ''})")
    written: list[str] = []
    for d in reg:
        if isinstance(d, Struct):
            out += em.struct(d)
            written.append(d.name)
        elif isinstance(d, Enum) and not d.unit_only:
            out += em.enum(d)
            written.append(d.name)
    out += [
        "",
        "",
        "#: Writer of each struct and data enum by its Rust name: value → JSON text.",
        "WRITERS: dict[str, Callable[[Any], str]] = {",
        *[f'    "{nm}": _j_{nm},' for nm in written],
        "}",
        "",
        "",
        "def json_text(type_name: str, value: Any) -> str:",
        '    """The JSON form of a value of a declared struct or data enum, as compact text."""',
        "    return WRITERS[type_name](value)",
        "",
        "",
        "#: The JSON form of a WalEvent (one line of ``aqwal decode``).",
        "wal_event_json: Callable[[Any], str] = _j_WalEvent",
        "",
    ]
    return "\n".join(out)


# =============================================================================================
# json_reader.py


_INT_RANGES = {
    Prim.U8: "0, 0xFF",
    Prim.U32: "0, 0xFFFF_FFFF",
    Prim.U64: "0, 0xFFFF_FFFF_FFFF_FFFF",
    Prim.I32: "-0x8000_0000, 0x7FFF_FFFF",
}


class _ReaderEmitter:
    """Fast readers of the JSON form's usual shape, from text parsed with every object as a
    dict (``aqwal.forms.parse_json_objects``); anything else raises ``_Doubt`` and the caller
    reads the whole text again with ``aqwal.forms``, which applies every rule.

    A dict keeps one member of each key, so the readers also count the members of the objects
    they read, and the colons in the texts they read: the caller takes the value only when
    that count equals the text's colons (spec: JSN-4). Where a type's objects always have the
    same number of members (its *members*, from the declarations) the reader of the enclosing
    value adds them in one sum; the reader of any other type, and of any type that holds text,
    takes the count ``m`` (a list of the counts so far, to be summed) and adds its own."""

    def __init__(self, reg: Registry) -> None:
        self.reg = reg
        self._members: dict[str, int | None] = {}
        self._text: dict[str, bool] = {}

    def members(self, w: object) -> int | None:
        """The members of the objects in any value of wire type ``w`` when they are always
        as many; None when they depend on the value (an optional or repeated object, a data
        enum, which is a string or an object)."""
        if isinstance(w, Prim):
            return 0
        if isinstance(w, Opt | Seq):
            return 0 if self.members(w.inner) == 0 else None
        assert isinstance(w, Ref)
        if w.name not in self._members:
            d = self.reg[w.name]
            n: int | None
            if isinstance(d, Newtype):
                n = self.members(d.inner)
            elif isinstance(d, Enum):
                n = 0 if d.unit_only else None
            else:
                assert isinstance(d, Struct)
                inner = [self.members(f.wire) for f in d.fields]
                n = None if None in inner else len(d.fields) + sum(i or 0 for i in inner)
            self._members[w.name] = n
        return self._members[w.name]

    def has_text(self, w: object) -> bool:
        """Whether a value of wire type ``w`` may hold a text (a String, whose colons are
        counted); identifiers and variant names are never read with a colon."""
        if isinstance(w, Prim):
            return w is Prim.STRING
        if isinstance(w, Opt | Seq):
            return self.has_text(w.inner)
        assert isinstance(w, Ref)
        if w.name not in self._text:
            d = self.reg[w.name]
            if isinstance(d, Newtype):
                text = self.has_text(d.inner)
            elif isinstance(d, Enum):
                plain = [v for v in d.variants if v.feature is None]
                text = any(self.has_text(f.wire) for v in plain for f in v.fields)
            else:
                assert isinstance(d, Struct)
                text = any(self.has_text(f.wire) for f in d.fields)
            self._text[w.name] = text
        return self._text[w.name]

    def counted(self, w: object) -> bool:
        """Whether the reader of a value of wire type ``w`` takes the count: its members are
        not fixed, or it holds text."""
        return self.members(w) is None or self.has_text(w)

    def conv(self, w: object, x: str, ind: str) -> list[str]:
        """Lines that check ``x`` (a JSON value) and rebind it to the declared value, and
        count the members of its objects that ``members(w)`` does not fix."""
        if isinstance(w, Prim):
            if w in _INT_RANGES:
                lo, hi = _INT_RANGES[w].split(", ")
                return [
                    f"{ind}if type({x}) is not int or not {lo} <= {x} <= {hi}:",
                    f"{ind}    raise _DOUBT",
                ]
            if w is Prim.BOOL:
                return [f"{ind}if type({x}) is not bool:", f"{ind}    raise _DOUBT"]
            if w is Prim.STRING:
                # a text's colons are counted (JSN-4); _string, for arrays, is these lines too
                return [
                    f"{ind}if type({x}) is not str:",
                    f"{ind}    raise _DOUBT",
                    f'{ind}if ":" in {x}:',
                    f'{ind}    m.append({x}.count(":"))',
                ]
            if w is Prim.UUID:
                return [f"{ind}{x} = _uuid({x})"]
            assert w is Prim.BYTES
            return [f"{ind}{x} = _byte_array({x})"]
        if isinstance(w, Opt):
            inner = self.conv(w.inner, x, ind + "    ")
            fixed = self.members(w.inner)
            if fixed:
                inner.append(f"{ind}    m.append({fixed})")
            return [f"{ind}if {x} is not None:", *inner]
        if isinstance(w, Seq):
            fn = self.item_fn(w.inner)
            fixed = self.members(w.inner)
            count = ", _repeat(m)" if self.counted(w.inner) else ""
            lines = [
                f"{ind}if type({x}) is not list:",
                f"{ind}    raise _DOUBT",
                f"{ind}{x} = tuple(map({fn}, {x}{count}))",
            ]
            if fixed:
                lines.append(f"{ind}m.append({fixed} * len({x}))")
            return lines
        assert isinstance(w, Ref)
        d = self.reg[w.name]
        if isinstance(d, Newtype):
            return self.conv(d.inner, x, ind)
        if isinstance(d, Enum) and d.unit_only:
            return [f"{ind}{x} = _{d.name}_BY_NAME[{x}]"]
        count = ", m" if self.counted(w) else ""
        return [f"{ind}{x} = _r_{d.name}({x}{count})"]

    def item_fn(self, w: object) -> str:
        """A function reading one element of a sequence (with the count as its second
        argument where the element's members are not fixed or it holds text)."""
        if isinstance(w, Ref):
            d = self.reg[w.name]
            if isinstance(d, Newtype):
                return self.item_fn(d.inner)
            if isinstance(d, Enum) and d.unit_only:
                return f"_{d.name}_BY_NAME.__getitem__"
            return f"_r_{d.name}"
        if w is Prim.UUID:
            return "_uuid"
        if w is Prim.STRING:
            return "_string"
        if w is Prim.BYTES:
            return "_byte_array"
        raise ValueError(f"no element reader for {w}")

    def fields(self, cls: str, fields: tuple[Field, ...], src: str, counted: bool) -> list[str]:
        """An object read as every declared key once: a dict of as many members as there are
        fields, each looked up by name (a missing one raises KeyError, a doubt like any
        other). ``counted``: the object's members are not fixed, and its reader adds them,
        with the fixed members of its fields, in one sum."""
        names = [f"f_{f.name}" for f in fields]
        lines = [
            f"    if type({src}) is not dict or len({src}) != {len(fields)}:",
            "        raise _DOUBT",
        ]
        lines += [f'    {nm} = {src}["{f.name}"]' for f, nm in zip(fields, names, strict=True)]
        if counted:
            fixed = len(fields) + sum(self.members(f.wire) or 0 for f in fields)
            lines.append(f"    m.append({fixed})")
        for f, nm in zip(fields, names, strict=True):
            lines += self.conv(f.wire, nm, "    ")
        tup = ", ".join(names) + ("," if len(names) == 1 else "")
        lines.append(f"    v = _new({cls}, ({tup}))")
        return lines

    def signature(self, fn: str, counted: bool) -> str:
        count = ", m: list[int]" if counted else ""
        return f"def {fn}(o: Any{count}) -> Any:"

    def struct(self, s: Struct) -> list[str]:
        w = Ref(s.name)
        out = ["", "", self.signature(f"_r_{s.name}", self.counted(w))]
        out += self.fields(s.class_name, s.fields, "o", self.members(w) is None)
        if s.validator:
            out.append(f'    _val.{s.validator}(v, None, "/")')
        out.append("    return v")
        return out

    def enum(self, e: Enum) -> list[str]:
        """A data enum: a unit variant is its name, any other an object of one member, the
        variant's name, whose reader (from a table, so each takes the count) reads the
        value."""
        out: list[str] = []
        # A variant of a build feature is left to the form, which knows the reader's profile.
        plain = [v for v in e.variants if v.feature is None]
        units = {v.name: v for v in plain if v.kind == "unit"}
        data = [v for v in plain if v.kind != "unit"]
        for v in data:
            cls = v.py_name or v.name
            out += ["", "", self.signature(f"_r_{e.name}_{v.name}", True)]
            if v.kind == "newtype":
                wire = v.fields[0].wire
                out += self.conv(wire, "o", "    ")
                fixed = self.members(wire)
                if fixed:
                    out.append(f"    m.append({fixed})")
                out.append(f"    return _new({cls}, (o,))")
            else:
                out += [*self.fields(cls, v.fields, "o", True), "    return v"]
        unit_rows = ", ".join(
            f'"{name}": _new({v.py_name or v.name}, ())' for name, v in units.items()
        )
        data_rows = ", ".join(f'"{v.name}": _r_{e.name}_{v.name}' for v in data)
        out += [
            "",
            "",
            f"_{e.name}_UNITS: dict[str, Any] = {{{unit_rows}}}",
            f"_{e.name}_READERS: dict[str, Callable[[Any, list[int]], Any]] = {{{data_rows}}}",
            "",
            "",
            self.signature(f"_r_{e.name}", True),
            "    if type(o) is str:",
            f"        return _{e.name}_UNITS[o]",
            "    if type(o) is not dict or len(o) != 1:",
            "        raise _DOUBT",
            "    ((name, inner),) = o.items()",
            "    m.append(1)",
            f"    return _{e.name}_READERS[name](inner, m)",
        ]
        return out


def generate_json_reader(reg: Registry, header: str) -> str:
    em = _ReaderEmitter(reg)
    classes: set[str] = set()
    for d in reg:
        if isinstance(d, Struct):
            classes.add(d.class_name)
        elif isinstance(d, Enum) and d.unit_only:
            classes.add(d.name)
        elif isinstance(d, Enum):
            classes.update(v.py_name or v.name for v in d.variants if v.feature is None)
    out = [
        header.format(
            doc="Values from the JSON form, fast, with aqwal.forms behind (spec: JSN-1 .. JSN-12)."
        ),
        "",
        "# ruff: noqa: E501, SIM102",
        "from __future__ import annotations",
        "",
        "from collections.abc import Callable",
        "from itertools import repeat as _repeat",
        "from typing import Any",
        "",
        "from aqwal import validation as _val",
        "from aqwal.errors import AqwalError",
        "from aqwal.forms import JSON_FORM, Form, parse_json_objects, parse_json_text",
        "from aqwal.types import (",
        *[f"    {c}," for c in sorted(classes)],
        "    new_value,",
        ")",
        "",
        "# the value classes' own constructor from a tuple of fields (TYP-16)",
        "_new = new_value",
        "",
        "",
        "class _Doubt(Exception):",
        '    """The value is not in the usual shape: read it with aqwal.forms instead."""',
        "",
        "",
        "_DOUBT = _Doubt()",
        "_BOOL_BYTES = (0, 1)",
        "",
        "",
        "def _uuid(text: Any) -> bytes:",
        '    """The hyphenated form only (spec: JSN-6); other forms are read by aqwal.forms."""',
        "    # characters 8, 13, 18 and 23 are the hyphens; any other hyphen or whitespace",
        "    # leaves fewer than 16 bytes, anything else not hexadecimal raises ValueError",
        '    if type(text) is not str or len(text) != 36 or text[8:24:5] != "----":',
        "        raise _DOUBT",
        '    raw = bytes.fromhex(text.replace("-", ""))',
        "    if len(raw) != 16:",
        "        raise _DOUBT",
        "    return raw",
        "",
        "",
        "def _byte_array(items: Any) -> bytes:",
        '    """An array of integers 0-255 (spec: JSN-5)."""',
        "    if type(items) is not list:",
        "        raise _DOUBT",
        "    # TypeError for any element but an integer or a bool (the parsed text holds no other",
        "    # integer-like type), ValueError outside 0-255",
        "    raw = bytes(items)",
        "    # true and false became 1 and 0: only where a 1 or a 0 is can one have been a bool",
        "    for small in _BOOL_BYTES:",
        "        at = raw.find(small)",
        "        while at >= 0:",
        "            if type(items[at]) is not int:",
        "                raise _DOUBT",
        "            at = raw.find(small, at + 1)",
        "    return raw",
        "",
        "",
        "def _string(text: Any, m: list[int]) -> str:",
        '    """A text, whose colons are counted (spec: JSN-4)."""',
        *em.conv(Prim.STRING, "text", "    "),
        "    return text",
        "",
    ]
    for d in reg:
        if isinstance(d, Enum) and d.unit_only:
            rows = ", ".join(f'"{v.name}": {d.name}.{v.name}' for v in d.variants)
            out.append(f"_{d.name}_BY_NAME: dict[str, {d.name}] = {{{rows}}}")
    read: list[str] = []
    for d in reg:
        if isinstance(d, Struct):
            out += em.struct(d)
            read.append(d.name)
        elif isinstance(d, Enum) and not d.unit_only:
            out += em.enum(d)
            read.append(d.name)
    out += [
        "",
        "",
        "#: Fast reader of each struct and data enum by its Rust name, of a value parsed by",
        "#: ``parse_json_objects`` (raises on any doubt); the members of its objects when they",
        "#: are fixed (else 0: the reader counts them); whether it takes the count.",
        "FAST_READERS: dict[str, tuple[Callable[..., Any], int, bool]] = {",
        *[
            f'    "{nm}": (_r_{nm}, {em.members(Ref(nm)) or 0}, {em.counted(Ref(nm))}),'
            for nm in read
        ],
        "}",
        "",
        "",
        "def read_objects(type_name: str, doc: Any) -> tuple[Any, int]:",
        '    """The value of ``doc`` (parsed by ``parse_json_objects``) and the members of the',
        "    objects it was read from and the colons in its texts; raises on any doubt.\"\"\"",
        "    reader, members, counted = FAST_READERS[type_name]",
        "    if not counted:",
        "        return reader(doc), members",
        "    m = [members]",
        "    value = reader(doc, m)",
        "    return value, sum(m)",
        "",
        "",
        "def read_json_text(type_name: str, text: bytes, form: Form = JSON_FORM) -> Any:",
        '    """``form.load(type_name, parse_json_text(text))``, faster for text in the usual',
        "    shape.",
        "",
        "    The usual shape (every field present once, identifiers hyphenated, enums by name,",
        "    no variant of a build feature) is read here from the text's objects as dicts. A",
        "    dict keeps one member of each key, so the value is taken only if its objects have as",
        "    many members, and its texts as many colons, as the text has colons: every colon is",
        "    a member's or in a string, so a repeated key (JSN-4) leaves fewer. For anything",
        "    else, and for every error, the text is parsed again by ``parse_json_text`` (syntax,",
        "    JSN-15, repeated keys: JSN-4) and read by ``form`` (``aqwal.forms``), which apply",
        "    every rule in the order of JSN-13.",
        '    """',
        "    parsed = parse_json_objects(text)",
        "    if parsed is not None:",
        "        doc, colons = parsed",
        "        try:",
        "            value, members = read_objects(type_name, doc)",
        "        except (_Doubt, AqwalError, KeyError, TypeError, ValueError):",
        "            pass",
        "        else:",
        "            # spec: JSN-4",
        "            if members == colons:",
        "                return value",
        "    return form.load(type_name, parse_json_text(text))",
        "",
    ]
    return "\n".join(out)
