"""Bound a message body before it is decoded (spec: CP-2).

A body of 64 MiB can hold 64 million one-byte items — empty maps, say — which a decoder would
turn into gigabytes of objects. This scan walks the item's structure without recursion and
without building anything: it finds where the first item ends and refuses one that holds more
than :data:`MAX_ITEMS` data items (:class:`LimitExceeded`). The protocol's body check
(:func:`aqwal_conformance.protocol.decode_body`) uses it for that bound alone: whether a body is
well-formed, and how deep it nests, is decided by :func:`aqwal.cborinput.read_cbor_item`, which
reads no further than this scan got and gives no tag a meaning (tags stay
:class:`cbor2.CBORTag` values), so no body can build a cyclic value (tags 28, 29), run a
foreign parser (tag 36) or cost time out of proportion to its size.
"""

from __future__ import annotations

#: Deepest nesting of arrays, maps and tags a message may have (spec: CP-2); the same as the
#: CBOR form reader's.
MAX_DEPTH = 128
#: Most data items a message may hold, counting every array, map and tag too (spec: CP-2).
MAX_ITEMS = 1_048_576

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


class LimitExceeded(MalformedCBOR):
    """The item breaks a limit: too many data items, too deep, or a definite-length container
    that declares more entries than bytes remain (which no decoder should begin to read)."""


def item_end(data: bytes, *, max_depth: int | None = MAX_DEPTH, max_items: int = MAX_ITEMS) -> int:
    """The offset just past the first CBOR item of ``data``; raise LimitExceeded when it breaks
    a limit (``max_depth`` None: no depth limit) and MalformedCBOR when there is no item."""
    scanner = _Scanner(data)
    stack: list[int] = []  # per open container or tag: items still expected, or a marker
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
            items += 1
            if items > max_items:
                raise LimitExceeded(f"more than {max_items} data items", start)
            if major in (2, 3):
                scanner.string(major, argument)
            elif major in (4, 5, 6):
                count = 1 if major == 6 else None if argument is None else argument * (major - 3)
                if count != 0:
                    if max_depth is not None and len(stack) >= max_depth:
                        raise LimitExceeded(
                            f"arrays, maps and tags nest deeper than {max_depth}", start
                        )
                    if count is not None and count > len(data) - scanner.pos:
                        raise LimitExceeded(f"container of {argument} entries is too long", start)
                    marker = _INDEF_ARRAY if major == 4 else _INDEF_MAP_EVEN
                    stack.append(marker if count is None else count)
                    continue
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
        if size > len(self.data) - self.pos:
            raise MalformedCBOR("input ends inside an item head", self.pos)
        value = int.from_bytes(self.data[self.pos : self.pos + size], "big")
        self.pos += size
        return value

    def skip(self, n: int) -> None:
        if n > len(self.data) - self.pos:
            raise MalformedCBOR(f"input ends inside an item ({n} bytes declared)", self.pos)
        self.pos += n

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
