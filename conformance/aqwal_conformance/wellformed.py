"""Check that a message body is one well-formed CBOR item within the protocol's limits (CP-2).

A decoder library turns tags into objects before any hook sees them: tag 28/29 builds cyclic
structures, tag 36 runs a MIME parser, tag 30 reduces a fraction of two bignums (quadratic in
their size). A peer's bytes are therefore scanned here first, without recursion and without
building values: the scan walks the item's structure, bounds its nesting depth and its number
of data items, and refuses every tag except 55799 (self-described CBOR, RFC 8949 section
3.4.6) and the bignums 2 and 3 (at most 128 bytes long), and every simple value except false,
true and null. What passes decodes into ``dict``, ``list``, ``str``, ``bytes``, ``int`` (at
most 1024 bits), ``float``, ``bool`` and ``None`` only.
"""

from __future__ import annotations

#: Deepest nesting of arrays and maps a message may have (spec: CP-2).
MAX_DEPTH = 64
#: Most data items a message may hold, counting every array and map too (spec: CP-2).
MAX_ITEMS = 1_048_576
#: Self-described CBOR: a tag a message may carry anywhere, meaning nothing.
SELF_DESCRIBE = 55799
#: Unsigned and negative bignums (the CBOR form of an integer beyond 64 bits, CBR-3).
BIGNUM_TAGS = (2, 3)
#: Longest bignum magnitude a message may hold, in bytes (spec: CP-2).
MAX_BIGNUM_BYTES = 128

_BREAK = 0xFF
# Stack markers for indefinite-length containers: an array, and a map after an even or an
# odd number of items (a map's break must follow a complete key/value pair).
_INDEF_ARRAY = -1
_INDEF_MAP_EVEN = -2
_INDEF_MAP_ODD = -3


class MalformedCBOR(ValueError):
    """The bytes are not one acceptable CBOR item; ``offset`` is where the scan stopped."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} at offset {offset}")
        self.offset = offset


def item_end(data: bytes, *, max_depth: int = MAX_DEPTH, max_items: int = MAX_ITEMS) -> int:
    """The offset just past the first CBOR item of ``data``; raise MalformedCBOR otherwise."""
    scanner = _Scanner(data)
    stack: list[int] = []
    items = 0
    while True:
        start = scanner.pos
        initial = scanner.byte()
        if initial == _BREAK:
            if not stack or stack[-1] not in (_INDEF_ARRAY, _INDEF_MAP_EVEN):
                raise MalformedCBOR("break code outside an indefinite-length item", start)
            stack.pop()
        else:
            major, argument = initial >> 5, scanner.argument(initial)
            if major == 6 and argument == SELF_DESCRIBE:
                continue  # the tag wraps the next item
            items += 1
            if items > max_items:
                raise MalformedCBOR(f"more than {max_items} data items", start)
            if major == 6:
                if argument not in BIGNUM_TAGS:
                    raise MalformedCBOR(f"tag {argument} is not allowed", start)
                scanner.bignum()
            elif major in (2, 3):
                scanner.string(major, argument)
            elif major in (4, 5):
                count = None if argument is None else argument * (2 if major == 5 else 1)
                if count != 0:
                    if len(stack) >= max_depth:
                        raise MalformedCBOR(f"arrays and maps nest deeper than {max_depth}", start)
                    if count is not None and count > len(data) - scanner.pos:
                        raise MalformedCBOR(f"container of {argument} entries is too long", start)
                    marker = _INDEF_ARRAY if major == 4 else _INDEF_MAP_EVEN
                    stack.append(marker if count is None else count)
                    continue
            elif major == 7:
                _check_simple(initial & 0x1F, start)
        # one item is complete: account for it in the enclosing containers
        while stack:
            top = stack[-1]
            if top > 1:
                stack[-1] = top - 1
            elif top == 1:
                stack.pop()
                continue
            elif top != _INDEF_ARRAY:
                stack[-1] = _INDEF_MAP_ODD if top == _INDEF_MAP_EVEN else _INDEF_MAP_EVEN
            break
        if not stack:
            return scanner.pos


def _check_simple(info: int, offset: int) -> None:
    if info in (20, 21, 22, 25, 26, 27):  # false, true, null, half, single, double
        return
    if info == 23:
        raise MalformedCBOR("undefined is not allowed", offset)
    raise MalformedCBOR(f"simple value (additional information {info}) is not allowed", offset)


class _Scanner:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise MalformedCBOR("input ends inside an item", self.pos)
        value = self.data[self.pos]
        self.pos += 1
        return value

    def argument(self, initial: int) -> int | None:
        """The head's argument; None for an indefinite length (additional information 31)."""
        info = initial & 0x1F
        if info < 24:
            return info
        if info == 31:
            if initial >> 5 in (0, 1, 6):
                raise MalformedCBOR("indefinite length on an integer or a tag", self.pos - 1)
            return None
        if info > 27:
            raise MalformedCBOR(f"reserved additional information {info}", self.pos - 1)
        size = 1 << (info - 24)
        if initial >> 5 == 7:
            self.skip(size)  # a float's bits, not a length
            return None
        return int.from_bytes(self.take(size), "big")

    def take(self, n: int) -> bytes:
        if n > len(self.data) - self.pos:
            raise MalformedCBOR(f"input ends inside an item ({n} bytes declared)", self.pos)
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def skip(self, n: int) -> None:
        if n > len(self.data) - self.pos:
            raise MalformedCBOR(f"input ends inside an item ({n} bytes declared)", self.pos)
        self.pos += n

    def bignum(self) -> None:
        """The definite-length byte string a bignum tag wraps, bounded."""
        start = self.pos
        initial = self.byte()
        if initial >> 5 != 2 or initial & 0x1F == 31:
            raise MalformedCBOR("a bignum tag must wrap a definite-length byte string", start)
        length = self.argument(initial)
        assert length is not None
        if length > MAX_BIGNUM_BYTES:
            raise MalformedCBOR(f"bignum of {length} bytes (at most {MAX_BIGNUM_BYTES})", start)
        self.skip(length)

    def string(self, major: int, length: int | None) -> None:
        if length is not None:
            self.skip(length)
            return
        while True:  # indefinite length: definite chunks of the same major type, then a break
            start = self.pos
            initial = self.byte()
            if initial == _BREAK:
                return
            if initial >> 5 != major or initial & 0x1F == 31:
                raise MalformedCBOR("bad chunk in an indefinite-length string", start)
            chunk = self.argument(initial)
            assert chunk is not None
            self.skip(chunk)
