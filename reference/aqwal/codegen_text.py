"""Generate ``aqwal/postcard_json.py``: records decoded straight to the text of their JSON form,
the lines of ``aqwal decode`` (spec: JSN-1 .. JSN-11).

Each field is decoded by the same inlined code as in ``postcard_codec.py`` (the same fast cases,
the same ``aqwal.postcard`` calls for the rest, so the same inputs are accepted), but it is kept
as the text it becomes in the JSON form rather than as a value: an identifier is looked up in
the writer's cache, a unit enum indexes a table of quoted names, a struct is one f-string. No
value object is built, except for a struct with a decode-time validation rule, which is decoded
as a value, checked and written by ``json_writer.py``.

The generated reader only takes records it is sure of: at the first record that is cut off,
damaged, or would raise any error, it stops and leaves that record to ``decode_frame_at``,
which reports it (or, when it decodes, to ``json_writer.py``). Its text is therefore always
``wal_event_json(decode_frame_at(...)[0])``; tests compare the two on generated and damaged logs.

Called from ``python -m aqwal.codegen``, which writes the module next to this one.
"""

from __future__ import annotations

from aqwal.codegen import _Emitter, _min_size, _wire_doc, option_lines
from aqwal.schema import Enum, Field, Newtype, Opt, Prim, Ref, Registry, Seq, Struct, Variant

_INTS = (Prim.U8, Prim.U32, Prim.U64, Prim.I32)


