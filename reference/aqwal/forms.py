"""The JSON form and the CBOR form of every declared value (spec: JSN-1 .. JSN-12, CBR-1 .. CBR-6).

*JSON form* is exactly what serde_json produces for the engine's types (compact separators,
fields in declaration order, externally tagged enums, identifiers as lowercase hyphenated UUID
strings, byte vectors as arrays of integers, ``None`` as ``null``). The engine's snapshots are
written in it, and ``aqwal decode`` prints it.

*CBOR form* has the same shape with two differences: identifiers and byte vectors are CBOR byte
strings, and no field is ever omitted. Encoded with RFC 8949 core deterministic encoding, it is
the form of test-vector expectations, of the conformance protocol and of the state digest.

Each declaration is compiled once into a pair of closures (``dump`` and ``load``); nothing is
looked up per field at run time.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import uuid
from collections.abc import Callable
from typing import Any, Literal, TypeVar

import cbor2

from aqwal import postcard as pc
from aqwal import types as t
from aqwal import validation
from aqwal.cborinput import read_cbor_item
from aqwal.declarations import ALL_TYPES
from aqwal.errors import FormError, NestingLimitError
from aqwal.jsonsyntax import syntax_error_offset
from aqwal.schema import Enum, Field, Newtype, Opt, Prim, Registry, Seq, Struct, WireType

Flavor = Literal["json", "cbor"]
#: Every build feature that adds variants (spec: ENC-19).
ALL_FEATURES = frozenset({"workflow"})
Dump = Callable[[Any], Any]
Load = Callable[[Any, str], Any]
_F = TypeVar("_F", Dump, Load)

_INT_RANGES = {
    Prim.U8: (0, 0xFF),
    Prim.U32: (0, pc.U32_MAX),
    Prim.U64: (0, pc.U64_MAX),
    Prim.I32: (pc.I32_MIN, pc.I32_MAX),
}

# spec: JSN-6 — the textual UUID forms a reader accepts (those of the engine's uuid crate).
_UUID_FORMS = re.compile(
    r"(?:urn:uuid:)?(?P<h>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
    r"|\{(?P<b>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}"
    r"|(?P<s>[0-9a-fA-F]{32})"
)


def uuid_text(raw: bytes) -> str:
    """An identifier in its JSON form: lowercase, hyphenated (spec: JSN-6)."""
    return str(uuid.UUID(bytes=raw))


def parse_uuid_text(text: str, path: str = "") -> bytes:
    """Parse any textual UUID form the engine accepts into its 16 bytes (spec: JSN-6)."""
    m = _UUID_FORMS.fullmatch(text)
    if m is None:
        raise FormError("form_invalid_uuid", f"{text!r} is not a UUID", path=path)
    return bytes.fromhex((m.group("h") or m.group("b") or m.group("s")).replace("-", ""))


def _type_name(obj: object) -> str:
    if obj is None:
        return "null"
    if isinstance(obj, bool):
        return "bool"
    if isinstance(obj, int | OversizeInteger):
        return "integer"
    if isinstance(obj, float):
        return "floating-point number"
    if isinstance(obj, str):
        return "string"
    if isinstance(obj, bytes):
        return "byte string"
    if isinstance(obj, list):
        return "array"
    if isinstance(obj, dict):
        return "object"
    if isinstance(obj, cbor2.CBORTag):
        return f"tag {obj.tag}"
    if obj is cbor2.undefined:
        return "undefined"
    if isinstance(obj, cbor2.CBORSimpleValue):
        return f"simple value {obj.value}"
    return type(obj).__name__


def _bignum(obj: object) -> int | None:
    """The integer of a CBOR bignum — tag 2 or 3 around a byte string (spec: CBR-7) — or None."""
    if type(obj) is cbor2.CBORTag and obj.tag in (2, 3) and type(obj.value) is bytes:
        magnitude = int.from_bytes(obj.value, "big")
        return magnitude if obj.tag == 2 else -1 - magnitude
    return None


def _mismatch(expected: str, obj: object, path: str) -> FormError:
    return FormError(
        "form_type_mismatch", f"expected {expected}, found {_type_name(obj)}", path=path or "/"
    )


def _int_shown(value: int) -> str:
    """An integer for a message: itself, or its size when it is too long to print."""
    if -(10**30) < value < 10**30:
        return str(value)
    return f"an integer of {value.bit_length()} bits"


def _oversize(obj: OversizeInteger, type_name: str, path: str) -> FormError:
    # spec: JSN-7
    return FormError(
        "form_out_of_range",
        f"an integer of {obj.digits} digits does not fit in {type_name}",
        path=path or "/",
    )


class Form:
    """The compiled JSON or CBOR form of one registry's declarations."""

    def __init__(
        self, registry: Registry, flavor: Flavor, *, features: frozenset[str] = ALL_FEATURES
    ) -> None:
        self.registry = registry
        self.flavor = flavor
        #: Build features whose variants the reader knows (spec: ENC-19); dumping ignores it.
        self.features = features
        self._dumps: dict[str, Dump] = {}
        self._loads: dict[str, Load] = {}
        self._classes: dict[str, Any] = {}
        # A form is shared between threads (JSON_FORM, CBOR_FORM): it compiles under a lock,
        # and what one compilation makes is published only when all of it is complete.
        self._compiling = threading.RLock()
        self._unpublished_dumps: dict[str, Dump] = {}
        self._unpublished_loads: dict[str, Load] = {}

    # -- public ------------------------------------------------------------------------------

    def dump(self, type_name: str, value: Any) -> Any:
        """The form object (dicts, lists, str, int, bytes, None) of ``value``."""
        return self._dump_ref(type_name)(value)

    def default_of(self, w: WireType) -> Any:
        """The form object of the value an absent ``#[serde(default)]`` field takes (JSN-3)."""
        return self._dump_wire(w)(self._default(w))

    def load(self, type_name: str, obj: Any, path: str = "") -> Any:
        """The value described by a form object; raises :class:`FormError` / ValidationError."""
        return self._load_ref(type_name)(obj, path)

    # -- compilation -------------------------------------------------------------------------

    def _dump_ref(self, name: str) -> Dump:
        fn = self._dumps.get(name)
        if fn is None:
            fn = self._compiled(
                self._dumps,
                self._unpublished_dumps,
                name,
                lambda: lambda v: self._dumps[name](v),
                self._compile_dump,
            )
        return fn

    def _load_ref(self, name: str) -> Load:
        fn = self._loads.get(name)
        if fn is None:
            fn = self._compiled(
                self._loads,
                self._unpublished_loads,
                name,
                lambda: lambda o, p: self._loads[name](o, p),
                self._compile_load,
            )
        return fn

    def _compiled(
        self,
        published: dict[str, _F],
        unpublished: dict[str, _F],
        name: str,
        trampoline: Callable[[], _F],
        compile_: Callable[[Struct | Enum | Newtype], _F],
    ) -> _F:
        """The function of ``name``, compiled if need be. A trampoline stands for it while
        it compiles, so that recursive declarations terminate; it and everything compiled
        with it stay with the compiling thread until the outermost compilation completes,
        so that another thread never calls a trampoline whose target is not there yet."""
        with self._compiling:
            fn = published.get(name) or unpublished.get(name)
            if fn is not None:
                return fn
            outermost = not unpublished
            unpublished[name] = trampoline()
            try:
                fn = compile_(self.registry[name])
                unpublished[name] = fn
                if outermost:
                    published.update(unpublished)
            finally:
                if outermost:
                    unpublished.clear()
            return fn

    def _class(self, name: str) -> Any:
        return getattr(t, name)

    def _dump_wire(self, w: WireType) -> Dump:
        if isinstance(w, Prim):
            if w is Prim.UUID:
                return uuid_text if self.flavor == "json" else bytes
            if w is Prim.BYTES:
                return list if self.flavor == "json" else bytes
            return _identity
        if isinstance(w, Opt):
            inner = self._dump_wire(w.inner)
            return lambda v: None if v is None else inner(v)
        if isinstance(w, Seq):
            inner = self._dump_wire(w.inner)
            if inner is _identity:
                return list
            return lambda v: [inner(x) for x in v]
        return self._dump_ref(w.name)

    def _compile_dump(self, d: Struct | Enum | Newtype) -> Dump:
        if isinstance(d, Newtype):
            return self._dump_wire(d.inner)
        if isinstance(d, Struct):
            return self._dump_fields(d.fields)
        if d.unit_only:
            return _enum_name
        arms: dict[type, Dump] = {}
        for v in d.variants:
            cls = self._class(v.py_name or v.name)
            if v.kind == "unit":
                arms[cls] = _const(v.name)
            elif v.kind == "newtype":
                arms[cls] = _tagged(v.name, self._dump_wire(v.fields[0].wire), newtype=True)
            else:
                arms[cls] = _tagged(v.name, self._dump_fields(v.fields), newtype=False)

        def dump_enum(value: Any) -> Any:
            return arms[type(value)](value)

        return dump_enum

    def _dump_fields(self, fields: tuple[Field, ...]) -> Dump:
        names = tuple(f.name for f in fields)
        convs = tuple(self._dump_wire(f.wire) for f in fields)
        # spec: JSN-9 — serde's skip_serializing_if drops a None field from the JSON form only.
        skip = tuple(f.skip_if_none and self.flavor == "json" for f in fields)
        if any(skip):

            def dump_skipping(value: Any) -> dict[str, Any]:
                return {
                    k: c(x)
                    for k, c, x, s in zip(names, convs, value, skip, strict=True)
                    if not (s and x is None)
                }

            return dump_skipping

        def dump_struct(value: Any) -> dict[str, Any]:
            return {k: c(x) for k, c, x in zip(names, convs, value, strict=True)}

        return dump_struct

    # -- loading -----------------------------------------------------------------------------

    def _load_wire(self, w: WireType) -> Load:
        if isinstance(w, Prim):
            return self._load_prim(w)
        if isinstance(w, Opt):
            inner = self._load_wire(w.inner)
            return lambda o, p: None if o is None else inner(o, p)
        if isinstance(w, Seq):
            inner = self._load_wire(w.inner)

            def load_seq(o: Any, p: str) -> tuple[Any, ...]:
                if type(o) is not list:
                    raise _mismatch("array", o, p)
                return tuple(inner(x, f"{p}/{i}") for i, x in enumerate(o))

            return load_seq
        return self._load_ref(w.name)

    def _load_prim(self, w: Prim) -> Load:
        if w in _INT_RANGES:
            lo, hi = _INT_RANGES[w]

            def load_int(o: Any, p: str) -> int:
                value: int | None = o if type(o) is int else _bignum(o)
                if value is None:
                    if type(o) is OversizeInteger:
                        raise _oversize(o, w.value, p)
                    raise _mismatch(f"integer ({w.value})", o, p)
                if not lo <= value <= hi:
                    raise FormError(
                        "form_out_of_range",
                        f"{_int_shown(value)} does not fit in {w.value}",
                        path=p or "/",
                    )
                return value

            return load_int
        if w is Prim.BOOL:

            def load_bool(o: Any, p: str) -> bool:
                if type(o) is not bool:
                    raise _mismatch("bool", o, p)
                return o

            return load_bool
        if w is Prim.STRING:

            def load_str(o: Any, p: str) -> str:
                if type(o) is not str:
                    raise _mismatch("string", o, p)
                return o

            return load_str
        if w is Prim.UUID:
            if self.flavor == "json":

                def load_uuid_text(o: Any, p: str) -> bytes:
                    if type(o) is not str:
                        raise _mismatch("UUID string", o, p)
                    return parse_uuid_text(o, p or "/")

                return load_uuid_text

            def load_uuid_bytes(o: Any, p: str) -> bytes:
                if type(o) is not bytes:
                    raise _mismatch("16-byte byte string", o, p)
                if len(o) != 16:
                    raise FormError(
                        "form_invalid_uuid", f"identifier has {len(o)} bytes, not 16", path=p or "/"
                    )
                return o

            return load_uuid_bytes
        assert w is Prim.BYTES
        if self.flavor == "json":

            def load_byte_array(o: Any, p: str) -> bytes:
                if type(o) is not list:
                    raise _mismatch("array of integers 0-255", o, p)
                for i, x in enumerate(o):
                    if type(x) is not int:
                        if type(x) is OversizeInteger:
                            raise _oversize(x, "u8", f"{p}/{i}")
                        raise _mismatch("integer (u8)", x, f"{p}/{i}")
                    if not 0 <= x <= 255:
                        raise FormError(
                            "form_out_of_range",
                            f"{_int_shown(x)} does not fit in u8",
                            path=f"{p}/{i}",
                        )
                return bytes(o)

            return load_byte_array

        def load_bstr(o: Any, p: str) -> bytes:
            if type(o) is not bytes:
                raise _mismatch("byte string", o, p)
            return o

        return load_bstr

    def _compile_load(self, d: Struct | Enum | Newtype) -> Load:
        if isinstance(d, Newtype):
            return self._load_wire(d.inner)
        if isinstance(d, Struct):
            check = getattr(validation, d.validator) if d.validator else None
            return self._load_fields(d.name, self._class(d.class_name), d.fields, check)
        if d.unit_only:
            return self._load_unit_enum(d)
        return self._load_data_enum(d)

    def _load_fields(
        self,
        owner: str,
        cls: Any,
        fields: tuple[Field, ...],
        check: Callable[[Any, int | None, str | None], None] | None,
    ) -> Load:
        plan: list[tuple[str, Load, Any]] = []
        positional_absent: list[Callable[[str], Any]] = []
        for f in fields:
            plan.append((f.name, self._load_wire(f.wire), self._absent(owner, f)))
            positional_absent.append(self._absent(owner, f, positional=True))
        new = t.new_value

        text_keys_only = self.flavor == "cbor"

        def load_struct(o: Any, p: str) -> Any:
            if type(o) is dict:
                if text_keys_only and not all(type(k) is str for k in o):
                    # spec: CBR-7 — the maps of the CBOR form have text keys only
                    raise _mismatch(f"map with text keys ({owner})", o, p)
                values = []
                for name, load, absent in plan:
                    if name in o:
                        values.append(load(o[name], f"{p}/{name}"))
                    else:
                        values.append(absent(p))
            elif type(o) is list and self.flavor == "json":
                # spec: JSN-10 — serde also reads a struct from a positional array.
                if len(o) > len(plan):
                    raise _mismatch(f"{owner} with {len(plan)} fields", o, p)
                values = [load(o[i], f"{p}/{i}") for i, (_, load, _a) in enumerate(plan[: len(o)])]
                values += [absent(p) for absent in positional_absent[len(o) :]]
            else:
                raise _mismatch(f"object ({owner})", o, p)
            value = new(cls, values)
            if check is not None:
                check(value, None, p or "/")
            return value

        return load_struct

    def _absent(self, owner: str, f: Field, *, positional: bool = False) -> Callable[[str], Any]:
        """What an absent key (or a short positional array) means (spec: JSN-3, JSN-10)."""
        if f.serde_default:
            default = self._default(f.wire)
            return lambda p: default
        if isinstance(f.wire, Opt) and not positional:
            return lambda p: None

        def missing(p: str) -> Any:
            raise FormError(
                "form_missing_field", f"{owner} is missing field {f.name!r}", path=p or "/"
            )

        return missing

    def _default(self, w: WireType) -> Any:
        if isinstance(w, Opt):
            return None
        if isinstance(w, Seq):
            return ()
        if isinstance(w, Prim):
            return {Prim.BOOL: False, Prim.STRING: "", Prim.BYTES: b""}.get(w, 0)
        d = self.registry[w.name]
        if isinstance(d, Enum) and d.default is not None:
            return getattr(self._class(d.name), d.default)
        if isinstance(d, Struct):
            return t.new_value(
                self._class(d.class_name), [self._default(f.wire) for f in d.fields]
            )
        raise ValueError(f"{w} has no default")

    def _load_unit_enum(self, d: Enum) -> Load:
        cls = self._class(d.name)
        members = {v.name: getattr(cls, v.name) for v in d.variants}

        def load_unit(o: Any, p: str) -> Any:
            if type(o) is dict and len(o) == 1:
                # spec: JSN-8 — a unit variant may also be written {"Name": null}.
                ((name, inner),) = o.items()
                if inner is not None:
                    raise _mismatch("null (unit variant)", inner, f"{p}/{name}")
                o = name
            if type(o) is not str:
                raise _mismatch(f"string ({d.name})", o, p)
            member = members.get(o)
            if member is None:
                raise FormError(
                    "form_unknown_variant", f"{d.name} has no variant {o!r}", path=p or "/"
                )
            return member

        return load_unit

    def _load_data_enum(self, d: Enum) -> Load:
        arms: dict[str, tuple[str, Load | None, Any]] = {}
        for v in d.variants:
            if v.feature is not None and v.feature not in self.features:
                continue  # spec: ENC-19, SNP-13 — a variant of another profile is unknown
            cls = self._class(v.py_name or v.name)
            if v.kind == "unit":
                arms[v.name] = ("unit", None, t.new_value(cls, ()))
            elif v.kind == "newtype":
                arms[v.name] = ("newtype", self._load_wire(v.fields[0].wire), cls)
            else:
                arms[v.name] = (
                    "struct",
                    self._load_fields(f"{d.name}::{v.name}", cls, v.fields, None),
                    cls,
                )
        new = t.new_value

        def load_enum(o: Any, p: str) -> Any:
            if type(o) is str:
                name, inner, sub = o, None, p
            elif type(o) is dict and len(o) == 1 and type(next(iter(o))) is str:
                ((name, inner),) = o.items()
                sub = f"{p}/{name}"
            else:
                raise _mismatch(f"string or single-key object ({d.name})", o, p)
            arm = arms.get(name)
            if arm is None:
                raise FormError(
                    "form_unknown_variant", f"{d.name} has no variant {name!r}", path=p or "/"
                )
            kind, load, extra = arm
            if kind == "unit":
                if inner is not None:
                    raise _mismatch("null (unit variant)", inner, sub)
                return extra
            if type(o) is str:
                raise _mismatch(f"object ({d.name}::{name} carries data)", o, p)
            assert load is not None
            if kind == "newtype":
                return new(extra, (load(inner, sub),))
            return load(inner, sub)

        return load_enum


