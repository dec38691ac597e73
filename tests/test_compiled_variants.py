"""The compiled build's variants of the generated modules (``reference/compiled/aqwal``) behave
as the default build's modules (spec: TYP-16).

The compiled build compiles them in place of ``aqwal/types.py``, ``aqwal/postcard_codec.py``
and ``aqwal/json_writer.py`` (see ``setup.py``), and the whole suite runs on it; here, in
either build, the variants' sources are loaded as ordinary modules under names of their own
and compared with the modules this build runs.
"""

from __future__ import annotations

import copy
import enum
import importlib.util
import pickle
import random
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from aqwal import codec, json_writer, postcard_codec
from aqwal import types as t
from aqwal.declarations import ALL_TYPES
from aqwal.errors import AqwalError, EncodeError
from aqwal.schema import Enum, Struct
from aqwal_conformance.valuegen import SHAPES, ValueMaker, event_values, nested_variant_values

VARIANTS = Path(__file__).resolve().parents[1] / "reference" / "compiled" / "aqwal"


def _load(name: str) -> ModuleType:
    """The variant ``name`` of ``reference/compiled/aqwal`` as a module of its own name."""
    module_name = f"compiled_variant_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, VARIANTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # pickling finds classes by module name
    spec.loader.exec_module(module)
    return module


NATIVE = _load("types")


def _samples() -> Iterator[tuple[str, Any]]:
    """A value of every value class of this build: (class name, value)."""
    for shape in ("maximal", "minimal"):
        maker = ValueMaker(SHAPES[shape], random.Random(shape), workflow=True, registry=ALL_TYPES)
        for d in ALL_TYPES:
            if isinstance(d, Struct):
                yield d.class_name, t.new_value(getattr(t, d.class_name), maker.fields(d.fields))
            elif isinstance(d, Enum) and not d.unit_only:
                for v in d.variants:
                    yield v.py_name or v.name, maker.variant_value(d, v)


SAMPLES = list(_samples())


def _native(value: Any) -> Any:
    """The same value built from the variant's classes (fields converted recursively)."""
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_native(x) for x in value)
    if hasattr(value, "_fields"):
        cls = getattr(NATIVE, type(value).__name__)
        return cls(*(_native(x) for x in value))
    if isinstance(value, enum.Enum):
        return getattr(getattr(NATIVE, type(value).__name__), value.name)
    return value


def test_every_value_class_has_a_native_variant_with_its_fields() -> None:
    names = {name for name, _ in SAMPLES}
    assert len(names) >= 70
    for name in names:
        assert getattr(NATIVE, name)._fields == getattr(t, name)._fields, name


@pytest.mark.parametrize("shape", ["maximal", "minimal"])
def test_native_values_behave_as_the_default_builds_values(shape: str) -> None:
    """spec: TYP-16 — equality, hashing, repr, iteration, indexing, _replace, _asdict, _make,
    pickling, copying and pattern matching, class by class."""
    half = len(SAMPLES) // 2
    rows = SAMPLES[:half] if shape == "maximal" else SAMPLES[half:]
    for name, value in rows:
        native = _native(value)
        cls = type(native)
        fields = tuple(value)
        assert not isinstance(native, tuple)
        assert repr(native) == repr(value)
        assert hash(native) == hash(_native(fields)), name
        assert native == cls(*_native(fields))
        assert not native != cls(*_native(fields))  # noqa: SIM202
        assert tuple(native) == _native(fields) and len(native) == len(fields)
        if fields:
            assert native[0] == _native(fields[0]) and native[-1] == _native(fields[-1])
            assert native[1:] == _native(fields[1:])
            first = cls._fields[0]
            assert native._replace(**{first: "changed"})[0] == "changed"
            assert cls(**native._asdict()) == native
            value_class = cls
            match native:
                case value_class(head):
                    assert head == native[0]
                case _:
                    pytest.fail(f"{name} does not match its class pattern")
        with pytest.raises(ValueError, match="unexpected field names"):
            native._replace(no_such_field=1)
        assert cls._make(iter(native)) == native
        assert pickle.loads(pickle.dumps(native)) == native
        assert copy.copy(native) == native and copy.deepcopy(native) == native
        assert NATIVE.new_value(cls, list(native)) == native


