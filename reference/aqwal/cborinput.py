"""Reading CBOR-form input: one well-formed CBOR data item, nothing interpreted (spec: CBR-5,
CBR-7).

cbor2 (used for writing the CBOR form) decodes many tags into Python objects of their own —
dates, sets, shared references, rational numbers — and fails on some ill-formed tag contents,
so what a document means would depend on cbor2's version. The form reader needs the generic
data model instead: this module checks well-formedness (RFC 8949 section 5.3.1 and
Appendix C) and returns the item with

* integers (major types 0 and 1) as ``int``;
* byte strings as ``bytes``, text strings as ``str`` (each chunk of an indefinite-length text
  string must be UTF-8 by itself, RFC 8949 section 3.2.3), arrays as ``list``, maps as ``dict``
  (later duplicates replace earlier ones; keys that are arrays or maps become tuples, only so
  that they can be dict keys — the form reader refuses every key that is not text);
* ``false``, ``true``, ``null`` as ``False``, ``True``, ``None``; ``undefined`` as
  ``cbor2.undefined``; other simple values as ``cbor2.CBORSimpleValue``; floats as ``float``;
* every tag, bignums (tags 2 and 3) included, as ``cbor2.CBORTag`` around its content: the form
  reader gives tags their meaning (CBR-7), and a document read here and written again by cbor2
  keeps its tags.

These are the types cbor2 itself produces for such items, so a document read here can be
embedded in a conformance request and written again by cbor2.
"""

from __future__ import annotations

import struct
from typing import Any

import cbor2

from aqwal.errors import FormError

#: Arrays, maps and tags nested deeper than this are refused (spec: CBR-5); the deepest value of the
#: CBOR form is far shallower.
MAX_DEPTH = 128

_FLOATS = {25: struct.Struct(">e"), 26: struct.Struct(">f"), 27: struct.Struct(">d")}


def _syntax(message: str, offset: int) -> FormError:
    return FormError("form_syntax", f"invalid CBOR: {message}", offset=offset)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.d = data
        self.n = len(data)

    def take(self, p: int, size: int) -> bytes:
        if p + size > self.n:
            raise _syntax("the input ends inside an item", self.n)
        return self.d[p : p + size]

    def head(self, p: int) -> tuple[int, int, int | None, int]:
        """(major type, additional information, argument or None if indefinite, next offset)."""
        ib = self.take(p, 1)[0]
        major, info = ib >> 5, ib & 0x1F
        if info < 24:
            return major, info, info, p + 1
        if info <= 27:
            size = 1 << (info - 24)
            return major, info, int.from_bytes(self.take(p + 1, size), "big"), p + 1 + size
        if info == 31 and major in (2, 3, 4, 5, 7):
            return major, info, None, p + 1
        raise _syntax(f"reserved additional information {info}", p)

    def item(self, p: int, depth: int) -> tuple[Any, int]:
        start = p
        major, info, arg, p = self.head(p)
        if major == 0:
            return arg, p
        if major == 1:
            assert arg is not None
            return -1 - arg, p
        if major in (2, 3):
            raw, p = self.string(start, major, arg, p)
            if major == 2:
                return raw, p
            try:
                return raw.decode("utf-8"), p
            except UnicodeDecodeError:
                raise _syntax("a text string is not UTF-8", start) from None
        if major in (4, 5, 6) and depth >= MAX_DEPTH:
            raise _syntax(f"nesting deeper than {MAX_DEPTH}", start)
        if major in (4, 5):
            return (self.array if major == 4 else self.map)(arg, p, depth + 1)
        if major == 6:
            assert arg is not None
            content, p = self.item(p, depth + 1)
            return cbor2.CBORTag(arg, content), p
        return self.simple(start, info, arg, p)

    def string(self, start: int, major: int, arg: int | None, p: int) -> tuple[bytes, int]:
        if arg is not None:
            return self.take(p, arg), p + arg
        chunks: list[bytes] = []
        while True:
            if self.take(p, 1)[0] == 0xFF:
                return b"".join(chunks), p + 1
            chunk_major, _info, chunk_arg, q = self.head(p)
            if chunk_major != major or chunk_arg is None:
                raise _syntax("a chunk of an indefinite-length string has the wrong type", p)
            chunk = self.take(q, chunk_arg)
            if major == 3 and not _is_utf8(chunk):
                # RFC 8949 section 3.2.3: no character is split between chunks
                raise _syntax("a chunk of a text string is not UTF-8", p)
            chunks.append(chunk)
            p = q + chunk_arg

    def ends(self, arg: int | None, p: int, count: int) -> bool:
        if arg is not None:
            return count == arg
        return self.take(p, 1)[0] == 0xFF

    def array(self, arg: int | None, p: int, depth: int) -> tuple[list[Any], int]:
        out: list[Any] = []
        while not self.ends(arg, p, len(out)):
            value, p = self.item(p, depth)
            out.append(value)
        return out, (p if arg is not None else p + 1)

    def map(self, arg: int | None, p: int, depth: int) -> tuple[dict[Any, Any], int]:
        out: dict[Any, Any] = {}
        pairs = 0
        while not self.ends(arg, p, pairs):
            key, p = self.item(p, depth)
            value, p = self.item(p, depth)
            out[_hashable(key)] = value
            pairs += 1
        return out, (p if arg is not None else p + 1)

    def simple(self, start: int, info: int, arg: int | None, p: int) -> tuple[Any, int]:
        if info in _FLOATS:
            size = 1 << (info - 24)
            return float(_FLOATS[info].unpack(self.d[start + 1 : start + 1 + size])[0]), p
        if arg is None:
            raise _syntax("a break outside an indefinite-length item", start)
        if info == 24 and arg < 32:
            raise _syntax(f"simple value {arg} in two bytes", start)
        fixed = {20: False, 21: True, 22: None, 23: cbor2.undefined}
        if arg in fixed:
            return fixed[arg], p
        return cbor2.CBORSimpleValue(arg), p


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _hashable(key: Any) -> Any:
    if isinstance(key, list):
        return tuple(_hashable(k) for k in key)
    if isinstance(key, dict):
        return tuple((k, _hashable(v)) for k, v in key.items())
    if isinstance(key, cbor2.CBORTag):
        return cbor2.CBORTag(key.tag, _hashable(key.value))
    return key


def read_cbor_item(data: bytes) -> Any:
    """Exactly one well-formed CBOR data item; anything else is ``form_syntax`` (spec: CBR-5).

    The offset of a syntax error is the end of the input when an item is cut short, the first
    byte after the item when bytes follow it, and otherwise the first byte of the head that
    is not well-formed (of the text string that is not UTF-8).
    """
    if not data:
        raise _syntax("empty input", 0)
    reader = _Reader(bytes(data))
    value, end = reader.item(0, 0)
    if end != reader.n:
        raise _syntax(f"{reader.n - end} byte(s) after the item", end)
    return value
