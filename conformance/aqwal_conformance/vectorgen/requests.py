"""Request vectors: request bodies the runner sends as they are (spec: CP-2, CP-13).

Most break CP-2 behind an intact length prefix: the implementation must answer
``request_malformed`` and go on serving. They are a ``hello`` request spoiled in one place, so
that an implementation which reads past the fault answers ``hello`` — and fails the case. The
others are ``hello`` requests that CP-2 allows but the deterministic encoding never writes
(indefinite lengths, over-long heads, chunked keys, the deepest nesting, tags and simple values
as data): the implementation must answer them as ``hello``.
"""

from __future__ import annotations

from collections.abc import Iterator

from aqwal_conformance.protocol import REQUEST_MALFORMED
from aqwal_conformance.vectorgen.cbor_raw import (
    BREAK,
    array,
    byte_string,
    chunked,
    head,
    item,
    mapping,
    text,
)
from aqwal_conformance.vectors import Vector

KIND = text("kind")
PROTOCOL = text("protocol")
HELLO = mapping([(KIND, text("hello")), (PROTOCOL, b"\x01")])
#: CP-2's bound on nesting, the body's map being level 1.
MAX_BODY_DEPTH = 128


def _hello(protocol: bytes = b"\x01", kind: bytes = text("hello")) -> bytes:
    """``{kind: "hello", protocol: 1}`` with the raw ``kind`` and ``protocol`` values."""
    return mapping([(KIND, kind), (PROTOCOL, protocol)])


def _hello_with(extra: bytes) -> bytes:
    """A hello request with one more, unknown member ``x``, whose value is ``extra``."""
    return mapping([(KIND, text("hello")), (PROTOCOL, b"\x01"), (text("x"), extra)])


def _structure() -> Iterator[tuple[str, str, bytes]]:
    yield "empty", "an empty body", b""
    yield "array", "an array, not a map", item(["hello", 1])
    yield "integer", "an integer, not a map", b"\x01"
    yield "text", "a text string, not a map", text("hello")
    yield "null", "null, not a map", b"\xf6"
    yield "tag-around-map", "tag 1 around the request map", b"\xc1" + HELLO
    yield "self-described-array", "tag 55799 around an array", b"\xd9\xd9\xf7\x80"
    yield (
        "integer-key",
        "a map with an integer key",
        mapping([(KIND, text("hello")), (PROTOCOL, b"\x01"), (b"\x01", b"\x02")]),
    )
    yield (
        "array-key",
        "a map with an array key",
        mapping([(KIND, text("hello")), (PROTOCOL, b"\x01"), (array([b"\x01"]), b"\x02")]),
    )
    yield (
        "bytes-key",
        "a map with the key kind as a byte string",
        mapping([(byte_string(b"kind"), text("hello")), (PROTOCOL, b"\x01")]),
    )


def _breaks_and_heads() -> Iterator[tuple[str, str, bytes]]:
    yield "break-alone", "a break byte and nothing else", BREAK
    yield "break-as-value", "a break where a definite map's value belongs", _hello(BREAK)
    yield (
        "break-after-key",
        "a break after a key of an indefinite-length map",
        (b"\xbf" + KIND + text("hello") + PROTOCOL + BREAK),
    )
    yield (
        "break-in-definite-array",
        "a break inside a definite-length array",
        _hello_with(b"\x81" + BREAK),
    )
    yield "break-in-tag", "a break as the content of a tag", _hello_with(b"\xc1" + BREAK)
    for info, major in ((28, 0), (29, 1), (30, 7), (28, 2), (29, 4), (30, 5), (28, 6)):
        initial = bytes([major << 5 | info])
        yield (
            f"reserved-{info}-major-{major}",
            (f"additional information {info} (reserved) with major type {major}"),
            _hello(initial + b"\x00" * 8),
        )
    yield "reserved-at-start", "a body starting with additional information 28", b"\xfc" + HELLO
    for major, name in ((0, "integer"), (1, "negative-integer"), (6, "tag")):
        yield (
            f"indefinite-{name}",
            f"an indefinite length on a {name.replace('-', ' ')}",
            (_hello(bytes([major << 5 | 31]) + b"\x01")),
        )