def _identity(v: Any) -> Any:
    return v


def _enum_name(v: Any) -> str:
    return v.name  # type: ignore[no-any-return]


def _const(name: str) -> Dump:
    return lambda v: name


def _tagged(name: str, inner: Dump, *, newtype: bool) -> Dump:
    if newtype:
        return lambda v: {name: inner(v[0])}
    return lambda v: {name: inner(v)}


# ---------------------------------------------------------------------------------------------
# text and bytes of the two forms

#: The forms with every variant of every profile: for writing, and for reading documents that
#: an encoder then checks against its profile (spec: ENC-23).
JSON_FORM = Form(ALL_TYPES, "json")
CBOR_FORM = Form(ALL_TYPES, "cbor")
#: The JSON form as a reader of the ``default`` profile reads it: no ``RunPolicy::Cron``.
JSON_FORM_DEFAULT_PROFILE = Form(ALL_TYPES, "json", features=frozenset())


def json_form(*, workflow: bool) -> Form:
    """The JSON form a reader of the given profile reads (spec: SNP-13)."""
    return JSON_FORM if workflow else JSON_FORM_DEFAULT_PROFILE


def to_json_text(obj: Any) -> str:
    """Compact JSON exactly as serde_json writes it (spec: JSN-1, JSN-11)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class _NotJson(Exception):
    """NaN, Infinity and -Infinity: Python's json accepts them, the JSON grammar does not."""


