"""Encode vectors in CBOR encodings other than the deterministic one (spec: CBR-5, CBR-7, CP-6).

A CBOR-form reader must read any well-formed item: indefinite-length maps, arrays and strings
(chunked, with empty chunks or none), heads whose argument takes more bytes than it needs, and
tags, floats of every width and two-byte simple values wherever they appear — and then refuse,
with the path of the value, what the form does not allow there. The runner sends these inputs
to an implementation as they are (CP-6), so each is also a request body holding a value in
that encoding.
"""

from __future__ import annotations

from collections.abc import Iterator

from aqwal_conformance.scenarios import uid
from aqwal_conformance.vectorgen.cbor_raw import (
    array,
    byte_string,
    chunked,
    head,
    mapping,
    text,
)
from aqwal_conformance.vectors import Vector

TASK = uid(1, 1)
RUN = uid(2, 1)
#: Each value nests at most this deep, so that its request body (one level more) nests at most
#: 128 deep (CP-2).
DEEPEST_VALUE = 127


def _event(variant: str, fields: list[tuple[str, bytes]], width: int | None = None) -> bytes:
    """``{variant: {field: value, ...}}`` with the fields' raw values."""
    return mapping([(text(variant), mapping([(text(k), v) for k, v in fields], width))])


def _walevent(
    event: bytes,
    sequence: bytes = b"\x01",
    width: int | None = None,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> bytes:
    return mapping([(text("event"), event), (text("sequence"), sequence), *(extra or [])], width)


def _canceled(task_id: bytes | None = None, timestamp: bytes = b"\x05") -> bytes:
    return _event(
        "TaskCanceled",
        [("task_id", byte_string(TASK) if task_id is None else task_id), ("timestamp", timestamp)],
    )


def _ledger(key: bytes, payload: bytes) -> bytes:
    return _event(
        "LedgerEntryAppended",
        [
            ("entry_id", byte_string(uid(10, 1))),
            ("tenant_id", byte_string(uid(8, 1))),
            ("ledger_key", key),
            ("actor_id", b"\xf6"),
            ("payload", payload),
            ("timestamp", b"\x05"),
        ],
    )


def _declared(depends_on: bytes) -> bytes:
    return _event(
        "DependencyDeclared",
        [("task_id", byte_string(TASK)), ("depends_on", depends_on), ("timestamp", b"\x05")],
    )


def _suspended(reason: bytes) -> bytes:
    return _event(
        "RunSuspended", [("run_id", byte_string(RUN)), ("reason", reason), ("timestamp", b"\x05")]
    )


def _indefinite() -> Iterator[tuple[str, str, bytes, str | None]]:
    canceled = _canceled()
    yield "indefinite-map-walevent", "the WalEvent map", _walevent(canceled, width=-1), None
    fields = [("task_id", byte_string(TASK)), ("timestamp", b"\x05")]
    inner = mapping([(text("TaskCanceled"), mapping([(text(k), v) for k, v in fields], -1))], -1)
    yield "indefinite-map-event", "the event map and its fields' map", _walevent(inner), None
    empty = _walevent(canceled, extra=[(text("x"), mapping([], -1))])
    yield "indefinite-map-empty", "an empty map under an unknown key", empty, None
    ids = [byte_string(uid(1, 2)), byte_string(uid(1, 3))]
    yield "indefinite-array-items", "depends_on", _walevent(_declared(array(ids, -1))), None
    yield "indefinite-array-empty", "depends_on, empty", _walevent(_declared(array([], -1))), None
    nested = _walevent(canceled, extra=[(text("x"), array([array([b"\x01"], -1), b"\x02"], -1))])
    yield "indefinite-array-nested", "arrays in arrays under an unknown key", nested, None
    halves = chunked(2, TASK[:8], TASK[8:])
    yield (
        "indefinite-bytes-two-chunks",
        "an identifier in two chunks",
        _walevent(_canceled(halves)),
        None,
    )
    padded = chunked(2, b"", TASK, b"")
    yield (
        "indefinite-bytes-empty-chunks",
        "an identifier between two empty chunks",
        _walevent(_canceled(padded)),
        None,
    )
    no_chunks = _walevent(_ledger(text("k"), chunked(2)))
    yield "indefinite-bytes-no-chunks", "a payload with no chunks at all", no_chunks, None
    short = _walevent(_canceled(chunked(2, TASK[:15])))
    yield "indefinite-bytes-short", "a 15-byte identifier in one chunk", short, "form_invalid_uuid"
    key = chunked(3, b"seq", b"", b"uence")
    by_key = mapping([(text("event"), canceled), (key, b"\x01")])
    yield "indefinite-text-key", "the key sequence in chunks", by_key, None
    variant = mapping(
        [(chunked(3, b"", b"Task", b"", b"Canceled"), mapping([(text(k), v) for k, v in fields]))]
    )
    yield "indefinite-text-variant", "the variant name in chunks", _walevent(variant), None
    empty_key = _walevent(_ledger(chunked(3), b"\x40"))
    yield "indefinite-text-no-chunks", "a ledger key with no chunks at all", empty_key, None
    wide = _walevent(_ledger(chunked(3, "wö".encode(), "r€".encode(), "😀".encode()), b"\x40"))
    yield "indefinite-text-multibyte", "a ledger key in chunks of whole characters", wide, None
    reason = _walevent(_suspended(chunked(3, b"lease", b" lost")))
    yield "indefinite-text-option", "an Option<String> in chunks", reason, None
    wrong = _walevent(_canceled(chunked(3, TASK[:8].hex().encode())))
    yield "indefinite-text-for-bytes", "an identifier as chunked text", wrong, "form_type_mismatch"


def _overlong() -> Iterator[tuple[str, str, bytes, str | None]]:
    canceled = _canceled()
    for width in (1, 2, 4, 8):
        yield (
            f"overlong-uint-{width}",
            f"sequence 1 in {width} byte(s)",
            _walevent(canceled, head(0, 1, width)),
            None,
        )
        yield (
            f"overlong-negative-{width}",
            f"timestamp -1 in {width} byte(s)",
            _walevent(_canceled(timestamp=head(1, 0, width))),
            "form_out_of_range",
        )
        keys = mapping([(text("event"), canceled), (text("sequence", width), b"\x01")])
        yield f"overlong-text-length-{width}", f"a key's length in {width} byte(s)", keys, None
        payload = _walevent(_ledger(text("k"), byte_string(b"\x01", width)))
        yield (
            f"overlong-bytes-length-{width}",
            f"a payload's length in {width} byte(s)",
            payload,
            None,
        )
        yield (
            f"overlong-map-length-{width}",
            f"the WalEvent map's length in {width} byte(s)",
            (_walevent(canceled, width=width)),
            None,
        )
        ids = array([byte_string(uid(1, 2))], width)
        yield (
            f"overlong-array-length-{width}",
            f"depends_on's length in {width} byte(s)",
            (_walevent(_declared(ids))),
            None,
        )
        tagged = head(6, 2, width) + byte_string(b"\x05")
        yield (
            f"overlong-tag-{width}",
            f"tag 2 (a bignum) in {width} byte(s) as sequence",
            (_walevent(canceled, tagged)),
            None,
        )
    wide_id = _walevent(_canceled(byte_string(TASK, 8)))
    yield "overlong-identifier-length", "a 16-byte identifier's length in 8 bytes", wide_id, None
    nested_bignum = b"\xc2" + chunked(2, b"\x00", b"\x05")
    yield (
        "bignum-chunked",
        "tag 2 around a chunked byte string 00 05 as sequence",
        _walevent(canceled, nested_bignum),
        None,
    )


def _items_where_not_allowed() -> Iterator[tuple[str, str, bytes, str | None]]:
    canceled = _canceled()
    floats = {
        "half": b"\xf9\x3c\x00",
        "single": b"\xfa\x3f\x80\x00\x00",
        "double": b"\xfb\x3f\xf0\x00\x00\x00\x00\x00\x00",
    }
    for name, value in floats.items():
        yield (
            f"float-{name}-for-bytes",
            f"a {name}-precision 1.0 as an identifier",
            _walevent(_canceled(value)),
            "form_type_mismatch",
        )
        yield (
            f"float-{name}-for-option",
            f"a {name}-precision 1.0 as an Option<String>",
            (_walevent(_suspended(value))),
            "form_type_mismatch",
        )
    yield (
        "float-single-for-sequence",
        "a single-precision 1.0 as sequence",
        _walevent(canceled, floats["single"]),
        "form_type_mismatch",
    )
    for name, value in (("nan", b"\xf9\x7e\x00"), ("infinity", b"\xfa\x7f\x80\x00\x00")):
        yield (
            f"float-{name}-for-timestamp",
            f"{name} as a timestamp",
            _walevent(_canceled(timestamp=value)),
            "form_type_mismatch",
        )
    for simple in (32, 255):
        yield (
            f"simple-{simple}-two-bytes",
            f"simple value {simple} (two bytes) as sequence",
            (_walevent(canceled, bytes([0xF8, simple]))),
            "form_type_mismatch",
        )
    yield (
        "simple-32-for-option",
        "simple value 32 as an Option<String>",
        _walevent(_suspended(b"\xf8\x20")),
        "form_type_mismatch",
    )
    keys = {
        "array": array([b"\x01"]),
        "empty-array": array([]),
        "map": mapping([(b"\x01", array([b"\x02"]))]),
        "nested": array([mapping([(text("a"), array([b"\x01", b"\x02"]))])]),
        "tag": b"\xc1\x01",
        "tag-around-array": b"\xd8\x63" + array([b"\x01", mapping([])]),
        "float": b"\xf9\x3c\x00",
        "bytes": byte_string(b"sequence"),
    }
    for name, key in keys.items():
        yield (
            f"key-{name}",
            f"a WalEvent map with a key that is {name.replace('-', ' ')}",
            (_walevent(canceled, extra=[(key, b"\x00")])),
            "form_type_mismatch",
        )
    fields = mapping(
        [(array([text("task_id")]), b"\x00"), (text("task_id"), byte_string(TASK)),
         (text("timestamp"), b"\x05")]
    )  # fmt: skip
    yield (
        "key-array-in-struct",
        "a struct map with an array key",
        _walevent(mapping([(text("TaskCanceled"), fields)])),
        "form_type_mismatch",
    )
    repeated = mapping([(array([b"\x01"]), b"\x00"), (array([b"\x01"]), b"\x01")])
    yield (
        "key-array-repeated",
        "two equal array keys under an unknown key",
        _walevent(canceled, extra=[(text("x"), repeated)]),
        None,
    )


def _tags() -> Iterator[tuple[str, str, bytes, str | None]]:
    canceled = _canceled()
    yield (
        "tag-around-walevent",
        "tag 99 around the WalEvent map",
        b"\xd8\x63" + _walevent(canceled),
        "form_type_mismatch",
    )
    yield (
        "tag-self-described-walevent",
        "tag 55799 around the WalEvent map",
        b"\xd9\xd9\xf7" + (_walevent(canceled)),
        "form_type_mismatch",
    )
    yield (
        "tag-around-identifier",
        "tag 99 around an identifier",
        _walevent(_canceled(b"\xd8\x63" + byte_string(TASK))),
        "form_type_mismatch",
    )
    yield (
        "tag-around-key",
        "tag 99 around the key sequence",
        mapping([(text("event"), canceled), (b"\xd8\x63" + text("sequence"), b"\x01")]),
        "form_type_mismatch",
    )
    yield (
        "tag-around-event",
        "tag 99 around the event map",
        _walevent(b"\xd8\x63" + canceled),
        "form_type_mismatch",
    )
    unknown = _walevent(
        canceled, extra=[(text("x"), b"\xdb" + (2**64 - 1).to_bytes(8, "big") + b"\x00")]
    )
    yield "tag-largest-under-unknown-key", "tag 2^64-1 under an unknown key", unknown, None


def _deepest() -> Iterator[tuple[str, str, bytes, str | None]]:
    canceled = _canceled()
    levels = DEEPEST_VALUE - 1  # the WalEvent map is the value's first level
    arrays = b"\x81" * (levels - 1) + b"\x80"
    maps = (b"\xa1" + text("x")) * (levels - 1) + b"\xa0"
    tags = b"\xd8\x63" * levels + b"\x00"
    for name, nested in (("arrays", arrays), ("maps", maps), ("tags", tags)):
        yield (
            f"deepest-{name}",
            (
                f"{DEEPEST_VALUE} levels of nesting ({name} under an unknown key): its request "
                f"body nests 128 deep, the most CP-2 allows"
            ),
            _walevent(canceled, extra=[(text("x"), nested)]),
            None,
        )


def cbor_encoding_vectors() -> Iterator[Vector]:
    groups = (
        (_indefinite(), ("CBR-5",)),
        (_overlong(), ("CBR-5",)),
        (_items_where_not_allowed(), ("CBR-5", "CBR-7")),
        (_tags(), ("CBR-5", "CBR-7")),
        (_deepest(), ("CBR-5", "CP-2")),
    )
    for cases, clauses in groups:
        for name, what, data, code in cases:
            yield Vector(
                f"encode/cbor-{name}",
                "encode",
                f"{what}, in CBOR the deterministic encoding does not write"
                if code is None
                else f"refused: {what}",
                "invalid" if code else "valid",
                data,
                (*clauses, "CP-6"),
                error=code,
            )