def _strings() -> Iterator[tuple[str, str, bytes]]:
    yield (
        "chunk-text-in-bytes",
        "a text chunk in an indefinite-length byte string",
        _hello_with(b"\x5f" + text("a") + BREAK),
    )
    yield (
        "chunk-bytes-in-text",
        "a byte chunk in an indefinite-length text string",
        _hello(kind=b"\x7f" + byte_string(b"hello") + BREAK),
    )
    yield (
        "chunk-integer",
        "an integer as a chunk of a byte string",
        _hello_with(b"\x5f\x01" + BREAK),
    )
    yield (
        "chunk-indefinite-bytes",
        "an indefinite-length chunk in a byte string",
        _hello_with(b"\x5f" + chunked(2, b"a") + BREAK),
    )
    yield (
        "chunk-indefinite-text",
        "an indefinite-length chunk in a text string",
        _hello(kind=b"\x7f" + chunked(3, b"hello") + BREAK),
    )
    for arg in (0, 20, 31):
        yield (
            f"simple-{arg}-two-bytes",
            f"simple value {arg} in two bytes",
            _hello(bytes([0xF8, arg])),
        )
    yield (
        "simple-20-two-bytes-key",
        "simple value 20 in two bytes as a key",
        mapping([(KIND, text("hello")), (PROTOCOL, b"\x01"), (b"\xf8\x14", b"\x00")]),
    )
    bad_texts = {
        "invalid-byte": b"hell\xff",
        "truncated": b"hell\xc3",
        "overlong": b"\xc0\xaf",
        "surrogate": b"\xed\xa0\x80",
        "above-u10ffff": b"\xf4\x90\x80\x80",
    }
    for name, raw in bad_texts.items():
        yield (
            f"utf8-{name}-value",
            f"the value of kind is not UTF-8 ({name})",
            _hello(kind=head(3, len(raw)) + raw),
        )
    yield (
        "utf8-invalid-unknown-member",
        "an unknown member's value is not UTF-8",
        _hello_with(head(3, 4) + b"ab\xff\xfe"),
    )
    yield (
        "utf8-invalid-key",
        "a key that is not UTF-8",
        mapping([(head(3, 4) + b"kin\xff", text("hello")), (PROTOCOL, b"\x01")]),
    )
    yield (
        "utf8-split-across-chunks",
        ("a character split between two chunks of a text string (each chunk must be UTF-8)"),
        _hello(kind=chunked(3, b"hell\xc3", b"\xa9")),
    )
    yield (
        "utf8-invalid-chunk-key",
        "a chunked key whose second chunk is not UTF-8",
        mapping([(KIND, text("hello")), (chunked(3, b"proto", b"\xffcol"), b"\x01")]),
    )


def _lengths() -> Iterator[tuple[str, str, bytes]]:
    yield "cut-in-map", "a body cut inside its map", HELLO[:-1]
    yield "cut-in-head", "a body cut inside an integer's head", _hello(b"\x19\x00")
    yield "cut-in-string", "a text string longer than the body", HELLO[:-1] + b"\x6a"
    yield (
        "cut-indefinite-map",
        "an indefinite-length map without its break",
        (b"\xbf" + KIND + text("hello") + PROTOCOL + b"\x01"),
    )
    yield (
        "cut-indefinite-string",
        "an indefinite-length string without its break",
        _hello(kind=b"\x7f" + text("hello")),
    )
    yield (
        "cut-long-array",
        "an array declaring more items than follow",
        _hello_with(b"\x9a\x00\x01\x00\x00\x00"),
    )
    yield "trailing-zero", "a byte after the map", HELLO + b"\x00"
    yield "trailing-break", "a break after the map", HELLO + BREAK
    yield "trailing-map", "a second map after the map", HELLO + HELLO