def _constant(text: str) -> Any:
    raise _NotJson(text)


class OversizeInteger:
    """A JSON integer too long to convert (more digits than Python's default limit of 4300).

    No declared integer type holds it, so loading it as one is ``form_out_of_range`` and loading
    it as anything else is ``form_type_mismatch``, both with the value's path (spec: JSN-7).
    """

    __slots__ = ("digits",)

    def __init__(self, text: str) -> None:
        self.digits = len(text.lstrip("-"))

    def __repr__(self) -> str:
        return f"<integer of {self.digits} digits>"


def _int_or_oversize(text: str) -> int | OversizeInteger:
    if len(text) > _LONGEST_EXACT_INTEGER:
        return OversizeInteger(text)
    try:
        return int(text)
    except ValueError:  # a lower limit set with sys.set_int_max_str_digits
        return OversizeInteger(text)


#: Python's default integer conversion limit; longer integers become :class:`OversizeInteger`.
#: No declared type needs more than 20 digits.
_LONGEST_EXACT_INTEGER = 4300
#: A JSON escape: ``\uXXXX`` (group 1: the hexadecimal digits) or a one-character escape.
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.DOTALL)
_MAYBE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
#: What parse_json_objects leaves to parse_json_text: an escape that may be of a surrogate, or
#: of a colon.
_ESCAPE_TO_JUDGE = re.compile(r"\\u(?:[dD][89a-fA-F]|003[aA])")


