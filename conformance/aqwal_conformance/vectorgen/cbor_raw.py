"""CBOR items written byte by byte, in encodings other than the deterministic one: a head of
any width, indefinite lengths, chunked strings. The ``encode`` and ``request`` vectors are
built from them, since no CBOR library writes these on request."""

from __future__ import annotations

from aqwal.forms import to_cbor_bytes

#: The additional information of a head whose argument follows in 1, 2, 4 or 8 bytes.
_WIDTH_INFO = {1: 24, 2: 25, 4: 26, 8: 27}
BREAK = b"\xff"


def head(major: int, argument: int, width: int | None = None) -> bytes:
    """The head of ``major`` with ``argument``: in the shortest form, or with the argument in
    ``width`` bytes (0: in the initial byte)."""
    if width is None:
        return _shortest(major, argument)
    if width == 0:
        assert argument < 24
        return bytes([major << 5 | argument])
    return bytes([major << 5 | _WIDTH_INFO[width]]) + argument.to_bytes(width, "big")


def _shortest(major: int, argument: int) -> bytes:
    for width in (0, 1, 2, 4, 8):
        if (width == 0 and argument < 24) or (width and argument < 1 << (8 * width)):
            return head(major, argument, width)
    raise ValueError(f"argument {argument} does not fit a head")


def indefinite(major: int) -> bytes:
    """The initial byte of an indefinite-length string, array or map."""
    return bytes([major << 5 | 31])


def text(value: str, width: int | None = None) -> bytes:
    data = value.encode()
    return head(3, len(data), width) + data


def byte_string(value: bytes, width: int | None = None) -> bytes:
    return head(2, len(value), width) + value


def chunked(major: int, *chunks: bytes) -> bytes:
    """An indefinite-length byte (2) or text (3) string of the given chunks."""
    return indefinite(major) + b"".join(head(major, len(c)) + c for c in chunks) + BREAK


def mapping(pairs: list[tuple[bytes, bytes]], width: int | None = None) -> bytes:
    """A map of raw keys and values; ``width`` -1 writes it with an indefinite length."""
    body = b"".join(k + v for k, v in pairs)
    if width == -1:
        return indefinite(5) + body + BREAK
    return head(5, len(pairs), width) + body


def array(items: list[bytes], width: int | None = None) -> bytes:
    """An array of raw items; ``width`` -1 writes it with an indefinite length."""
    body = b"".join(items)
    if width == -1:
        return indefinite(4) + body + BREAK
    return head(4, len(items), width) + body


def item(value: object) -> bytes:
    """A value in the deterministic encoding."""
    return to_cbor_bytes(value)