def _depth() -> Iterator[tuple[str, str, bytes]]:
    below = MAX_BODY_DEPTH  # levels under the body's map: one more than CP-2 allows
    arrays = b"\x81" * (below - 1) + b"\x80"
    tags = b"\xd8\x63" * below + b"\x00"
    maps = (b"\xa1" + text("x")) * (below - 1) + b"\xa0"
    for name, nested in (("arrays", arrays), ("tags", tags), ("maps", maps)):
        yield (
            f"nesting-129-{name}",
            f"129 levels of nesting ({name} under an unknown member)",
            (_hello_with(nested)),
        )
    value = (b"\xa1" + text("x")) * (below - 2) + b"\xa0"  # the WalEvent map is one more
    event = mapping([(text("event"), value), (text("sequence"), b"\x01")])
    yield (
        "nesting-129-encode-event",
        ("an encode_event request whose value nests one level deeper than the body allows"),
        mapping([(KIND, text("encode_event")), (text("value"), event)]),
    )
    yield (
        "nesting-129-self-described",
        "the body's map in tag 55799, holding 128 levels",
        (b"\xd9\xd9\xf7" + _hello_with(b"\x81" * (below - 2) + b"\x80")),
    )


def _well_formed() -> Iterator[tuple[str, str, bytes]]:
    yield (
        "hello-indefinite-map",
        "the map with an indefinite length (its break ends the body)",
        (mapping([(KIND, text("hello")), (PROTOCOL, b"\x01")], -1)),
    )
    yield (
        "hello-overlong-heads",
        "the map's length, the keys' lengths and 1 in 8 bytes",
        mapping([(text("kind", 8), text("hello", 8)), (text("protocol", 8), head(0, 1, 8))], 8),
    )
    yield (
        "hello-chunked-text",
        "keys and kind in chunks, empty chunks among them",
        mapping([(chunked(3, b"ki", b"", b"nd"), chunked(3, b"", b"hello")), (PROTOCOL, b"\x01")]),
    )
    yield (
        "hello-keys-reversed",
        "the keys not in the deterministic order",
        mapping([(PROTOCOL, b"\x01"), (KIND, text("hello"))]),
    )
    yield (
        "hello-self-described",
        "the map inside tag 55799 (allowed and ignored)",
        (b"\xd9\xd9\xf7" + HELLO),
    )
    yield (
        "hello-ends-with-chunked-bytes",
        "an unknown member, last, a chunked byte string",
        (_hello_with(chunked(2, b"\x00", b""))),
    )
    yield (
        "hello-ends-with-indefinite-array",
        "an unknown member, last, an indefinite array",
        (_hello_with(array([array([], -1)], -1))),
    )
    data = (
        b"\xd8\x1c\x81\xd8\x1d\x00"  # tags 28 and 29: a shared value and a reference to it
        + b"\xd8\x24"
        + text("a: b")  # tag 36: a MIME message
        + b"\xc2\x49\x01"
        + bytes(8)  # tag 2: 2^64
        + b"\xf7\xf8\xff\xf0"  # undefined, simple values 255 and 16
        + b"\xf9\x7e\x00\xfa\x3f\x80\x00\x00\xfb"
        + bytes(8)  # floats of each width
    )
    yield "hello-data-items", "tags, simple values and floats as data in an unknown member", (
        _hello_with(array([data[:6], data[6:13], data[13:24], data[24:25], data[25:27],
                           data[27:28], data[28:31], data[31:36], data[36:45]]))
    )  # fmt: skip
    levels = MAX_BODY_DEPTH - 1  # under the body's map: the deepest CP-2 allows
    yield (
        "hello-nesting-128",
        "arrays, maps and tags 128 levels deep in an unknown member",
        (_hello_with(b"\xa1" + text("x") + b"\xd8\x63" * (levels - 2) + b"\x81\x00")),
    )


def request_vectors() -> Iterator[Vector]:
    for name, what, body in _well_formed():
        yield Vector(
            f"request/{name}",
            "request",
            f"a hello request CP-2 allows, in an encoding the deterministic one does not "
            f"write: {what}",
            "valid",
            body,
            ("CP-2", "CP-13", "CBR-5"),
        )
    groups = (
        (_structure(), ("CP-2", "CP-13")),
        (_breaks_and_heads(), ("CP-2", "CP-13", "CBR-5")),
        (_strings(), ("CP-2", "CP-13", "CBR-5")),
        (_lengths(), ("CP-2", "CP-13", "CBR-5")),
        (_depth(), ("CP-2", "CP-13")),
    )
    for cases, clauses in groups:
        for name, what, body in cases:
            yield Vector(
                f"request/{name}",
                "request",
                f"a request body breaking CP-2: {what}",
                "invalid",
                body,
                clauses,
                error=REQUEST_MALFORMED,
            )
