"""Generated files and the committed registries are current."""

from __future__ import annotations

import json
from pathlib import Path

from aqwal import codegen
from aqwal.declarations import WAL_V4, WAL_V5
from aqwal.registry import export, export_text, load

ROOT = Path(__file__).resolve().parents[1]


def test_generated_modules_are_current() -> None:
    # also the compiled build's variants (TYP-16), in reference/compiled/aqwal
    for path, text in codegen.render_all().items():
        committed = ROOT / "reference" / path.relative_to(codegen.PACKAGE_DIR.parent)
        name = committed.relative_to(ROOT)
        assert committed.read_text(encoding="utf-8") == text, (
            f"{name} is out of date: run python -m aqwal.codegen"
        )


def test_committed_registries_are_current() -> None:
    for version, reg in ((5, WAL_V5), (4, WAL_V4)):
        path = ROOT / "spec" / "registry" / f"wal-v{version}.json"
        assert path.read_text(encoding="utf-8") == export_text(reg), (
            f"{path.name} is out of date: run aqwal schema export --wal-version {version} -o {path}"
        )


def test_registry_document_round_trips() -> None:
    doc = export(WAL_V5)
    assert export(load(json.loads(json.dumps(doc)))) == doc


def test_v4_is_a_prefix_of_v5() -> None:
    v4 = WAL_V4.enum("WalEventType").variants
    v5 = WAL_V5.enum("WalEventType").variants
    assert len(v4) == 23
    assert v5[:23] == v4


def test_registry_defaults_are_the_readers_defaults() -> None:
    """spec: VER-1, JSN-3 — the ``default`` member is what a reader fills in for an absent key."""
    from aqwal.declarations import SNAPSHOT_V8
    from aqwal.forms import JSON_FORM
    from aqwal.schema import Struct

    seen = 0
    for reg in (WAL_V5, SNAPSHOT_V8):
        doc = export(reg)
        for d in reg:
            if not isinstance(d, Struct):
                continue
            rows = {f["name"]: f for f in doc["types"][d.name]["fields"]}
            for f in d.fields:
                if f.serde_default:
                    assert rows[f.name]["default"] == JSON_FORM.default_of(f.wire), (d.name, f.name)
                    seen += 1
    assert seen >= 15
    engine = export(SNAPSHOT_V8)["types"]["Snapshot"]["fields"][5]
    assert engine["default"] == {"paused": False, "paused_at": None, "resumed_at": None}


def test_newtype_variant_field_names_appear_in_no_form() -> None:
    """spec: VER-1 — the name a registry gives a newtype variant's one field (from the overlay)
    is a label only: no form and no byte carries it."""
    from aqwal import types as t
    from aqwal.forms import CBOR_FORM, JSON_FORM

    variants = export(WAL_V5)["types"]["RunPolicy"]["variants"]
    assert variants[1]["fields"] == [{"name": "policy", "type": {"ref": "RepeatPolicy"}}]
    repeat = t.RunPolicyRepeat(t.RepeatPolicy(6, 1800))
    for form in (JSON_FORM, CBOR_FORM):
        assert form.dump("RunPolicy", repeat) == {"Repeat": {"count": 6, "interval_secs": 1800}}
        assert form.dump("Role", t.RoleCustom("x")) == {"Custom": "x"}


def test_a_registry_default_must_be_the_derived_one() -> None:
    """spec: VER-1 — ``default`` is optional on reading, but never contradicts the type."""
    import pytest

    from aqwal.errors import SchemaError
    from aqwal.registry import parse

    doc = export(WAL_V5)
    field = doc["types"]["RunInstance"]["fields"][-1]
    assert field == {
        "name": "last_state_change_at",
        "type": "u64",
        "serde_default": True,
        "default": 0,
    }
    del field["default"]
    parse(json.dumps(doc))  # an older registry without defaults still reads
    field["default"] = 7
    with pytest.raises(SchemaError) as info:
        parse(json.dumps(doc))
    assert info.value.code == "registry_invalid"