class _TextEmitter(_Emitter):
    """Decoding code whose targets hold JSON text (integers stay ints: an f-string formats
    them as JSON does)."""

    def text(self, w: object, tgt: str, ind: str) -> list[str]:
        """Lines that decode a ``w`` at ``p`` and leave its JSON text (or int) in ``tgt``."""
        reg = self.reg
        if w in _INTS:
            return self.dec(w, tgt, ind)
        if w is Prim.STRING:
            raw, end = self.tmp("raw"), self.tmp("end")
            return [
                f"{ind}b = d[p]",
                f"{ind}{end} = p + 1 + b",
                f"{ind}if b < 0x80 and {end} <= n:",
                f"{ind}    {raw} = d[p + 1 : {end}]",
                f"{ind}    p = {end}",
                f"{ind}    {tgt} = _string_cached({raw}) or _string_text({raw})",
                f"{ind}else:",
                f"{ind}    {tgt}, p = _pc.string(d, p, n, mode)",
                f"{ind}    {tgt} = _string({tgt})",
            ]
        if w is Prim.BYTES:
            raw = self.tmp("raw")
            return [
                f"{ind}{raw}, p = _pc.byte_vec(d, p, n, mode)",
                f"{ind}{tgt} = _byte_array({raw})",
            ]
        if w is Prim.UUID:
            raw = self.tmp("raw")
            return [
                *self.dec(w, raw, ind),
                f"{ind}{tgt} = _uuid_cached({raw}) or _uuid({raw})",
            ]
        if isinstance(w, Opt):
            inner = self.text(w.inner, tgt, ind + "    ")
            if w.inner in _INTS:
                # one type per name: the integer as text beside "null"
                num = self.tmp("num")
                inner = [*self.dec(w.inner, num, ind + "    "), f"{ind}    {tgt} = str({num})"]
            return option_lines(ind, tgt, '"null"', inner)
        if isinstance(w, Seq):
            count, items, item = self.tmp("count"), self.tmp("items"), self.tmp("item")
            size = _min_size(reg, w.inner)
            if w.inner in _INTS:
                fill = [
                    *self.dec(w.inner, item, ind + "    "),
                    f"{ind}    {items}.append(str({item}))",
                ]
            else:
                fill = [*self.text(w.inner, item, ind + "    "), f"{ind}    {items}.append({item})"]
            return [
                f'{ind}{count}, p = _pc.length(d, p, n, mode, {size}, "sequence")',
                f"{ind}{items}: list[str] = []",
                f"{ind}for _ in range({count}):",
                *fill,
                f'{ind}{tgt} = "[" + ",".join({items}) + "]"',
            ]
        assert isinstance(w, Ref), w
        d = reg[w.name]
        if isinstance(d, Newtype):
            return self.text(d.inner, tgt, ind)
        if isinstance(d, Enum) and d.unit_only:
            if any(v.feature for v in d.variants):
                raise ValueError(f"unit enum {d.name} has a feature-gated variant")
            member = self.tmp("member")
            return [
                f"{ind}b = d[p]",
                f"{ind}if b < {len(d.variants)}:",
                f"{ind}    {tgt} = _{d.name}_JSON[b]",
                f"{ind}    p += 1",
                f"{ind}else:",
                f'{ind}    {member}, p = _pc.unit_enum(d, p, mode, _codec._{d.name}_MEMBERS, "{d.name}")',
                f"{ind}    {tgt} = _{d.name}_JSON[{member}._value_]",
            ]
        return [f"{ind}{tgt}, p = _t_{d.name}(d, p, n, mode)"]

    def text_fields(
        self, fields: tuple[Field, ...], ind: str, prefix: str
    ) -> tuple[list[str], str]:
        """Lines decoding ``fields``, and the f-string body of their JSON object."""
        lines: list[str] = []
        parts: list[str] = []
        for f in fields:
            if f.skip_if_none:
                raise ValueError(f"{f.name}: a field left out when None needs a validated struct")
            tgt = f"{prefix}{f.name}"
            lines.append(f"{ind}# {f.name}: {_wire_doc(f.wire)}")
            lines += self.text(f.wire, tgt, ind)
            parts.append(f'"{f.name}":{{{tgt}}}')
        return lines, "{{" + ",".join(parts) + "}}"

    def struct(self, s: Struct) -> list[str]:
        head = [
            "",
            "",
            f"def _t_{s.name}(d: bytes, p: int, n: int, mode: int) -> tuple[str, int]:",
        ]
        if s.validator:
            # spec: VAL-11 — checked as a value, in the decoder's order, then written
            return [
                *head,
                f'    """A {s.name} (spec: {s.clause}): decoded and checked as a value, then written."""',
                f"    v, p = _codec._d_{s.name}(d, p, n, mode)",
                f"    return _jw._j_{s.name}(v), p",
            ]
        body, obj = self.text_fields(s.fields, "    ", "f_")
        return [
            *head,
            f'    """The JSON text of a {s.name} (spec: {s.clause})."""',
            *body,
            f"    return f'{obj}', p",
        ]

    def variant_text(self, v: Variant, ind: str, prefix: str) -> tuple[list[str], str]:
        """Lines decoding a variant's fields, and the f-string body of its JSON form
        (spec: JSN-7 — a unit variant is its name, any other ``{"Name": data}``)."""
        if v.kind == "unit":
            return [], f'"{v.name}"'
        if v.kind == "newtype":
            tgt = f"{prefix}0"
            lines = [
                f"{ind}# 0: {_wire_doc(v.fields[0].wire)}",
                *self.text(v.fields[0].wire, tgt, ind),
            ]
            return lines, f'{{{{"{v.name}":{{{tgt}}}}}}}'
        body, obj = self.text_fields(v.fields, ind, prefix)
        return body, f'{{{{"{v.name}":{obj}}}}}'

    def enum(self, e: Enum) -> list[str]:
        out = [
            "",
            "",
            f"def _t_{e.name}(d: bytes, p: int, n: int, mode: int) -> tuple[str, int]:",
            f'    """The JSON text of a {e.name} (spec: {e.clause}, JSN-7)."""',
            "    start = p",
            *self.dec_varint("tag", "u32", "    "),
        ]
        for v in e.variants:
            out.append(f"    if tag == {v.index}:")
            if v.feature:
                out += [
                    f"        if not mode & _pc.{v.feature.upper()}:",
                    f'            raise _pc.unknown_variant("{e.name}", tag, start, '
                    f'" (exists only with feature {v.feature})")',
                ]
            body, text = self.variant_text(v, "        ", f"{v.name.lower()}_")
            out += [
                *body,
                f"        return f'{text}', p" if body else f"        return '{text}', p",
            ]
        out.append(f'    raise _pc.unknown_variant("{e.name}", tag, start)')
        return out

    def root(self, s: Struct, e: Enum) -> list[str]:
        """One function per variant of the enum that ends the root struct, and the reader of a
        buffer of records."""
        names = [f"f_{f.name}" for f in s.fields[:-1]]
        params = "".join(f", {nm}: int" for nm in names)
        last = s.fields[-1].name
        out: list[str] = []
        for v in e.variants:
            if v.feature:
                raise ValueError("a feature-gated variant of the root's enum needs the inline form")
            body, text = self.variant_text(v, "    ", "v_")
            heads = "".join(f'"{f.name}":{{{nm}}},' for f, nm in zip(s.fields, names, strict=False))
            line = f'{{{{{heads}"{last}":{text}}}}}'
            out += [
                "",
                "",
                f"def _t_{s.name}_{v.name}(d: bytes, p: int, n: int, mode: int{params}) -> tuple[str, int]:",
                f'    """The JSON text of a {s.name} whose {last} is {e.name}::{v.name}, after its discriminant."""',
                *body,
                f"    return f'{line}', p",
            ]
        table = ", ".join(f"_t_{s.name}_{v.name}" for v in e.variants)
        kind = f"Callable[[bytes, int, int, int{', int' * len(names)}], tuple[str, int]]"
        out += ["", "", f"_{s.name}_TEXT: Final[tuple[{kind}, ...]] = ({table})", *self.reader(s, e)]
        return out

    def reader(self, s: Struct, e: Enum) -> list[str]:
        ind = "            "
        first = s.fields[0]
        assert first.wire is Prim.U64, "the record reader expects a leading u64"
        head = [f"{ind}# {first.name}: u64", *self.dec_u64(f"f_{first.name}", ind, at_start=True)]
        rest, names = self.dec_fields(s.fields[1:-1], ind)
        head += rest
        args = "".join(", " + nm for nm in [f"f_{first.name}", *names])
        return [
            "",
            "",
            "def json_lines_at(data: bytes, pos: int, mode: int, lines: list[str]) -> int:",
            '    """Append to ``lines`` the JSON text of each record from ``pos`` on, as long as the',
            "    records are whole, well-formed and valid; return the offset of the first one that is",
            "    not (or of the end of ``data``). That record is for ``decode_frame_at`` to decode or to",
            '    report: nothing here raises an aqwal error."""',
            "    if type(data) is not bytes:",
            "        return pos",
            "    size = len(data)",
            "    strict = mode & _STRICT",
            "    while size - pos > _HEADER_LEN:",
            "        version, length, crc = header_at(data, pos)",
            "        start = pos + _HEADER_LEN",
            "        end = start + length",
            "        if version != _WAL_VERSION or not 0 < length <= _MAX_PAYLOAD_LEN or end > size:",
            "            return pos",
            "        d = data[start:end]",
            "        if _crc32(d) != crc:",
            "            return pos",
            "        n = length",
            "        try:",
            *head,
            "            b = d[p]",
            f"            if b >= {len(e.variants)}:",
            "                return pos",
            f"            text, p = _{s.name}_TEXT[b](d, p + 1, n, mode{args})",
            "        except (IndexError, AqwalError, UnicodeDecodeError):",
            "            return pos",
            "        if p != n and strict:",
            "            return pos",
            "        lines.append(text)",
            "        pos = end",
            "    return pos",
        ]