def test_native_equality_compares_the_class_as_the_default_build_does() -> None:
    for module in (t, NATIVE):
        paused, resumed = module.EnginePaused(5), module.EngineResumed(5)
        assert paused != resumed and not paused == resumed  # noqa: SIM201
        assert paused != (5,) and paused == module.EnginePaused(5)
        assert hash(paused) == hash((5,))
        a, = paused
        assert a == 5


def test_native_values_accept_any_field_until_the_encoder_refuses_it() -> None:
    """spec: TYP-16, ENC-21 — a wrongly typed field is the encoder's error, not the class's."""
    value = NATIVE.EnginePaused("now")
    assert value.timestamp == "now"
    with pytest.raises(EncodeError) as info:
        codec.encode_record(t.WalEvent(1, t.EnginePaused("now")))  # type: ignore[arg-type]
    assert info.value.code == "invalid_value_type"


def _events() -> Iterator[t.WalEvent]:
    for variant in [v.name for v in ALL_TYPES.enum("WalEventType").variants]:
        for _, event in event_values(variant, workflow=True):
            yield event
    for _, _, event in nested_variant_values(workflow=True):
        yield event


EVENTS = list(_events())


def test_the_native_decoder_and_encoder_agree_with_the_default_ones() -> None:
    """The variant decoder builds values by calling their classes and calls each record's
    variant function through a binary search; the variant encoder reads fields by name."""
    native_codec = _load("postcard_codec")
    assert len(EVENTS) > 31 * 8
    for strict in (True, False):
        for event in EVENTS:
            payload = codec.encode_payload(event, workflow=True)
            record = codec.frame(payload)
            mode = codec.mode_of(strict=strict, workflow=True)
            expected = postcard_codec.decode_frame_at(record, 0, strict=strict, workflow=True)
            got = native_codec.decode_frame_at(record, 0, strict=strict, workflow=True)
            assert got == expected
            assert native_codec._d_WalEvent(payload, 0, len(payload), mode) == (
                postcard_codec._d_WalEvent(payload, 0, len(payload), mode)
            )
            out = bytearray()
            native_codec._e_WalEvent(event, out, codec.mode_of(workflow=True))
            assert bytes(out) == payload


def test_the_native_header_reader_reads_as_struct_does() -> None:
    native_codec = _load("postcard_codec")
    rng = random.Random(16)
    for _ in range(200):
        data = rng.randbytes(40)
        offset = rng.randrange(0, 28)
        assert native_codec.header_at(data, offset) == postcard_codec.header_at(data, offset)


def test_the_native_decoder_reports_the_default_ones_errors() -> None:
    native_codec = _load("postcard_codec")
    rng = random.Random(7)
    for _ in range(600):
        damaged = bytearray(codec.encode_record(rng.choice(EVENTS), workflow=True))
        damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        damaged[8:12] = codec.HEADER.pack(0, 0, zlib.crc32(damaged[12:]))[8:12]
        outcomes = []
        for module in (postcard_codec, native_codec):
            try:
                outcomes.append(module.decode_frame_at(bytes(damaged), 0, workflow=True))
            except AqwalError as exc:
                outcomes.append((exc.code, exc.offset))
        assert outcomes[0] == outcomes[1]


def test_the_native_json_writer_writes_the_default_ones_text() -> None:
    native_writer = _load("json_writer")
    for event in EVENTS:
        assert native_writer.wal_event_json(event) == json_writer.wal_event_json(event)


def test_a_native_values_size_bound_counts_its_fields() -> None:
    """The JSON-lines reader's lower bound of a value's postcard size looks into values of
    either build (the compiled build's are not tuples)."""
    from aqwal.jsonlines import payload_at_least

    for _, value in SAMPLES[:40]:
        assert payload_at_least(_native(value)) == payload_at_least(value)
    assert payload_at_least(NATIVE.TaskPayload(b"x" * 300, "y" * 20)) == 320