def _lone_surrogate_escape(text: str) -> int | None:
    """The position of the first ``\\uXXXX`` escape of a surrogate that is not half of a
    high-low pair, if any. ``text`` is well-formed JSON, so every backslash is in a string."""
    high_at: int | None = None  # a high surrogate escape waiting for its low half
    high_end = -1
    for m in _ESCAPE.finditer(text):
        digits = m.group(1)
        code = int(digits, 16) if digits else -1
        if high_at is not None:
            if m.start() != high_end or not 0xDC00 <= code <= 0xDFFF:
                return high_at
            high_at = None
        elif 0xD800 <= code <= 0xDBFF:
            high_at, high_end = m.start(), m.end()
        elif 0xDC00 <= code <= 0xDFFF:
            return m.start()
    return high_at


def parse_json_text(text: str | bytes) -> Any:
    """Parse JSON the way serde_json does for these types (spec: JSN-1, JSN-4, JSN-13, JSN-14,
    JSN-15).

    The checks come in the order of JSN-13: the text must be well-formed JSON (``form_syntax``
    at the offset of JSN-14; an escaped lone surrogate is not, JSN-15), then no object may
    repeat a key (``form_duplicate_key``). Numbers with a fraction or an exponent are read as
    floats; the form reader reports them (``form_type_mismatch``) where an integer is declared,
    with their path. Integers of any length are read; one longer than Python converts is kept
    as :class:`OversizeInteger`, which the form reader reports as ``form_out_of_range``.
    """
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    repeated: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        # spec: JSN-4 — the dict is built in C; only an object that lost a key is looked at
        out = dict(items)
        if len(out) != len(items) and not repeated:
            repeated.append(_first_repeated_key(items))
        return out

    def loads(chars: str, parse_int: Callable[[str], Any] | None) -> Any:
        repeated.clear()
        return json.loads(
            chars,
            object_pairs_hook=pairs,
            parse_float=float,
            parse_constant=_constant,
            parse_int=parse_int,
        )

    try:
        chars = data.decode("utf-8")
        try:
            # Without a conversion limit the default would take quadratic time on a huge
            # integer.
            doc = loads(chars, None if sys.get_int_max_str_digits() else _int_or_oversize)
        except ValueError as exc:
            if isinstance(exc, json.JSONDecodeError | UnicodeDecodeError):
                raise
            # An integer beyond Python's conversion limit (JSN-7): read the text again,
            # keeping such integers as OversizeInteger (a syntax error after it still counts).
            doc = loads(chars, _int_or_oversize)
    except (json.JSONDecodeError, UnicodeDecodeError, _NotJson):
        raise _syntax_error(data) from None
    except RecursionError:
        raise NestingLimitError("form_syntax", "JSON nests too deeply") from None
    if _MAYBE_SURROGATE.search(chars) is not None and _lone_surrogate_escape(chars) is not None:
        # spec: JSN-15 — serde_json refuses it; Python would keep an unencodable character
        raise _syntax_error(data)
    if repeated:
        # spec: JSN-4 — which of several repeated keys is named is not specified (JSN-13)
        raise FormError("form_duplicate_key", f"object repeats key {repeated[0]!r}")
    return doc