def _written_as_text(reg: Registry, top: Enum) -> list[str]:
    """The declarations under the variants of ``top`` that get a text decoder, in first-visit
    order: not what is inside a validated struct, which is decoded as a value."""
    seen: dict[str, None] = {}

    def visit_wire(w: object) -> None:
        if isinstance(w, Opt | Seq):
            visit_wire(w.inner)
        elif isinstance(w, Ref) and w.name not in seen:
            seen[w.name] = None
            d = reg[w.name]
            if isinstance(d, Newtype):
                visit_wire(d.inner)
            elif isinstance(d, Struct) and not d.validator:
                for f in d.fields:
                    visit_wire(f.wire)
            elif isinstance(d, Enum):
                for v in d.variants:
                    for f in v.fields:
                        visit_wire(f.wire)

    for v in top.variants:
        for f in v.fields:
            visit_wire(f.wire)
    return list(seen)


def generate_postcard_json(reg: Registry, header: str) -> str:
    em = _TextEmitter(reg)
    root = reg[reg.root]
    assert isinstance(root, Struct)
    fused = em.fused_enum(root)
    assert fused is not None, "the root struct ends in a table-dispatched enum"
    body: list[str] = []
    units: list[Enum] = []
    for name in _written_as_text(reg, fused):
        d = reg[name]
        if isinstance(d, Struct):
            body += em.struct(d)
        elif isinstance(d, Enum) and d.unit_only:
            units.append(d)
        elif isinstance(d, Enum):
            body += em.enum(d)
    body += em.root(root, fused)
    out = [
        header.format(
            doc="Records decoded straight to the text of their JSON form (spec: JSN-1 .. JSN-11)."
        ),
        "",
        "# ruff: noqa: E501, RUF100",
        "from __future__ import annotations",
        "",
        "import zlib",
        "from collections.abc import Callable",
        "from typing import Final",
        "",
        "from aqwal import frame as _fr",
        "from aqwal import json_writer as _jw",
        "from aqwal import postcard as _pc",
        "from aqwal import postcard_codec as _codec",
        "from aqwal.errors import AqwalError",
        "from aqwal.postcard_codec import header_at",
        "",
        "# Final: the compiled build keeps these in C variables instead of module-dict lookups.",
        "_crc32: Final = zlib.crc32",
        "_string: Final = _jw._string",
        "_byte_array: Final = _jw._byte_array",
        "_uuid: Final = _jw._uuid",
        "_uuid_cached: Final = _jw._uuid_cache.get",
        "_HEADER_LEN: Final = _fr.HEADER_LEN",
        "_WAL_VERSION: Final = _fr.WAL_VERSION",
        "_MAX_PAYLOAD_LEN: Final = _fr.MAX_PAYLOAD_LEN",
        "_STRICT: Final = _pc.STRICT",
        "",
        "#: Short strings recur in a log (a lease's owner in each of its events): their JSON text",
        "#: is kept by their UTF-8 bytes, up to this many, then the cache starts over.",
        "_STRING_CACHE_SIZE = 1 << 12",
        "_string_cache: dict[bytes, str] = {}",
        "_string_cached = _string_cache.get",
        "",
        "",
        "def _string_text(raw: bytes) -> str:",
        '    """The JSON text of a string given as UTF-8 (spec: JSN-11); raises on bytes that are',
        '    not UTF-8, for ``aqwal.postcard`` to report."""',
        '    text = _string(raw.decode("utf-8"))',
        "    if len(_string_cache) >= _STRING_CACHE_SIZE:",
        "        _string_cache.clear()",
        "    _string_cache[raw] = text",
        "    return text",
        "",
        "",
    ]
    for u in units:
        names = ", ".join(f"'\"{v.name}\"'" for v in sorted(u.variants, key=lambda v: v.index))
        assert [v.index for v in u.variants] == list(range(len(u.variants)))
        out.append(f"_{u.name}_JSON: Final[tuple[str, ...]] = ({names}{',' if len(u.variants) == 1 else ''})")
    return "\n".join([*out, *body, ""])