def parse_json_objects(text: bytes) -> tuple[Any, int] | None:
    """The JSON text with every object as a dict, and the number of colons in the text; or
    ``None`` where :func:`parse_json_text` must be asked instead (spec: JSN-4, JSN-13, JSN-15).

    The objects are built by the C parser alone (no Python call per object), so a key that
    an object repeats is lost without a trace. Every member of an object has one colon and
    every other colon is in a string: a reader that takes the result must count the members
    of the objects it reads and the colons in the texts it reads, and accept the value only
    if they are as many as the colons of the text (which proves that no key repeats: a
    repeated member, and the texts in its value, are not read), handing everything else to
    :func:`parse_json_text`, which applies JSN-4. ``None`` comes back for any text that is
    not read the same way by both: text that is not well-formed JSON, holds an integer
    beyond Python's conversion limit, or escapes a character that may be a surrogate
    (JSN-15) — the last also for a well-formed pair, which is rare — and text that escapes a
    colon (``\\u003a``), which a string read would count where the text holds none.
    """
    if not sys.get_int_max_str_digits():
        return None  # integers would be converted in quadratic time: parse_json_text guards
    try:
        chars = text.decode("utf-8")
        # a search for one character is a memchr, many times faster than the pattern's
        if "\\" in chars and _ESCAPE_TO_JUDGE.search(chars) is not None:
            return None
        doc = json.loads(chars, parse_constant=_constant)
    except (ValueError, _NotJson, RecursionError):
        # syntax, UTF-8, an integer over the conversion limit, NaN or Infinity, deep nesting
        return None
    return doc, text.count(b":")


def _first_repeated_key(items: list[tuple[str, Any]]) -> str:
    seen: set[str] = set()
    for key, _ in items:
        if key in seen:
            return key
        seen.add(key)
    raise AssertionError("no key repeats")


def _syntax_error(data: bytes) -> FormError:
    offset = syntax_error_offset(data)
    return FormError(
        "form_syntax",
        "not well-formed JSON" if offset is None else f"not JSON from byte {offset} on",
        offset=offset,
    )


def to_cbor_bytes(obj: Any) -> bytes:
    """RFC 8949 core deterministic encoding (spec: CBR-1). Every map of the CBOR form has text
    keys only, so cbor2's canonical key order equals RFC 8949 bytewise order (CBR-2)."""
    encoded: bytes = cbor2.dumps(obj, canonical=True)
    return encoded


def parse_cbor_bytes(data: bytes) -> Any:
    """Exactly one well-formed CBOR data item; anything else is ``form_syntax`` (spec: CBR-5).

    Tags 2 and 3 come back as integers; other tags, floats, ``undefined`` and other simple
    values come back as themselves, for the form reader to refuse where it meets them (CBR-7).
    """
    return read_cbor_item(data)
